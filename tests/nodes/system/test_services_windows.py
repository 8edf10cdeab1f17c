"""Get Service Status, Start/Stop Service and Send Event Log Message on a Windows host: contract tests on
the loopback WS-Management endpoint, whose fake PowerShell reads the scripts sent (the service name, the
action and the message only as data) and answers as Windows would."""

from __future__ import annotations

from pathlib import Path

import pytest
from chains import run_chain, step
from system_support import error_of
from windows_fake import PASSWORD_ENV, FakeService, connection, serve_windows

from engine.config.settings import Config

HOSTILE = "x'; Stop-Computer -Force; '"


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "S3cr3t-pw!")


def config(port: int) -> Config:
    return Config(connections={"win01": connection(port, "winrm")})


def status(service: str) -> dict:
    return step("status", "system.get_service_status", service=service, connection="win01")


def change(service: str, action: str, **properties: object) -> dict:
    return step("change", "system.start_stop_service", service=service, action=action, connection="win01",
                **properties)


def spooler(**overrides: object) -> FakeService:
    return FakeService(**{"name": "Spooler", "display_name": "Print Spooler", "status": "Running",
                          "start_mode": "Auto", **overrides})


async def test_status_by_name_or_display_name(tmp_path: Path):
    services = [spooler(delayed=True), FakeService("W3SVC", "World Wide Web Publishing Service",
                                                   start_mode="Disabled")]
    with serve_windows(services) as (fake, _):
        names = step("list", "core.split", text="Spooler|World Wide Web Publishing Service", separator="|")
        result = await run_chain(tmp_path, names, status("{{list.item}}"), config=config(fake.port))
    assert result.status == "success", result
    assert sorted((r["service"], r["display_name"], r["status"], r["raw_status"], r["start_type"],
                   r["raw_start_type"], r["computer"]) for r in result.rows("status")) == [
        ("Spooler", "Print Spooler", "running", "Running", "auto", "Auto (Delayed Start)", "WIN01"),
        ("W3SVC", "World Wide Web Publishing Service", "stopped", "Stopped", "disabled", "Disabled", "WIN01")]


async def test_the_name_is_data_and_an_unknown_one_fails_naming_it(tmp_path: Path):
    with serve_windows([spooler()]) as (fake, _):
        result = await run_chain(tmp_path, status(HOSTILE), config=config(fake.port))
    assert error_of(result, "status") == (f'get status of service {HOSTILE} on connection "win01": no '
                                          f"service has that name or display name (Get-Service)")
    (invocation,) = fake.invocations
    assert invocation.inputs == {"service": HOSTILE}
    assert "Stop-Computer" not in invocation.script


async def test_start_waits_through_start_pending_until_running(tmp_path: Path):
    with serve_windows([spooler(status="Stopped", polls=2)]) as (fake, windows):
        result = await run_chain(tmp_path, change("Print Spooler", "start"), config=config(fake.port))
    assert result.status == "success", result
    (row,) = result.rows("change")
    assert (row["service"], row["status"], row["raw_status"], row["changed"]) == \
        ("Spooler", "running", "Running", True)
    assert windows.requests == [("Start", "Spooler")]
    assert [inv.operation for inv in fake.invocations] == ["status", "request", "status", "status", "status"]


async def test_restart_stops_waits_then_starts(tmp_path: Path):
    with serve_windows([spooler(polls=1)]) as (fake, windows):
        result = await run_chain(tmp_path, change("Spooler", "restart"), config=config(fake.port))
    assert result.status == "success", result
    assert windows.requests == [("Stop", "Spooler"), ("Start", "Spooler")]
    assert result.rows("change")[0]["status"] == "running"


async def test_stop_of_a_stopped_service_asks_nothing(tmp_path: Path):
    with serve_windows([spooler(status="Stopped")]) as (fake, windows):
        result = await run_chain(tmp_path, change("Spooler", "stop"), config=config(fake.port))
    assert [(r["status"], r["changed"]) for r in result.rows("change")] == [("stopped", False)]
    assert windows.requests == []


async def test_a_disabled_service_and_one_that_stays_pending_fail_with_the_reason(tmp_path: Path):
    services = [FakeService("W3SVC", "WWW", start_mode="Disabled"), spooler(status="Stopped", polls=1000)]
    with serve_windows(services) as (fake, _):
        disabled = await run_chain(tmp_path, change("W3SVC", "start"), config=config(fake.port))
        slow = await run_chain(tmp_path, change("Spooler", "start", timeout_s=1), config=config(fake.port))
    assert error_of(disabled, "change") == (
        'start service W3SVC on connection "win01": PowerShell failed on 127.0.0.1: Exception calling '
        "\"Start\" with \"0\" argument(s): \"Cannot start service W3SVC on computer '.'.\"")
    assert error_of(slow, "change") == (
        'start service Spooler on connection "win01": still starting (StartPending) after 1 s (timeout_s), '
        "not running; the host may still get it there")


async def test_an_event_log_entry_carries_the_message_as_data(tmp_path: Path):
    message = f"Backup of {HOSTILE} failed\nsee the job log"
    with serve_windows() as (fake, windows):
        result = await run_chain(tmp_path, step("log", "system.send_event_log", message=message,
                                                severity="warning", event_id=4711, connection="win01"),
                                 config=config(fake.port))
    assert result.status == "success", result
    assert [(e.log, e.source, e.entry_type, e.event_id, e.message) for e in windows.entries] == [
        ("Application", "Interlock", "Warning", 4711, message)]
    assert result.rows("log") == [{"message": message, "severity": "warning", "source": "Interlock",
                                   "event_id": 4711, "computer": "WIN01", "log": "Application"}]
    assert "Stop-Computer" not in fake.invocations[0].script


async def test_a_new_source_is_registered_and_without_rights_the_error_says_why(tmp_path: Path):
    entry = step("log", "system.send_event_log", message="hello", source="Runbooks", connection="win01")
    with serve_windows() as (fake, windows):
        result = await run_chain(tmp_path, entry, config=config(fake.port))
    assert result.status == "success", result
    assert windows.sources["Runbooks"] == "Application"
    with serve_windows(admin=False) as (fake, windows):
        result = await run_chain(tmp_path, entry, config=config(fake.port))
    assert error_of(result, "log") == (
        'write event log entry to Application log on connection "win01": PowerShell failed on 127.0.0.1: '
        "The source was not found, but some or all event logs could not be searched. Inaccessible logs: "
        "Security.")
    assert windows.entries == []
