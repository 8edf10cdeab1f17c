"""Get Computer/IP Status (net.ping) on loopback: reachable by ICMP where this system allows it, by TCP
to a port a test server listens on; unreachable (and quickly) on a port nothing listens on, which fails
the activity as in Orchestrator or, with fail_when_unreachable = false, publishes reachable = false;
unknown names."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from runbooks import act, instance, run
from servers import free_port

from nodes.net.reachability import icmp_mode


@pytest.fixture
def listening() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


async def test_tcp_to_a_listening_port_is_reachable(tmp_path: Path, listening: int):
    result = await run(tmp_path, act("ping", "net.ping", host="127.0.0.1", method="tcp", port=listening,
                                     count=2))
    assert result.status == "success", result
    (row,) = result.rows("ping")
    assert (row["reachable"], row["address"], row["method"], row["detail"]) == (True, "127.0.0.1", "tcp", "")
    assert row["received_percent"] == 100
    assert 0 < row["round_trip_ms"] < 1000


async def test_an_unused_port_is_unreachable_quickly_and_published_when_asked(tmp_path: Path):
    port = free_port()
    started = time.monotonic()
    result = await run(tmp_path, act("ping", "net.ping", host="127.0.0.1", method="tcp", port=port,
                                     fail_when_unreachable=False))
    assert time.monotonic() - started < 2
    assert result.status == "success"
    (row,) = result.rows("ping")
    assert row["reachable"] is False and row["round_trip_ms"] is None and row["received_percent"] == 0
    assert row["detail"] == f"TCP port {port}: Connection refused"


async def test_an_unreachable_host_fails_by_default_as_in_orchestrator(tmp_path: Path):
    port = free_port()
    result = await run(tmp_path, act("ping", "net.ping", host="127.0.0.1", method="tcp", port=port))
    assert result.status == "failed"
    error = instance(result, "ping").error
    assert error == f"127.0.0.1 is not reachable: TCP port {port}: Connection refused"


async def test_an_unknown_name_is_unreachable_with_the_reason(tmp_path: Path):
    result = await run(tmp_path, act("ping", "net.ping", host="no-such-host.invalid", method="tcp",
                                     fail_when_unreachable=False))
    (row,) = result.rows("ping")
    assert row["reachable"] is False and row["address"] == ""
    assert row["detail"].startswith("host name no-such-host.invalid not found")


async def test_icmp_echo_reaches_loopback_where_the_system_allows_it(tmp_path: Path):
    if icmp_mode() is None:
        pytest.skip("this system lets no unprivileged process send ICMP echo (ping_group_range)")
    result = await run(tmp_path, act("ping", "net.ping", host="127.0.0.1", method="icmp", count=2))
    (row,) = result.rows("ping")
    assert (row["reachable"], row["method"], row["address"]) == (True, "icmp", "127.0.0.1"), row
    assert 0 <= row["round_trip_ms"] < 1000


async def test_auto_uses_icmp_when_allowed_else_tcp(tmp_path: Path, listening: int):
    result = await run(tmp_path, act("ping", "net.ping", host="127.0.0.1", port=listening))
    (row,) = result.rows("ping")
    assert row["reachable"] is True
    assert row["method"] == ("tcp" if icmp_mode() is None else "icmp")


async def test_without_icmp_auto_connects_by_tcp_and_icmp_says_why_not(tmp_path: Path, listening: int,
                                                                       monkeypatch: pytest.MonkeyPatch):
    # A system that lets this process send no ICMP (no raw socket, ping_group_range excluding it).
    monkeypatch.setattr("nodes.net.ping.icmp_mode", lambda: None)
    result = await run(tmp_path, act("ping", "net.ping", host="127.0.0.1", port=listening))
    (row,) = result.rows("ping")
    assert (row["reachable"], row["method"]) == (True, "tcp")
    result = await run(tmp_path, act("ping", "net.ping", host="127.0.0.1", method="icmp"))
    assert result.status == "failed"
    assert "does not let Interlock send ICMP echo" in instance(result, "ping").error
