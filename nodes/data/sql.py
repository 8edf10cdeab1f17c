"""What the database activities share: the values a parameter may hold and finding the connection."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from pydantic import AfterValidator

from engine.activity import RunContext
from engine.errors import ActivityError
from nodes.backends.database import Database


def _scalars(values: dict[str, Any]) -> dict[str, Any]:
    for name, value in values.items():
        if isinstance(value, list | dict):
            raise ValueError(f'"{name}": a list or object cannot be bound; give text, a number, true/false '
                             f"or null")
    return values


# Values bound to :names or columns: subscriptions arrive as text; a runbook may also hold numbers,
# booleans or null. dict[str, Any] so that the designer edits it as a name/value table.
BoundValues = Annotated[dict[str, Any], AfterValidator(_scalars)]


def cancel_flag(context: RunContext) -> threading.Event | None:
    """The job's cancel flag, which the engine sets when the job is cancelled, so that a running
    statement is stopped on the server too (None where a context has none)."""
    flag = getattr(context, "cancel_requested", None)
    return flag if isinstance(flag, threading.Event) else None


def database_of(context: RunContext, name: str) -> Database:
    """The `database` connection called `name` (ConfigError when it is not configured)."""
    backend = context.connection(name)
    if not isinstance(backend, Database):
        raise ActivityError(f'connection "{name}" is not a database connection (kind = "database" with '
                            f"a url, see docs/connections.md)")
    return backend
