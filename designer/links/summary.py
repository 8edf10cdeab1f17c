"""Links in the user's words (no Qt): what the canvas writes on a link and how it colours it.

A link's conditions are stored as ids and operator keys (DESIGN §3.4); the canvas shows them the way an
operator reads them — `Status equals Running`, `Warning or failed` — with subscriptions shown the Opalis
way, `{field from "Activity"}`, so nobody has to decode `{{get_vms.status}}` on the drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from engine.format.model import DataCondition, Link, StatusCondition
from engine.format.templates import Reference, as_text, parse

SUMMARY_LIMIT = 60

# The operator in words, in the order of DESIGN §3.4 (the editor lists them in this order too).
OPERATOR_WORDS: dict[str, str] = {
    "equals": "equals",
    "not_equals": "does not equal",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "matches": "matches",
    "not_matches": "does not match",
    "less_than": "is less than",
    "greater_than": "is greater than",
    "at_most": "is at most",
    "at_least": "is at least",
    "between": "is between",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
}
NO_VALUE_OPS: frozenset[str] = frozenset({"is_empty", "is_not_empty"})

STATUS_WORDS: dict[str, str] = {
    "success": "succeeded",
    "warning": "warning",
    "failed": "failed",
    "cancelled": "cancelled",
}

AnyCondition = StatusCondition | DataCondition | Mapping[str, Any]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def reference_text(reference: Reference, names: Mapping[str, str]) -> str:
    """`{field from "Name"}`: a subscription as the designer shows it (DESIGN §3.1)."""
    return f'{{{reference.field} from "{names.get(reference.activity, reference.activity)}"}}'


def value_text(value: Any, names: Mapping[str, str]) -> str:
    """A condition value for reading: subscriptions by activity name, an empty text as `""`."""
    if isinstance(value, str):
        template = parse(value)
        if template is None:
            return value if value else '""'
        return "".join(part if isinstance(part, str) else reference_text(part, names)
                       for part in template.parts)
    if isinstance(value, list):
        return ", ".join(value_text(item, names) for item in value)
    return as_text(value) if value is not None else '""'


def status_text(statuses: str | list[str] | tuple[str, ...]) -> str:
    """`Succeeded`, `Warning or failed`, `Succeeded, warning or failed`: the authored order, deduplicated."""
    items = [statuses] if isinstance(statuses, str) else list(dict.fromkeys(statuses))
    words = [STATUS_WORDS.get(status, status) for status in items]
    if not words:
        return "No status"
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return _capitalised(text)


def _as_dict(condition: AnyCondition) -> Mapping[str, Any]:
    if isinstance(condition, StatusCondition | DataCondition):
        return condition.model_dump()
    return condition


def condition_text(condition: AnyCondition, names: Mapping[str, str]) -> str:
    """One condition in words: `Status equals Running`, `Warning or failed`, `Size is between 1 and 5`."""
    data = _as_dict(condition)
    if "status" in data:
        return status_text(data["status"])
    field = str(data.get("field", ""))
    field_name = field.split(".", 1)[1] if "." in field else field
    op = str(data.get("op", ""))
    words = OPERATOR_WORDS.get(op, op.replace("_", " "))
    head = f"{_capitalised(field_name)} {words}"
    if op in NO_VALUE_OPS:
        return head
    value = data.get("value")
    if op == "between" and isinstance(value, list | tuple) and len(value) == 2:
        return f"{head} {value_text(value[0], names)} and {value_text(value[1], names)}"
    return f"{head} {value_text(value, names)}"


def is_default(link: Link) -> bool:
    """The plain success link: no include written, nothing excluded."""
    return link.include is None and not link.exclude


def _shorten(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[:SUMMARY_LIMIT - 1].rstrip() + "…"


def link_summary(link: Link, names: Mapping[str, str]) -> str:
    """What the canvas writes on a link: its label, nothing for the default link, else its conditions."""
    if link.label:
        return _shorten(link.label)
    if is_default(link):
        return ""
    text = " or ".join(condition_text(c, names) for c in link.include_conditions())
    if link.exclude:
        text += " except " + " or ".join(condition_text(c, names) for c in link.exclude)
    return _shorten(text)


def link_kind(link: Link) -> Literal["success", "failure", "data"]:
    """How the canvas colours a link: error routes (status only, without success) stand out first,
    then links that filter on data; everything else is a plain success link."""
    include = link.include_conditions()
    if all(isinstance(c, StatusCondition) for c in include) and not any(
            "success" in c.statuses() for c in include if isinstance(c, StatusCondition)):
        return "failure"
    if any(isinstance(c, DataCondition) for c in (*include, *link.exclude)):
        return "data"
    return "success"


__all__ = ["NO_VALUE_OPS", "OPERATOR_WORDS", "STATUS_WORDS", "condition_text", "is_default",
           "link_kind", "link_summary", "reference_text", "status_text", "value_text"]
