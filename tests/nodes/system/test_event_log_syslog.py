"""Send Event Log Message without a connection: syslog messages received by listeners the test starts
(UDP on 127.0.0.1, a unix datagram or stream socket), with the PRI of the severity and facility, the tag,
the event id and the text; and the errors when nothing listens or the input cannot be sent."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from chains import run_chain, step
from syslog_listener import RFC3164, RFC5424, received, udp_listener, unix_listener
from system_support import error_of


def event(**properties: object) -> dict:
    return step("log", "system.send_event_log", **properties)


@pytest.mark.parametrize(("severity", "pri"), [("information", 14), ("warning", 12), ("error", 11)])
async def test_rfc5424_over_udp_with_the_severity_as_pri(tmp_path: Path, severity: str, pri: int):
    with udp_listener() as listener:
        port = listener.getsockname()[1]
        result = await run_chain(tmp_path, event(message="Disk full on web01 — 99 %", severity=severity,
                                                 source="backup-runbook", event_id=42, format="rfc5424",
                                                 address=f"udp://127.0.0.1:{port}"))
        assert result.status == "success", result
        found = RFC5424.fullmatch(received(listener))
    assert found is not None
    assert (int(found["pri"]), found["tag"], found["msgid"], found["message"], found["host"]) == \
        (pri, "backup-runbook", "42", "Disk full on web01 — 99 %", socket.gethostname())
    assert int(found["pid"]) == os.getpid()
    assert result.rows("log") == [{"message": "Disk full on web01 — 99 %", "severity": severity,
                                   "source": "backup-runbook", "event_id": 42,
                                   "computer": socket.gethostname(), "log": f"udp://127.0.0.1:{port}"}]


async def test_rfc3164_to_a_unix_socket_as_glibc_writes_it(tmp_path: Path):
    path = tmp_path / "log"
    with unix_listener(path) as listener:
        result = await run_chain(tmp_path, event(message="nightly job done", severity="warning",
                                                 facility="local3", address=f"unix://{path}"))
        assert result.status == "success", result
        found = RFC3164.fullmatch(received(listener))
    assert found is not None
    assert (int(found["pri"]), found["host"], found["tag"], found["message"]) == \
        (19 * 8 + 4, None, "Interlock", "nightly job done")


async def test_a_stream_socket_gets_the_message_nul_terminated(tmp_path: Path):
    path = tmp_path / "log"
    got: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)
        server.settimeout(5)

        def accept() -> None:
            connection, _ = server.accept()
            with connection:
                connection.settimeout(5)
                got.append(connection.recv(65536))
        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        result = await run_chain(tmp_path, event(message="via stream", address=f"unix://{path}"))
        thread.join(5)
    assert result.status == "success", result
    assert got and got[0].endswith(b": via stream\0") and got[0].startswith(b"<14>")


async def test_nothing_listening_a_bad_address_and_a_tag_syslog_cannot_carry(tmp_path: Path):
    missing = tmp_path / "no-such-socket"
    result = await run_chain(tmp_path, event(message="x", address=f"unix://{missing}"))
    assert error_of(result, "log") == (
        f"send event log message to syslog on this machine: no syslog socket at {missing} (is a syslog "
        f"daemon or journald running? or set address to a syslog server, udp://HOST:PORT)")
    result = await run_chain(tmp_path, event(message="x", address="tcp://127.0.0.1:514"))
    assert error_of(result, "log") == ("send event log message to syslog on this machine: "
                                       "'tcp://127.0.0.1:514' is not a syslog address: use unix:///dev/log "
                                       "or udp://HOST:PORT")
    result = await run_chain(tmp_path, event(message="x", source="My Runbooks", address="udp://127.0.0.1:9"))
    assert "source 'My Runbooks' cannot be a syslog tag" in error_of(result, "log")


async def test_an_address_with_a_connection_is_refused_when_the_runbook_loads(tmp_path: Path):
    from engine.errors import RunbookError

    with pytest.raises(RunbookError, match="address is where syslog messages go without a connection"):
        await run_chain(tmp_path, event(message="x", connection="win01", address="udp://127.0.0.1:514"))
