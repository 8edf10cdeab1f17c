"""The engine's public face: start a runbook as a job, watch it through event sinks, get its result.

    engine = Engine(load_config(None))
    result = await engine.run(runbook, {"Batch Number": "1"})

A job's entry point stays a plain call — (runbook, parameters, config) -> result, events to sinks — so
a remote worker can run it unchanged (DESIGN §6).

Secrets: when the config names any, every subscriber of a job sees its events with the known secret
values shown `***`, and the result of a top-level job comes back the same way (config/redaction.py).
A child job's result is not masked: it is data its parent's activities go on with, and the parent's
own events and result are masked when they leave the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from dataclasses import replace
from typing import Any

from ..config.connections import DEFAULT_CONNECTION, Connections
from ..config.redaction import Redactor
from ..config.registry import Registry
from ..config.secrets import resolve_variable
from ..config.settings import CONFIG_NAME, Config
from ..errors import ConfigError, Problem, RunbookError
from ..format.counterrefs import undefined_counters
from ..format.graph import CompiledGraph, compiled_for
from ..format.model import Runbook
from ..format.templates import VAR
from ..format.validate import global_references, undefined_variables
from ..parameters import Parameter, check_parameters
from .counters import CounterStore
from .events import Event, EventSink
from .job import BeforeInstance, Job, JobHandle
from .result import JobResult
from .services import PausePoint


class Engine:
    def __init__(self, config: Config | None = None, registry: Registry | None = None,
                 counters: CounterStore | None = None) -> None:
        """counters: where counter values are kept (engine.history.open_counters()); an engine made
        without one runs every runbook but those that use a counter."""
        self.config = config or Config()
        self.registry = registry or Registry.from_entry_points()
        self.counters = counters
        self.connections = Connections(self.config, self.registry.backends)
        # None when nothing is secret: jobs then run with their sinks as given, at no cost.
        redactor = Redactor.for_config(self.config)
        self.redactor: Redactor | None = redactor if redactor else None

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

    def check_variables(self, runbook: Runbook) -> dict[str, str] | None:
        """The values of the global variables the runbook's enabled parts read (secret ones read now),
        or None when it reads neither variables nor job data. A variable the config does not define,
        or a secret that cannot be read, is a ConfigError naming it and where it is used, before
        anything runs."""
        found = global_references(runbook, enabled_only=True)
        if not found:
            return None
        define_in = str(self.config.source) if self.config.source else CONFIG_NAME
        problems = undefined_variables(found, self.config.variables, runbook.path or runbook.name,
                                       define_in, "error")
        if problems:
            raise ConfigError("\n".join(map(str, problems)))
        names = {ref.field for _, ref in found if ref.activity == VAR}
        return {name: resolve_variable(name, self.config.variables[name]) for name in sorted(names)}

    def check_counters(self, runbook: Runbook) -> None:
        """Every counter the runbook's enabled activities name (literally) is defined in the config;
        otherwise a ConfigError naming it and where it is used, before anything runs."""
        define_in = str(self.config.source) if self.config.source else CONFIG_NAME
        problems = undefined_counters(runbook, self.registry, self.config.counters,
                                      runbook.path or runbook.name, define_in, "error", enabled_only=True)
        if problems:
            raise ConfigError("\n".join(map(str, problems)))

    def redactor_for(self, runbook: Runbook) -> Redactor | None:
        """What masks a job's events and result: the config's secrets, or, when the config has none,
        an empty mask for a runbook whose activities may make secrets while it runs (a generated
        password); None otherwise, so other jobs pay nothing."""
        if self.redactor is not None:
            return self.redactor
        for activity in runbook.activities:
            kind = self.registry.get(activity.type)
            if kind is not None and kind.may_publish_secrets and activity.enabled:
                return Redactor(expect_secrets=True)
        return None

    def check_parameters(self, runbook: Runbook, given: dict[str, Any] | None,
                         compiled: CompiledGraph | None = None) -> dict[str, Any]:
        return check_parameters(self.start_parameters(runbook, compiled), dict(given or {}), runbook.name)

    def start(self, runbook: Runbook, parameters: dict[str, Any] | None = None,
              sinks: Iterable[EventSink] = (), *, parent_job_id: str | None = None,
              depth: int = 0, before_instance: BeforeInstance | None = None,
              trigger: dict[str, Any] | None = None) -> JobHandle:
        """Start a job on the running loop. Bad parameters raise ParameterError (a cyclic runbook
        RunbookError) before anything runs. trigger: the event a monitor saw, which the runbook's
        start activity (that monitor) publishes as its row (engine.schedule.monitors)."""
        compiled = self.compile(runbook)
        if compiled.cycle:
            raise RunbookError(Problem("the links form a cycle; validate the runbook first",
                                       file=runbook.path or runbook.name, link=compiled.cycle[0]))
        values = self.check_parameters(runbook, parameters, compiled)
        self.check_connections(runbook)
        self.check_counters(runbook)
        variables = self.check_variables(runbook)
        sinks = list(sinks)
        redactor = self.redactor_for(runbook)
        if redactor is not None:
            sinks = redacting(sinks, redactor)
            if before_instance is not None:
                before_instance = _masked_pauses(before_instance, redactor)
        # before_instance: a tester's hook, awaited before each instance runs (step mode, breakpoints)
        job = Job(self, runbook, compiled, values, sinks, parent_job_id=parent_job_id, depth=depth,
                  before_instance=before_instance, variables=variables, trigger=trigger)
        run: Coroutine[Any, Any, JobResult] = job.run()
        if redactor is not None and depth == 0:
            run = _redacted(run, redactor)
        task = asyncio.get_running_loop().create_task(run, name=f"interlock job {job.job_id}")
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


async def _redacted(run: Coroutine[Any, Any, JobResult], redactor: Redactor) -> JobResult:
    return redactor.value(await run)


def _masked_pauses(hook: BeforeInstance, redactor: Redactor) -> BeforeInstance:
    """The tester sees an instance's resolved inputs with the secrets masked, as its events show them."""
    async def masked(point: PausePoint) -> None:
        await hook(replace(point, inputs=redactor.value(point.inputs),
                           error=redactor.text(point.error) if point.error else point.error))
    return masked


class _LastRedacted:
    """One job's redaction of the event being emitted: the job hands each event to its sinks one after
    the other, so the event is masked once, however many subscribers there are."""

    __slots__ = ("event", "masked", "redactor")

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.event: Event | None = None
        self.masked: Event | None = None

    def __call__(self, event: Event) -> Event:
        if event is not self.event:
            self.event, self.masked = event, self.redactor.value(event)
        return self.masked  # type: ignore[return-value]


class RedactingSink:
    """A subscriber that is handed events with the known secret values masked."""

    __slots__ = ("mask", "sink")

    def __init__(self, sink: EventSink, mask: _LastRedacted) -> None:
        self.sink, self.mask = sink, mask

    def __call__(self, event: Event) -> None:
        self.sink(self.mask(event))

    def __repr__(self) -> str:  # the job names a failing subscriber by it
        return repr(self.sink)


def redacting(sinks: list[EventSink], redactor: Redactor) -> list[EventSink]:
    """The sinks, each behind a mask; those already masked (a parent job's, passed on to the runbooks
    it invokes) are kept as they are."""
    if all(isinstance(sink, RedactingSink) for sink in sinks):
        return sinks
    mask = _LastRedacted(redactor)
    return [sink if isinstance(sink, RedactingSink) else RedactingSink(sink, mask) for sink in sinks]
