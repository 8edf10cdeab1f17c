"""Running imported runbooks (`interlock run`, in-process) behaves as Orchestrator would: exclusions
exclude, the junction republishes the chosen branch or one empty row for <None>, disabled links pass
nothing, and text that was literal in Orchestrator stays literal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from importing import cli, import_sample, runbook


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERLOCK_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], path: Path, **parameters: str) -> dict[str, Any]:
    argv: list[str | Path] = ["run", path, "--json"]
    for name, value in parameters.items():
        argv += ["-p", f"{name}={value}"]
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def ran(result: dict[str, Any], activity_id: str) -> int:
    return sum(len(a["instances"]) for a in result["activities"] if a["id"] == activity_id)


def test_the_junction_republishes_the_selected_branch(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    path, _ = runbook(import_sample(tmp_path), "Route {{value}}")
    result = run(capsys, path, Value="a")
    assert result["status"] == "success"
    assert (ran(result, "check_a"), ran(result, "check_b"), ran(result, "return_data")) == (1, 1, 1)
    assert result["returned"] == {"Matched": True, "Status": "success"}


def test_an_exclusion_excludes_and_the_junction_passes_nothing_of_the_other_branch(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, _ = runbook(import_sample(tmp_path), "Route {{value}}")
    result = run(capsys, path, Value="SKIP-A")  # Orchestrator compares text case-insensitively
    assert (ran(result, "check_a"), ran(result, "check_b")) == (0, 1)
    # "Return data from Check A", which never ran: nothing continues, not even over the disabled link
    assert ran(result, "return_data") == 0 and result["returned"] == {}


def test_a_junction_returning_none_continues_once_and_literal_text_stays_literal(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, _ = runbook(import_sample(tmp_path), "Проверка сервера")
    result = run(capsys, path, **{"Имя": "a"})
    assert ran(result, "vernut") == 1
    assert result["returned"] == {"Статус": "готово {{nachalo.Имя}}", "Unset": ""}
