"""Get Service Status and Start/Stop Service on systemd units over SSH: a real OpenSSH server whose
sessions run a stand-in systemctl (no init system runs here) that keeps unit states in a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chains import step
from system_support import SystemdHost, error_of, run_on, running_systemd_host
from systemctl_standin import read_units, unit

from engine.config.settings import Config


@pytest.fixture(scope="module")
def systemd_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemdHost]:
    with running_systemd_host(tmp_path_factory.mktemp("systemd-host")) as host:
        yield host


def status(service: str, **properties: object) -> dict:
    return step("status", "system.get_service_status", service=service, connection="web01", **properties)


def change(service: str, action: str, **properties: object) -> dict:
    return step("change", "system.start_stop_service", service=service, action=action, connection="web01",
                **properties)


async def test_status_publishes_the_normalised_and_raw_state(systemd_host: SystemdHost, tmp_path: Path):
    systemd_host.units(**{"nginx.service": unit("A high performance web server", "active"),
                          "backup.service": unit("Nightly backup", "failed", file_state="static")})
    result = await run_on(systemd_host.config(), tmp_path, step("list", "core.split", text="nginx,backup",
                                                                separator=","),
                          status("{{list.item}}"))
    assert result.status == "success", result
    rows = sorted(result.rows("status"), key=lambda r: r["service"])
    assert rows == [
        {"service": "backup.service", "display_name": "Nightly backup", "status": "stopped",
         "raw_status": "failed (failed)", "start_type": "manual", "raw_start_type": "static",
         "computer": "127.0.0.1"},
        {"service": "nginx.service", "display_name": "A high performance web server", "status": "running",
         "raw_status": "active (running)", "start_type": "auto", "raw_start_type": "enabled",
         "computer": "127.0.0.1"}]
    assert sorted(call[-1] for call in systemd_host.calls()) == ["backup", "nginx"]


async def test_an_unknown_unit_and_a_name_that_is_not_a_unit_fail_clearly(systemd_host: SystemdHost,
                                                                          tmp_path: Path):
    systemd_host.units()
    result = await run_on(systemd_host.config(), tmp_path, status("nosuch"))
    assert error_of(result, "status") == ('get status of service nosuch on connection "web01": systemd has '
                                          "no unit nosuch (LoadState=not-found)")
    hostile = "nginx; touch /tmp/x"
    result = await run_on(systemd_host.config(), tmp_path, status(hostile))
    assert error_of(result, "status").startswith(
        f'get status of service {hostile!r} on connection "web01": not a systemd unit name')
    result = await run_on(systemd_host.config(), tmp_path, status("ngin*"))
    assert "no patterns" in error_of(result, "status")
    assert [call[-1] for call in systemd_host.calls()] == ["nosuch"]  # the bad names never ran


async def test_start_of_a_stopped_unit_asks_systemd_and_waits_until_running(systemd_host: SystemdHost,
                                                                            tmp_path: Path):
    systemd_host.units(**{"nginx.service": unit("web server")})
    result = await run_on(systemd_host.config(), tmp_path, change("nginx", "start"))
    assert result.status == "success", result
    (row,) = result.rows("change")
    assert (row["status"], row["raw_status"], row["changed"], row["action"]) == \
        ("running", "active (running)", True, "start")
    assert systemd_host.state("nginx.service") == ("active", "running")
    asked = [call for call in systemd_host.calls() if "show" not in call]
    assert asked == [["--no-block", "--no-ask-password", "start", "--", "nginx"]]


async def test_start_of_a_running_unit_and_stop_of_a_stopped_one_change_nothing(systemd_host: SystemdHost,
                                                                                tmp_path: Path):
    systemd_host.units(**{"nginx.service": unit("web", "active"), "cron.service": unit("cron")})
    result = await run_on(systemd_host.config(), tmp_path, change("nginx", "start"))
    assert [(r["status"], r["changed"]) for r in result.rows("change")] == [("running", False)]
    result = await run_on(systemd_host.config(), tmp_path, change("cron", "stop"))
    assert [(r["status"], r["changed"]) for r in result.rows("change")] == [("stopped", False)]
    assert all("show" in call for call in systemd_host.calls())


async def test_stop_and_restart(systemd_host: SystemdHost, tmp_path: Path):
    systemd_host.units(**{"nginx.service": unit("web", "active")})
    result = await run_on(systemd_host.config(), tmp_path, change("nginx", "stop"))
    assert [(r["status"], r["raw_status"]) for r in result.rows("change")] == [("stopped", "inactive (dead)")]
    systemd_host.units(**{"nginx.service": unit("web", "active", behaviour="slow", polls=2)})
    result = await run_on(systemd_host.config(), tmp_path, change("nginx", "restart"))
    assert result.status == "success", result
    assert [(r["status"], r["changed"]) for r in result.rows("change")] == [("running", True)]
    units = read_units(systemd_host.bin_dir)
    assert units["nginx.service"]["invocation"] == 2  # started anew, not the old run seen running


async def test_a_slow_unit_is_polled_until_running(systemd_host: SystemdHost, tmp_path: Path):
    systemd_host.units(**{"slow.service": unit("slow to start", behaviour="slow", polls=3)})
    result = await run_on(systemd_host.config(), tmp_path, change("slow", "start", timeout_s=30))
    assert result.status == "success", result
    assert result.rows("change")[0]["status"] == "running"
    shows = [call for call in systemd_host.calls() if "show" in call]
    assert len(shows) == 1 + 3  # before, then three polls: activating, activating, active


async def test_without_wait_the_state_right_after_the_request_is_published(systemd_host: SystemdHost,
                                                                           tmp_path: Path):
    systemd_host.units(**{"slow.service": unit("slow", behaviour="slow", polls=5)})
    result = await run_on(systemd_host.config(), tmp_path, change("slow", "start", wait=False))
    assert [(r["status"], r["raw_status"]) for r in result.rows("change")] == [("starting",
                                                                                "activating (start)")]


async def test_a_unit_that_never_gets_there_times_out(systemd_host: SystemdHost, tmp_path: Path):
    systemd_host.units(**{"hung.service": unit("hangs", behaviour="never")})
    result = await run_on(systemd_host.config(), tmp_path, change("hung", "start", timeout_s=1.5))
    assert result.status == "failed"
    assert error_of(result, "change") == (
        'start service hung on connection "web01": still starting (activating (start)) after 1.5 s '
        "(timeout_s), not running; the host may still get it there")


async def test_a_unit_that_dies_on_start_and_a_masked_one_fail_with_the_reason(systemd_host: SystemdHost,
                                                                               tmp_path: Path):
    systemd_host.units(**{"crash.service": unit("crashes", "failed", behaviour="fails"),
                          "off.service": unit("masked", file_state="masked")})
    result = await run_on(systemd_host.config(), tmp_path, change("crash", "start"))
    assert error_of(result, "change") == ('start service crash on connection "web01": it started but '
                                          "stopped again (failed (failed))")
    result = await run_on(systemd_host.config(), tmp_path, change("off", "start"))
    assert error_of(result, "change") == ('start service off on connection "web01": systemctl exited with '
                                          "code 1: Failed to start off.service: Unit off.service is masked.")


async def test_an_unreachable_host_and_a_connection_of_another_kind(systemd_host: SystemdHost,
                                                                    tmp_path: Path):
    from servers import free_port
    systemd_host.units()
    port = free_port()
    result = await run_on(systemd_host.config(port=port), tmp_path, status("nginx"))
    error = error_of(result, "status")
    assert error.startswith('get service status on connection "web01": ') and "Connection refused" in error
    config = Config(connections={"web01": {"kind": "smtp", "host": "127.0.0.1"}})
    result = await run_on(config, tmp_path, status("nginx"))
    assert error_of(result, "status") == (
        'connection "web01" cannot get service status: its kind does not support it (choose a winrm '
        "connection for a Windows host or an ssh connection for a systemd host)")
