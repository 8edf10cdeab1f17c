"""Counting a job's progress from its events: per activity running / done / warning / failed instances
and what they last worked on, per link tokens passed and filtered, per junction its state. The CLI's
live table and the designer's run view both draw from these counters; the job result, not they, is the
truth at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..format.model import Runbook
from .events import Event

SUBJECTS_SHOWN = 12


def subjects_text(values: list[str]) -> str:
    """"web01, web02 and 3 more": what the instances of an activity worked on."""
    shown = ", ".join(values[:SUBJECTS_SHOWN])
    more = len(values) - SUBJECTS_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def subjects_of(rows: list[dict[str, Any]], field: str | None) -> list[str]:
    if not field:
        return []
    return [str(row[field]) for row in rows if row.get(field) not in (None, "")]



@dataclass
class ActivityCounts:
    name: str
    running: int = 0
    done: int = 0
    warned: int = 0
    failed: int = 0  # failed or cancelled
    cancelled: int = 0
    junction: str | None = None  # the junction's state once resolved
    detail: str = ""  # why a junction was blocked or not reached
    first_start: float | None = None
    last_end: float | None = None
    latest: str = ""  # what the last finished instance worked on (its subject field), if known

    def elapsed(self, now: float) -> float | None:
        if self.first_start is None:
            return None
        return (now if self.running or self.last_end is None else self.last_end) - self.first_start


class ProgressCounts:
    """Per-activity instance counts and junction states, kept up to date from events."""

    def __init__(self, runbook: Runbook, junctions: set[str],
                 subject_fields: dict[str, str] | None = None) -> None:
        self.runbook = runbook.name
        self.subject_fields = subject_fields or {}
        self.activities = {a.id: ActivityCounts(a.name) for a in runbook.activities if a.enabled}
        self.junctions = junctions
        self.job_id = ""
        self.started = time.monotonic()
        self.finished: float | None = None
        self.status: str | None = None
        self.links: dict[tuple[str, str], tuple[int, int]] = {}  # (from, to) -> (passed, filtered)

    def update(self, event: Event) -> None:
        now = time.monotonic()
        data: dict[str, Any] = event.__dict__
        counts = self.activities.get(data.get("activity") or "")
        if event.kind == "job_started" and not self.job_id:
            self.job_id, self.started = event.job_id, now
        elif event.job_id != self.job_id:
            return  # a child job's events (invoke_runbook) are not this table's
        elif event.kind == "job_finished":
            self.finished, self.status = now, data["status"]
        elif counts and event.kind == "instance_started":
            counts.running += 1
            counts.first_start = counts.first_start if counts.first_start is not None else now
        elif counts and event.kind == "instance_finished":
            counts.running = max(counts.running - 1, 0)
            counts.last_end = now
            subjects = subjects_of(data.get("rows") or [], self.subject_fields.get(data["activity"]))
            if subjects:
                counts.latest = subjects_text(subjects)
            status = data["status"]
            if status == "success":
                counts.done += 1
            elif status == "warning":
                counts.warned += 1
            else:
                counts.failed += 1
                counts.cancelled += status == "cancelled"
        elif counts and event.kind == "junction":
            counts.junction = data["state"]
            counts.detail = data.get("detail") or ""
        elif event.kind == "link":
            passed, filtered = self.links.get((data["from_"], data["to"]), (0, 0))
            self.links[(data["from_"], data["to"])] = (passed + data["passed"], filtered + data["filtered"])
