"""How to tell whether a host answers: ICMP echo (icmplib) when this process may send it, else a TCP
connect to a port. Each returns the round-trip times of the attempts that were answered and, when none
was, why not."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import icmplib

PING_GROUP_RANGE = Path("/proc/sys/net/ipv4/ping_group_range")


@dataclass
class Probe:
    """The outcome of `count` attempts on one address."""

    method: str  # "icmp" | "tcp"
    round_trips_ms: list[float] = field(default_factory=list)
    failure: str = ""  # why no attempt was answered


def icmp_mode() -> bool | None:
    """How this process may send ICMP echo: True through a raw socket (root), False through an
    unprivileged datagram socket (Linux's ping_group_range holds one of our groups; macOS), None when
    it may not at all."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return True
    if sys.platform != "linux":
        return False if sys.platform == "darwin" else None
    try:
        low, high = (int(part) for part in PING_GROUP_RANGE.read_text().split())
    except (OSError, ValueError):
        return None
    groups = {os.getgid(), *os.getgroups()}
    return False if any(low <= group <= high for group in groups) else None


async def resolve(host: str, port: int) -> str:
    """The host's first address (an IP address stays as it is); OSError when the name is unknown."""
    loop = asyncio.get_running_loop()
    found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return str(found[0][4][0])


async def icmp_probe(address: str, count: int, timeout_s: float, privileged: bool) -> Probe:
    try:
        host = await icmplib.async_ping(address, count=count, interval=0.2, timeout=timeout_s,
                                        privileged=privileged)
    except icmplib.ICMPLibError as exc:
        return Probe("icmp", failure=f"ICMP echo could not be sent: {exc}")
    if not host.is_alive:
        return Probe("icmp", failure=f"no answer to {count} ICMP echo request{'s' * (count > 1)} within "
                                     f"{timeout_s:g} s each")
    return Probe("icmp", [round(rtt, 3) for rtt in host.rtts])


async def tcp_probe(address: str, port: int, count: int, timeout_s: float) -> Probe:
    probe = Probe("tcp")
    for _ in range(count):
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout_s):
                _, writer = await asyncio.open_connection(address, port)
        except TimeoutError:
            probe.failure = f"no answer on TCP port {port} within {timeout_s:g} s"
            continue
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            probe.failure = f"TCP port {port}: {reason}"
            continue
        probe.round_trips_ms.append(round((time.perf_counter() - started) * 1e3, 3))
        writer.close()
        with suppress(OSError):  # the other side may reset a connection it did not want: it answered
            await writer.wait_closed()
    return probe
