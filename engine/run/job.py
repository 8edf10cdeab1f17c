"""One job: tokens flowing through the run plan on asyncio (DESIGN §3).

Bookkeeping that makes junctions exact without polling: every token a node holds — queued, running,
or in flight on a delayed link (counted on the link's source) — is one `pending` on that node, and each
unresolved junction holds one on itself. A junction's `upstream_pending` counts the nodes above it
that hold anything; when it reaches zero the junction can receive nothing more and is resolved on the
spot. The job ends when nothing is pending anywhere.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import ActivityError, InterlockError, ParameterError
from ..format.fileio import load_runbook
from ..format.graph import CompiledGraph
from ..format.model import Runbook
from . import safety
from .clock import iso, now
from .datapath import PathContext, root_context
from .events import (
    Event,
    EventSink,
    InstanceFinished,
    InstanceStarted,
    JobFinished,
    JobStarted,
    JunctionResolved,
    LinkEvaluated,
    LogLine,
)
from .fastbuild import build
from .filtering import passes
from .instance import Attempt, common_data, execute, resolve_properties
from .plan import PlanLink, PlanNode, build_plan
from .result import ActivityResult, InstanceResult, JobResult
from .services import BeforeInstance, ChildJob, JobServices, PausePoint


def pause_point(node: PlanNode, path: PathContext | None, number: int) -> PausePoint:
    try:
        inputs = resolve_properties(node, path).model_dump(mode="json")
    except Exception as exc:  # shown to the tester; the instance itself reports it when it runs
        return PausePoint(node.id, node.name, number, {}, str(exc))
    return PausePoint(node.id, node.name, number, inputs)


@cache
def host_name() -> str:
    """`{{job.server}}`: this machine's name, asked once per process."""
    return socket.gethostname()


ROUTE_CHUNK = 200  # tokens routed before the event loop may turn (see Job._route)


def _inputs(attempt: Attempt) -> dict[str, Any]:
    return attempt.inputs.model_dump(mode="json") if attempt.inputs is not None else {}


class Finished:
    """An instance that has ended and is not yet recorded or published (Job._defer_finish)."""

    __slots__ = ("_common", "attempt", "attempts", "finished", "node", "path", "started")

    def __init__(self, node: PlanNode, path: PathContext | None, attempt: Attempt, attempts: int,
                 started: float, finished: float) -> None:
        self.node, self.path, self.attempt, self.attempts = node, path, attempt, attempts
        self.started, self.finished = started, finished
        self._common: dict[str, Any] | None = None

    def common(self) -> dict[str, Any]:
        if self._common is None:
            self._common = common_data(self.node, self.attempt, self.attempts, self.started, self.finished)
        return self._common


class Job:
    def __init__(self, engine: JobServices, runbook: Runbook, compiled: CompiledGraph,
                 parameters: dict[str, Any], sinks: list[EventSink], *, parent_job_id: str | None = None,
                 depth: int = 0, before_instance: BeforeInstance | None = None,
                 variables: dict[str, Any] | None = None, trigger: dict[str, Any] | None = None) -> None:
        """variables: the values of the global variables the runbook reads, or None when it reads
        neither variables nor job data (then no token carries them). trigger: the event that started
        the job, which its start activity (a monitor) publishes as its row."""
        self.engine = engine
        self.before_instance = before_instance
        self.runbook = runbook
        self.parameters = parameters
        self.trigger = trigger
        self.sinks = sinks
        self.job_id = str(uuid.uuid4())
        self.parent_job_id = parent_job_id
        self.depth = depth
        self.nodes, self.by_id = build_plan(compiled, engine.registry, engine.config.engine.max_parallel)
        self.start_id = next((s for s in compiled.starts if s in self.by_id), None)
        self.returned: dict[str, Any] = {}
        self.children: list[ChildJob] = []
        self.cancelled = False
        self.outstanding = 0
        self._ready: list[PlanNode] = []
        self._finishing: list[Finished] = []  # ended instances waiting to be recorded (_defer_finish)
        self._finish_armed = False
        self._settling = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing: asyncio.Task[None] | None = None  # ends a cancelled job once its tasks have
        self._done = asyncio.Event()
        self._reported: set[tuple[str, str]] = set()
        # Exceptions in the engine's own bookkeeping (never an activity's failure, which is its
        # instance's): each ends the job failed, with the error in its result (fail_internal).
        self.internal_errors: list[str] = []
        self.started_at = now()
        self.root = None if variables is None else root_context(self.job_data(), variables)
        self.config = engine.config
        self.runbook_path = runbook.path  # read once: a private attribute is slow to reach

    def job_data(self) -> dict[str, Any]:
        """What `{{job.FIELD}}` reads (templates.JOB_FIELDS)."""
        return {"runbook": self.runbook.name, "job_id": self.job_id, "server": host_name(),
                "started_at": iso(self.started_at), "parent_job_id": self.parent_job_id}

    # -- events ---------------------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        for sink in self.sinks:
            try:
                sink(event)
            except Exception as exc:  # a broken subscriber must not break the job
                self.sinks = [s for s in self.sinks if s is not sink]
                self.log(f"event subscriber {sink!r} removed after error: {exc}", "error")

    def log(self, message: str, level: str = "info", activity: str | None = None) -> None:
        if self.sinks:
            self.emit(build(LogLine, kind="log", job_id=self.job_id, at=iso(now()), level=level,
                                              message=message, activity=activity))

    def report_for(self, where: str) -> Callable[[str], None]:
        """A reporter that logs each distinct condition problem once per job, not once per token."""
        def report(message: str) -> None:
            if (where, message) not in self._reported:
                self._reported.add((where, message))
                self.log(message, "warning", where.split(" -> ")[0])
        return report

    # -- the run --------------------------------------------------------------------------------
    async def run(self) -> JobResult:
        """Run the job to its end. Whatever goes wrong inside the engine, the job ends with a result
        (failed, with the error) instead of an exception or a success that hides it."""
        with safety.watching(self):
            try:
                return await self._run()
            except Exception as exc:  # the job's own bookkeeping broke
                self.fail_internal(exc, "while running the job")
                await self._done.wait()
                return self._result()

    async def _run(self) -> JobResult:
        self.emit(build(JobStarted,
            kind="job_started", job_id=self.job_id, at=iso(self.started_at), runbook=self.runbook.name,
            path=self.runbook.path, parameters=self.parameters, parent_job_id=self.parent_job_id))
        for node in self.nodes:
            if node.is_junction:
                self._add_pending(node, +1)
        if self.start_id is not None:
            self._offer(self.by_id[self.start_id], self.root, None)
        # a junction no enabled path reaches can receive nothing: resolve it now, or the job never ends
        self._ready += [n for n in self.nodes if n.is_junction and n.upstream_pending == 0]
        self._settle()
        try:
            await self._done.wait()
        except asyncio.CancelledError:
            self.cancel()
            await self._drain()
            self._finish_deferred()
            raise
        for child in self.children:
            await child.wait()
        return self._result()

    async def _drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            self._tasks = {task for task in self._tasks if not task.done()}

    def cancel(self, reason: str = "job cancelled") -> None:
        if self.cancelled:
            return
        self.cancelled = True
        self.log(reason, "warning")
        for node in self.nodes:
            while node.queue:
                node.queue.popleft()
                self._add_pending(node, -1)
        for task in list(self._tasks):
            task.cancel()
        for child in self.children:
            child.cancel()
        self._settle()
        # The job ends once every task has ended, even one cancelled before it began (its coroutine
        # never ran, so the token it was given is still counted as pending).
        self._closing = asyncio.get_running_loop().create_task(self._end_after_tasks())

    async def _end_after_tasks(self) -> None:
        try:
            await self._drain()
            self._finish_deferred()  # the instances that ended before the cancel are in the result
        finally:
            self._done.set()  # whatever happened, the job ends

    def fail_internal(self, exc: BaseException, where: str) -> None:
        """An exception in the engine's own bookkeeping: the job stops starting work and ends
        `failed` with the error — never lost, never a success. Its counters can no longer be trusted,
        so it is not left to run on."""
        message = f"internal error {where}: {type(exc).__name__}: {exc}"
        self.internal_errors.append(message)
        with suppress(Exception):
            self.log(message, "error")
        if self.cancelled:
            return
        try:
            self.cancel("job stopped after an internal error")
        except Exception:  # even stopping fails: end the job now with what it has
            self._done.set()

    # -- counters -------------------------------------------------------------------------------
    def _add_pending(self, node: PlanNode, delta: int) -> None:
        before = node.pending
        node.pending = after = before + delta
        self.outstanding += delta
        # A junction counts its ancestors that hold anything, so only a node going from idle to busy
        # or back touches the junctions below it (not every token of a 1,000-row wave).
        if (before == 0) is not (after == 0):
            step = 1 if before == 0 else -1
            for junction in node.junctions_below:
                junction.upstream_pending += step
                if junction.upstream_pending == 0:
                    self._ready.append(junction)

    def _settle(self) -> None:
        """Resolve the junctions that can receive nothing more; end the job when nothing is left."""
        if self._settling:
            return
        self._settling = True
        try:
            while self._ready:
                self._ready.sort(key=lambda j: j.position)
                junction = self._ready.pop(0)
                if junction.junction_state is None and junction.upstream_pending == 0:
                    self._resolve_junction(junction)
        finally:
            self._settling = False
        if self.outstanding == 0:
            self._done.set()

    # -- tokens ---------------------------------------------------------------------------------
    def _offer(self, node: PlanNode, path: PathContext | None, source: str | None) -> None:
        if node.is_junction:
            if node.junction_state is None and source is not None:
                node.arrived[source].append(path)  # type: ignore[arg-type]
            return
        if self.cancelled:
            return
        self._add_pending(node, +1)
        if node.running < node.max_parallel:
            self._start_instance(node, path)
        else:
            node.queue.append(path)

    def _start_instance(self, node: PlanNode, path: PathContext | None) -> None:
        node.running += 1
        # The task takes itself out of _tasks when it ends (no done-callback: one loop turn less);
        # _drain drops tasks cancelled before they began.
        self._tasks.add(asyncio.get_running_loop().create_task(self._instances(node, path)))

    async def _instances(self, node: PlanNode, path: PathContext | None) -> None:
        """One of the node's max_parallel slots: run an instance, then the node's queued ones in turn.
        A queued instance starts the moment the slot frees, in the same task, as a hand-written loop
        over a semaphore would — not a new task one loop turn later."""
        try:
            while True:
                number = node.started
                node.started += 1
                try:
                    finished = await self._run_instance(node, path, number)
                except asyncio.CancelledError:
                    self._add_pending(node, -1)
                    raise
                except Exception as exc:  # the engine's part of the instance broke: it ends failed
                    finished = self._broken_instance(node, path, number, exc)
                self._defer_finish(finished)
                if self.cancelled or not node.queue:
                    return
                # Let the rest of this loop turn run first (the other instances that ended with this
                # one): the next wave then starts together, as new tasks would, not strung out. The
                # token stays queued meanwhile, so a cancel in between drains it with the others.
                await asyncio.sleep(0)
                if self.cancelled or not node.queue:
                    return
                path = node.queue.popleft()
        finally:
            self._tasks.discard(asyncio.current_task())  # type: ignore[arg-type]
            node.running -= 1
            if self._ready or not self.outstanding:
                self._settle_guarded()

    def _settle_guarded(self) -> None:
        try:
            self._settle()
        except Exception as exc:
            self.fail_internal(exc, "while settling the job")

    def _broken_instance(self, node: PlanNode, path: PathContext | None, number: int,
                         exc: Exception) -> Finished:
        at = now()
        error = f"internal error: {type(exc).__name__}: {exc}"
        done = Finished(node, path, Attempt("failed", error=error, retryable=False), 1, at, at)
        if self.sinks:
            self.emit(build(InstanceFinished,
                kind="instance_finished", job_id=self.job_id, at=iso(at), activity=node.id,
                name=node.name, instance=number, status="failed", started_at=iso(at), finished_at=iso(at),
                duration_s=0.0, attempts=1, error=error, rows=[], inputs={}))
        self.fail_internal(exc, f'in instance {number} of "{node.name}"')
        return done

    async def _run_instance(self, node: PlanNode, path: PathContext | None, number: int) -> Finished:
        if self.sinks:
            self.emit(build(InstanceStarted,
                kind="instance_started", job_id=self.job_id, at=iso(now()), activity=node.id,
                name=node.name, instance=number))
        if self.before_instance is not None:
            await self.before_instance(pause_point(node, path, number))
        attempt, attempts, started, finished = await execute(self, node, path)
        done = Finished(node, path, attempt, attempts, started, finished)
        if self.sinks:  # watchers hear of the end at once, before the slot's next instance starts
            common = done.common()
            self.emit(build(InstanceFinished,
                kind="instance_finished", job_id=self.job_id, at=common["@finished_at"],
                activity=node.id, name=node.name, instance=number, status=attempt.status,
                started_at=common["@started_at"], finished_at=common["@finished_at"],
                duration_s=common["@duration_s"], attempts=attempts, error=attempt.error,
                rows=attempt.rows, inputs=_inputs(attempt)))
        return done

    # -- after an instance ----------------------------------------------------------------------
    def _defer_finish(self, done: Finished) -> None:
        """Record and publish a finished instance two loop turns later, once the wave it ended with
        has started its next instances: a slot's next call to the back-end does not wait behind
        the bookkeeping of fifty others. The node stays pending meanwhile, so no junction below it
        can resolve early."""
        self._finishing.append(done)
        if not self._finish_armed:
            self._finish_armed = True
            loop = asyncio.get_running_loop()
            loop.call_soon(loop.call_soon, self._finish_deferred)

    def _finish_deferred(self) -> None:
        try:
            self._finish_all()
        except Exception as exc:
            self.fail_internal(exc, "while recording finished instances")

    def _finish_all(self) -> None:
        self._finish_armed = False
        finishing, self._finishing = self._finishing, []
        for done in finishing:
            try:
                self._finish(done)
            except Exception as exc:  # an engine bug: the job ends failed with it
                self.fail_internal(exc, f'while recording an instance of "{done.node.name}"')
            self._add_pending(done.node, -1)
        self._settle()

    def _finish(self, done: Finished) -> None:
        node, attempt = done.node, done.attempt
        common = done.common()
        node.instances.append(build(InstanceResult,
            status=attempt.status, started_at=common["@started_at"],
            finished_at=common["@finished_at"], rows=attempt.rows, error=attempt.error,
            attempts=done.attempts))
        if attempt.status != "cancelled" and not self.cancelled:
            self._publish(node, attempt.status, attempt.rows, common, done.path)

    def _publish(self, node: PlanNode, status: str, rows: list[dict[str, Any]], common: dict[str, Any],
                 path: PathContext | None) -> None:
        """One token per row onto every outgoing link; a failed or warning instance without rows sends
        one token with its common data only, so status links can route it (DESIGN §3.2)."""
        if rows:
            tokens = [PathContext(path, node.id, row, common) for row in rows]
        elif status in ("failed", "warning"):
            tokens = [PathContext(path, node.id, {}, common)]
        else:
            return
        self._route(node, tokens, common["@finished_at"])

    def _route(self, node: PlanNode, tokens: list[PathContext], at: str) -> None:
        """Offer every token to every outgoing link. A large fan-out (a junction releasing 1,000 rows)
        is routed in chunks, letting the event loop turn in between so a window watching the job never
        freezes; the source stays pending until its last chunk is routed, so nothing downstream can
        settle early."""
        if len(tokens) > ROUTE_CHUNK:
            self._route_now(node, tokens[:ROUTE_CHUNK], at)
            self._add_pending(node, +1)
            asyncio.get_running_loop().call_soon(self._route_rest, node, tokens[ROUTE_CHUNK:], at)
            return
        self._route_now(node, tokens, at)

    def _route_rest(self, node: PlanNode, tokens: list[PathContext], at: str) -> None:
        try:
            if not self.cancelled:
                self._route(node, tokens, at)
        except Exception as exc:
            self.fail_internal(exc, f'while routing the rows of "{node.name}"')
        finally:
            self._add_pending(node, -1)
            self._settle_guarded()

    def _route_now(self, node: PlanNode, tokens: list[PathContext], at: str) -> None:
        """Offer tokens to every outgoing link; report passed/filtered counts per link."""
        for link in node.out_links:
            passed = 0
            statuses = link.statuses
            if statuses is not None and link.delay_s <= 0:  # the usual link: straight to its target
                target, source = link.target, node.id
                for token in tokens:
                    if token.common["@status"] in statuses:
                        passed += 1
                        self._offer(target, token, source)
            elif statuses is not None:
                for token in tokens:
                    if token.common["@status"] in statuses:
                        passed += 1
                        self._send(link, token)
            else:
                report = self.report_for(f"{node.id} -> {link.target.id}")
                for token in tokens:
                    if passes(link.include, link.exclude, token, report):
                        passed += 1
                        self._send(link, token)
            if self.sinks:
                self.emit(build(LinkEvaluated,
                    kind="link", job_id=self.job_id, at=at, from_=node.id, to=link.target.id,
                    passed=passed, filtered=len(tokens) - passed))

    def _send(self, link: PlanLink, token: PathContext) -> None:
        if link.delay_s <= 0:
            self._offer(link.target, token, link.source.id)
            return
        self._add_pending(link.source, +1)  # held on the link: the source is not settled yet
        task = asyncio.get_running_loop().create_task(self._delayed(link, token))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _delayed(self, link: PlanLink, token: PathContext) -> None:
        try:
            await asyncio.sleep(link.delay_s)
            self._offer(link.target, token, link.source.id)
        except Exception as exc:
            self.fail_internal(exc, f"on the delayed link {link.source.id} -> {link.target.id}")
        finally:
            self._add_pending(link.source, -1)
            self._settle_guarded()

    # -- junctions ------------------------------------------------------------------------------
    def _resolve_junction(self, junction: PlanNode) -> None:
        at = now()
        empty = [f"{source} -> {junction.id}" for source, got in junction.arrived.items() if not got]
        if self.cancelled:
            state, detail = "not reached", "job cancelled"
        elif not any(junction.arrived.values()):
            state, detail = "not reached", "no token arrived on any incoming link"
        elif junction.require == "all" and empty:
            state, detail = "blocked", "no token on " + ", ".join(empty)
        else:
            state, detail = "fired", ""
        junction.junction_state, junction.junction_detail = state, detail
        rows: list[PathContext] = []
        if state == "fired":
            common = {"@name": junction.name, "@type": junction.activity.type, "@status": "success",
                      "@started_at": iso(at), "@finished_at": iso(at), "@duration_s": 0.0, "@error": "",
                      "@attempts": 1}
            if junction.republish is not None:
                rows = [PathContext(t, junction.id, t.fields, common)
                        for t in junction.arrived.get(junction.republish, [])]
            else:
                rows = [PathContext(self.root, junction.id, {}, common)]
            junction.instances.append(build(InstanceResult,
                status="success", started_at=iso(at), finished_at=iso(at),
                rows=[r.fields for r in rows], error=None, attempts=1))
        if self.sinks:
            self.emit(build(JunctionResolved,
                kind="junction", job_id=self.job_id, at=iso(at), activity=junction.id, name=junction.name,
                state=state, detail=detail, rows=len(rows)))
        if rows:
            self._route(junction, rows, iso(at))
        junction.arrived = {source: [] for source in junction.arrived}  # free the held contexts
        self._add_pending(junction, -1)

    # -- invoke ---------------------------------------------------------------------------------
    async def invoke_child(self, path: str, parameters: dict[str, Any], wait: bool) -> dict[str, Any]:
        if self.depth + 1 > self.engine.config.engine.max_invoke_depth:
            raise ActivityError(f"runbooks invoke each other more than "
                                f"{self.engine.config.engine.max_invoke_depth} levels deep (a cycle?)")
        base = Path(self.runbook.path).parent if self.runbook.path else Path.cwd()
        target = (base / path).resolve()
        try:
            child_runbook = load_runbook(target, self.engine.registry)
            handle = self.engine.start(child_runbook, parameters, self.sinks, parent_job_id=self.job_id,
                                       depth=self.depth + 1)
        except (InterlockError, ParameterError) as exc:
            raise ActivityError(f"cannot start {target}: {exc}") from None
        if not wait:
            self.children.append(handle)
            return {"job_id": handle.job_id, "status": "running"}
        try:
            result = await handle.wait()
        except asyncio.CancelledError:
            handle.cancel()
            raise
        if result.status in ("failed", "cancelled"):
            raise ActivityError(f'invoked runbook "{result.runbook}" (job {result.job_id}) '
                                f"ended {result.status}")
        return {"job_id": result.job_id, "status": result.status, **result.returned}

    # -- result ---------------------------------------------------------------------------------
    def _result(self) -> JobResult:
        finished = now()
        activities = []
        junctions: dict[str, str] = {}
        failed = warned = False
        for activity in self.runbook.activities:
            node = self.by_id.get(activity.id)
            if node is None:
                activities.append(build(ActivityResult,
                    id=activity.id, name=activity.name, state="not run", instances=[], detail="disabled"))
                continue
            if node.is_junction:
                state = node.junction_state or "not reached"
                junctions[node.id] = state
                warned |= state == "blocked"
                activities.append(build(ActivityResult,
                    id=node.id, name=node.name, state=state, instances=node.instances,
                    detail=node.junction_detail or None))
                continue
            statuses = {i.status for i in node.instances}
            failed |= "failed" in statuses
            warned |= "warning" in statuses
            state = "ran" if node.instances else ("cancelled" if self.cancelled else "not run")
            activities.append(build(ActivityResult,
                id=node.id, name=node.name, state=state, instances=node.instances, detail=None))
        error = "; ".join(self.internal_errors) or None
        status = ("failed" if error else "cancelled" if self.cancelled else "failed" if failed else
                  "warning" if warned else "success")
        result = build(JobResult,
            job_id=self.job_id, runbook=self.runbook.name, status=status, parameters=self.parameters,
            started_at=iso(self.started_at), finished_at=iso(finished), activities=activities,
            junctions=junctions, returned=self.returned, error=error)
        self.emit(build(JobFinished,
            kind="job_finished", job_id=self.job_id, at=iso(finished), runbook=self.runbook.name,
            status=status, duration_s=round(finished - self.started_at, 6), error=error))
        return result


class JobHandle:
    """A running job: its id, a way to cancel it, and its result when it ends."""

    def __init__(self, job: Job, task: asyncio.Task[JobResult]) -> None:
        self._job = job
        self._task = task

    @property
    def job_id(self) -> str:
        return self._job.job_id

    @property
    def done(self) -> bool:
        return self._task.done()

    def cancel(self) -> None:
        """Stop starting instances, cancel the running ones; the job ends as `cancelled`."""
        self._job.cancel()

    async def wait(self) -> JobResult:
        return await asyncio.shield(self._task)
