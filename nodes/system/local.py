"""Commands on this machine for the system pack (systemctl when no connection is given): exec'd without
a shell, in a bounded time, their output captured."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import Awaitable, Callable
from contextlib import suppress

from engine.errors import ActivityError
from nodes.backends.ssh import Completed

LOCAL_TIMEOUT_S = 60


def this_computer() -> str:
    return socket.gethostname()


def local_runner(program: str, needed_for: str) -> Callable[[list[str]], Awaitable[Completed]]:
    """A runner of argv commands whose first item is `program`, found on PATH now; ActivityError saying
    what is missing when it is not installed."""
    path = shutil.which(program)
    if path is None:
        raise ActivityError(f"{needed_for} on this machine needs {program}, which is not on PATH here: set "
                            f"connection to an ssh or winrm connection of the host instead")

    async def run(argv: list[str]) -> Completed:
        process = await asyncio.create_subprocess_exec(
            path, *argv[1:], stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        try:
            async with asyncio.timeout(LOCAL_TIMEOUT_S):
                stdout, stderr = await process.communicate()
        except BaseException as exc:
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            if isinstance(exc, TimeoutError):
                raise ActivityError(f"{' '.join(argv)} did not end within {LOCAL_TIMEOUT_S} s on this "
                                    f"machine and was stopped") from None
            raise
        return Completed(process.returncode if process.returncode is not None else -1,
                         stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))

    return run
