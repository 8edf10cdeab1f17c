"""The engine's public face: start a runbook as a job, watch it through event sinks, get its result.

    engine = Engine(load_config(None))
    result = await engine.run(runbook, {"Batch Number": "1"})

A job's entry point stays a plain call — (runbook, parameters, config) -> result, events to sinks — so
a remote worker can run it unchanged (DESIGN §6).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from ..config.connections import DEFAULT_CONNECTION, Connections
from ..config.registry import Registry
from ..config.settings import Config
from ..errors import ConfigError, Problem, RunbookError
from ..format.graph import CompiledGraph, compiled_for
from ..format.model import Runbook
from ..parameters import Parameter, check_parameters
from .events import EventSink
from .job import BeforeInstance, Job, JobHandle
from .result import JobResult


class Engine:
    def __init__(self, config: Config | None = None, registry: Registry | None = None) -> None:
        self.config = config or Config()
        self.registry = registry or Registry.from_entry_points()
        self.connections = Connections(self.config, self.registry.backends)

    def junction_types(self) -> frozenset[str]:
        return frozenset(n for n, t in self.registry.types().items() if t.kind == "junction")

    def compile(self, runbook: Runbook) -> CompiledGraph:
        return compiled_for(runbook, self.junction_types())

    def start_parameters(self, runbook: Runbook, compiled: CompiledGraph | None = None) -> list[Parameter]:
        """The parameters a job of this runbook takes (declared by its start activity)."""
        compiled = compiled or self.compile(runbook)
        for start in compiled.starts:
            activity = compiled.activity(start)
            kind = self.registry.get(activity.type)
            declared = kind.start_parameters(activity.properties) if kind else None
            if declared:
                return declared
        return []

    def subject_fields(self, runbook: Runbook) -> dict[str, str]:
        """Activity id -> the published field naming what its instances work on (when its type says)."""
        fields = {}
        for activity in runbook.activities:
            kind = self.registry.get(activity.type)
            if kind is not None and kind.subject_field:
                fields[activity.id] = kind.subject_field
        return fields

    def check_connections(self, runbook: Runbook) -> None:
        """Every connection the runbook names (literally) is configured and its keys are right; a
        ConfigError names the activity, before anything runs."""
        for activity in runbook.activities:
            kind = self.registry.get(activity.type)
            if not activity.enabled or kind is None or "connection" not in kind.Properties.model_fields:
                continue
            name = activity.properties.get("connection", kind.Properties.model_fields["connection"].default)
            if not isinstance(name, str) or "{{" in name:
                continue  # chosen at run time from a subscription: checked when used
            try:
                self.connections.check(name or DEFAULT_CONNECTION)
            except ConfigError as exc:
                where = (f'{runbook.path or runbook.name}: activity "{activity.id}", '
                         f'key "properties.connection"')
                raise ConfigError(f"{where}: {exc}") from None

    def check_parameters(self, runbook: Runbook, given: dict[str, Any] | None,
                         compiled: CompiledGraph | None = None) -> dict[str, Any]:
        return check_parameters(self.start_parameters(runbook, compiled), dict(given or {}), runbook.name)

    def start(self, runbook: Runbook, parameters: dict[str, Any] | None = None,
              sinks: Iterable[EventSink] = (), *, parent_job_id: str | None = None,
              depth: int = 0, before_instance: BeforeInstance | None = None) -> JobHandle:
        """Start a job on the running loop. Bad parameters raise ParameterError (a cyclic runbook
        RunbookError) before anything runs."""
        compiled = self.compile(runbook)
        if compiled.cycle:
            raise RunbookError(Problem("the links form a cycle; validate the runbook first",
                                       file=runbook.path or runbook.name, link=compiled.cycle[0]))
        values = self.check_parameters(runbook, parameters, compiled)
        self.check_connections(runbook)
        # before_instance: a tester's hook, awaited before each instance runs (step mode, breakpoints)
        job = Job(self, runbook, compiled, values, list(sinks), parent_job_id=parent_job_id, depth=depth,
                  before_instance=before_instance)
        task = asyncio.get_running_loop().create_task(job.run(), name=f"interlock job {job.job_id}")
        return JobHandle(job, task)

    async def run(self, runbook: Runbook, parameters: dict[str, Any] | None = None,
                  sinks: Iterable[EventSink] = ()) -> JobResult:
        """Run a job to its end. Cancelling the awaiting task cancels the job."""
        handle = self.start(runbook, parameters, sinks)
        try:
            return await handle.wait()
        except asyncio.CancelledError:
            handle.cancel()
            await asyncio.gather(handle._task, return_exceptions=True)
            raise
