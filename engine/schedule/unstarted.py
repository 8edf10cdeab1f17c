"""A scheduled job that could not start (its runbook did not load) recorded in the run history as a
failed job, so `interlock history` and `interlock show` tell the operator what went wrong and when.

The job has no activities of its own: the error sits on one pseudo-activity, "Load runbook", where
`interlock show` prints instance errors.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from ..history import RunHistory
from ..run.clock import iso, now
from ..run.events import JobFinished, JobStarted, LogLine
from ..run.result import ActivityResult, InstanceResult, JobResult
from .schedules import resolved

LOAD_ACTIVITY = ("load", "Load runbook")


def record_not_started(history: RunHistory, path: Path, parameters: dict[str, Any], error: str) -> str:
    """Record a failed job for the runbook file at `path` with `error`; the job's id. The job is named
    after the file: the runbook's own name is inside the file that could not be read."""
    job_id, at, runbook = str(uuid.uuid4()), iso(now()), path.name
    activity_id, activity_name = LOAD_ACTIVITY
    history.record(JobStarted(job_id=job_id, at=at, runbook=runbook, path=resolved(path),
                              parameters=parameters))
    history.record(LogLine(job_id=job_id, at=at, level="error", message=error))
    history.record(JobFinished(job_id=job_id, at=at, runbook=runbook, status="failed", duration_s=0.0))
    failed = InstanceResult(status="failed", started_at=at, finished_at=at, error=error)
    history.save_result(JobResult(
        job_id=job_id, runbook=runbook, status="failed", parameters=parameters, started_at=at,
        finished_at=at, activities=[ActivityResult(id=activity_id, name=activity_name, state="ran",
                                                   instances=[failed])]))
    return job_id
