"""The job result: what `interlock run --json` prints and `Engine.run` returns (DESIGN §5)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..format.model import Status

ActivityState = Literal["ran", "not run", "cancelled", "fired", "not reached", "blocked"]


class InstanceResult(BaseModel):
    status: Status
    started_at: str
    finished_at: str
    rows: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None
    attempts: int = 1


class ActivityResult(BaseModel):
    id: str
    name: str
    state: ActivityState
    instances: list[InstanceResult] = Field(default_factory=list)
    detail: str | None = None  # why a junction was blocked or not reached


class JobResult(BaseModel):
    job_id: str
    runbook: str
    status: Status
    parameters: dict[str, Any] = Field(default_factory=dict)
    started_at: str
    finished_at: str
    activities: list[ActivityResult] = Field(default_factory=list)
    junctions: dict[str, str] = Field(default_factory=dict)
    returned: dict[str, Any] = Field(default_factory=dict)
    # Set when the engine itself failed (an internal error), which also makes the job `failed`.
    error: str | None = None

    def activity(self, activity_id: str) -> ActivityResult | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def rows(self, activity_id: str) -> list[dict[str, Any]]:
        """Every row an activity published, over all its instances, in finishing order."""
        found = self.activity(activity_id)
        return [row for inst in found.instances for row in inst.rows] if found else []
