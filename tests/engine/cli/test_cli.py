"""The `interlock` command line as a user meets it: exit codes, what is on stdout and stderr, and what
ends up in the run history. Runs in-process through main(argv), plus the installed console script."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from engine.cli import commands
from engine.cli.main import main
from engine.cli.progress import LiveProgress, ProgressCounts, plain_line
from engine.format.model import Runbook
from engine.history import HistoryStore
from engine.run.events import InstanceFinished, InstanceStarted, JobStarted, JunctionResolved
from engine.run.result import JobResult

START = {"id": "start", "type": "core.initialize_data", "name": "Custom Start",
         "properties": {"parameters": [{"name": "Items", "type": "string"}]}}


def write(path: Path, activities: list[dict], links: list[dict], name: str = "Items") -> Path:
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": name,
                                "activities": activities, "links": links}), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own INTERLOCK_HOME and working directory: no real history, no stray config."""
    monkeypatch.setenv("INTERLOCK_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


@pytest.fixture
def items(tmp_path: Path) -> Path:
    """Split the Items parameter on commas, then check each item against "b" (one instance per item)."""
    return write(tmp_path / "items.json", [
        START,
        {"id": "split", "type": "core.split", "name": "Split Items",
         "properties": {"text": "{{start.Items}}", "separator": ","}},
        {"id": "check", "type": "core.compare_values", "name": "Is B",
         "properties": {"left": "{{split.item}}", "op": "equals", "right": "b"}},
    ], [{"from": "start", "to": "split"}, {"from": "split", "to": "check"}])


@pytest.fixture
def numbers(tmp_path: Path) -> Path:
    """Fails for every item that is not a number: less_than cannot compare text."""
    return write(tmp_path / "numbers.json", [
        START,
        {"id": "split", "type": "core.split", "name": "Split Items",
         "properties": {"text": "{{start.Items}}", "separator": ","}},
        {"id": "small", "type": "core.compare_values", "name": "Is Small",
         "properties": {"left": "{{split.item}}", "op": "less_than", "right": 10}},
    ], [{"from": "start", "to": "split"}, {"from": "split", "to": "small"}], name="Numbers")


@pytest.fixture
def blocked(tmp_path: Path) -> Path:
    """A junction requiring all branches, one of which never passes: the job ends as a warning."""
    return write(tmp_path / "blocked.json", [
        START,
        {"id": "yes", "type": "core.compare_values", "name": "Yes", "properties": {"left": 1, "right": 1}},
        {"id": "no", "type": "core.compare_values", "name": "No", "properties": {"left": 1, "right": 2}},
        {"id": "join", "type": "core.junction", "name": "Both", "properties": {"require": "all"}},
    ], [{"from": "start", "to": "yes"}, {"from": "start", "to": "no"},
        {"from": "yes", "to": "join", "include": [{"field": "yes.result", "op": "equals", "value": True}]},
        {"from": "no", "to": "join", "include": [{"field": "no.result", "op": "equals", "value": True}]}],
        name="Blocked")


@pytest.fixture
def slow(tmp_path: Path) -> Path:
    return write(tmp_path / "slow.json", [
        {"id": "start", "type": "core.initialize_data", "name": "Start"},
        {"id": "wait", "type": "core.delay", "name": "Wait Long", "properties": {"seconds": 60}},
    ], [{"from": "start", "to": "wait"}], name="Slow")


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def history(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code, out, _ = cli(capsys, "history", "--json")
    assert code == 0
    return json.loads(out)


# -- validate -------------------------------------------------------------------------------------

def test_validate_a_valid_runbook(capsys: pytest.CaptureFixture[str], items: Path) -> None:
    code, out, err = cli(capsys, "validate", items)
    assert (code, out, err) == (0, f"{items}: valid\n", "")


def test_validate_reports_located_errors_one_a_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   items: Path) -> None:
    bad = write(tmp_path / "bad.json", [
        START,
        {"id": "check", "type": "core.compare_values", "name": "Check", "colour": "red"},
    ], [{"from": "start", "to": "check"}, {"from": "check", "to": "missing"}])
    code, out, err = cli(capsys, "validate", items, bad)
    assert code == 2
    assert out == f"{items}: valid\n"  # the good file is still reported
    lines = err.splitlines()
    assert len(lines) >= 2
    assert all(line.startswith(f"{bad}: ") for line in lines)
    assert any('activity "check"' in line and "colour" in line for line in lines)
    assert any("missing" in line and 'link "check" -> "missing"' in line for line in lines)
    assert "Traceback" not in err


def test_validate_a_file_that_is_not_there_or_not_json(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    code, out, err = cli(capsys, "validate", tmp_path / "nope.json", tmp_path / "broken.json")
    assert code == 2 and out == ""
    assert f"{tmp_path / 'nope.json'}: file not found" in err
    assert f"{tmp_path / 'broken.json'}: not valid JSON" in err


# -- run ------------------------------------------------------------------------------------------

def test_run_json_prints_exactly_the_result_document(capsys: pytest.CaptureFixture[str], items: Path) -> None:
    code, out, err = cli(capsys, "run", items, "-p", "Items=a,b,c", "--json")
    assert code == 0
    document = json.loads(out)  # stdout is that one document and nothing else
    result = JobResult.model_validate(document)
    assert result.status == "success" and result.runbook == "Items"
    assert result.parameters == {"Items": "a,b,c"}
    assert [r["item"] for r in result.rows("split")] == ["a", "b", "c"]
    assert sorted(r["result"] for r in result.rows("check")) == [False, False, True]
    # Progress and the summary went to stderr.
    assert "Items: success" in err and "Is B: 3 success" in err
    # Plain progress names links by their activities' names, as a person reads them.
    assert "link Split Items -> Is B: 3 passed, 0 filtered" in err


def test_a_run_is_recorded_and_shown_by_prefix(capsys: pytest.CaptureFixture[str], items: Path,
                                               home: Path) -> None:
    code, out, _ = cli(capsys, "run", items, "-p", "Items=x,b", "--json")
    assert code == 0
    document = json.loads(out)
    job_id = document["job_id"]

    jobs = history(capsys)
    assert [(j["job_id"], j["runbook"], j["status"]) for j in jobs] == [(job_id, "Items", "success")]
    assert jobs[0]["path"] == str(items.resolve()) or jobs[0]["path"] == str(items)
    assert (home / "history.sqlite3").is_file()

    code, out, _ = cli(capsys, "show", job_id[:8], "--json")
    assert code == 0 and json.loads(out) == document

    code, out, _ = cli(capsys, "show", job_id[:8])
    assert code == 0
    assert job_id in out and "Split Items" in out and "item=x" in out and "result=true" in out

    code, out, _ = cli(capsys, "history")
    assert code == 0 and job_id in out and "success" in out


def test_a_failed_job_exits_1_and_its_errors_are_shown(capsys: pytest.CaptureFixture[str],
                                                       numbers: Path) -> None:
    code, out, err = cli(capsys, "run", numbers, "-p", "Items=3,abc,12")
    assert code == 1 and out == ""
    assert "Numbers: failed" in err
    assert "Is Small: 2 success, 1 failed" in err
    assert "not a number" in err

    [job] = history(capsys)
    assert job["status"] == "failed"
    code, out, _ = cli(capsys, "show", job["job_id"])
    assert code == 0 and "failed" in out and "not a number" in out


def test_a_warning_job_exits_0(capsys: pytest.CaptureFixture[str], blocked: Path) -> None:
    code, out, err = cli(capsys, "run", blocked, "-p", "Items=x", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["status"] == "warning"
    assert document["junctions"] == {"join": "blocked"}
    assert "junction blocked" in err


def test_events_are_json_lines_as_they_happen(capsys: pytest.CaptureFixture[str], items: Path) -> None:
    code, out, err = cli(capsys, "run", items, "-p", "Items=a,b", "--events")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["kind"] == "job_started" and events[-1]["kind"] == "job_finished"
    assert len({e["job_id"] for e in events}) == 1
    finished = [e for e in events if e["kind"] == "instance_finished"]
    assert [(e["activity"], e["status"]) for e in finished].count(("check", "success")) == 2
    assert events[-1]["status"] == "success"
    assert "job_started" not in err  # stderr has the human progress, not JSON


def test_json_and_events_together_are_refused(capsys: pytest.CaptureFixture[str], items: Path) -> None:
    code, out, err = cli(capsys, "run", items, "-p", "Items=a", "--json", "--events")
    assert code == 2 and out == "" and "not allowed with" in err
    assert history(capsys) == []


@pytest.mark.parametrize(("argv", "message"), [
    (["-p", "Itemz=a"], "unknown parameter 'Itemz'"),
    ([], 'missing required parameter "Items"'),
    (["-p", "Items"], '-p expects NAME=VALUE, got "Items"'),
])
def test_bad_parameters_exit_2_and_nothing_runs(capsys: pytest.CaptureFixture[str], items: Path,
                                                argv: list[str], message: str) -> None:
    code, out, err = cli(capsys, "run", items, *argv, "--json")
    assert code == 2 and out == ""
    assert message in err
    assert "Traceback" not in err
    assert history(capsys) == []  # nothing ran, nothing recorded


def test_a_parameter_error_names_the_runbook_file(capsys: pytest.CaptureFixture[str], items: Path) -> None:
    _, _, err = cli(capsys, "run", items, "-p", "Itemz=a")
    assert err.startswith(f"{items}: ")


def test_bad_config_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str], items: Path,
                                            tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[connections.lab]\nkind = 'simulated'\npassword = 'hunter2'\n")
    code, out, err = cli(capsys, "run", items, "-p", "Items=a", "--config", config)
    assert code == 2 and out == ""
    assert str(config) in err and "connections.lab" in err and "password" in err
    code, _, err = cli(capsys, "run", items, "-p", "Items=a", "--config", tmp_path / "none.toml")
    assert code == 2 and "config file not found" in err
    assert history(capsys) == []


def test_an_invalid_runbook_is_not_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.json", [START, {"id": "x", "type": "core.nope", "name": "X"}],
                [{"from": "start", "to": "x"}])
    code, out, err = cli(capsys, "run", bad, "-p", "Items=a")
    assert code == 2 and out == ""
    assert f'{bad}: activity "x"' in err and "core.nope" in err
    assert history(capsys) == []


def test_a_good_config_is_used(capsys: pytest.CaptureFixture[str], items: Path, tmp_path: Path) -> None:
    config = tmp_path / "ok.toml"
    config.write_text("[engine]\nmax_parallel = 2\n")
    code, out, _ = cli(capsys, "run", items, "-p", "Items=a,b,c", "--config", config, "--json")
    assert code == 0 and json.loads(out)["status"] == "success"


# -- history and show -------------------------------------------------------------------------------

def test_history_is_empty_before_any_run(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, err = cli(capsys, "history")
    assert code == 0 and out == "" and "No jobs recorded yet" in err
    assert history(capsys) == []
    assert not (home / "history.sqlite3").exists()  # looking does not create it


def test_history_lists_newest_first_with_limit(capsys: pytest.CaptureFixture[str], items: Path) -> None:
    ids = []
    for value in ("a", "b", "c"):
        _, out, _ = cli(capsys, "run", items, "-p", f"Items={value}", "--json")
        ids.append(json.loads(out)["job_id"])
    code, out, _ = cli(capsys, "history", "--limit", "2", "--json")
    assert code == 0
    assert [j["job_id"] for j in json.loads(out)] == ids[::-1][:2]
    assert cli(capsys, "history", "--limit", "0")[0] == 2


def test_show_unknown_and_ambiguous_ids_exit_2(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, _, err = cli(capsys, "show", "abc")
    assert code == 2 and "nothing has been recorded yet" in err
    with HistoryStore() as store:
        for job_id in ("abc-1", "abc-2"):
            store.save_result(JobResult(job_id=job_id, runbook="R", status="success",
                                        started_at="2026-01-01T00:00:00+00:00",
                                        finished_at="2026-01-01T00:00:01+00:00"))
    code, out, err = cli(capsys, "show", "abc")
    assert code == 2 and out == "" and "ambiguous" in err and "abc-1" in err and "abc-2" in err
    code, _, err = cli(capsys, "show", "zzz")
    assert code == 2 and 'no job "zzz"' in err
    assert "Traceback" not in err
    assert cli(capsys, "show", "abc-2")[0] == 0


def test_show_a_job_that_never_finished(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    at = "2026-01-05T10:00:00+00:00"
    with HistoryStore() as store:
        store.record(JobStarted(job_id="dead-1", at=at, runbook="Killed", parameters={"Items": "a"}))
        store.record(InstanceFinished(job_id="dead-1", at=at, activity="split", name="Split Items",
                                      instance=0, status="success", started_at=at, finished_at=at,
                                      duration_s=0.2, attempts=1, rows=[{"item": "a", "index": 0}]))
    code, out, _ = cli(capsys, "show", "dead")
    assert code == 0
    # Recorded by this (live) process: still running as far as anyone can tell.
    assert "running" in out and "not finished" in out and "Split Items" in out and "item=a" in out
    code, out, _ = cli(capsys, "show", "dead", "--json")
    document = json.loads(out)
    assert document["status"] == "running"
    assert document["instances"][0]["rows"] == [{"item": "a", "index": 0}]


# -- export ---------------------------------------------------------------------------------------

def test_export_dot_and_mermaid(capsys: pytest.CaptureFixture[str], items: Path, tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "export", items, "--format", "dot")
    assert code == 0 and out.startswith('digraph "Items"') and '"split" [label="Split Items"]' in out
    target = tmp_path / "items.mmd"
    code, out, _ = cli(capsys, "export", items, "--format", "mermaid", "-o", target)
    assert code == 0 and out == ""
    assert target.read_text().splitlines()[:2] == ["flowchart LR", '  start["Custom Start"]']


def test_export_png_without_the_designer_says_so(capsys: pytest.CaptureFixture[str], items: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands, "entry_points", lambda group: [])
    code, out, err = cli(capsys, "export", items, "--format", "png", "-o", "x.png")
    assert code == 2 and out == ""
    assert "needs the Interlock designer" in err and "interlock.exporters" in err
    assert not Path("x.png").exists()


class FakeEntryPoint:
    def __init__(self, name: str, function: Any) -> None:
        self.name, self.value, self._function = name, "fake:export", function

    def load(self) -> Any:
        return self._function


def test_export_svg_goes_through_an_installed_exporter(capsys: pytest.CaptureFixture[str], items: Path,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_svg(runbook: Any, fmt: str) -> str:
        return f"<svg>{runbook.name} {fmt}</svg>"

    def broken(runbook: Any, fmt: str) -> bytes:
        raise RuntimeError("no display")

    monkeypatch.setattr(commands, "entry_points",
                        lambda group: [FakeEntryPoint("svg", fake_svg), FakeEntryPoint("png", broken)])
    code, _, _ = cli(capsys, "export", items, "--format", "svg", "-o", tmp_path / "out.svg")
    assert code == 0 and (tmp_path / "out.svg").read_text() == "<svg>Items svg</svg>"
    code, _, err = cli(capsys, "export", items, "--format", "png", "-o", tmp_path / "out.png")
    assert code == 2 and "png exporter fake:export failed: RuntimeError: no display" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "frobnicate")[0] == 2
    assert cli(capsys, "export", "x.json")[0] == 2  # --format is required
    assert cli(capsys, "--help")[0] == 0


# -- the installed console script ---------------------------------------------------------------------

def _script() -> str:
    found = shutil.which("interlock", path=str(Path(sys.executable).parent))
    if not found:
        pytest.skip("the interlock console script is not installed (pip install -e .)")
    return found


def test_console_script_runs_and_records(items: Path, home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "INTERLOCK_HOME": str(home)}
    done = subprocess.run([_script(), "run", str(items), "-p", "Items=a,b", "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    job_id = json.loads(done.stdout)["job_id"]
    listed = subprocess.run([_script(), "history", "--json"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    assert [j["job_id"] for j in json.loads(listed.stdout)] == [job_id]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_cancels_the_job_and_records_it(slow: Path, home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "INTERLOCK_HOME": str(home)}
    process = subprocess.Popen([_script(), "run", str(slow), "--events"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, process.kill)  # a stuck child ends the read loop below, not the suite
    watchdog.start()
    try:
        # Wait until the long delay is running, then press Ctrl+C.
        for line in process.stdout:  # type: ignore[union-attr]
            if json.loads(line)["kind"] == "instance_started" and '"wait"' in line:
                break
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=30)
    finally:
        watchdog.cancel()
        process.kill()
    assert process.returncode == 1, err
    assert json.loads(rest.splitlines()[-1])["status"] == "cancelled"
    assert "Slow: cancelled" in err and "Traceback" not in err
    with HistoryStore(home / "history.sqlite3") as store:
        [job] = store.jobs()
        assert job.status == "cancelled"
        stored = store.job(job.job_id)
        assert stored.result is not None and stored.result.activity("wait").instances[0].status == "cancelled"


# -- progress -------------------------------------------------------------------------------------

def test_live_table_counts_instances_and_junction_states() -> None:
    book = Runbook.model_validate({"name": "Demo", "activities": [
        {"id": "split", "type": "core.split", "name": "Split Items"},
        {"id": "join", "type": "core.junction", "name": "Join"},
        {"id": "later", "type": "core.delay", "name": "Later"},
    ]})
    at = "2026-01-05T10:00:00+00:00"
    progress = LiveProgress(ProgressCounts(book, {"join"}), Console(file=io.StringIO()))
    events = [JobStarted(job_id="j1", at=at, runbook="Demo")]
    events += [InstanceStarted(job_id="j1", at=at, activity="split", name="Split Items", instance=i)
               for i in range(4)]
    events += [InstanceFinished(job_id="j1", at=at, activity="split", name="Split Items", instance=i,
                                status=status, started_at=at, finished_at=at, duration_s=0.1, attempts=1,
                                error="boom" if status == "failed" else None)
               for i, status in enumerate(["success", "failed", "warning"])]
    events.append(JunctionResolved(job_id="j1", at=at, activity="join", name="Join", state="blocked"))
    events.append(InstanceStarted(job_id="child", at=at, activity="split", name="Split Items", instance=0))
    for event in events:
        progress(event)

    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(progress)
    lines = [line.split() for line in out.getvalue().splitlines()]
    assert lines[0][:3] == ["Demo", "job", "j1"]
    # Activity, State, Running, Done, Warning, Failed (the child job's instance is not counted)
    assert lines[2][:7] == ["Split", "Items", "running", "1", "1", "1", "1"]
    assert lines[3] == ["Join", "blocked"]
    assert lines[4] == ["Later", "waiting", "0", "0", "0", "0"]
    assert plain_line(events[6]).endswith("Split Items [1] failed in 0.1s, 0 rows: boom")


def test_progress_names_what_each_instance_worked_on() -> None:
    book = Runbook.model_validate({"name": "Demo", "activities": [
        {"id": "stop", "type": "vmm.stop_vm", "name": "Stop VM", "properties": {"vm_id": "x"}}]})
    at = "2026-01-05T10:00:00+00:00"
    progress = LiveProgress(ProgressCounts(book, set(), {"stop": "vm_name"}), Console(file=io.StringIO()))
    events = [JobStarted(job_id="j1", at=at, runbook="Demo")]
    events += [InstanceFinished(job_id="j1", at=at, activity="stop", name="Stop VM", instance=i,
                                status="success", started_at=at, finished_at=at, duration_s=0.1, attempts=1,
                                rows=[{"vm_name": name, "status": "Stopped"}])
               for i, name in enumerate(["web01", "web02"])]
    for event in events:
        progress(event)
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(progress)
    assert out.getvalue().splitlines()[2].split()[-1] == "web02"
    assert plain_line(events[1], {"stop": "vm_name"}).endswith("Stop VM [0] success in 0.1s, 1 row (web01)")
