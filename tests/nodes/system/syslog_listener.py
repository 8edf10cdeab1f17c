"""Syslog listeners the tests start: a UDP socket on a free loopback port, or a unix datagram socket at a
path, bound by the test; what they received is read with a bound wait."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [BOM]MSG
RFC5424 = re.compile(r"<(?P<pri>\d+)>1 (?P<time>\S+) (?P<host>\S+) (?P<tag>\S+) (?P<pid>\d+) "
                     r"(?P<msgid>\S+) - \ufeff(?P<message>.*)", re.DOTALL)
# RFC 3164 as glibc sends it to the local socket: <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG
RFC3164 = re.compile(r"<(?P<pri>\d+)>(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?:(?P<host>\S+) )?"
                     r"(?P<tag>[^\s\[]+)\[(?P<pid>\d+)\]: (?P<message>.*)", re.DOTALL)


@contextmanager
def udp_listener() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        yield sock


@contextmanager
def unix_listener(path: Path) -> Iterator[socket.socket]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(5)
        yield sock


def received(sock: socket.socket) -> str:
    return sock.recv(65536).decode("utf-8")
