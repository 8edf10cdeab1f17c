"""Subscriptions as a person reads them: `{{get_vms.vm_name}}` is shown as `{vm_name from "Get VMs"}`.

The runbook stores activity ids (stable across renames); the designer shows activity names, the Opalis
way (DESIGN §3.1). This module converts between the two forms and knows nothing of Qt.

Job data and global variables (DESIGN §6.1) read `{runbook from job data}` (stored `{{job.runbook}}`) and
`{Mail Server from variables}` (stored `{{var.Mail Server}}`): unquoted, so no activity name can clash.

In the shown form a backslash before `{field from "Known Name"}` (or `{field from variables}`) marks
literal text, so stored text that happens to read like a shown subscription survives the round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The stored grammar, as engine.templates parses it; group 1 is the `\` that makes it literal text.
_STORED = re.compile(r"(\\)?\{\{\s*([a-z][a-z0-9_]*)\.([^{}]*?)\s*\}\}")
# The shown form; group 1 is an escaping backslash, group 3 a quoted activity name, group 4 `job data` or
# `variables` (job data and variables are not activities: they read without quotes, so no name clashes).
_SHOWN = re.compile(r'(\\)?\{([^{}]*?) from (?:"([^"]*)"|((?i:job data|variables)))\s*\}')
GLOBAL_SOURCES = {"job": "job data", "var": "variables"}
_GLOBAL_IDS = {source: reserved for reserved, source in GLOBAL_SOURCES.items()}


@dataclass(frozen=True)
class ScopeField:
    """One published field of an ancestor activity, which a property may subscribe to; with how it reads
    to a person (the pack's title, type and description; empty when unknown)."""

    activity_id: str
    activity_name: str
    field: str
    title: str = ""
    type: str = ""
    description: str = ""


def reference_text(field: ScopeField) -> str:
    """The stored form of a subscription to `field`."""
    return f"{{{{{field.activity_id}.{field.field}}}}}"


def shown_text(field: ScopeField) -> str:
    """The shown form of a subscription to `field`."""
    return _shown(field.activity_id, field.field, field.activity_name)


def _shown(activity_id: str, field: str, name: str) -> str:
    source = GLOBAL_SOURCES.get(activity_id)
    return f"{{{field} from {source}}}" if source else f'{{{field} from "{name}"}}'


def to_display(text: str, names: dict[str, str]) -> str:
    """The stored string as shown: references to known activity ids read `{field from "Name"}`."""
    if "{" not in text:
        return text
    names = _activities(names)
    known = {name.casefold() for name in names.values()}
    out: list[str] = []
    pos = 0
    for match in _STORED.finditer(text):
        out.append(_escape_shown(text[pos:match.start()], known))
        source = match.group(2)
        name = names.get(source)
        if match.group(1) or (name is None and source not in GLOBAL_SOURCES):
            out.append(_escape_shown(match.group(0), known))
        else:
            out.append(_shown(source, match.group(3), name or ""))
        pos = match.end()
    out.append(_escape_shown(text[pos:], known))
    return "".join(out)


def from_display(text: str, ids: dict[str, str]) -> str:
    """The shown string as stored: `{field from "Name"}` of a known name becomes `{{id.field}}`,
    `{field from job data}` `{{job.field}}` and `{field from variables}` `{{var.field}}`.

    Names match case-insensitively, because people type them; an unknown name stays as typed so the
    live validation can point at it.
    """
    if "{" not in text:
        return text
    by_name = {name.casefold(): activity_id for name, activity_id in ids.items()
               if activity_id not in GLOBAL_SOURCES}

    def replace(match: re.Match[str]) -> str:
        source = match.group(4)
        activity_id = _GLOBAL_IDS[source.casefold()] if source else by_name.get(match.group(3).casefold())
        if activity_id is None:
            return match.group(0)
        if match.group(1):  # escaped: literal text, drop the one backslash to_display added
            return match.group(0)[1:]
        return f"{{{{{activity_id}.{match.group(2)}}}}}"

    return _SHOWN.sub(replace, text)


def _activities(names: dict[str, str]) -> dict[str, str]:
    """Activity ids and names only: `job` and `var` are never activities (a scope lists them too)."""
    return {i: n for i, n in names.items() if i not in GLOBAL_SOURCES}


def _escape_shown(literal: str, known: set[str]) -> str:
    """Mark literal text that would read back as a subscription to a known activity, job data or a
    variable."""
    if " from " not in literal:
        return literal
    return _SHOWN.sub(lambda m: "\\" + m.group(0) if m.group(4) or m.group(3).casefold() in known
                      else m.group(0), literal)
