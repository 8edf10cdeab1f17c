"""Job data and global variables (DESIGN §6.1), through `interlock validate` and `interlock run`:
`{{job.FIELD}}` and `{{var.NAME}}` resolve in properties and link conditions, a secret variable is `***`
in everything that leaves the engine, unknown job fields and reserved ids are errors, and a variable the
config does not define is a warning of validate and an error of run (exit 2, nothing run)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from engine.config import redaction
from engine.format.document import Document

SECRET = "Svc-s3cret-Passw0rd!"
CONFIG = """
[variables]
"Mail Server" = "smtp.contoso.local"
"Svc Password" = { env = "INTERLOCK_TEST_SVC_PASSWORD" }
"""
JOB_DATA = {"runbook": "{{job.runbook}}", "job_id": "{{job.job_id}}", "server": "{{job.server}}",
            "started_at": "{{job.started_at}}", "parent": "{{job.parent_job_id}}",
            "sentence": "{{job.runbook}} on {{job.server}} mails {{var.Mail Server}}"}


@pytest.fixture(autouse=True)
def nothing_read_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_remembered", frozenset())


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INTERLOCK_TEST_SVC_PASSWORD", SECRET)
    path = tmp_path / "interlock.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def activity(id_: str, type_: str, **properties: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "name": id_.replace("_", " ").title(), "properties": properties}


def write(path: Path, name: str, activities: list[dict[str, Any]], links: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": name, "activities": activities,
                                "links": links}), encoding="utf-8")
    return path


def facts_runbook(tmp_path: Path) -> Path:
    """Every job field and both variables, in properties and in link conditions."""
    activities = [
        activity("start", "core.initialize_data", parameters=[]),
        activity("facts", "core.return_data", data={**JOB_DATA, "mail": "{{var.Mail Server}}",
                                                    "password": "{{var.Svc Password}}"}),
        activity("password_ok", "core.compare_values", left="{{var.Svc Password}}", op="equals",
                 right=SECRET),
        activity("wrong_runbook", "core.compare_values", left="a", op="equals", right="a"),
    ]
    links = [
        {"from": "start", "to": "facts",
         "include": [{"field": "var.Mail Server", "op": "equals", "value": "SMTP.contoso.local"}],
         "exclude": [{"field": "job.server", "op": "not_equals", "value": "{{job.server}}"}]},
        {"from": "start", "to": "password_ok",
         "include": [{"field": "job.runbook", "op": "equals", "value": "Job Facts"}]},
        {"from": "start", "to": "wrong_runbook",
         "include": [{"field": "job.runbook", "op": "equals", "value": "Another Runbook"}]},
    ]
    return write(tmp_path / "facts.json", "Job Facts", activities, links)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["run", *args, "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else {}, out.err


def test_job_data_and_variables_reach_the_activities(tmp_path: Path, config: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, result, err = run_json(capsys, str(facts_runbook(tmp_path)), "--config", str(config))
    assert code == 0, err
    returned = result["returned"]
    assert returned["runbook"] == "Job Facts"
    assert returned["job_id"] == result["job_id"]
    assert returned["server"] == socket.gethostname()
    assert returned["started_at"] == result["started_at"]
    assert returned["parent"] is None  # a top-level job has no parent
    assert returned["sentence"] == f"Job Facts on {socket.gethostname()} mails smtp.contoso.local"
    assert returned["mail"] == "smtp.contoso.local"
    assert returned["password"] == "***"  # the activity had the value; what leaves the engine does not
    by_id = {a["id"]: a for a in result["activities"]}
    assert by_id["password_ok"]["instances"][0]["rows"][0]["result"] is True
    assert by_id["wrong_runbook"]["state"] == "not run"  # a condition on job.runbook filtered it


def test_a_secret_variable_never_reaches_events_history_or_disk(tmp_path: Path, config: Path,
                                                                 isolated_home: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(facts_runbook(tmp_path)), "--config", str(config), "--events"]) == 0
    run = capsys.readouterr()
    events = [json.loads(line) for line in run.out.splitlines()]
    finished = {e["activity"]: e for e in events if e["kind"] == "instance_finished"}
    assert finished["password_ok"]["inputs"]["left"] == "***"
    assert finished["facts"]["rows"][0]["password"] == "***"
    job_id = events[0]["job_id"]
    for command in (["history", "--json"], ["show", job_id, "--json"], ["show", job_id]):
        assert main(command) == 0
        shown = capsys.readouterr()
        assert SECRET not in shown.out + shown.err, command
    assert SECRET not in run.out + run.err
    files = [path for path in isolated_home.rglob("*") if path.is_file()]
    assert any(path.name.startswith("history") for path in files), files
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path


def test_a_child_job_sees_its_parent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "child.json", "Child", [
        activity("start", "core.initialize_data", parameters=[]),
        activity("back", "core.return_data", data={"parent": "{{job.parent_job_id}}",
                                                   "me": "{{job.job_id}}", "runbook": "{{job.runbook}}"}),
    ], [{"from": "start", "to": "back"}])
    parent = write(tmp_path / "parent.json", "Parent", [
        activity("start", "core.initialize_data", parameters=[]),
        activity("invoke", "core.invoke_runbook", path="child.json"),
        activity("back", "core.return_data", data={"child_parent": "{{invoke.parent}}",
                                                   "child": "{{invoke.me}}",
                                                   "child_runbook": "{{invoke.runbook}}"}),
    ], [{"from": "start", "to": "invoke"}, {"from": "invoke", "to": "back"}])
    code, result, err = run_json(capsys, str(parent))
    assert code == 0, err
    returned = result["returned"]
    assert returned["child_parent"] == result["job_id"]
    assert returned["child"] != result["job_id"] and returned["child_runbook"] == "Child"


def test_job_data_is_read_after_a_junction_that_republishes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "joined.json", "Joined", [
        activity("start", "core.initialize_data", parameters=[]),
        activity("left", "core.delay", seconds=0),
        activity("right", "core.delay", seconds=0),
        activity("join", "core.junction", republish=None),
        activity("back", "core.return_data", data={"runbook": "{{job.runbook}}", "id": "{{job.job_id}}"}),
    ], [{"from": "start", "to": "left"}, {"from": "start", "to": "right"}, {"from": "left", "to": "join"},
        {"from": "right", "to": "join"}, {"from": "join", "to": "back"}])
    code, result, err = run_json(capsys, str(path))
    assert code == 0, err
    assert result["returned"] == {"runbook": "Joined", "id": result["job_id"]}


def test_an_unknown_job_field_is_a_validation_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "bad.json", "Bad", [
        activity("start", "core.initialize_data", parameters=[]),
        activity("back", "core.return_data", data={"who": "{{job.operator}}"}),
    ], [{"from": "start", "to": "back", "include": [{"field": "job.host", "op": "equals", "value": "x"}]}])
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert 'activity "back", key "properties.data.who"' in err and 'unknown job field "operator"' in err
    assert 'key "include[0].field"' in err and 'unknown job field "host"' in err
    assert "runbook, job_id, server, started_at, parent_job_id" in err


def undefined_variable_runbook(tmp_path: Path) -> Path:
    return write(tmp_path / "mail.json", "Mail", [
        activity("start", "core.initialize_data", parameters=[]),
        activity("send", "core.return_data", data={"server": "{{var.Relay Host}}"}),
    ], [{"from": "start", "to": "send"}])


def test_an_undefined_variable_warns_at_validation(tmp_path: Path, config: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = undefined_variable_runbook(tmp_path)
    for args in ([], ["--config", str(config)]):  # no config at all, and one that lacks it
        assert main(["validate", str(path), *args]) == 0
        out = capsys.readouterr()
        assert "warning" in out.err and 'variable "Relay Host"' in out.err, out.err
        assert 'activity "send", key "properties.data.server"' in out.err and "[variables]" in out.err
        assert "valid (1 warning)" in out.out


def test_an_undefined_variable_stops_the_run(tmp_path: Path, config: Path, isolated_home: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(undefined_variable_runbook(tmp_path)), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert 'variable "Relay Host"' in err and 'activity "send", key "properties.data.server"' in err
    assert "[variables]" in err and str(config) in err
    assert main(["history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing ran


def test_a_secret_variable_whose_environment_variable_is_unset_stops_the_run(
        tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("INTERLOCK_TEST_SVC_PASSWORD")
    assert main(["run", str(facts_runbook(tmp_path)), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert 'variable "Svc Password"' in err and "INTERLOCK_TEST_SVC_PASSWORD" in err and "not set" in err


@pytest.mark.parametrize("reserved", ["job", "var"])
def test_job_and_var_are_reserved_ids(tmp_path: Path, reserved: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "reserved.json", "Reserved", [
        activity(reserved, "core.initialize_data", parameters=[]),
    ], [])
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f'activity "{reserved}", key "id"' in err and "reserved" in err
    assert Document().unique_id(reserved.title()) == f"{reserved}_2"  # the designer never picks one


def test_schedule_check_names_an_undefined_variable(tmp_path: Path, config: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    undefined_variable_runbook(tmp_path)
    schedules = tmp_path / "schedules.toml"
    schedules.write_text('[[schedule]]\nname = "nightly"\nrunbook = "mail.json"\ncron = "0 2 * * *"\n',
                         encoding="utf-8")
    assert main(["schedule", "check", "--schedules", str(schedules), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert 'schedule[1] ("nightly")' in err and 'variable "Relay Host" is not defined' in err
