"""Run Program and the config's secrets: a child program never inherits the variables that connection
secrets are read from, and a secret value that reaches published data anyway (passed as an argument, or
given to the child on purpose) is shown `***` everywhere: events, progress, summary, --json, history,
`interlock show`, and every file under INTERLOCK_HOME."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main

WINRM_PASSWORD = "Wr-s3cret-Passw0rd!"
AM_TOKEN = "am-token-7f3a9c51"
SECRETS = (WINRM_PASSWORD, AM_TOKEN)
CONFIG = """
[connections.vmm01]
kind = "scvmm"
host = "vmm01.contoso.local"
username = "CONTOSO\\\\svc-runbook"
password_env = "INTERLOCK_TEST_VMM01_PASSWORD"

[connections.alerts]
kind = "alertmanager"
url = "http://127.0.0.1:9093"
token_env = "INTERLOCK_TEST_AM_TOKEN"
"""


def program(id_: str, argv: list[str], **properties: Any) -> dict[str, Any]:
    return {"id": id_, "type": "core.run_program", "name": id_.replace("_", " ").title(),
            "properties": {"argv": argv, **properties}}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The config's secrets set in the environment, as an operator would; returns the config file."""
    monkeypatch.setenv("INTERLOCK_TEST_VMM01_PASSWORD", WINRM_PASSWORD)
    monkeypatch.setenv("INTERLOCK_TEST_AM_TOKEN", AM_TOKEN)
    config = tmp_path / "interlock.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


@pytest.fixture
def runbook(tmp_path: Path) -> Path:
    """Prints the environment, echoes a secret given as a parameter, hands a secret to a child through
    `env` on purpose, and fails with a secret in its error message."""
    activities = [
        {"id": "start", "type": "core.initialize_data", "name": "Start",
         "properties": {"parameters": [{"name": "Token", "type": "string"}]}},
        program("print_env", ["env"]),
        program("echo_token", ["echo", "{{start.Token}}"]),
        program("given_on_purpose", ["printenv", "DB_PASSWORD"], env={"DB_PASSWORD": WINRM_PASSWORD}),
        program("fails_loudly", [sys.executable, "-c", "import sys; sys.exit('bad token ' + sys.argv[1])",
                                 "{{start.Token}}"]),
        {"id": "hand_back", "type": "core.return_data", "name": "Hand Back",
         "properties": {"data": {"token": "{{start.Token}}"}}},
    ]
    links = [{"from": "start", "to": a["id"]} for a in activities[1:]]
    path = tmp_path / "env.json"
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Print Env",
                                "activities": activities, "links": links}), encoding="utf-8")
    return path


def leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [secret for secret in SECRETS if secret.encode() in data]


def test_no_secret_reaches_output_history_or_disk(secrets: Path, runbook: Path, isolated_home: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(runbook), "--config", str(secrets), "-p", f"Token={AM_TOKEN}", "--events"])
    run = capsys.readouterr()
    assert code == 1, run.err  # fails_loudly fails, by design
    events = [json.loads(line) for line in run.out.splitlines()]
    finished = {e["activity"]: e for e in events if e["kind"] == "instance_finished"}

    env_out = finished["print_env"]["rows"][0]["stdout"]
    assert "PATH=" in env_out  # the child still gets the ordinary environment
    assert "INTERLOCK_TEST_VMM01_PASSWORD" not in env_out and "INTERLOCK_TEST_AM_TOKEN" not in env_out
    assert finished["echo_token"]["rows"][0]["stdout"] == "***\n"
    assert finished["given_on_purpose"]["rows"][0]["stdout"] == "***\n"
    assert finished["fails_loudly"]["error"].endswith("bad token ***")
    job_id = events[0]["job_id"]

    assert main(["run", str(runbook), "--config", str(secrets), "-p", f"Token={AM_TOKEN}", "--json"]) == 1
    as_json = capsys.readouterr()
    result = json.loads(as_json.out)
    assert result["parameters"] == {"Token": "***"} and result["returned"] == {"token": "***"}

    for command in (["history"], ["history", "--json"], ["show", job_id], ["show", job_id, "--json"]):
        assert main(command) == 0
        shown = capsys.readouterr()
        assert not leaks(shown.out + shown.err), command
    assert "***" in shown.out

    assert not leaks(run.out + run.err), "events or progress"
    assert not leaks(as_json.out + as_json.err), "--json or the summary"
    files = [path for path in isolated_home.rglob("*") if path.is_file()]
    assert any(path.name.startswith("history") for path in files), files
    for path in files:
        assert not leaks(path.read_bytes()), path


def test_inherit_env_false_gives_only_the_basic_variables(secrets: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOME_APP_SETTING", "inherited")
    activities = [program("print_env", ["env"], inherit_env=False, env={"GIVEN": "yes"})]
    path = tmp_path / "minimal.json"
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Minimal Env",
                                "activities": activities, "links": []}), encoding="utf-8")
    assert main(["run", str(path), "--config", str(secrets), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    names = {line.partition("=")[0] for line in result["activities"][0]["instances"][0]["rows"][0]["stdout"]
             .splitlines()}
    assert "PATH" in names and "GIVEN" in names
    assert "SOME_APP_SETTING" not in names and "INTERLOCK_TEST_AM_TOKEN" not in names
