"""A time limit on the statements of one transaction, the way each database enforces it.

PostgreSQL: `statement_timeout`, set for this transaction only (set_config(..., true)), so the server
itself cancels a slow statement. SQLite: a progress handler that interrupts the statement once the
deadline has passed. Other databases: not enforced here (documented).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text

POSTGRES_CANCELLED = "57014"  # SQLSTATE query_canceled: statement_timeout (or a cancel request)
_SQLITE_STEPS = 1000  # virtual-machine steps between two looks at the clock (~microseconds)


@dataclass
class Limit:
    """Whether the limit is what ended a statement."""

    seconds: float | None
    hit: bool = False

    def explains(self, error: BaseException | None) -> bool:
        cancelled = getattr(error, "sqlstate", None) == POSTGRES_CANCELLED
        return self.seconds is not None and (self.hit or cancelled)


@contextmanager
def time_limit(connection: Connection, seconds: float | None) -> Iterator[Limit]:
    limit = Limit(seconds)
    if seconds is None:
        yield limit
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        milliseconds = max(1, round(seconds * 1000))
        connection.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                           {"ms": str(milliseconds)})
        yield limit
    elif dialect == "sqlite":
        raw = connection.connection.driver_connection
        deadline = time.monotonic() + seconds

        def past_deadline() -> int:
            limit.hit = time.monotonic() > deadline
            return int(limit.hit)  # non-zero interrupts the statement

        raw.set_progress_handler(past_deadline, _SQLITE_STEPS)
        try:
            yield limit
        finally:
            raw.set_progress_handler(None, 0)
    else:
        yield limit
