"""Typed events a job emits while it runs (DESIGN §3.8).

The designer, the CLI and the run history store are subscribers: a subscriber is any callable taking
an Event. Events are built by the engine with `model_construct` (no re-validation on the hot path) and
serialise with `to_json()`, one JSON object, the form `interlock run --events` writes a line each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..format.model import Status

JunctionState = Literal["fired", "not reached", "blocked"]


class Event(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    kind: str
    job_id: str
    at: str  # ISO-8601, UTC

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)


class JobStarted(Event):
    kind: Literal["job_started"] = "job_started"
    runbook: str
    path: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    parent_job_id: str | None = None


class JobFinished(Event):
    kind: Literal["job_finished"] = "job_finished"
    runbook: str
    status: Status
    duration_s: float
    error: str | None = None  # an internal error of the engine that failed the job


class InstanceStarted(Event):
    kind: Literal["instance_started"] = "instance_started"
    activity: str
    name: str
    instance: int  # 0-based, in the order instances of this activity were started


class InstanceFinished(Event):
    kind: Literal["instance_finished"] = "instance_finished"
    activity: str
    name: str
    instance: int
    status: Status
    started_at: str
    finished_at: str
    duration_s: float
    attempts: int
    error: str | None = None
    rows: list[dict[str, Any]] = Field(default_factory=list)
    # The activity's properties as resolved for the instance (subscriptions filled in), for the
    # designer's instance inspector. Properties never hold secrets (those come from connections).
    inputs: dict[str, Any] = Field(default_factory=dict)


class LinkEvaluated(Event):
    """Tokens of one source instance offered to one link: how many passed and how many were filtered."""

    kind: Literal["link"] = "link"
    from_: str = Field(alias="from")
    to: str
    passed: int
    filtered: int


class JunctionResolved(Event):
    kind: Literal["junction"] = "junction"
    activity: str
    name: str
    state: JunctionState
    detail: str = ""
    rows: int = 0


class LogLine(Event):
    kind: Literal["log"] = "log"
    level: Literal["debug", "info", "warning", "error"] = "info"
    message: str
    activity: str | None = None


EventSink = Callable[[Event], None]
EVENT_TYPES: dict[str, type[Event]] = {
    cls.model_fields["kind"].default: cls
    for cls in (JobStarted, JobFinished, InstanceStarted, InstanceFinished, LinkEvaluated,
                JunctionResolved, LogLine)
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild a typed event from its JSON form (history, --events consumers)."""
    return EVENT_TYPES.get(data.get("kind", ""), Event).model_validate(data)
