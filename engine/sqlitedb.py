"""SQLite files that several processes share: WAL mode, a busy timeout, write transactions that take the
lock up front, and numbered schema migrations. The run history and the server's tokens and audit log
each keep one such file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

BUSY_TIMEOUT_S = 30.0


class NewerSchemaError(Exception):
    """The file was written by a newer Interlock: its schema is past what this one knows."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema {found}, this one reads up to {known}")
        self.found, self.known = found, known


def open_shared(path: Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """The database at `path` (its folder created), in WAL mode, waiting up to `busy_timeout_s` for a
    lock. Autocommit mode: transactions are explicit (`immediate`), so each batch is exactly one.
    Raises OSError or sqlite3.DatabaseError; callers name the file in their own words."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
    try:
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        use_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        db.close()
        raise
    return db


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[None]:
    """One transaction that takes the write lock up front, so two writers wait rather than fail."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


# Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once, without waiting
# for the busy timeout, while another process holds a write lock on it (seen with 8 `interlock run`
# processes starting together on a fresh history): so wait and try again, as long as a write would wait.
@retry(retry=retry_if_exception(_locked), stop=stop_after_delay(BUSY_TIMEOUT_S),
       wait=wait_random_exponential(multiplier=0.01, max=0.5), reraise=True)
def use_wal(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode = WAL")


def migrate(db: sqlite3.Connection, migrations: dict[int, list[str]]) -> None:
    """Bring the file up to the highest version in `migrations` (version -> its statements; version 1
    creates everything), recording each in a `schema_version` table. NewerSchemaError when the file is
    past it."""
    latest = max(migrations)
    with immediate(db):  # two processes opening a new file must not both create it
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
        if current > latest:
            raise NewerSchemaError(current, latest)
        for version in range(current + 1, latest + 1):
            for statement in migrations[version]:
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))


def open_migrated(path: Path, migrations: dict[int, list[str]]) -> sqlite3.Connection:
    """`open_shared` then `migrate`; on failure the file is closed again and OSError, NewerSchemaError
    or sqlite3.DatabaseError raised for the caller to word."""
    db = open_shared(path)
    try:
        migrate(db, migrations)
    except BaseException:
        db.close()
        raise
    return db
