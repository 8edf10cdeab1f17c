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


def test_an_imported_parent_runs_its_child_found_by_guid_from_another_folder(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from exports import INVOKE, RETURN, START, Folder, Policy, activity, export_xml, guid, link, sub

    from engine.migrate import import_export
    child = Policy(guid(0x900), "Проверка сервера", [
        start := activity(0x901, "Начало", START, tables={"CUSTOM_START_PARAMETERS": [
            {"UniqueID": guid(0x9F1), "Value": "Имя", "Type": "String"}]}),
        done := activity(0x902, "Вернуть", RETURN, tables={"PUBLISH_POLICY_DATA": [
            {"Key": "Статус", "Value": "checked " + sub(start.id, guid(0x9F1))}]}),
        link(0x903, start, done)], returns=["Статус"])
    parent = Policy(guid(0x800), "Patch", [
        begin := activity(0x801, "Initialize Data", START, tables={"CUSTOM_START_PARAMETERS": [
            {"UniqueID": guid(0x8F1), "Value": "Server", "Type": "String"}]}),
        invoke := activity(0x802, "Run Check", INVOKE, PolicyObjectID=child.id,
                           PolicyPath="Policies\\Old folder\\Old name", WaitToComplete=True,
                           tables={"TRIGGER_POLICY_PARAMETERS": [
                               {"Parameter": guid(0x9F1), "ParameterName": "Old name",
                                "Value": sub(begin.id, guid(0x8F1))}]}),
        back := activity(0x803, "Return Data", RETURN, tables={"PUBLISH_POLICY_DATA": [
            {"Key": "Child said", "Value": sub(invoke.id, "Статус")},
            {"Key": "Child status", "Value": sub(invoke.id, "ChildPolicy.Status")}]}),
        link(0x804, begin, invoke), link(0x805, invoke, back)], returns=["Child said", "Child status"])
    source = tmp_path / "tree.ois_export"
    source.write_text(export_xml(Folder(guid(1), "Top", [], [Folder(guid(2), "Parents", [parent]),
                                                            Folder(guid(3), "Дети", [child])])),
                      encoding="utf-8")
    report = import_export(source, tmp_path / "imported")
    path, document = runbook(report, "Patch")
    call = next(a for a in document["activities"] if a["type"] == "core.invoke_runbook")
    assert call["properties"]["path"] == "../Дети/Проверка сервера.json"  # relative, not the stale path
    result = run(capsys, path, Server="web-01")
    assert result["status"] == "success"
    assert result["returned"] == {"Child said": "checked web-01", "Child status": "success"}
