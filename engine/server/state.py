"""Everything one running server holds: its engine, catalogue, run history, jobs, tokens, audit log
and (when given a schedules file) its scheduler. Opened when the application starts, closed when it
stops (app.lifespan), after its jobs have ended and been recorded."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request

from ..config.redaction import Redactor
from ..config.registry import Registry
from ..history import open_counters, open_history
from ..run.executor import Engine, JobHandle
from ..schedule.scheduler import Scheduler
from .catalogue import Catalogue
from .jobs import JobManager
from .reader import HistoryReader
from .security import AuditLog, TokenStore
from .settings import ServerSettings


def _stderr(line: str) -> None:
    print(f"{datetime.now().strftime('%Y-%m-%d %H:%M:%S')} {line}", file=sys.stderr, flush=True)


class ServerState:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.log = settings.log or _stderr
        self.registry = Registry.from_entry_points()
        self.engine = Engine(settings.config, self.registry, counters=open_counters(config=settings.config))
        self.catalogue = Catalogue(settings.catalogue, self.engine)
        self.store = open_history(config=settings.config)
        self.reader = HistoryReader(self.store, config=settings.config)
        self.jobs = JobManager(self.engine, self.store, buffer=settings.event_buffer, log=self.log)
        self.tokens = TokenStore(settings.tokens)
        self.audit = AuditLog(settings.tokens, config=settings.config)  # masks the config's secrets
        self.scheduler: Scheduler | None = None
        self._scheduler_stop = asyncio.Event()
        self._scheduler_task: asyncio.Task[None] | None = None

    def redactor(self) -> Redactor | None:
        """Secret values masked: the config's, and every one read in this process since it started.
        The engine masks events and results already; this also covers what the history held before."""
        redactor = Redactor.for_config(self.settings.config)
        return redactor if redactor else None

    def redact(self, data: Any) -> Any:
        redactor = self.redactor()
        return redactor.value(data) if redactor else data

    def relative(self, path: str | None) -> str | None:
        """A job's runbook file as its catalogue path; a file outside the catalogue (a runbook a
        schedule or `interlock run` ran) keeps its own path."""
        if not path:
            return path
        with contextlib.suppress(ValueError):
            return Path(path).resolve().relative_to(self.catalogue.root).as_posix()
        return path

    def scheduled_job(self, job_id: str) -> JobHandle | None:
        """A running job of the schedules hosted here."""
        if self.scheduler is None:
            return None
        return next((h for h in self.scheduler.running.values() if h.job_id == job_id), None)

    def start_scheduler(self) -> None:
        if self.settings.schedules is None:
            return
        self.scheduler = Scheduler(self.settings.schedules, self.settings.config, self.registry, log=self.log)
        self._scheduler_task = asyncio.get_running_loop().create_task(
            self.scheduler.run(self._scheduler_stop), name="schedules")

    async def close(self) -> None:
        """Jobs end (drained, then cancelled) and are recorded; the schedules stop; files close."""
        await self.jobs.shutdown(self.settings.drain_timeout_s)
        if self._scheduler_task is not None and self.scheduler is not None:
            self._scheduler_stop.set()
            self.scheduler.wake.set()
            await asyncio.gather(self._scheduler_task, return_exceptions=True)
        for closing in (self.store.close, self.reader.close, self.tokens.close, self.audit.close):
            with contextlib.suppress(Exception):  # one that fails must not keep the others open
                closing()


def state_of(request: Request) -> ServerState:
    """The running server's state, for a route."""
    return request.app.state.server
