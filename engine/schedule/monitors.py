"""Monitors: activities that start their runbook on an event (Orchestrator's Monitor Date/Time, Monitor
File), DESIGN §6.3.

A monitor is a runbook's start point. Before any job exists, the scheduler (or `interlock run`) arms it:
its properties are read as a job would read them, and its `watch()` yields one row per event. Each row
starts one job, in which the monitor instance publishes that row (Engine.start(trigger=row)) and the
rest of the runbook runs as usual. A job started without an event (the designer's Run) has the monitor
wait for the first event itself, so the same runbook runs everywhere.

Packs subclass MonitorType; the engine never imports them (engine/ does not know nodes/).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ValidationError

from ..activity import ActivityType, Row, RunContext
from ..errors import ActivityError, ConfigError, RunbookError
from ..format.model import Activity, Runbook
from ..format.templates import has_template, render_value
from ..format.validate import describe_error, key_path
from ..run.clock import iso, now
from ..run.datapath import root_context
from ..run.executor import Engine
from ..run.job import host_name
from .schedules import ScheduleEntry


class WatchContext(Protocol):
    """What a monitor sees while it is armed: which activity it is, the config, and a log."""

    activity_id: str
    activity_name: str
    runbook_path: str | None
    config: Any

    def log(self, message: str, level: str = "info") -> None: ...


class MonitorType(ActivityType):
    """Base of monitor activities: subclasses define `watch` (and may define `waiting_for`, `fire_now`)."""

    trigger: ClassVar[bool] = True
    color = "#8a5a9e"

    def watch(self, properties: Any, context: WatchContext) -> AsyncIterator[Row]:
        """Yield one row per event, for as long as the caller iterates. Raise ActivityError when the
        monitor cannot watch (a folder that does not exist); stop cleanly when the iteration is closed
        or cancelled (no thread or task left behind)."""
        raise NotImplementedError

    def check(self, properties: Any, context: WatchContext) -> None:
        """Raise ActivityError when the monitor cannot watch now (a folder that does not exist)."""

    def waiting_for(self, properties: Any) -> str:
        """What the monitor waits for, in a person's words ("a file matching *.csv in /drop")."""
        return "an event"

    def fire_now(self, properties: Any, context: WatchContext) -> Row | None:
        """The row of an event that holds right now (`interlock run --once`), or None when there is none."""
        return None

    async def run(self, properties: Any, context: RunContext) -> Row:
        row = context.trigger
        if row is not None:
            return row
        # Started without an event (the designer's Run): wait for the first one here.
        context.log(f"armed: waiting for {self.waiting_for(properties)}")
        async with contextlib.aclosing(self.watch(properties, context)) as events:
            async for row in events:
                return row
        raise ActivityError(f'monitor "{context.activity_name}" stopped before an event')


def is_monitor(kind: ActivityType | None) -> bool:
    return kind is not None and kind.trigger


def waiting_text(kind: ActivityType | None, properties: dict[str, Any]) -> str | None:
    """What a monitor activity with these (unresolved) properties waits for, for tooltips and status
    lines; None when it is not a monitor."""
    if not isinstance(kind, MonitorType):
        return None
    try:
        return kind.waiting_for(kind.Properties.model_validate(properties))
    except Exception:  # incomplete settings, or ones filled in at run time ({{var.NAME}})
        return "an event (its settings are incomplete or read at run time)"


def start_waiting_text(runbook: Runbook, registry: Any) -> str | None:
    """waiting_text of the runbook's first activity (by its links), None when it is not a monitor."""
    targets = {link.to for link in runbook.links if link.enabled}
    for activity in runbook.activities:
        if activity.enabled and activity.id not in targets:
            return waiting_text(registry.get(activity.type), activity.properties)
    return None


def monitor_of(runbook: Runbook, engine: Engine) -> tuple[Activity, MonitorType] | None:
    """The runbook's start activity when it is a monitor (an enabled one), else None."""
    compiled = engine.compile(runbook)
    for start in compiled.starts:
        activity = compiled.activity(start)
        kind = engine.registry.get(activity.type)
        if is_monitor(kind) and activity.enabled:
            return activity, kind  # type: ignore[return-value]
    return None


class ArmedContext:
    """The WatchContext of an armed monitor: its log lines go to the scheduler's (or the CLI's) log."""

    def __init__(self, activity: Activity, runbook: Runbook, engine: Engine,
                 log: Callable[[str], None]) -> None:
        self.activity_id = activity.id
        self.activity_name = activity.name
        self.runbook_path = runbook.path
        self.runbook_name = runbook.name
        self.config = engine.config
        self._log = log

    def log(self, message: str, level: str = "info") -> None:
        self._log(f'{self.activity_name}: {message}' if level == "info" else
                  f'{self.activity_name}: {level}: {message}')


def monitor_properties(runbook: Runbook, activity: Activity, kind: MonitorType, engine: Engine) -> BaseModel:
    """The monitor's properties as a job would resolve them: `{{var.NAME}}` and `{{job.FIELD}}` (the
    only data a start activity can read) are filled in. ConfigError names the runbook, the activity and
    the property."""
    values: Any = activity.properties
    where = f'{runbook.path or runbook.name}: activity "{activity.id}"'
    if has_template(values):
        variables = engine.check_variables(runbook) or {}
        job = {"runbook": runbook.name, "job_id": "", "server": host_name(), "started_at": iso(now()),
               "parent_job_id": None}
        try:
            values = render_value(values, root_context(job, variables).lookup)
        except (LookupError, ActivityError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
    try:
        return kind.Properties.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ConfigError(f'{where}, key "properties.{key_path(error["loc"])}": {describe_error(error)}') \
            from None


class Armed:
    """A monitor runbook ready to watch: the monitor, its resolved properties and its context."""

    def __init__(self, runbook: Runbook, engine: Engine, log: Callable[[str], None]) -> None:
        found = monitor_of(runbook, engine)
        if found is None:
            raise RunbookError(f"{runbook.path or runbook.name}: does not start with a monitor "
                               f"(monitor.date_time, monitor.file, ...)")
        self.activity, self.kind = found
        self.properties = monitor_properties(runbook, self.activity, self.kind, engine)
        self.context = ArmedContext(self.activity, runbook, engine, log)

    def describe(self) -> str:
        return f'"{self.activity.name}" waits for {self.kind.waiting_for(self.properties)}'

    def check(self) -> None:
        self.kind.check(self.properties, self.context)

    def events(self) -> AsyncIterator[Row]:
        return self.kind.watch(self.properties, self.context)

    def fire_now(self) -> Row | None:
        return self.kind.fire_now(self.properties, self.context)


def check_monitor_entry(entry: ScheduleEntry, runbook: Runbook, engine: Engine) -> None:
    """A schedule entry and its runbook agree: `monitor = true` names a runbook that starts with a
    monitor (whose settings are valid), and a timed entry one that does not. ConfigError saying so."""
    if entry.monitor:
        Armed(runbook, engine, lambda line: None)  # its settings resolve, as when the scheduler arms it
    elif monitor_of(runbook, engine) is not None:
        raise ConfigError(f"{runbook.path or runbook.name}: starts with a monitor, which starts its jobs: "
                          f"give the entry monitor = true instead of cron or interval")


async def first_event(armed: Armed, timeout: float | None) -> Row | None:
    """The first event's row, or None when `timeout` seconds pass without one. The watch is closed
    either way (no thread left running)."""

    async def first() -> Row | None:
        async with contextlib.aclosing(armed.events()) as events:
            async for row in events:
                return row
        return None

    try:
        return await asyncio.wait_for(first(), timeout)
    except TimeoutError:
        return None
