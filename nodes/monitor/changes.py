"""Bursts of file system changes under a folder, from watchfiles, stopped cleanly.

watchfiles waits for changes in a worker thread that asyncio cannot interrupt: cancelling the task
that iterates `awatch` would only take effect once that thread returns. So the watch runs in a task of
its own, driven by a stop event, and the consumer here can be cancelled at once; closing it sets the
event and waits (at most STEP_MS) for the thread to end, leaving no thread or task behind.

Each thread wait is short (STEP_MS), and the quiet time that makes a burst is measured here, so a long
quiet time never slows the stop. Each armed file monitor holds one of anyio's worker threads (40 by
default) while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import awatch
from watchfiles.main import FileChange

from engine.errors import ActivityError

STEP_MS = 50  # how often the watch thread looks at its stop event
THREAD_TIMEOUT_MS = 1_000  # the watch thread returns at least this often, even with no change
POLL_MS = 500
LONGEST_BURST_S = 30.0  # a file written without a pause for longer than this is reported meanwhile


async def batches(folder: Path, recursive: bool, settle_s: float, polling: bool,
                  activity_name: str) -> AsyncIterator[set[FileChange]]:
    """Each burst of changes under `folder`: everything seen until no change came for `settle_s`."""
    queue: asyncio.Queue[set[FileChange]] = asyncio.Queue()
    stop = asyncio.Event()

    async def pump() -> None:
        async for changes in awatch(folder, watch_filter=None, recursive=recursive, step=STEP_MS,
                                    debounce=int(LONGEST_BURST_S * 1000), stop_event=stop,
                                    force_polling=polling, poll_delay_ms=POLL_MS,
                                    rust_timeout=THREAD_TIMEOUT_MS, yield_on_timeout=True):
            # A removed folder gets no more notifications, even when it is made again: say so (at
            # most a second later) instead of watching nothing.
            if not folder.is_dir():
                raise FileNotFoundError(f'the folder "{folder}" was removed')
            if changes:
                queue.put_nowait(changes)

    pumping = asyncio.get_running_loop().create_task(pump(), name=f"watch {folder}")
    loop = asyncio.get_running_loop()
    try:
        while True:
            burst = await _next(queue, pumping, None, folder, activity_name)
            assert burst is not None  # no timeout: a batch or an error
            ends = loop.time() + max(LONGEST_BURST_S, settle_s)
            while (left := min(settle_s, ends - loop.time())) > 0:
                more = await _next(queue, pumping, left, folder, activity_name)
                if more is None:
                    break
                burst |= more
            yield burst
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.gather(pumping, return_exceptions=True)


async def _next(queue: asyncio.Queue[set[FileChange]], pumping: asyncio.Task[None], timeout: float | None,
                folder: Path, activity_name: str) -> set[FileChange] | None:
    """The next batch; None after `timeout` s without one; ActivityError when the watch has ended."""
    if not queue.empty():
        return queue.get_nowait()
    getter = asyncio.ensure_future(queue.get())
    try:
        done, _ = await asyncio.wait({getter, pumping}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not getter.done():
            getter.cancel()  # a cancelled Queue.get takes nothing from the queue
    if getter in done:
        return getter.result()
    if pumping in done:
        error = pumping.exception()
        why = str(error) if isinstance(error, FileNotFoundError) else \
            f"{type(error).__name__}: {error}" if error else "the watch ended"
        raise ActivityError(f'monitor "{activity_name}": watching folder "{folder}" stopped: {why}')
    return None
