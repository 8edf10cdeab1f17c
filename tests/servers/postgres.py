"""A real PostgreSQL server for the tests (Debian's postgresql package): a throwaway cluster made with
initdb in a temporary folder, listening on 127.0.0.1 at a free port and on a unix socket in that
folder, with a database and a user who logs in with a password; stopped (pg_ctl stop -m immediate)
and deleted when the block ends.

    with running_postgres() as server:
        Connection(kind="database", url=server.url(), password_env=...)   # server.password

PostgreSQL refuses to run as root, so as root the server runs as `nobody` (the folder is made in the
system's temporary folder, which nobody can reach, and given to it); as any other user it runs as that
user. The suite starts one server: the session fixture `postgres` in tests/conftest.py.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import require_real

from servers import free_port

START_WITHIN_S = 60
UNPRIVILEGED = "nobody"


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: Debian keeps them per version in /usr/lib/postgresql/N/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@dataclass
class PostgresServer:
    port: int
    socket_dir: Path
    database: str
    user: str
    password: str = field(repr=False)
    superuser: str = "postgres"
    host: str = "127.0.0.1"

    def url(self, database: str | None = None) -> str:
        """An SQLAlchemy URL of the test database over TCP, without the password."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database or self.database}"

    def admin(self, sql: Any, *params: Any, database: str | None = None) -> list[tuple[Any, ...]]:
        """Run SQL (text or psycopg.sql) as the superuser over the unix socket (for setting up, and for
        looking at what a test did); the rows it returns."""
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.superuser,
                             dbname=database or self.database, autocommit=True) as connection:
            cursor = connection.execute(sql if not isinstance(sql, str) else sql.encode(), params or None)
            return cursor.fetchall() if cursor.description else []


def _as_server_user() -> dict[str, Any]:
    """subprocess keywords that drop root to an unprivileged user (nothing to do for anyone else)."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(UNPRIVILEGED)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _run(argv: list[str], log: Path, **keywords: Any) -> None:
    """Run a step of starting the server; a failure names it, with its output and the server's log."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=START_WITHIN_S, **keywords)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr or done.stdout}\n"
                           f"{server_log}")


def _with_database(port: int, socket_dir: Path, database: str, user: str) -> PostgresServer:
    """The running server, with a user who logs in with a new password and a database it owns."""
    from psycopg import sql

    server = PostgresServer(port=port, socket_dir=socket_dir, database=database, user=user,
                            password=secrets.token_urlsafe(18))
    # utility statements take no bound parameters: the password goes in as a quoted literal
    server.admin(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
        sql.Identifier(user), sql.Literal(server.password)), database="postgres")
    server.admin(sql.SQL("CREATE DATABASE {} OWNER {}").format(
        sql.Identifier(database), sql.Identifier(user)), database="postgres")
    return server


@contextmanager
def running_postgres(database: str = "cmdb", user: str = "runbooks") -> Iterator[PostgresServer]:
    binaries = postgres_bin()
    require_real(binaries is not None, "PostgreSQL's server", "apt install postgresql")
    assert binaries is not None
    switch = _as_server_user()
    base = Path(tempfile.mkdtemp(prefix="interlock-pg-"))
    if switch:
        os.chown(base, switch["user"], switch["group"])
    data, log = base / "data", base / "server.log"
    port = free_port()
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data)]
    try:
        _run([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
              "--auth-host=scram-sha-256", "--no-locale", "-E", "UTF8", "--no-sync"], log, cwd=base, **switch)
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        _run([*pg_ctl, "-l", str(log), "-w", "-t", str(START_WITHIN_S), "-o", options, "start"], log,
             cwd=base, **switch)
        yield _with_database(port, base, database, user)
    finally:
        if (data / "postmaster.pid").exists():  # started (even if it did not answer in time)
            subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, timeout=START_WITHIN_S,
                           cwd=base, **switch)
        shutil.rmtree(base, ignore_errors=True)
