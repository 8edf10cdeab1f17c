"""/api/v1/schedules (list with next runs; enable/disable, admin) and /api/v1/audit (admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ..schedule.scheduler import describe
from .auth import admin, audit, viewer
from .problems import ApiProblem
from .security import AuditEntry, Principal, SecurityError
from .state import ServerState, state_of

router = APIRouter(tags=["schedules and audit"])


class ScheduleInfo(BaseModel):
    name: str
    runbook: str = Field(description="As the schedules file names it (relative to the file)")
    enabled: bool
    monitor: bool = Field(description="Started by its runbook's monitor, not by time")
    cron: str | None = None
    interval: str | None = None
    timezone: str = "UTC"
    parameters: dict[str, Any] = Field(default_factory=dict)
    next_runs: list[str] = Field(default_factory=list, description="The next three runs (UTC)")
    running: bool = Field(False, description="A run of it is in progress")
    problem: str | None = Field(None, description="Why its next runs cannot be computed")


def _schedules(state: ServerState) -> list[ScheduleInfo]:
    scheduler = state.scheduler
    if scheduler is None or scheduler.schedules is None:
        return []
    now = datetime.now(UTC)
    listed = []
    for entry in scheduler.schedules.schedule:
        runs: list[str] = []
        problem = None
        if entry.enabled:
            try:
                runs = [moment.isoformat() for moment in entry.next_runs(now, 3)]
            except Exception as exc:  # a schedule that cannot be computed is shown with why
                problem = describe(exc)
        listed.append(ScheduleInfo(
            name=entry.name, runbook=entry.runbook, enabled=entry.enabled, monitor=entry.monitor,
            cron=entry.cron, interval=entry.interval, timezone=entry.timezone,
            parameters=dict(entry.parameters), next_runs=runs, running=entry.name in scheduler.busy,
            problem=problem))
    return listed


@router.get("/schedules", response_model=list[ScheduleInfo], summary="The schedules this server runs")
def list_schedules(request: Request, principal: Principal = Depends(viewer)) -> list[ScheduleInfo]:
    return state_of(request).redact(_schedules(state_of(request)))


async def _set_enabled(request: Request, name: str, enabled: bool, principal: Principal) -> ScheduleInfo:
    state = state_of(request)
    if state.scheduler is None:
        raise ApiProblem(404, "this server runs no schedules (start it with --schedules FILE)",
                         kind="no-schedules")
    if state.scheduler.set_enabled(name, enabled) is None:
        known = ", ".join(f'"{e.name}"' for e in (state.scheduler.schedules.schedule
                                                 if state.scheduler.schedules else [])) or "none"
        raise ApiProblem(404, f'no schedule "{name}" (the schedules: {known})', kind="unknown-schedule")
    audit(request, principal, "schedule.enable" if enabled else "schedule.disable", name)
    return next(info for info in _schedules(state) if info.name == name)


@router.post("/schedules/{name}/enable", response_model=ScheduleInfo,
             summary="Enable a schedule (until the schedules file changes or the server restarts)")
async def enable_schedule(request: Request, name: str, principal: Principal = Depends(admin)) -> ScheduleInfo:
    return await _set_enabled(request, name, True, principal)


@router.post("/schedules/{name}/disable", response_model=ScheduleInfo,
             summary="Disable a schedule (until the schedules file changes or the server restarts)")
async def disable_schedule(request: Request, name: str,
                           principal: Principal = Depends(admin)) -> ScheduleInfo:
    return await _set_enabled(request, name, False, principal)


@router.get("/audit", response_model=list[AuditEntry], summary="The audit log, newest first")
async def audit_log(request: Request, who: str | None = None, action: str | None = None,
                    since: str | None = Query(None, description="at or after (ISO 8601)"),
                    limit: int = Query(100, ge=1, le=10_000),
                    principal: Principal = Depends(admin)) -> list[AuditEntry]:
    try:
        return await run_in_threadpool(state_of(request).audit.entries, who=who, action=action, since=since,
                                       limit=limit)
    except SecurityError as exc:
        raise ApiProblem(422, str(exc), kind="invalid-request") from None
