"""The run history's interface: what the CLI, the scheduler and the designer use, whatever the store.

A back-end (SQLite today, PostgreSQL next, DESIGN §6.5) is one module that subclasses `RunHistory`;
`engine.history.open_history` picks it. The records below are what every back-end returns.

May import: the foundation modules, `engine.format` and `engine.run` (events and results are what it
stores). Never `cli` or `schedule`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pydantic import BaseModel, Field

from ..errors import InterlockError
from ..run.events import Event
from ..run.result import JobResult


class HistoryError(InterlockError):
    """The history database cannot be used, or a job asked for is not (unambiguously) in it."""


class JobSummary(BaseModel):
    """One line of `interlock history`."""

    job_id: str
    runbook: str
    path: str | None = None
    status: str  # a job status, or "running" for a job whose end was never recorded
    parameters: dict[str, Any] = Field(default_factory=dict)
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None


class StoredInstance(BaseModel):
    activity: str
    name: str
    instance: int
    status: str
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    attempts: int | None = None
    error: str | None = None
    rows: list[dict[str, Any]] = Field(default_factory=list)


class StoredJob(BaseModel):
    """A job as the history holds it: its summary, its result document (None when the run never
    finished, e.g. the process was killed), the instances recorded from events, and every event."""

    summary: JobSummary
    result: JobResult | None = None
    instances: list[StoredInstance] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)



class RunHistory(ABC):
    """A store of past and running jobs. `record` is an engine event sink (it may buffer); `flush`
    writes what it buffered; `save_result` stores a job's final result document."""

    @abstractmethod
    def record(self, event: Event) -> None: ...

    @abstractmethod
    def flush(self) -> None: ...

    @abstractmethod
    def save_result(self, result: JobResult) -> None: ...

    @abstractmethod
    def jobs(self, limit: int = 20, runbook: str | None = None,
             status: str | None = None) -> list[JobSummary]:
        """Past jobs, newest first; optionally only those of one runbook (by name) or one status."""

    @abstractmethod
    def job(self, job_id: str) -> StoredJob:
        """One job by its id or a unique prefix of it; HistoryError when unknown or ambiguous."""

    @abstractmethod
    def close(self) -> None:
        """Flush and close; the store cannot be used afterwards."""

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
