"""A runbook run by `interlock run --json`: the status of each unit of a list on a host reached over SSH
(the real sshd, the stand-in systemctl), a start of those that are stopped (a link condition on the
status), and an event log message about each start sent to a syslog listener."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from syslog_listener import RFC3164, received, udp_listener
from system_support import SystemdHost, running_systemd_host
from systemctl_standin import unit

from engine.cli.main import main


@pytest.fixture(scope="module")
def systemd_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemdHost]:
    with running_systemd_host(tmp_path_factory.mktemp("systemd-host")) as host:
        yield host


def runbook(folder: Path, syslog_port: int) -> Path:
    activities = [
        {"id": "units", "type": "core.split", "name": "Units", "properties": {"text": "nginx,cron",
                                                                             "separator": ","}},
        {"id": "status", "type": "system.get_service_status", "name": "Get Service Status",
         "properties": {"service": "{{units.item}}", "connection": "web01"}},
        {"id": "start", "type": "system.start_stop_service", "name": "Start Service",
         "properties": {"service": "{{status.service}}", "action": "start", "connection": "web01"}},
        {"id": "tell", "type": "system.send_event_log", "name": "Send Event Log Message",
         "properties": {"message": "{{start.service}} was {{status.status}}, now {{start.status}}",
                        "severity": "warning", "address": f"udp://127.0.0.1:{syslog_port}"}}]
    links = [{"from": "units", "to": "status"},
             {"from": "status", "to": "start",
              "include": [{"field": "status.status", "op": "equals", "value": "stopped"}],
              "label": "Stopped"},
             {"from": "start", "to": "tell"}]
    path = folder / "restart-stopped.json"
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Start Stopped Units",
                                "activities": activities, "links": links}, indent=2), encoding="utf-8")
    return path


def config(folder: Path, host: SystemdHost) -> Path:
    keys = host.server.connection_keys()
    lines = ["[connections.web01]", 'kind = "ssh"', *(f"{k} = {json.dumps(v)}" for k, v in keys.items())]
    path = folder / "interlock.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_status_then_start_when_stopped_then_an_event_log_message(systemd_host: SystemdHost, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]):
    systemd_host.units(**{"nginx.service": unit("web server"), "cron.service": unit("cron", "active")})
    with udp_listener() as listener:
        capsys.readouterr()
        code = main(["run", str(runbook(tmp_path, listener.getsockname()[1])), "--json",
                     "--config", str(config(tmp_path, systemd_host))])
        out = capsys.readouterr().out
        message = RFC3164.fullmatch(received(listener))
    assert code == 0, out
    result = json.loads(out)
    assert result["status"] == "success"
    rows = {a["id"]: [r for i in a["instances"] for r in i["rows"]] for a in result["activities"]}
    assert sorted((r["service"], r["status"]) for r in rows["status"]) == [("cron.service", "running"),
                                                                           ("nginx.service", "stopped")]
    assert [(r["service"], r["status"], r["changed"]) for r in rows["start"]] == \
        [("nginx.service", "running", True)]
    assert [r["message"] for r in rows["tell"]] == ["nginx.service was stopped, now running"]
    assert message is not None and (message["pri"], message["message"]) == \
        ("12", "nginx.service was stopped, now running")
    assert systemd_host.state("nginx.service") == ("active", "running")
    assert systemd_host.state("cron.service") == ("active", "running")



@pytest.mark.parametrize(("action", "keys", "said"), [
    ("start", 'hostname = "web01"', '{config}: connections.web01: key "hostname": unknown key'),
    ("pause", 'host = "web01"', 'activity "start", key "properties.action": Input should be \'start\', '
                                "'stop' or 'restart' (got 'pause')")])
def test_wrong_connection_keys_and_a_bad_action_stop_the_run_before_it_starts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], action: str, keys: str, said: str):
    config = tmp_path / "interlock.toml"
    config.write_text(f'[connections.web01]\nkind = "ssh"\n{keys}\n', encoding="utf-8")
    path = tmp_path / "bad.json"
    activity = {"id": "start", "type": "system.start_stop_service", "name": "Start Service",
                "properties": {"service": "nginx", "action": action, "connection": "web01"}}
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Bad", "activities": [activity],
                                "links": []}), encoding="utf-8")
    capsys.readouterr()
    code = main(["run", str(path), "--json", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert said.format(config=config) in err
