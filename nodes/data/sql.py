"""What the database activities share: the values a parameter may hold and finding the connection."""

from __future__ import annotations

from engine.activity import RunContext
from engine.errors import ActivityError
from nodes.backends.database import Database

# A bound value: subscriptions arrive as text; a runbook may also hold numbers, booleans or null.
ParameterValue = bool | int | float | str | None


def database_of(context: RunContext, name: str) -> Database:
    """The `database` connection called `name` (ConfigError when it is not configured)."""
    backend = context.connection(name)
    if not isinstance(backend, Database):
        raise ActivityError(f'connection "{name}" is not a database connection (kind = "database" with '
                            f"a url, see docs/connections.md)")
    return backend
