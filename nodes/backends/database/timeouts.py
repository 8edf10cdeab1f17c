"""Stopping a running statement: at its time limit, or when its job is cancelled.

PostgreSQL: `statement_timeout`, set for this transaction only (set_config(..., true)), so the server
itself cancels a slow statement; a cancelled job sends the server a cancel request. SQLite: a progress
handler interrupts the statement once the deadline has passed or the job is cancelled. Other
databases: neither is enforced here (documented).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

POSTGRES_CANCELLED = "57014"  # SQLSTATE query_canceled: statement_timeout or a cancel request
_SQLITE_STEPS = 1000  # virtual-machine steps between two looks at the clock (~microseconds)
_WATCH_S = 0.1  # how often a PostgreSQL statement's watcher looks at the job's cancel flag


@dataclass
class Limit:
    """What may stop a statement, and whether it did."""

    seconds: float | None
    cancel: threading.Event | None = None
    hit: bool = False  # the deadline interrupted it (SQLite)
    cancelled: bool = False  # the job was cancelled while it ran

    def explains(self, error: BaseException | None) -> str | None:
        """Why the statement ended, when this limit ended it."""
        if self.cancelled:
            return "cancelled with its job"
        if self.seconds is not None and (self.hit or getattr(error, "sqlstate", None) == POSTGRES_CANCELLED):
            return f"cancelled after the timeout of {self.seconds:g} s"
        return None

    def interrupt_now(self) -> bool:
        """For SQLite's progress handler: true once the deadline passed or the job was cancelled."""
        if self.cancel is not None and self.cancel.is_set():
            self.cancelled = True
        return self.cancelled or self.hit


@contextmanager
def stoppable(connection: Connection, seconds: float | None,
              cancel: threading.Event | None) -> Iterator[Limit]:
    limit = Limit(seconds, cancel)
    dialect = connection.dialect.name
    if dialect == "postgresql":
        if seconds is not None:
            connection.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                               {"ms": str(max(1, round(seconds * 1000)))})
        with _watching(limit, connection.connection.driver_connection.cancel_safe):
            yield limit
    elif dialect == "sqlite" and (seconds is not None or cancel is not None):
        raw = connection.connection.driver_connection
        deadline = time.monotonic() + seconds if seconds is not None else None

        def stop_now() -> int:
            if deadline is not None and time.monotonic() > deadline:
                limit.hit = True
            return int(limit.interrupt_now())  # non-zero interrupts the statement

        raw.set_progress_handler(stop_now, _SQLITE_STEPS)
        try:
            yield limit
        finally:
            raw.set_progress_handler(None, 0)
    else:
        yield limit


@contextmanager
def _watching(limit: Limit, send_cancel: Callable[..., Any]) -> Iterator[None]:
    """While the block runs, a thread sends the server a cancel request if the job is cancelled."""
    if limit.cancel is None:
        yield
        return
    cancel, finished = limit.cancel, threading.Event()

    def watch() -> None:
        while not finished.is_set():
            if cancel.wait(_WATCH_S):
                if not finished.is_set():
                    limit.cancelled = True
                    send_cancel()
                return

    watcher = threading.Thread(target=watch, name="interlock sql cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()
