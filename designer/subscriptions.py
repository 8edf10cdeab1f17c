"""Subscriptions as a person reads them: `{{get_vms.vm_name}}` is shown as `{vm_name from "Get VMs"}`.

The runbook stores activity ids (stable across renames); the designer shows activity names, the Opalis
way (DESIGN §3.1). This module converts between the two forms and knows nothing of Qt.

In the shown form a backslash before `{field from "Known Name"}` marks literal text, so stored text that
happens to read like a shown subscription survives the round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The stored grammar, as engine.templates parses it; group 1 is the `\` that makes it literal text.
_STORED = re.compile(r"(\\)?\{\{\s*([a-z][a-z0-9_]*)\.([^{}]*?)\s*\}\}")
# The shown form; group 1 is an escaping backslash.
_SHOWN = re.compile(r'(\\)?\{([^{}]*?) from "([^"]*)"\s*\}')


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
    return f'{{{field.field} from "{field.activity_name}"}}'


def to_display(text: str, names: dict[str, str]) -> str:
    """The stored string as shown: references to known activity ids read `{field from "Name"}`."""
    if "{" not in text:
        return text
    known = {name.casefold() for name in names.values()}
    out: list[str] = []
    pos = 0
    for match in _STORED.finditer(text):
        out.append(_escape_shown(text[pos:match.start()], known))
        name = names.get(match.group(2))
        if match.group(1) or name is None:
            out.append(_escape_shown(match.group(0), known))
        else:
            out.append(f'{{{match.group(3)} from "{name}"}}')
        pos = match.end()
    out.append(_escape_shown(text[pos:], known))
    return "".join(out)


def from_display(text: str, ids: dict[str, str]) -> str:
    """The shown string as stored: `{field from "Name"}` of a known name becomes `{{id.field}}`.

    Names match case-insensitively, because people type them; an unknown name stays as typed so the
    live validation can point at it.
    """
    if "{" not in text:
        return text
    by_name = {name.casefold(): activity_id for name, activity_id in ids.items()}

    def replace(match: re.Match[str]) -> str:
        activity_id = by_name.get(match.group(3).casefold())
        if activity_id is None:
            return match.group(0)
        if match.group(1):  # escaped: literal text, drop the one backslash to_display added
            return match.group(0)[1:]
        return f"{{{{{activity_id}.{match.group(2)}}}}}"

    return _SHOWN.sub(replace, text)


def _escape_shown(literal: str, known: set[str]) -> str:
    """Mark literal text that would read back as a subscription to a known activity."""
    if " from " not in literal:
        return literal
    return _SHOWN.sub(lambda m: "\\" + m.group(0) if m.group(3).casefold() in known else m.group(0),
                      literal)
