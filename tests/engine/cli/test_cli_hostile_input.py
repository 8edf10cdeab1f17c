"""Hostile input on the command line (issue 14, items 2-4): files, parameters and options that are
wrong in unusual ways exit 2 with a message naming what and where, never a traceback, and nothing runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli import home  # noqa: F401  (autouse: a fresh INTERLOCK_HOME and working directory)

from engine.cli.main import main
from engine.limits import MAX_DEPTH

START = {"id": "start", "type": "core.initialize_data", "name": "Start",
         "properties": {"parameters": [{"name": "Items", "type": "string"},
                                       {"name": "Count", "type": "number", "required": False}]}}


def runbook(data_value: Any = "x", text: str = "{{start.Items}}") -> dict[str, Any]:
    return {"format": "interlock.runbook/1", "name": "Hostile",
            "activities": [
                START,
                {"id": "split", "type": "core.split", "name": "Split", "properties": {"text": text}},
                {"id": "give", "type": "core.return_data", "name": "Give",
                 "properties": {"data": {"x": data_value}}},
            ],
            "links": [{"from": "start", "to": "split"}, {"from": "split", "to": "give"}]}


def nested(levels: int) -> Any:
    value: Any = "deep"
    for _ in range(levels):
        value = [value]
    return value


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def nothing_recorded(capsys: pytest.CaptureFixture[str]) -> bool:
    code, out, _ = cli(capsys, "history", "--json")
    return code == 0 and json.loads(out or "[]") == []


HOSTILE = {
    "brackets": ("[" * 100_000, f"nested deeper than {MAX_DEPTH} levels at line 1, column {MAX_DEPTH + 1}"),
    "deep property": (json.dumps(runbook(nested(300))), f"nested deeper than {MAX_DEPTH} levels"),
    "huge integer": (json.dumps(runbook(12345)).replace("12345", "7" * 5000),
                     'key "activities[2].properties.data.x": an integer of 5000 digits'),
    "duplicate key": (json.dumps(runbook()).replace('"name": "Split",', '"name": "Split", "name": "Two",'),
                      'key "activities[1].name": duplicate key "name"'),
    "unclosed reference": (json.dumps(runbook(text="{{start.Items")),
                           'activity "split", key "properties.text": unclosed "{{"'),
    "not utf-8": (b'{"name": "\xff"}', "not UTF-8 text"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_files_exit_2_located_for_validate_and_run(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           case: str) -> None:
    content, says = HOSTILE[case]
    path = tmp_path / "hostile.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    for argv in (["validate", path], ["run", path, "-p", "Items=a"]):
        code, out, err = cli(capsys, *argv)
        assert code == 2, err
        assert out == ""
        assert err.startswith(f"{path}: ") and says in err, err
    assert nothing_recorded(capsys)


def test_a_runbook_nested_to_the_limit_validates_and_runs(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    """What validation accepts, the run handles: the deepest value allowed is run, recorded and shown."""
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(runbook(nested(MAX_DEPTH - 5))), encoding="utf-8")
    assert cli(capsys, "validate", path)[0] == 0
    code, out, err = cli(capsys, "run", path, "-p", "Items=a", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "success"
    code, out, _ = cli(capsys, "show", result["job_id"], "--json")
    assert code == 0 and json.dumps(nested(MAX_DEPTH - 5)) in out.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("argv", [
    ["-p", "Items=a", "-p", "Items=b"],
    ["-p", "Items=a", "-p", " Items =b"],
    ["-p", "Items=a", "-p", "Items=a"],
])
def test_a_repeated_parameter_is_an_error_naming_it(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    argv: list[str]) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(runbook()), encoding="utf-8")
    code, out, err = cli(capsys, "run", path, *argv)
    assert code == 2 and out == ""
    assert 'parameter "Items" is given more than once' in err
    assert nothing_recorded(capsys)


@pytest.mark.parametrize("value", ["9" * 5000, "1" * 31, "1e999", "-1e999", "nan", "inf"])
def test_a_number_parameter_beyond_the_limits_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         value: str) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(runbook()), encoding="utf-8")
    code, out, err = cli(capsys, "run", path, "-p", "Items=a", "-p", f"Count={value}")
    assert code == 2 and out == ""
    assert 'parameter "Count" must be a number' in err
    assert nothing_recorded(capsys)


@pytest.mark.parametrize("value", ["99999999999999999999", "9" * 5000, "0", "-1", "abc", "1.5", "", "1e3"])
def test_history_limit_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, out, err = cli(capsys, "history", "--limit", value)
    assert code == 2 and out == ""
    assert "argument --limit: expected a whole number from 1 to 1000000" in err
    assert len(err) < 1000  # a 5,000-digit value is not echoed whole


def test_history_limit_within_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "history", "--limit", "1000000", "--json") == (0, "[]\n", "")


@pytest.mark.parametrize(("toml", "says"), [
    ("x = " + "[" * 100_000, "nested too deeply"),
    ("x = " + "[" * 300 + "]" * 300, f'key "{("x" + "[0]" * 63)[:80]}…": nested deeper than {MAX_DEPTH}'),
    ("x = " + "9" * 5000, "not valid TOML: an integer of more than 30 digits"),
    ("[engine]\nmax_parallel = " + "9" * 40, 'key "engine.max_parallel": an integer of 40 digits'),
])
def test_a_hostile_config_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  toml: str, says: str) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(runbook()), encoding="utf-8")
    config = tmp_path / "interlock.toml"
    config.write_text(toml, encoding="utf-8")
    code, out, err = cli(capsys, "run", path, "-p", "Items=a", "--config", config)
    assert code == 2 and out == ""
    assert err.startswith(f"{config}: ") and says in err, err
