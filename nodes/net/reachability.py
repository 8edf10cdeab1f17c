"""How to tell whether a host answers: ICMP echo (icmplib) when this process may send it, else a TCP
connect to a port. Each returns the round-trip times of the attempts that were answered and, when none
was, why not."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache

import icmplib


@dataclass
class Probe:
    """The outcome of `count` attempts on one address."""

    method: str  # "icmp" | "tcp"
    round_trips_ms: list[float] = field(default_factory=list)
    failure: str = ""  # why no attempt was answered
    sent: bool = True  # false: ICMP could not be sent at all (not a verdict on the host)


@cache
def icmp_mode() -> bool | None:
    """How this process may send ICMP echo: False through an unprivileged datagram socket (Linux when
    net.ipv4.ping_group_range holds one of its groups; macOS), True through a raw socket (root with
    CAP_NET_RAW), None when it may not at all. Found by opening such a socket: being root is not
    enough in a container without CAP_NET_RAW."""
    for privileged, kind in ((False, socket.SOCK_DGRAM), (True, socket.SOCK_RAW)):
        try:
            socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP).close()
        except OSError:
            continue
        return privileged
    return None


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
        return Probe("icmp", failure=f"ICMP echo could not be sent: {exc}", sent=False)
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
