"""Get Service Status and Start/Stop Service without a connection: systemd units of this machine through
the systemctl found on PATH (here the stand-in, since no init system runs), and the error without one."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from chains import run_chain, step
from system_support import error_of
from systemctl_standin import calls, install, read_units, unit


async def test_this_machines_units_through_systemctl_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    bin_dir = install(tmp_path / "host", {"cron.service": unit("Regular background program processing")})
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    result = await run_chain(tmp_path, step("before", "system.get_service_status", service="cron"),
                             step("start", "system.start_stop_service", service="{{before.service}}"))
    assert result.status == "success", result
    assert [(r["status"], r["computer"]) for r in result.rows("before")] == \
        [("stopped", socket.gethostname())]
    assert [(r["service"], r["status"], r["changed"]) for r in result.rows("start")] == \
        [("cron.service", "running", True)]
    assert read_units(bin_dir)["cron.service"]["active"] == "active"
    assert ["--no-block", "--no-ask-password", "start", "--", "cron.service"] in calls(bin_dir)


async def test_without_systemctl_the_error_says_to_use_a_connection(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = await run_chain(tmp_path, step("status", "system.get_service_status", service="cron"))
    assert error_of(result, "status") == (
        "get service status on this machine needs systemctl, which is not on PATH here: set connection to an "
        "ssh or winrm connection of the host instead")
