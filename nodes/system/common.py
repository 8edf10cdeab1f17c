"""What the system pack's event-log and service activities share: the connection property (empty = this
machine), where an operation ran for messages, and the pack's colour."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from engine.errors import ActivityError

COLOR = "#a0522d"

CONNECTION = Field("", title="Connection",
                   description="A winrm connection (a Windows host) or an ssh connection (a Linux host); "
                               "empty: this machine")


@dataclass(frozen=True)
class Place:
    """Where an operation runs: a named connection, or this machine (connection = "")."""

    connection: str
    computer: str  # the host's name as published (the connection's host, or this machine's name)

    def error(self, operation: str, target: str, message: str) -> ActivityError:
        """A complete message: the operation, its target, where, and what the other side said."""
        where = f'on connection "{self.connection}"' if self.connection else "on this machine"
        return ActivityError(f"{operation} {target} {where}: {message}")
