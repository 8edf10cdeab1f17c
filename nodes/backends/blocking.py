"""Running a blocking SDK call (pywinrm, libvirt-python) from the async back-end interface.

Each call goes to a worker thread, and at most `limit` calls of one connection run at once: a WinRM
server refuses shells beyond its MaxShellsPerUser, and a libvirt connection serialises calls anyway, so
a wave of 50 instances queues here instead of failing there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class BlockingCalls:
    """Bounded worker-thread calls for one connection."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        # A connection outlives one event loop (the designer runs jobs on its own loop, tests make a
        # loop per test), so the semaphore is made for the loop that is running now.
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.limit), loop
        return self._slots

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._semaphore():
            return await asyncio.to_thread(call, *args, **kwargs)
