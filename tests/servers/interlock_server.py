"""A real `interlock server` for the tests: started as its own process (uvicorn, as users run it) on a
free 127.0.0.1 port, with the test's INTERLOCK_HOME (run history, tokens), an admin token made for it,
and stopped by SIGTERM — the graceful shutdown users get — when the block ends.

    with running_server(catalogue_dir, config=cfg) as server:
        httpx.get(f"{server.url}/api/v1/runbooks", headers=server.headers())
"""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from . import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class InterlockServer:
    url: str  # e.g. http://127.0.0.1:40123 (https when given a certificate)
    admin_token: str
    home: Path  # INTERLOCK_HOME of the server: history.sqlite3, server.sqlite3
    log: Path  # the server's stderr and stdout
    process: subprocess.Popen[bytes]
    ca_file: str | None = None  # the certificate clients trust for an https server (its own CA)
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, name: str, role: str = "operator", folders: Sequence[str] = ()) -> str:
        """A new token of this server (made in its token store, as `interlock server token create`)."""
        from engine.server.security import TokenStore

        store = TokenStore(self.home / "server.sqlite3")
        try:
            self.tokens[name] = store.create(name, role, folders)  # type: ignore[arg-type]
        finally:
            store.close()
        return self.tokens[name]

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What httpx needs to trust the server."""
        return ssl.create_default_context(cafile=self.ca_file) if self.ca_file else True

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin_token}"}

    def client(self, token: str | None = None, *, headers: dict[str, str] | None = None,
               timeout: float = 30.0) -> httpx.Client:
        """An httpx client of this server, sending the token (the admin's unless given)."""
        return httpx.Client(base_url=self.url, headers={**self.headers(token), **(headers or {})},
                            verify=self.verify, timeout=timeout)

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM, as systemd stops it; its exit code once it has ended (killed after timeout_s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running_server(catalogue: Path, *, config: Path | None = None, schedules: Path | None = None,
                   tls: tuple[Path, Path] | None = None, args: Sequence[str] = (),
                   home: Path | None = None) -> Iterator[InterlockServer]:
    """`interlock server --catalogue DIR` on a free port; `tls`: (certificate, key) for HTTPS (the
    certificate is then the CA the client trusts: tests/conftest.py self_signed_certificate)."""
    from engine.server.security import TokenStore

    home = home or Path(os.environ["INTERLOCK_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    store = TokenStore(home / "server.sqlite3")
    try:
        admin = store.create(f"test-admin-{free_port()}", "admin")
    finally:
        store.close()
    port = free_port()
    command = [sys.executable, "-m", "engine.cli.main", "server", "--catalogue", str(catalogue),
               "--listen", f"127.0.0.1:{port}", *args]
    if config is not None:
        command += ["--config", str(config)]
    if schedules is not None:
        command += ["--schedules", str(schedules)]
    if tls is not None:
        command += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
    log = home / f"server-{port}.log"
    env = {**os.environ, "INTERLOCK_HOME": str(home), "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(home))
    scheme = "https" if tls else "http"
    server = InterlockServer(f"{scheme}://127.0.0.1:{port}", admin, home, log, process,
                             ca_file=str(tls[0]) if tls else None)

    def ready() -> bool:
        try:
            answer = httpx.get(f"{server.url}/api/v1/health", verify=server.verify, timeout=1)
            return answer.status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_ready("interlock server", ready, process, log, within_s=30)
        yield server
    finally:
        server.stop()
