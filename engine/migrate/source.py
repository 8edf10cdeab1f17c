"""What a mapper of a standard activity sees of an Orchestrator object (engine/migrate/standard.py): its
settings found by the names the Runbook Designer shows, matched without case or spaces ("SMTP Server",
"SmtpServer" and "smtpserver" are one), converted to Interlock text, and which of them were read."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .connections import ConnectionBook
from .export import Obj
from .markers import ENCRYPTED, SUBSCRIPTION, VARIABLE

Text = Callable[[str, str], str]  # (Orchestrator value, setting name) -> Interlock template text
Warn = Callable[[str], None]
Mapped = tuple[str, dict[str, Any]]


def fold_name(name: str) -> str:
    return re.sub(r"[\s_]+", "", name).casefold()


@dataclass(frozen=True)
class Source:
    """One Orchestrator activity as a mapper sees it."""

    obj: Obj
    text: Text
    warn: Warn
    connections: ConnectionBook
    where: str
    used: set[str] = field(default_factory=set)  # the settings and tables read: the rest is reported

    def _find(self, names: tuple[str, ...]) -> tuple[str, str] | None:
        folded = {fold_name(key): key for key in self.obj.fields}
        for name in names:
            key = folded.get(fold_name(name))
            if key is not None:
                self.used.add(key)
                return key, self.obj.fields[key]
        return None

    def raw(self, *names: str) -> str:
        """The first of these settings the activity has, as Orchestrator stored it ("" when none)."""
        found = self._find(names)
        return "" if found is None else found[1]

    def converted(self, *names: str) -> str:
        """The setting as Interlock text (subscriptions, variables and secrets converted)."""
        found = self._find(names)
        return "" if found is None else self.text(found[1], found[0])

    def flag(self, *names: str) -> bool:
        return self.raw(*names).strip().casefold() in ("true", "1", "yes")

    def number(self, *names: str) -> int | None:
        text = self.raw(*names).strip()
        return int(text) if text.isdigit() and len(text) < 10 else None

    def signed(self, *names: str) -> int:
        """A whole number setting that may be negative (0 when absent or not a number)."""
        text = self.raw(*names).strip()
        return int(text) if text.lstrip("-").isdigit() and len(text) < 10 else 0

    def plain(self, names: tuple[str, ...], to_check: list[str], key: str) -> str:
        """A setting that goes into a connection, which holds no subscriptions: plain text, or "" and
        `key` listed to fill in by hand when it was a subscription or a variable."""
        value = self.raw(*names)
        if SUBSCRIPTION.search(value) or VARIABLE.search(value) or ENCRYPTED.search(value):
            to_check.append(key)
            return ""
        return value.strip()

    def rows(self, table_hint: str) -> list[dict[str, str]]:
        """The rows of the first table whose name holds `table_hint` (e.g. "RECIPIENT")."""
        for name, rows in self.obj.tables.items():
            if table_hint in name.upper():
                self.used.add(name)
                return rows
        return []

    def cell(self, row: dict[str, str], *names: str) -> tuple[str, str]:
        """(column, value) of the first of these columns the row has."""
        folded = {fold_name(k): k for k in row}
        for name in names:
            if fold_name(name) in folded:
                column = folded[fold_name(name)]
                return column, row[column]
        return "", ""

    def has_password(self, *names: str) -> bool:
        return bool(self.raw(*names).strip())


def missing(source: Source, what: str) -> None:
    settings = ", ".join(sorted(source.obj.fields)) or "none"
    source.warn(f"its {what} setting was not found (settings: {settings}): kept as a placeholder")


def checked(source: Source, what: str) -> None:
    source.warn(f"imported as {what} from the settings the Runbook Designer shows; check it, since the "
                f"export format of this activity is not documented")
