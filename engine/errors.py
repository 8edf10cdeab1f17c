"""Error types whose messages are meant for the user: each names where the problem is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a runbook: file, activity or link, key, and what is wrong."""

    message: str
    file: str = ""
    activity: str | None = None  # activity id
    link: tuple[str, str] | None = None  # (from, to)
    key: str | None = None  # dotted path inside the activity or link, e.g. "properties.filters[0].op"
    severity: Literal["error", "warning"] = "error"

    def where(self) -> str:
        parts = []
        if self.activity is not None:
            parts.append(f'activity "{self.activity}"')
        if self.link is not None:
            parts.append(f'link "{self.link[0]}" -> "{self.link[1]}"')
        if self.key:
            parts.append(f'key "{self.key}"')
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        prefix = f"{self.file}: " if self.file else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{label}{where + ': ' if where else ''}{self.message}"


class InterlockError(Exception):
    """Base of every error the user may see; str() is the message to show."""


class RunbookError(InterlockError):
    """A runbook file that cannot be loaded or is invalid; carries every located problem."""

    def __init__(self, problems: list[Problem] | Problem | str, file: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, file=file)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        self.file = file or (problems[0].file if problems else "")
        super().__init__("\n".join(str(p) for p in problems if p.severity == "error") or "invalid runbook")


class ParameterError(InterlockError):
    """Job parameters that do not match the runbook's start parameters."""


class ConfigError(InterlockError):
    """A configuration file or connection that is unusable; the message names file and key."""


class PackError(InterlockError):
    """An activity pack that cannot be loaded; the message names the pack."""


class ActivityError(Exception):
    """Raised by activity code for an expected failure: the message becomes the instance's error."""
