"""What a job needs from the engine that started it, what an instance needs from its job, and the
tester's hook into a job (a pause point before each instance).

Protocols, so that neither side imports the other: the executor builds jobs (executor -> job), a job
builds instances (job -> instance), and the way back goes through these two descriptions instead of an
import circle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..config.connections import Connections
    from ..config.registry import Registry
    from ..config.settings import Config
    from ..format.model import Runbook
    from .counters import CounterStore
    from .events import EventSink
    from .result import JobResult


@dataclass(frozen=True)
class PausePoint:
    """Where a tester may hold a job: just before an instance runs, with its inputs as resolved."""

    activity: str
    name: str
    instance: int
    inputs: dict[str, Any]
    error: str | None = None  # when the inputs cannot be resolved (the instance will fail)


BeforeInstance = Callable[[PausePoint], Awaitable[None]]


class ChildJob(Protocol):
    """A job started by another one (Invoke Runbook), as its parent holds it."""

    @property
    def job_id(self) -> str: ...

    def cancel(self) -> None: ...

    async def wait(self) -> JobResult: ...


class JobServices(Protocol):
    """The engine as a job sees it: its configuration, packs, connections and counters, and a way to
    start a child job (Invoke Runbook)."""

    config: Config
    registry: Registry
    connections: Connections
    counters: CounterStore | None

    def start(self, runbook: Runbook, parameters: dict[str, Any] | None = None,
              sinks: Iterable[EventSink] = (), *, parent_job_id: str | None = None,
              depth: int = 0, before_instance: BeforeInstance | None = None) -> ChildJob: ...


class InstanceHost(Protocol):
    """A job as its instances see it: the facts an activity may read, and where its logs, returned
    data and child jobs go."""

    job_id: str
    runbook_path: str | None
    parameters: dict[str, Any]
    trigger: dict[str, Any] | None
    config: Config
    engine: JobServices
    returned: dict[str, Any]

    def log(self, message: str, level: str = "info", activity: str | None = None) -> None: ...

    def report_for(self, activity: str) -> Callable[[str], None]: ...

    async def invoke_child(self, path: str, parameters: dict[str, Any], wait: bool) -> dict[str, Any]: ...
