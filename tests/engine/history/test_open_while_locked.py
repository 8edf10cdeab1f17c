"""Opening the run history while another process writes to a new file: SQLite refuses the switch to WAL
at once ("database is locked", without its busy timeout) while a write lock is held, so the history
waits for it as a write would — 8 `interlock run` processes starting together on a fresh home failed
on this."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from engine.history import SQLiteHistory


def test_the_history_opens_once_another_writer_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE other_writer (x)")  # a file still in rollback-journal mode
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    history = SQLiteHistory(path)
    try:
        assert history._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert history.schema_version() >= 1
    finally:
        history.close()
        other.close()
