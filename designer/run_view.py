"""Running the open runbook on the engine, in-process: the job runs on the Qt event loop (qasync), its
events are counted as they come (engine.progress) and painted onto the canvas at most 20 times a
second, so a run of thousands of instances never stalls the window. Jobs are recorded in the same run
history as `interlock run`."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from engine.config.registry import Registry
from engine.config.settings import Config
from engine.errors import InterlockError
from engine.format.document import Document
from engine.history import HistoryError, RunHistory, StoredJob, open_counters, open_history
from engine.run.events import Event, InstanceFinished
from engine.run.executor import Engine, JobHandle
from engine.run.progress import ProgressCounts
from engine.run.result import JobResult

from .canvas.scene import RunbookScene
from .tester import Tester

REPAINT_MS = 50  # ≤ 20 repaints a second, whatever the event rate


class RunController(QObject):
    started = Signal(str)  # job id
    finished = Signal(object)  # JobResult
    progressed = Signal(object)  # ProgressCounts, after each coalesced repaint
    events = Signal(object)  # the events since the last repaint, a list
    stopped = Signal()  # Stop was asked for (held instances must be let go so they can cancel)

    def __init__(self, document: Document, scene: RunbookScene, registry: Registry,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.scene = scene
        self.registry = registry
        self.config = Config()
        self.config_fixed = False  # set by embedders and tests that give the config themselves
        self.counts: ProgressCounts | None = None
        self.handle: JobHandle | None = None
        self.result: JobResult | None = None
        self.events_seen = 0
        self.finished_instances: dict[str, list[InstanceFinished]] = {}  # activity id -> its instances
        self._pending: list[Event] = []
        self._dirty = False
        self._waiter: asyncio.Future[None] | None = None
        self._timer = QTimer(self, interval=REPAINT_MS)
        self._timer.timeout.connect(self._repaint)

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def start(self, parameters: dict[str, Any], tester: Tester | None = None) -> JobHandle:
        """Start a job of the document as it is now (later edits do not change the running job).
        ParameterError / RunbookError / ConfigError are raised before anything runs."""
        if self.running:
            raise InterlockError("a job of this runbook is already running: stop it first")
        runbook = self.document.runbook.model_copy(deep=True)
        runbook._path = self.document.runbook.path
        engine = Engine(self.config, self.registry, counters=open_counters())
        junctions = {a.id for a in runbook.activities if a.type in engine.junction_types()}
        counts = ProgressCounts(runbook, junctions, engine.subject_fields(runbook))
        store = open_history()
        # The history is written by its own thread: a batch of 500 events committed to SQLite on the
        # event loop stalled the window for ~100 ms (benchmarks/live.py).
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="interlock-history")
        hook = tester.before_instance if tester is not None else None
        def record(event: Event) -> None:
            writer.submit(store.record, event)

        handle = engine.start(runbook, parameters, sinks=[counts.update, record, self._seen],
                              before_instance=hook)
        self.counts, self.handle, self.result = counts, handle, None
        self.events_seen = 0
        self.finished_instances = {}
        self.scene.show_run(counts)
        self._timer.start()
        # kept in an attribute: a task nobody references may vanish
        self._waiter = asyncio.ensure_future(self._finish(handle, store, writer))
        self.started.emit(handle.job_id)
        return handle

    def show_stored(self, stored: StoredJob) -> None:
        """A past job's final states and counts, replayed from its stored events onto the canvas."""
        if self.running:
            raise InterlockError("a job is running: stop it before opening a past one")
        runbook = self.document.runbook
        engine = Engine(self.config, self.registry)
        junctions = {a.id for a in runbook.activities if a.type in engine.junction_types()}
        counts = ProgressCounts(runbook, junctions, engine.subject_fields(runbook))
        self.finished_instances = {}
        self.handle = None
        for event in stored.events:
            if event.job_id != stored.summary.job_id:
                continue  # a child job's events (invoke_runbook) belong to the child's runbook
            counts.update(event)
            if isinstance(event, InstanceFinished):
                self.finished_instances.setdefault(event.activity, []).append(event)
        self.counts, self.result = counts, stored.result
        self.scene.show_run(counts)
        self.progressed.emit(counts)

    def stop(self) -> None:
        if self.running and self.handle is not None:
            self.handle.cancel()
            self.stopped.emit()

    def clear(self) -> None:
        """Back to editing: no run state on the canvas."""
        if not self.running:
            self.counts = None
            self.scene.show_run(None)

    def _seen(self, event: Event) -> None:
        self.events_seen += 1
        self._pending.append(event)
        if isinstance(event, InstanceFinished) and self.handle is not None \
                and event.job_id == self.handle.job_id:  # a child job's instances are not this canvas's
            self.finished_instances.setdefault(event.activity, []).append(event)
        self._dirty = True  # painted by the timer: never one repaint per event

    def _repaint(self) -> None:
        if self._dirty and self.counts is not None:
            self._dirty = False
            self.scene.show_run(self.counts)
            batch, self._pending = self._pending, []
            self.events.emit(batch)
            self.progressed.emit(self.counts)

    async def _finish(self, handle: JobHandle, store: RunHistory, writer: ThreadPoolExecutor) -> None:
        loop = asyncio.get_running_loop()

        def save(result: JobResult | None) -> None:
            # The run happened: a history that cannot be written must not hide its result.
            with contextlib.suppress(HistoryError):
                if result is not None:
                    store.save_result(result)
            with contextlib.suppress(HistoryError):
                store.close()

        result: JobResult | None = None
        try:
            result = await handle.wait()
        finally:
            await loop.run_in_executor(writer, save, result)  # after every event queued before it
            writer.shutdown(wait=False)
        self._timer.stop()
        self._dirty = True
        self._repaint()
        self.result = result
        self.finished.emit(result)
