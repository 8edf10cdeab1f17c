"""The run history: every job, its instances with their published rows, and its events.

`open_history()` opens the history this process writes to and reads from: the PostgreSQL database of
the configuration's `[history] url` (DESIGN §6.5), else INTERLOCK_HOME's history.sqlite3 (or the SQLite
file at `path`); callers depend only on the `RunHistory` interface of `store`. `HistoryStore` is the
SQLite store's name from before the interface existed, kept for code written against it.

May import: the foundation modules, `engine.format` and `engine.run`. Never `cli` or `schedule`.
"""

from __future__ import annotations

from pathlib import Path

from ..config.settings import Config, load_config
from .buffered import FLUSH_AT
from .counters import SQLiteCounters, StoredCounter, open_counters
from .sqlite import SCHEMA_VERSION, SQLiteHistory
from .store import HistoryError, JobSummary, RunHistory, StoredInstance, StoredJob

HistoryStore = SQLiteHistory


def open_history(path: str | Path | None = None, *, config: Config | None = None) -> RunHistory:
    """The run history at `path` (a SQLite file), else the one `config` names (by default the
    configuration found as for `interlock run`): PostgreSQL when it has `[history] url`, else SQLite."""
    if path is not None:
        return SQLiteHistory(path)
    config = config if config is not None else load_config()
    if config.history.url:
        from .postgres import PostgresHistory  # SQLAlchemy and Alembic load only for PostgreSQL

        return PostgresHistory.from_config(config)
    return SQLiteHistory()


def uses_sqlite(config: Config) -> bool:
    """True when the history is this user's SQLite file (which may not exist yet)."""
    return not config.history.url


__all__ = [
    "FLUSH_AT", "SCHEMA_VERSION", "HistoryError", "HistoryStore", "JobSummary", "RunHistory",
    "SQLiteCounters", "SQLiteHistory", "StoredCounter", "StoredInstance", "StoredJob", "open_counters",
    "open_history", "uses_sqlite",
]
