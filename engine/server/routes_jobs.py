"""/api/v1/jobs: start a runbook of the catalogue, list and read jobs, cancel one, follow its events."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InterlockError, ParameterError, RunbookError
from ..history import HistoryError, JobSummary, StoredJob
from ..schedule.monitors import monitor_of
from .auth import audit, check_scope, operator, viewer
from .catalogue import NotInCatalogue
from .problems import ApiProblem
from .security import Principal
from .state import ServerState, state_of
from .stream import job_events

router = APIRouter(tags=["jobs"])
MAX_LIMIT = 10_000
Status = Literal["success", "warning", "failed", "cancelled", "running", "interrupted"]


class StartJob(BaseModel):
    model_config = ConfigDict(extra="forbid")

    runbook: str = Field(description='The runbook\'s path in the catalogue, e.g. "patching/vms.json"')
    parameters: dict[str, Any] = Field(default_factory=dict, description="Start parameters by name")


class JobStarted(BaseModel):
    job_id: str
    status: Literal["queued", "running"]
    runbook: str


class JobCancelling(BaseModel):
    job_id: str
    status: Literal["cancelling"] = "cancelling"


class JobListed(JobSummary):
    pass


def _stored(state: ServerState, job_id: str) -> StoredJob:
    try:
        return state.reader.job(job_id)
    except HistoryError as exc:  # unknown, or a prefix of several: the history's path is not the caller's
        raise ApiProblem(404, str(exc).replace(f" ({state.reader.path})", ""), kind="unknown-job") from None


@router.post("/jobs", status_code=202, response_model=JobStarted, summary="Start a runbook as a job")
async def start_job(request: Request, response: Response, body: StartJob,
                    principal: Principal = Depends(operator)) -> JobStarted:
    state = state_of(request)
    check_scope(principal, body.runbook)
    if state.jobs.stopping:
        raise ApiProblem(503, "the server is shutting down: no new jobs", kind="stopping",
                         headers={"Retry-After": "30"})
    try:
        runbook = await run_in_threadpool(state.catalogue.runbook, body.runbook)
    except RunbookError as exc:
        raise ApiProblem(422, str(exc), kind="invalid-runbook") from None
    if monitor_of(runbook, state.engine) is not None:  # it waits for its event: a schedule's job
        raise ApiProblem(422, f"{body.runbook}: starts with a monitor, which waits for its event: run it "
                         "from the server's schedules (an entry with monitor = true), not by a request",
                         kind="monitor-runbook")
    try:
        live = state.jobs.start(body.runbook, runbook, body.parameters, principal.name)
    except ParameterError as exc:  # the message names the parameter, as `interlock run` says it
        raise ApiProblem(422, f"{body.runbook}: {exc}", kind="invalid-parameters") from None
    except InterlockError as exc:  # a connection, variable or counter the server's config lacks
        raise ApiProblem(422, f"{body.runbook}: {exc}", kind="cannot-start") from None
    audit(request, principal, "job.start", body.runbook,
          {"job_id": live.job_id, "parameters": body.parameters})
    response.headers["Location"] = f"{request.url.path}/{live.job_id}"
    return JobStarted(job_id=live.job_id, status="running", runbook=body.runbook)


@router.get("/jobs", response_model=list[JobListed],
            summary="Jobs, newest first, as `interlock history --json`")
async def list_jobs(request: Request,  # on the loop: see auth.requires
              runbook: str | None = Query(None, description="a catalogue path (…json) or a runbook's name"),
              status: Status | None = None,
              since: str | None = Query(None, description="started at or after (ISO 8601)"),
              until: str | None = Query(None, description="started at or before (ISO 8601)"),
              who: str | None = Query(None, description="started by this token's name"),
              limit: int = Query(50, ge=1, le=MAX_LIMIT),
              principal: Principal = Depends(viewer)) -> list[dict[str, Any]]:
    state = state_of(request)
    filters: dict[str, Any] = {"status": status, "since": _iso(since, "since"), "until": _iso(until, "until"),
                               "started_by": who}
    if runbook and runbook.endswith(".json"):
        try:
            filters["path"] = str(state.catalogue.file(runbook))
        except NotInCatalogue:
            return []
    elif runbook:
        filters["runbook"] = runbook
    listed = []
    for job in state.reader.jobs(limit, **filters):
        document = job.model_dump(mode="json")
        document["path"] = state.relative(job.path)
        if principal.folders and not (document["path"] and principal.may_see(document["path"])):
            continue
        listed.append(document)
    return state.redact(listed)


def _iso(value: str | None, name: str) -> str | None:
    """A time filter as the history compares it (UTC ISO 8601); a 422 naming the filter otherwise."""
    if value is None:
        return None
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiProblem(422, f'"{name}": not an ISO 8601 time: "{value}" (e.g. 2026-01-31T12:00:00Z)',
                         kind="invalid-request") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


@router.get("/jobs/{job_id}",
            summary="One job: the document of `interlock run --json` (running while it runs)")
def get_job(request: Request, job_id: str, principal: Principal = Depends(viewer)) -> dict[str, Any]:
    state = state_of(request)
    live = state.jobs.live.get(job_id)
    if live is not None and live.result is not None:  # ended, being recorded: the result in hand
        check_scope(principal, live.path)
        document = live.result.model_dump(mode="json")
        document["started_by"] = live.started_by
    else:
        stored = _stored(state, job_id)
        path = state.relative(stored.summary.path)
        if principal.folders:
            check_scope(principal, path or "")
        document = stored.document()
        # "running" until its result is recorded: a client that sees an end status gets the whole result
        document["status"] = "running" if live is not None else stored.summary.status
        document["started_by"] = stored.summary.started_by
        document["path"] = path
    return state.redact(document)


@router.post("/jobs/{job_id}/cancel", status_code=202, response_model=JobCancelling,
             summary="Cancel a running job")
async def cancel_job(request: Request, job_id: str,
                     principal: Principal = Depends(operator)) -> JobCancelling:
    state = state_of(request)
    live = state.jobs.live.get(job_id)
    if live is None:
        stored = await run_in_threadpool(_stored, state, job_id)
        scheduled = state.scheduled_job(stored.summary.job_id)
        if scheduled is not None:  # a run of the server's schedules
            if principal.folders:
                check_scope(principal, state.relative(stored.summary.path) or "")
            scheduled.cancel()
            audit(request, principal, "job.cancel", stored.summary.job_id, {"runbook": stored.summary.path})
            return JobCancelling(job_id=stored.summary.job_id)
        if stored.summary.status == "running":
            raise ApiProblem(409, f"job {stored.summary.job_id} is not running in this server (it was "
                             "started by another process): cancel it there", kind="not-here")
        raise ApiProblem(409, f"job {stored.summary.job_id} has ended ({stored.summary.status})",
                         kind="job-ended")
    check_scope(principal, live.path)
    state.jobs.cancel(job_id)
    audit(request, principal, "job.cancel", job_id, {"runbook": live.path})
    return JobCancelling(job_id=job_id)


async def existing_job(request: Request, job_id: str, principal: Principal = Depends(viewer)) -> str:
    """The job to stream, checked before the stream starts (404 and 403 as documents, not a cut stream)."""
    state = state_of(request)
    live = state.jobs.live.get(job_id)
    if live is not None:
        check_scope(principal, live.path)
        return live.job_id
    stored = await run_in_threadpool(_stored, state, job_id)
    if principal.folders:
        check_scope(principal, state.relative(stored.summary.path) or "")
    return stored.summary.job_id


def events_seen(last_event_id: str | None = Header(None, description="the number of the last event seen"),
                after: int | None = Query(None, ge=0, description="the same as Last-Event-ID, for clients "
                                          "that cannot set headers")) -> int:
    if last_event_id is None:
        return after or 0
    try:
        return max(int(last_event_id.strip()), 0)
    except ValueError:
        raise ApiProblem(422, f'"Last-Event-ID": not an event number: "{last_event_id[:40]}"',
                         kind="invalid-request") from None


@router.get("/jobs/{job_id}/events", response_class=EventSourceResponse,
            summary="The job's events (Server-Sent Events): stored ones replayed, then live, "
                    "until job_finished")
async def job_event_stream(request: Request, job_id: str = Depends(existing_job),
                           seen: int = Depends(events_seen)) -> AsyncIterable[ServerSentEvent]:
    state = state_of(request)

    def ended() -> bool:
        return state.reader.job(job_id).summary.status != "running"

    redactor = state.redactor()
    async for number, text in job_events(state.jobs, state.reader, job_id, seen, ended):
        yield ServerSentEvent(raw_data=redactor.text(text) if redactor else text, id=str(number))
