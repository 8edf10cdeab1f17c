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
    started_by: str | None = None  # the API token's name for a job started on the runbook server


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


class StoredCounter(BaseModel):
    """A counter's value as the history's database holds it (DESIGN §6.1)."""

    name: str
    value: int
    updated_at: str | None = None


class StoredJob(BaseModel):
    """A job as the history holds it: its summary, its result document (None when the run never
    finished, e.g. the process was killed), the instances recorded from events, and every event."""

    summary: JobSummary
    result: JobResult | None = None
    instances: list[StoredInstance] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The job result document (`run --json`); for a job that has not saved one (still running,
        or killed), what the history recorded of it: its summary and finished instances."""
        if self.result is not None:
            return self.result.model_dump(mode="json")
        summary = self.summary.model_dump(mode="json")
        return {**summary, "instances": [i.model_dump(mode="json") for i in self.instances]}


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
    def jobs(self, limit: int = 20, runbook: str | None = None, status: str | None = None, *,
             path: str | None = None, since: str | None = None, until: str | None = None,
             started_by: str | None = None) -> list[JobSummary]:
        """Past jobs, newest first; optionally only those of one runbook (by name, or by its file's
        path), one status, started in [since, until] (ISO-8601 texts), or started by one user."""

    @abstractmethod
    def set_started_by(self, job_id: str, who: str) -> None:
        """Record who started a job (the runbook server's API token), after its start was recorded."""

    @abstractmethod
    def job(self, job_id: str) -> StoredJob:
        """One job by its id or a unique prefix of it; HistoryError when unknown or ambiguous."""

    @abstractmethod
    def event_lines(self, job_id: str, after: int = 0, limit: int = 10_000) -> list[tuple[int, str]]:
        """A job's stored events after the first `after` ones, as (number from 1, JSON text)."""

    @abstractmethod
    def close(self) -> None:
        """Flush and close; the store cannot be used afterwards."""

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
