"""The buffering every history back-end shares (DESIGN §3.8): `record` is an engine event sink that
writes a job's start at once and its other events in batches — at FLUSH_AT buffered events, FLUSH_AFTER_S
after the first one waiting (a background thread), when a job finishes, and on `flush()`/`close()` —
because a commit per event would make the history the bottleneck of a run that starts thousands of
instances, while a killed run must still leave what it did in the database. A back-end writes one batch
in one transaction (`_write`).
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from contextlib import suppress
from typing import Any

from ..run.events import Event
from ..run.result import JobResult
from .owner import this_process
from .rows import dumps, duration, event_json
from .store import HistoryError, RunHistory

FLUSH_AT = 500
FLUSH_AFTER_S = 0.5  # a buffered event reaches the database this soon, even if no other event follows

# The buffered rows, as tuples in these column orders (both back-ends write them so).
JOB_START_COLUMNS = ("job_id", "runbook", "path", "parameters", "started_at", "owner_host", "owner_pid",
                     "owner_started")
INSTANCE_ROW_COLUMNS = ("job_id", "activity", "instance", "name", "status", "started_at", "finished_at",
                        "duration_s", "attempts", "error", "rows")
EVENT_COLUMNS = ("job_id", "seq", "kind", "at", "json")


def result_instances(result: JobResult) -> list[tuple[Any, ...]]:
    """Instance rows (INSTANCE_ROW_COLUMNS) of a result saved without its events (e.g. a job run through
    the Python API with no sink), numbered in result order."""
    return [
        (result.job_id, activity.id, index, activity.name, inst.status, inst.started_at,
         inst.finished_at, duration(inst.started_at, inst.finished_at), inst.attempts, inst.error,
         event_json(inst.rows))
        for activity in result.activities for index, inst in enumerate(activity.instances)
    ]


class BufferedHistory(RunHistory):
    """A RunHistory that buffers events and writes them in batches; subclasses write a batch."""

    where: object  # the store in messages: a file's path, a database URL without its password

    def __init__(self, flush_after_s: float = FLUSH_AFTER_S) -> None:
        self.flush_after_s = flush_after_s
        # Sinks may be called from worker threads, and the flusher thread writes too: the buffers
        # have their own lock (held for an append), the database another (held for a batch).
        self._buffer_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._jobs: list[tuple[str, tuple[Any, ...]]] = []  # job rows, in event order
        self._instances: list[tuple[Any, ...]] = []
        self._events: list[tuple[Any, ...]] = []
        self._seq: dict[str, int] = {}  # next event number per job
        self._dirty = threading.Event()  # something is buffered: the flusher writes it soon
        self._closing = threading.Event()
        self._flusher: threading.Thread | None = None

    @abstractmethod
    def _write(self, jobs: list[tuple[str, tuple[Any, ...]]], instances: list[tuple[Any, ...]],
               events: list[tuple[Any, ...]]) -> None:
        """Write one batch in one transaction: job rows ("start", JOB_START_COLUMNS) or ("finish",
        (status, finished_at, job_id)) first, then instances and events (replacing same keys)."""

    def _stop_flusher(self) -> None:
        self._closing.set()
        self._dirty.set()  # wake the flusher so that it sees the close
        if self._flusher is not None:
            self._flusher.join()

    def record(self, event: Event) -> None:
        """Engine sink: buffer one event. A job's start is written at once; the rest at FLUSH_AT
        buffered events, when a job finishes, or FLUSH_AFTER_S later by the flusher thread."""
        data = event.to_dict()
        kind = event.kind
        with self._buffer_lock:
            seq = self._seq.get(event.job_id, 0)
            self._seq[event.job_id] = seq + 1
            self._events.append((event.job_id, seq, kind, event.at, event_json(data)))
            if kind == "job_started":
                owner = this_process()
                self._jobs.append(("start", (
                    event.job_id, data.get("runbook", ""), data.get("path"),
                    dumps(data.get("parameters") or {}), event.at, owner.host, owner.pid, owner.started)))
            elif kind == "instance_finished":
                self._instances.append((
                    event.job_id, data["activity"], data["instance"], data.get("name", ""),
                    data["status"], data.get("started_at"), data.get("finished_at"),
                    data.get("duration_s"), data.get("attempts"), data.get("error"),
                    event_json(data.get("rows") or [])))
            elif kind == "job_finished":
                self._jobs.append(("finish", (data["status"], event.at, event.job_id)))
            write_now = kind in ("job_started", "job_finished") or len(self._events) >= FLUSH_AT
        if write_now:
            self.flush()
        elif not self._dirty.is_set():
            self._dirty.set()
            if self._flusher is None:
                self._start_flusher()

    def _start_flusher(self) -> None:
        self._flusher = threading.Thread(target=self._flush_soon, name="history flusher",
                                         daemon=True)
        self._flusher.start()

    def _flush_soon(self) -> None:
        while True:
            self._dirty.wait()
            if self._closing.wait(self.flush_after_s):
                return  # close() writes what is left
            self._dirty.clear()
            with suppress(HistoryError):  # kept buffered: the next flush retries, close() reports it
                self.flush()

    def flush(self) -> None:
        """Write every buffered event now, in one transaction."""
        with self._write_lock:
            with self._buffer_lock:
                jobs, instances, events = self._jobs, self._instances, self._events
                self._jobs, self._instances, self._events = [], [], []
            if not (jobs or instances or events):
                return
            try:
                self._write(jobs, instances, events)
            except BaseException:
                # Put back in front of anything buffered since, so a later flush retries in order.
                with self._buffer_lock:
                    self._jobs[:0], self._instances[:0], self._events[:0] = jobs, instances, events
                raise

