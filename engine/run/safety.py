"""The safety net under the job's own guards: an asyncio exception handler on the job's loop.

The job catches what its tasks and callbacks raise (Job.fail_internal). Should an exception still
escape to the event loop — a callback or task added later without a guard — asyncio would only log it,
and the job would end as if nothing had happened. This handler finds the running job the exception
came from (a frame of its traceback belongs to the job's methods) and fails that job with it; anything
else goes to the handler that was there before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class Job(Protocol):
    """What the net needs of a job: a way to fail it."""

    def fail_internal(self, exc: BaseException, where: str) -> None: ...

# The jobs running on each loop (one process may run several loops: the designer's and a worker's).
_running: dict[asyncio.AbstractEventLoop, set[Job]] = {}


@contextmanager
def watching(job: Job) -> Iterator[None]:
    """While the job runs, an exception its code lets escape to the loop fails the job."""
    loop = asyncio.get_running_loop()
    jobs = _running.get(loop)
    if jobs is None:
        jobs = _running[loop] = set()
        _install(loop)
    jobs.add(job)
    try:
        yield
    finally:
        jobs.discard(job)
        if not jobs:
            del _running[loop]
            _uninstall(loop)


def _install(loop: asyncio.AbstractEventLoop) -> None:
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        job = _job_of(exc, _running.get(loop, set())) if isinstance(exc, Exception) else None
        if job is not None:
            job.fail_internal(exc, f"({context.get('message') or 'escaped to the event loop'})")
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    handler.previous = previous  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)


def _uninstall(loop: asyncio.AbstractEventLoop) -> None:
    current = loop.get_exception_handler()
    if current is not None and hasattr(current, "previous"):
        loop.set_exception_handler(current.previous)


def _job_of(exc: BaseException, jobs: set[Job]) -> Job | None:
    """The running job one of whose methods the exception passed through."""
    if not jobs:
        return None
    trace = exc.__traceback__
    while trace is not None:
        owner = trace.tb_frame.f_locals.get("self")
        for job in jobs:
            if owner is job:
                return job
        trace = trace.tb_next
    return None
