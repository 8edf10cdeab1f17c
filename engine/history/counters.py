"""Counter values in the run history's SQLite database (DESIGN §6.1): the engine's CounterStore.

Each change is one transaction that takes the write lock up front (BEGIN IMMEDIATE) and waits for it up
to the busy timeout, so jobs in any number of processes sharing the file never lose a change. The file is
opened at the first use: an engine that never touches a counter never opens it. Reading a counter that
was never changed returns its default without writing anything.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .. import paths
from ..config.settings import Config, load_config
from ..run.clock import iso, now
from ..run.counters import CounterAction, next_value
from ..sqlitedb import immediate
from .sqlite import connect
from .store import HistoryError, StoredCounter

if TYPE_CHECKING:
    from .postgres import PostgresCounters


class SQLiteCounters:
    """Counters in the history database at `path` (INTERLOCK_HOME's history.sqlite3 by default)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else paths.history_path()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, used from worker threads one at a time

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = connect(self.path)
        return self._db

    def change(self, name: str, action: CounterAction, amount: int, default: int) -> int:
        """Apply `action` and return the value afterwards (a counter never changed starts at `default`)."""
        with self._lock:
            db = self._connection()
            try:
                if action == "get":
                    row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
                    return row[0] if row else default
                with immediate(db):
                    row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
                    value = next_value(name, action, row[0] if row else default, amount, default)
                    db.execute("INSERT INTO counters (name, value, updated_at) VALUES (?, ?, ?)"
                               " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
                               " updated_at = excluded.updated_at", (name, value, iso(now())))
                return value
            except sqlite3.Error as exc:
                raise HistoryError(f"{self.path}: cannot {action} the counter: {exc}") from None

    def stored(self) -> list[StoredCounter]:
        """Every counter that has been changed, by name."""
        with self._lock:
            try:
                rows = self._connection().execute(
                    "SELECT name, value, updated_at FROM counters ORDER BY name").fetchall()
            except sqlite3.Error as exc:
                raise HistoryError(f"{self.path}: cannot read the counters: {exc}") from None
        return [StoredCounter(name=r[0], value=r[1], updated_at=r[2]) for r in rows]

    def exists(self) -> bool:
        """Whether the file is there (listing counters does not create it)."""
        return self.path.exists()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def open_counters(path: str | Path | None = None, *, config: Config | None = None
                  ) -> SQLiteCounters | PostgresCounters:
    """The counters this process reads and changes: in the SQLite file at `path`, else beside the run
    history `config` names (by default the configuration found as for `interlock run`)."""
    if path is None:
        config = config if config is not None else load_config()
        if config.history.url:
            from .postgres import PostgresCounters  # SQLAlchemy loads only for PostgreSQL

            return PostgresCounters(config)
    return SQLiteCounters(path)
