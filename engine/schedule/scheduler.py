"""`interlock scheduler`: runs the schedules file's entries on time, through the same engine and run
history as `interlock run`. It survives a runbook that fails or hangs (per-entry timeout), reloads the
file when it changes or on SIGHUP (a malformed file is reported and the previous schedule keeps
running), and on SIGTERM cancels running jobs, which are recorded as cancelled.

Entries with `monitor = true` are kept armed instead of timed: their runbook's monitor watches, and
every event starts a job with the event's row (monitors.py). A monitor that cannot be armed (a runbook
that does not load, a folder that does not exist yet) is reported and tried again every ARM_RETRY; a
failing job never disarms it. An entry changed on reload is re-armed; the others keep watching.

No one entry stops the others: a runbook that cannot be loaded is logged once per attempt and recorded
as a failed job; an entry whose next run cannot be computed is reported once and left out until the
file is reloaded. Runbooks are loaded in a worker thread, so a large one does not hold up the timers.

Time comes from a clock object, so tests drive the scheduler with a fake clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..config.registry import Registry
from ..config.settings import Config
from ..errors import ActivityError, InterlockError
from ..format.fileio import load_runbook
from ..history import HistoryError, RunHistory, open_counters, open_history
from ..run.executor import Engine, JobHandle
from ..run.result import JobResult
from .monitors import Armed
from .schedules import ScheduleEntry, Schedules, load_schedules
from .unstarted import record_not_started

RELOAD_CHECK = timedelta(seconds=2)  # how often the file's modification time is looked at
ARM_RETRY = 15.0  # seconds between attempts to arm a monitor that could not be armed
Trigger = dict[str, Any] | None  # the event that starts a monitor entry's job; None for a timed run


def describe(exc: BaseException) -> str:
    """An error as one line for the log and the history: Interlock's own errors say where and what;
    anything else is named by its type, without a traceback."""
    return str(exc) if isinstance(exc, InterlockError | ActivityError) else f"{type(exc).__name__}: {exc}"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime, wake: asyncio.Event) -> None:
        delay = max(0.0, (moment - self.now()).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), delay)


class Scheduler:
    def __init__(self, path: Path, config: Config, registry: Registry, clock: SystemClock | None = None,
                 log: Callable[[str], None] = print) -> None:
        self.path = path
        self.engine = Engine(config, registry, counters=open_counters(config=config))
        self.clock = clock or SystemClock()
        self.log = log
        self.schedules: Schedules | None = None
        self.next_due: dict[str, datetime] = {}
        self.running: dict[str, JobHandle] = {}  # jobs started, by entry
        self.busy: set[str] = set()  # entries with a run in progress, from firing (before the load) on
        self.queued: dict[str, list[Trigger]] = {}  # runs waiting behind a running one (concurrency "queue")
        self.tasks: set[asyncio.Task[None]] = set()
        self.monitors: dict[str, tuple[ScheduleEntry, asyncio.Task[None]]] = {}  # armed, by entry
        self.watching: set[asyncio.Task[None]] = set()  # every monitor task, until it has ended
        self.arm_retry = ARM_RETRY
        self.wake = asyncio.Event()
        self.reload_requested = False
        self.stopping = False  # set by shutdown: a runbook still loading is then not started
        self._stamp: float | None = None
        self.started: list[tuple[str, datetime]] = []  # (entry, due instant) of every run started

    # -- the file ------------------------------------------------------------------------------------

    def _file_stamp(self) -> float | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def reload(self) -> bool:
        """Read the file; on a mistake, say so and keep the schedule that was running."""
        self._stamp = self._file_stamp()
        try:
            schedules = load_schedules(self.path)
        except Exception as exc:  # whatever is wrong with the file, the running schedule stays
            for problem in describe(exc).splitlines():  # one log line each
                self.log(f"schedules not reloaded, the previous ones keep running: {problem}")
            return False
        now = self.clock.now()
        self.schedules = schedules
        self.next_due = {}
        for entry in schedules.schedule:
            if entry.enabled and not entry.monitor:
                self._plan(entry, now)
        self._arm_monitors(schedules)
        armed = f", {len(self.monitors)} monitor(s)" if self.monitors else ""
        self.log(f"{self.path}: {len(self.next_due)} schedule(s) active{armed}")
        return True

    def _plan(self, entry: ScheduleEntry, after: datetime) -> None:
        """Set when the entry runs next. One whose next run cannot be computed is reported once and left
        out until the file is reloaded; the other entries are not affected."""
        try:
            runs = entry.next_runs(after, 1)
        except Exception as exc:
            self.next_due.pop(entry.name, None)
            self.log(f"{entry.name}: no further runs until the schedules file is reloaded: "
                     f"cannot compute the next run: {describe(exc)}")
            return
        if runs:
            self.next_due[entry.name] = runs[0]
        else:
            self.next_due.pop(entry.name, None)

    # -- monitors ------------------------------------------------------------------------------------

    def _arm_monitors(self, schedules: Schedules) -> None:
        """Arm the enabled monitor entries; disarm those gone or disabled, re-arm those changed."""
        wanted = {e.name: e for e in schedules.schedule if e.enabled and e.monitor}
        for name, (entry, task) in list(self.monitors.items()):
            if wanted.get(name) != entry:
                task.cancel()
                del self.monitors[name]
        for name, entry in wanted.items():
            if name not in self.monitors:
                task = asyncio.get_running_loop().create_task(self._keep_armed(entry), name=f"monitor {name}")
                self.monitors[name] = (entry, task)
                self.watching.add(task)
                task.add_done_callback(self.watching.discard)

    async def _keep_armed(self, entry: ScheduleEntry) -> None:
        reported = None
        while True:
            try:
                assert self.schedules is not None
                path = self.schedules.runbook_path(entry)
                runbook = await asyncio.to_thread(load_runbook, path, self.engine.registry)
                armed = Armed(runbook, self.engine, self.log)
                armed.check()
                self.log(f"{entry.name}: armed: {armed.describe()}")
                reported = None
                async with contextlib.aclosing(armed.events()) as events:
                    async for row in events:
                        self._on_event(entry, row)
                problem = "the monitor stopped watching"
            except Exception as exc:  # whatever keeps it from watching: reported, tried again
                problem = describe(exc)
            if problem != reported:  # once, not every retry
                self.log(f"{entry.name}: monitor not armed: {problem} "
                         f"(trying again every {self.arm_retry:g} s)")
                reported = problem
            await asyncio.sleep(self.arm_retry)

    def _on_event(self, entry: ScheduleEntry, row: dict[str, Any]) -> None:
        now = self.clock.now()
        if not entry.permitted(now):
            self.log(f"{entry.name}: event at {now.isoformat()} outside the permitted days/hours: no job")
            return
        self._fire(entry, now, row)

    def entry(self, name: str) -> ScheduleEntry | None:
        return next((e for e in self.schedules.schedule if e.name == name), None) if self.schedules else None

    def set_enabled(self, name: str, enabled: bool) -> ScheduleEntry | None:
        """Enable or disable one entry while the scheduler runs (the runbook server's API), until the
        file is reloaded; None when there is no such entry. A run in progress is not stopped."""
        if self.schedules is None or (entry := self.entry(name)) is None:
            return None
        changed = entry.model_copy(update={"enabled": enabled})
        self.schedules.schedule = [changed if e is entry else e for e in self.schedules.schedule]
        self.next_due.pop(name, None)
        if enabled and not changed.monitor:
            self._plan(changed, self.clock.now())
        self._arm_monitors(self.schedules)
        self.log(f"{name}: {'enabled' if enabled else 'disabled'} until the schedules file is reloaded")
        self.wake.set()
        return changed

    # -- the loop ------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self._loop(stop)
        finally:  # however the loop ends, running jobs end and are recorded, never left "running"
            await self.shutdown()

    async def _loop(self, stop: asyncio.Event) -> None:
        self.reload()
        while not stop.is_set():
            if self.reload_requested or self._file_stamp() != self._stamp:
                self.reload_requested = False
                self.reload()
            now = self.clock.now()
            target = min([*self.next_due.values(), now + RELOAD_CHECK])
            self.wake.clear()
            if target > now:
                await self.clock.sleep_until(target, self.wake)
            if stop.is_set():
                break
            now = self.clock.now()
            for name, due in sorted(self.next_due.items(), key=lambda item: item[1]):
                entry = self.entry(name)
                if due > now or entry is None:
                    continue
                self._fire(entry, due)
                # From now, not from `due`: after a long pause (a suspended machine) the missed runs
                # run once, not once each.
                self._plan(entry, max(due, now))

    def _fire(self, entry: ScheduleEntry, due: datetime, trigger: Trigger = None) -> None:
        policy = entry.policy
        if entry.name in self.busy and policy != "parallel":
            what = "event" if entry.monitor else "due"
            if policy == "queue":
                self.queued.setdefault(entry.name, []).append(trigger)
                self.log(f"{entry.name}: {what} at {due.isoformat()}, queued behind the run still going")
            else:
                self.log(f"{entry.name}: {what} at {due.isoformat()}, skipped: "
                         f"the previous run is still going")
            return
        self.started.append((entry.name, due))
        self.busy.add(entry.name)
        task = asyncio.get_running_loop().create_task(self._run_entry(entry, trigger),
                                                      name=f"schedule {entry.name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run_entry(self, entry: ScheduleEntry, trigger: Trigger = None) -> None:
        try:
            store = open_history(config=self.engine.config)
        except HistoryError as exc:  # a job that cannot be recorded is not run unattended
            self.log(f"{entry.name}: not started: {exc}")
            store = None
        try:
            if store is not None:
                await self._start_and_wait(entry, store, trigger)
        finally:
            if store is not None:
                with contextlib.suppress(HistoryError):
                    store.close()
            self.busy.discard(entry.name)
            if self.queued.get(entry.name) and (current := self.entry(entry.name)) is not None:
                self._fire(current, self.clock.now(), self.queued[entry.name].pop(0))

    async def _start_and_wait(self, entry: ScheduleEntry, store: RunHistory, trigger: Trigger = None) -> None:
        assert self.schedules is not None
        path = self.schedules.runbook_path(entry)
        parameters = dict(entry.parameters)
        try:
            # In a worker thread: reading and validating a large runbook takes seconds, and the
            # other entries' timers must not wait for it.
            runbook = await asyncio.to_thread(load_runbook, path, self.engine.registry)
            if self.stopping:
                self.log(f"{entry.name}: not started: the scheduler is stopping")
                return
            handle = self.engine.start(runbook, parameters, sinks=[store.record], trigger=trigger)
        except Exception as exc:  # any failure to start, foreseen or not: logged and recorded, no traceback
            error = describe(exc)
            if str(path) not in error:  # e.g. parameters that do not match the runbook's
                error = f"{path}: {error}"
            self.log(f"{entry.name}: not started: {error}")
            with contextlib.suppress(HistoryError):
                record_not_started(store, path, parameters, error)
            return
        # A monitor entry's jobs may run side by side: each under its own key.
        key = entry.name if trigger is None else f"{entry.name} {handle.job_id}"
        self.running[key] = handle
        self.log(f"{entry.name}: job {handle.job_id} started")
        try:
            timeout = entry.timeout_min * 60 if entry.timeout_min else None
            try:
                result = await asyncio.wait_for(asyncio.shield(handle.wait()), timeout)
            except TimeoutError:
                self.log(f"{entry.name}: job {handle.job_id} ran over {entry.timeout_min:g} min: cancelled")
                handle.cancel()
                result = await handle.wait()
            except asyncio.CancelledError:  # the scheduler is shutting down
                handle.cancel()
                result = await handle.wait()
            self._save(store, result)
            self.log(f"{entry.name}: job {handle.job_id} {result.status}")
        finally:
            del self.running[key]

    def _save(self, store: RunHistory, result: JobResult) -> None:
        try:
            store.save_result(result)
        except HistoryError as exc:
            self.log(f"job {result.job_id} {result.status}, but not recorded: {exc}")

    async def shutdown(self) -> None:
        """Cancel running jobs and wait until they are recorded (as cancelled)."""
        self.stopping = True
        self.queued.clear()
        for _, task in self.monitors.values():  # no new events, no watching thread left behind
            task.cancel()
        self.monitors.clear()
        if self.watching:
            await asyncio.gather(*self.watching, return_exceptions=True)
        for handle in list(self.running.values()):
            handle.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
