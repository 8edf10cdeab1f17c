"""Reading the run history for the API: its own connection (the writer's stays with the jobs), used by
one request at a time, after the writer has put what it buffered on disk."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ..config import Config
from ..history import RunHistory, StoredJob, open_history
from ..history.store import JobSummary


class HistoryReader:
    def __init__(self, writer: RunHistory, path: Path | None = None, *, config: Config | None = None) -> None:
        self.writer = writer
        self._store = open_history(path, config=config)  # the same history as the writer's
        self.path = getattr(self._store, "path", None)
        self._lock = threading.Lock()

    def jobs(self, limit: int, **filters: Any) -> list[JobSummary]:
        # No flush: a job's start and end are written the moment they happen (SQLiteHistory.record),
        # so a listing is current without waiting for the writer's lock under load.
        with self._lock:
            return self._store.jobs(limit, **filters)

    def job(self, job_id: str) -> StoredJob:
        self.writer.flush()
        with self._lock:
            return self._store.job(job_id)

    def event_lines(self, job_id: str, after: int) -> list[tuple[int, str]]:
        self.writer.flush()
        with self._lock:
            return self._store.event_lines(job_id, after)

    def close(self) -> None:
        self._store.close()
