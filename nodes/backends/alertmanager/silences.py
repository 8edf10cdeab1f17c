"""Alertmanager silences as the API v2 writes them, and how Interlock's maintenance windows map to them.

A window on object X is a silence with exactly one matcher, `LABEL="X"` (equality, no regex), created
by the connection's `created_by`. Its comment carries the SCOM-style reason in front:
"PlannedOther: VM checkpoint of batch 1" (just "PlannedOther" when there is no comment).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from nodes.backends.interface import MaintenanceReason, MaintenanceRecord, iso_utc

REASONS: frozenset[str] = frozenset(get_args(MaintenanceReason))
_SEPARATOR = ": "
# Silences that still silence: "pending" ones start later (a server clock behind ours) and will.
LIVE_STATES = ("active", "pending")


class _Api(BaseModel):
    # Alertmanager adds fields between versions; only the ones read here are checked.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Matcher(_Api):
    name: str
    value: str
    is_regex: bool = Field(alias="isRegex")
    is_equal: bool = Field(True, alias="isEqual")  # absent before Alertmanager 0.22: every matcher was "="


class SilenceStatus(_Api):
    state: Literal["active", "pending", "expired"] | str


class Silence(_Api):
    """A gettableSilence (GET /api/v2/silence/{id} and the items of GET /api/v2/silences)."""

    id: str
    status: SilenceStatus
    matchers: list[Matcher]
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime = Field(alias="endsAt")
    created_by: str = Field(alias="createdBy")
    comment: str


def encode_comment(reason: str, comment: str) -> str:
    return f"{reason}{_SEPARATOR}{comment}" if comment else reason


def decode_comment(text: str) -> tuple[str, str]:
    """(reason, comment) of a silence's comment; a comment written by a person has no reason."""
    if text in REASONS:
        return text, ""
    head, separator, rest = text.partition(_SEPARATOR)
    if separator and head in REASONS:
        return head, rest
    return "", text


def matcher_for(label: str, obj: str) -> dict[str, Any]:
    return {"name": label, "value": obj, "isRegex": False, "isEqual": True}


def filter_for(label: str, obj: str) -> str:
    """The `filter` query value that asks the server for silences with this matcher (a pre-selection:
    the exact test is is_window)."""
    quoted = obj.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{label}="{quoted}"'


def is_window(silence: Silence, label: str, obj: str, created_by: str) -> bool:
    """A live window this connection made for obj: never a person's silence, nor one with more or other
    matchers (those silence something else as well, and are not ours to end)."""
    return (silence.status.state in LIVE_STATES and silence.created_by == created_by
            and silence.matchers == [Matcher.model_validate(matcher_for(label, obj))])


def window_record(obj: str, silences: list[Silence]) -> MaintenanceRecord:
    """The window these silences of one object make: from the first start to the last end."""
    first = min(silences, key=lambda s: s.starts_at)
    reason, comment = decode_comment(first.comment)
    return MaintenanceRecord(object=obj, reason=reason, comment=comment, start_time=iso_utc(first.starts_at),
                             end_time=iso_utc(max(s.ends_at for s in silences)))
