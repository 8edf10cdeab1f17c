"""The run history: every job, its instances with their published rows, and its events.

`open_history()` opens the history this process writes to and reads from (INTERLOCK_HOME's
history.sqlite3 unless a path is given); callers depend only on the `RunHistory` interface of `store`,
so a second back-end is one new module and one more branch here. `HistoryStore` is the SQLite store's
name from before the interface existed, kept for code written against it.

May import: the foundation modules, `engine.format` and `engine.run`. Never `cli` or `schedule`.
"""

from __future__ import annotations

from pathlib import Path

from .buffered import FLUSH_AT
from .counters import SQLiteCounters, StoredCounter, open_counters
from .sqlite import SCHEMA_VERSION, SQLiteHistory
from .store import HistoryError, JobSummary, RunHistory, StoredInstance, StoredJob

HistoryStore = SQLiteHistory


def open_history(path: str | Path | None = None) -> RunHistory:
    """The run history at `path` (a SQLite file), or this user's default one."""
    return SQLiteHistory(path)


__all__ = [
    "FLUSH_AT", "SCHEMA_VERSION", "HistoryError", "HistoryStore", "JobSummary", "RunHistory",
    "SQLiteCounters", "SQLiteHistory", "StoredCounter", "StoredInstance", "StoredJob", "open_counters",
    "open_history",
]
