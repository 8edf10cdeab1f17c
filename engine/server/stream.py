"""A job's events as a stream: the stored ones after what the reader has seen, then the live ones as
they come, until the job's `job_finished`. Events are (number, JSON line); a reader that reconnects
with the last number it saw (Last-Event-ID) misses nothing and sees nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from fastapi.concurrency import run_in_threadpool

from .jobs import JobManager
from .reader import HistoryReader

POLL_S = 1.0  # how often a job running in another process is looked up in the history
WAIT_S = 5.0  # a live job's stream looks again at least this often (it is woken by every event)
FINISHED = '{"kind": "job_finished"'  # how every stored and live event line of that kind begins


async def job_events(jobs: JobManager, reader: HistoryReader, job_id: str, seen: int,
                     ended: Callable[[], bool]) -> AsyncIterator[tuple[int, str]]:
    """The events of `job_id` after number `seen`. `ended` says whether the job (not running in this
    server) has ended in the history, so a stream of a job killed before its job_finished stops."""
    live = jobs.live.get(job_id)
    while True:
        batch = live.buffered_after(seen) if live is not None else None
        if batch is None:  # not running here, or the stream is behind the buffer: from the history
            batch = await run_in_threadpool(reader.event_lines, job_id, seen)
        for number, text in batch:
            yield number, text
            seen = number
            if text.startswith(FINISHED):
                return
        if batch:
            continue
        if live is None:
            if await run_in_threadpool(ended):
                return
            await asyncio.sleep(POLL_S)
            live = jobs.live.get(job_id)
        elif live.finished and seen >= live.last_id:
            return
        else:
            await live.wait_after(seen, WAIT_S)

