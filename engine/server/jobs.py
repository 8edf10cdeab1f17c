"""Jobs started over the API: run by the server's engine, recorded in the run history as `interlock
run` records them (with who started them), and their events kept for the streams that follow them.

A running job keeps its latest events in memory (a bounded buffer): a stream that keeps up reads them
from there; one that starts late or reconnects from an older event reads the stored events from the
history first. Events are numbered from 1 in the order the history stores them, which is what
`Last-Event-ID` refers to.

Shutdown: no new job starts; running jobs get `drain_timeout_s` to end by themselves, then are
cancelled and recorded `cancelled`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from ..format.model import Runbook
from ..history import HistoryError, RunHistory
from ..run.events import Event
from ..run.executor import Engine, JobHandle
from ..run.result import JobResult


class LiveJob:
    """A job running in this server: its handle, its latest events, and who waits for more."""

    def __init__(self, path: str, started_by: str, buffer: int, loop: asyncio.AbstractEventLoop) -> None:
        self.path, self.started_by = path, started_by
        self.job_id = ""
        self.handle: JobHandle | None = None
        self.result: JobResult | None = None  # once ended (and recorded)
        self.events: deque[tuple[int, str]] = deque(maxlen=buffer)
        self.last_id = 0
        self._loop = loop
        self._loop_thread = threading.get_ident()  # made on the loop, by JobManager.start
        self._changed = asyncio.Event()

    def add(self, text: str) -> None:
        self.last_id += 1
        self.events.append((self.last_id, text))
        if threading.get_ident() == self._loop_thread:
            self._wake()
        else:  # an event from a worker thread: followers live on the loop
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    @property
    def finished(self) -> bool:
        return self.result is not None

    async def wait_after(self, seen: int, timeout: float) -> None:
        """Until there is an event after `seen`, the job has ended, or `timeout` seconds passed."""
        changed = self._changed
        if self.last_id > seen or self.finished:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)

    def buffered_after(self, seen: int) -> list[tuple[int, str]] | None:
        """The events after `seen` from memory, or None when some of them have left the buffer."""
        if seen >= self.last_id:
            return []
        if not self.events or self.events[0][0] > seen + 1:
            return None
        return [item for item in self.events if item[0] > seen]


class JobManager:
    def __init__(self, engine: Engine, store: RunHistory, *, buffer: int, log: Callable[[str], None]) -> None:
        self.engine, self.store, self.buffer, self.log = engine, store, buffer, log
        self.live: dict[str, LiveJob] = {}
        self.stopping = False
        self._watchers: set[asyncio.Task[None]] = set()

    def start(self, path: str, runbook: Runbook, parameters: dict[str, Any], started_by: str) -> LiveJob:
        """Start a job on the running loop. Bad parameters (ParameterError), a connection or variable
        the config lacks (ConfigError) are raised before anything runs or is recorded."""
        loop = asyncio.get_running_loop()
        live = LiveJob(path, started_by, self.buffer, loop)

        def sink(event: Event) -> None:
            self.store.record(event)  # every job's, including the runbooks this one invokes
            if event.job_id != live.job_id:
                return
            if event.kind == "job_started":
                with contextlib.suppress(HistoryError):  # the job runs on; only its starter is not noted
                    self.store.set_started_by(event.job_id, started_by)
            live.add(event.to_json())

        handle = self.engine.start(runbook, parameters, [sink])
        live.job_id, live.handle = handle.job_id, handle
        self.live[handle.job_id] = live
        watcher = loop.create_task(self._finish(live), name=f"server job {handle.job_id}")
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        self.log(f"job {handle.job_id} of {path} started by {started_by}")
        return live

    async def _finish(self, live: LiveJob) -> None:
        assert live.handle is not None
        result = await live.handle.wait()
        try:
            self.store.save_result(result)
        except HistoryError as exc:
            self.log(f"job {result.job_id} {result.status}, but its result was not recorded: {exc}")
        live.result = result
        live._wake()
        self.live.pop(live.job_id, None)
        self.log(f"job {result.job_id} of {live.path} {result.status}")

    def cancel(self, job_id: str) -> LiveJob | None:
        """Cancel a running job of this server; None when it is not running here."""
        live = self.live.get(job_id)
        if live is None or live.handle is None:
            return None
        live.handle.cancel()
        return live

    async def shutdown(self, drain_timeout_s: float = 0.0) -> None:
        """Stop taking jobs; let the running ones end within the drain time, cancel the rest, and wait
        until every one is recorded."""
        self.stopping = True
        if self._watchers and drain_timeout_s > 0:
            self.log(f"waiting up to {drain_timeout_s:g} s for {len(self.live)} running job(s) to end")
            await asyncio.wait(set(self._watchers), timeout=drain_timeout_s)
        for live in list(self.live.values()):
            self.log(f"job {live.job_id} of {live.path}: cancelled by the server's shutdown")
            if live.handle is not None:
                live.handle.cancel()
        if self._watchers:
            await asyncio.gather(*self._watchers, return_exceptions=True)
