"""Timestamps as the engine writes them: ISO-8601 in UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime

# Two timestamps per instance: datetime.isoformat() alone costs ~2 µs, so the date and time down to the
# second is formatted once per second and the microseconds appended (the same text, a third the cost).
_second: list[tuple[int, str]] = [(-1, "")]


def now() -> float:
    return time.time()


def iso(timestamp: float) -> str:
    """What datetime.fromtimestamp(timestamp, UTC).isoformat() says."""
    second = int(timestamp)
    micro = round((timestamp - second) * 1e6)
    if second < 0 or micro >= 1_000_000:  # before 1970, or rounded up into the next second
        return datetime.fromtimestamp(timestamp, UTC).isoformat()
    cached, prefix = _second[0]
    if cached != second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second[0] = (second, prefix)
    return f"{prefix}.{micro:06d}+00:00" if micro else f"{prefix}+00:00"
