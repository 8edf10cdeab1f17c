"""What every history back-end stores and reads back the same way: values as JSON text, and rows of the
jobs and instances tables as the interface's records. SQLite and PostgreSQL differ only in their SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ..run.events import Event, event_from_dict
from ..run.result import JobResult
from .store import HistoryError, JobSummary, StoredInstance

# The columns a JobSummary is made of, in the order summary() reads them.
SUMMARY_COLUMNS = ("job_id", "runbook", "path", "parameters", "status", "started_at", "finished_at",
                   "started_by")
# An instances row, in the order instance() reads it.
INSTANCE_COLUMNS = ("activity", "name", "instance", "status", "started_at", "finished_at", "duration_s",
                    "attempts", "error", "rows")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def event_json(data: Any) -> str:
    """An event (or rows) as stored; one that cannot be written as JSON (too deep, say) is stored as its
    envelope and the reason, so the rest of the job's history is still recorded."""
    try:
        return dumps(data)
    except (ValueError, TypeError, RecursionError) as exc:
        source = data if isinstance(data, dict) else {}
        envelope = {key: source.get(key) for key in ("kind", "job_id", "at", "activity", "name", "instance",
                                                      "status", "error")}
        return dumps({**envelope, "stored": f"not stored in full: {type(exc).__name__}: {exc}"})


def duration(started: str | None, finished: str | None) -> float | None:
    if not started or not finished:
        return None
    try:
        return round((datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds(), 3)
    except ValueError:
        return None


def summary(row: Sequence[Any]) -> JobSummary:
    job_id, runbook, path, parameters, status, started_at, finished_at, started_by = row
    return JobSummary(job_id=job_id, runbook=runbook, path=path, status=status,
                      parameters=json.loads(parameters or "{}"), started_at=started_at,
                      finished_at=finished_at, duration_s=duration(started_at, finished_at),
                      started_by=started_by)


def instance(row: Sequence[Any]) -> StoredInstance:
    return StoredInstance(activity=row[0], name=row[1], instance=row[2], status=row[3], started_at=row[4],
                          finished_at=row[5], duration_s=row[6], attempts=row[7], error=row[8],
                          rows=json.loads(row[9]))


def event(text: str) -> Event:
    return event_from_dict(json.loads(text))


def result(where: object, job_id: str, text: str | None) -> JobResult | None:
    """A stored result document; HistoryError names the store (`where`) when it cannot be read."""
    if not text:
        return None
    try:
        return JobResult.model_validate_json(text)
    except ValidationError as exc:
        raise HistoryError(f"{where}: job {job_id}: stored result cannot be read: {exc}") from None


def like_prefix(prefix: str) -> str:
    """A LIKE pattern (escape character backslash) matching texts that start with `prefix`."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def ambiguity(prefix: str, ids: list[str], where: object) -> HistoryError | None:
    """Why a job id prefix does not name one job (None: `ids[0]` is the job)."""
    if not ids:
        return HistoryError(f'no job "{prefix}" in the run history ({where})')
    if len(ids) > 1 and ids[0] != prefix:
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        return HistoryError(f'job id "{prefix}" is ambiguous: it starts {shown}; give more characters')
    return None
