"""Which process owns a running job, and whether that process is still there.

A job is recorded `running` the moment it starts, with its owner: the host, the process id and the
process's start time (a pid alone is reused by the system; with the start time it names one process).
When any Interlock process opens the history, a running job of this host whose owner is gone — killed,
crashed, the machine restarted — is marked `interrupted`. Jobs of other hosts are left alone: only a
process on their host can tell whether their owner still runs.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache

import psutil

# Start times are floats from the boot time plus clock ticks; the same process reads the same value,
# within this much rounding.
_START_TOLERANCE_S = 0.05


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: float  # the process's start time, seconds since the epoch


@cache
def this_host() -> str:
    return socket.gethostname()


@cache
def this_process() -> Owner:
    pid = os.getpid()
    return Owner(this_host(), pid, psutil.Process(pid).create_time())


def is_gone(owner: Owner) -> bool:
    """True when the owner ran on this host and no longer runs (a process with its pid but another
    start time is another process). An owner on another host is never judged gone from here."""
    if owner.host != this_host():
        return False
    try:
        process = psutil.Process(owner.pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        return abs(process.create_time() - owner.started) > _START_TOLERANCE_S
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return True
    except psutil.AccessDenied:
        return False  # it exists; another user's process is not ours to judge
