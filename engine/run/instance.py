"""Running one activity instance: resolve its properties, then run it under its run behaviour
(timeout, retry with backoff, loop) — DESIGN §3.6. Blocking activity code runs in a worker thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_result, stop_after_attempt, wait_exponential

from ..errors import ActivityError, InterlockError
from ..format.model import Loop, Retry
from ..format.templates import render_value
from ..format.validate import describe_error, key_path
from .clock import iso, now
from .counters import CounterAction, use_counter
from .datapath import MissingData, PathContext
from .filtering import passes
from .rows import flatten, normalise

if TYPE_CHECKING:
    from ..config.settings import Config
    from .plan import PlanNode
    from .services import InstanceHost


class Attempt:
    """One attempt's outcome (a plain class: made once per instance, and a dataclass with a
    default_factory cost twice as much)."""

    __slots__ = ("error", "inputs", "retryable", "rows", "status")

    def __init__(self, status: str, rows: list[dict[str, Any]] | None = None, error: str | None = None,
                 retryable: bool = True) -> None:
        self.status = status  # success | warning | failed | cancelled
        self.rows: list[dict[str, Any]] = rows if rows is not None else []
        self.error = error
        self.retryable = retryable  # a property that cannot be resolved fails the same way every time
        self.inputs: BaseModel | None = None  # the properties as resolved for the last attempt


class InstanceContext:
    """The RunContext an activity sees (engine.activity.RunContext)."""

    __slots__ = ("_cancel_requested", "_job", "_node", "attempt", "inputs", "path", "warning")

    def __init__(self, job: InstanceHost, node: PlanNode, path: PathContext | None) -> None:
        self._job = job
        self._node = node
        self.path = path
        self.attempt = 0
        self.warning: str | None = None
        self.inputs: BaseModel | None = None  # the last attempt's resolved properties
        self._cancel_requested: threading.Event | None = None

    # What an activity may read about its job, looked up when asked (most activities never ask).
    @property
    def activity_id(self) -> str:
        return self._node.id

    @property
    def activity_name(self) -> str:
        return self._node.name

    @property
    def job_id(self) -> str:
        return self._job.job_id

    @property
    def runbook_path(self) -> str | None:
        return self._job.runbook_path

    @property
    def parameters(self) -> dict[str, Any]:
        return self._job.parameters

    @property
    def config(self) -> Config:
        return self._job.config

    @property
    def trigger(self) -> dict[str, Any] | None:
        return self._job.trigger

    @property
    def cancel_requested(self) -> threading.Event:
        """Set when the job is cancelled; blocking code may check it to stop early (made on demand)."""
        if self._cancel_requested is None:
            self._cancel_requested = threading.Event()
        return self._cancel_requested

    def log(self, message: str, level: str = "info") -> None:
        self._job.log(message, level, self.activity_id)

    def warn(self, message: str) -> None:
        self.warning = message

    def set_returned(self, data: dict[str, Any]) -> None:
        self._job.returned.update(data)

    async def run_blocking(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(function, *args)

    async def invoke_runbook(self, path: str, parameters: dict[str, Any], wait: bool) -> dict[str, Any]:
        return await self._job.invoke_child(path, parameters, wait)

    def connection(self, name: str) -> Any:
        return self._job.engine.connections.get(name)

    async def counter(self, name: str, action: CounterAction = "get", amount: int = 0) -> int:
        engine = self._job.engine
        return await use_counter(engine.config, engine.counters, name, action, amount)


def resolve_properties(node: PlanNode, path: PathContext | None) -> BaseModel:
    """The instance's properties with every subscription substituted, checked by the type's model."""
    if node.static_properties is not None:
        return node.static_properties
    lookup = path.lookup if path is not None else _no_data
    render = node.render_properties
    rendered = render(lookup) if render is not None else render_value(node.activity.properties, lookup)
    try:  # the validator itself: model_validate's wrapper costs as much again, once per instance
        return node.impl.Properties.__pydantic_validator__.validate_python(rendered)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ActivityError(f'property "{key_path(error["loc"])}": {describe_error(error)}') from None


def _no_data(ref: Any) -> Any:
    raise MissingData(f'no data from "{ref.activity}" on this path (needed by {ref})')


def _call(node: PlanNode, properties: BaseModel, context: InstanceContext) -> Awaitable[Any]:
    """What to await for the activity's run (plain code goes to a worker thread). Not a coroutine
    itself: one frame less on every resumption of every instance."""
    if node.blocking:
        return asyncio.to_thread(node.impl.run, properties, context)
    return node.impl.run(properties, context)


async def run_attempt(node: PlanNode, path: PathContext | None, context: InstanceContext) -> Attempt:
    context.attempt += 1
    try:
        properties = resolve_properties(node, path)
        context.inputs = properties
    except (MissingData, ActivityError) as exc:
        return Attempt("failed", error=str(exc), retryable=False)
    except Exception as exc:  # a pack's broken properties model must fail the instance, not the job
        return Attempt("failed", error=f"cannot read properties: {type(exc).__name__}: {exc}",
                       retryable=False)
    behaviour = node.behaviour
    timeout = behaviour.timeout_s if behaviour else None
    context.warning = None
    try:
        if timeout:
            async with asyncio.timeout(timeout):
                output = await _call(node, properties, context)
        else:
            output = await _call(node, properties, context)
        rows = normalise(output, node.activity.type)
    except TimeoutError:
        message = f"timed out after {timeout:g} s"
        if behaviour and behaviour.on_timeout == "warn":
            return Attempt("warning", error=message)
        return Attempt("failed", error=message)
    except (ActivityError, InterlockError) as exc:
        return Attempt("failed", error=str(exc) or type(exc).__name__)
    except asyncio.CancelledError:
        context.cancel_requested.set()
        raise
    except Exception as exc:  # activity code's own bug or a back-end's surprise: fail this instance only
        return Attempt("failed", error=f"{type(exc).__name__}: {exc}")
    if context.warning:
        return Attempt("warning", rows, context.warning)
    return Attempt("success", rows)


def run_with_retry(node: PlanNode, path: PathContext | None, context: InstanceContext,
                   retry: Retry | None) -> Awaitable[Attempt]:
    """The attempt to await: one, or several under the retry policy."""
    if retry is None or retry.max_attempts <= 1:
        return run_attempt(node, path, context)
    return _retrying(node, path, context, retry)


async def _retrying(node: PlanNode, path: PathContext | None, context: InstanceContext,
                    retry: Retry) -> Attempt:

    def log_retry(state: Any) -> None:
        outcome = state.outcome.result()
        context.log(f"attempt {state.attempt_number} failed: {outcome.error}; retrying", "warning")

    retrying = AsyncRetrying(
        stop=stop_after_attempt(retry.max_attempts),
        wait=wait_exponential(multiplier=retry.delay_s, exp_base=retry.backoff, min=0,
                              max=float("inf")),
        retry=retry_if_result(lambda a: a.status == "failed" and a.retryable),
        retry_error_callback=lambda state: state.outcome.result(),
        before_sleep=log_retry,
        reraise=True,
    )
    return await retrying(run_attempt, node, path, context)


def _loop_done(loop: Loop, node: PlanNode, path: PathContext | None, attempt: Attempt, attempts: int,
               report: Callable[[str], None]) -> bool:
    common = {"@status": attempt.status, "@error": attempt.error or "", "@attempts": attempts,
              "@name": node.name, "@type": node.activity.type}
    rows = attempt.rows or [{}]
    contexts = [PathContext(path, node.id, row, common) for row in rows]
    exit_holds = any(passes(loop.exit, (), c, report) for c in contexts)
    continue_holds = any(passes(loop.continue_, (), c, report) for c in contexts) if loop.continue_ \
        else False
    return exit_holds and not continue_holds


async def execute(job: InstanceHost, node: PlanNode,
                  path: PathContext | None) -> tuple[Attempt, int, float, float]:
    """Run an instance to its end; returns (outcome, attempts, started, finished)."""
    context = InstanceContext(job, node, path)
    started = now()
    behaviour = node.behaviour
    retry = behaviour.retry if behaviour else None
    loop = behaviour.loop if behaviour else None
    try:
        attempt = await run_with_retry(node, path, context, retry)
        while loop is not None:
            if _loop_done(loop, node, path, attempt, context.attempt, job.report_for(node.id)):
                break
            if context.attempt >= loop.max_attempts:
                job.log(f"loop ended after {context.attempt} attempts without meeting its exit "
                        f"condition", "warning", node.id)
                break
            if loop.delay_s:
                await asyncio.sleep(loop.delay_s)
            attempt = await run_with_retry(node, path, context, retry)
    except asyncio.CancelledError:
        context.cancel_requested.set()
        attempt = Attempt("cancelled", error="cancelled")
    if node.flatten is not None and attempt.rows:
        attempt.rows = flatten(attempt.rows, node.flatten)
    attempt.inputs = context.inputs
    return attempt, context.attempt, started, now()


def common_data(node: PlanNode, attempt: Attempt, attempts: int, started: float,
                finished: float) -> dict[str, Any]:
    return {"@name": node.name, "@type": node.activity.type, "@status": attempt.status,
            "@started_at": iso(started), "@finished_at": iso(finished),
            "@duration_s": round(finished - started, 6), "@error": attempt.error or "",
            "@attempts": attempts}
