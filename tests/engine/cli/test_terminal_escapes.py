"""Names and values from runbooks, labs, configs and back-ends reach the terminal with their control
characters made visible and their rich markup printed literally: a VM named to erase and forge lines,
or a runbook named to clear the screen, cannot rewrite what the operator reads."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import vm, write_lab
from rich.console import Console

from engine.cli.main import main
from engine.cli.progress import LiveProgress, ProgressCounts
from engine.cli.render import visible
from engine.format.model import Runbook
from engine.run.events import InstanceFinished, InstanceStarted, JobStarted

CHECKPOINT = str(Path(__file__).resolve().parents[3] / "resources" / "examples" / "vm-checkpoint.json")
FORGED_VM = "web01\x1b[1A\x1b[2KALL GOOD"
MARKUP_VM = "[bold red]x"
RUNBOOK_NAME = "Evil\x1b[2J\x1b[HRunbook\nsuccess"
ACTIVITY_NAME = "Step\x1b]0;pwned\x07\rdone"


def assert_clean(text: str, what: object) -> None:
    for raw in ("\x1b", "\x07", "\r", "\x9b"):
        assert raw not in text, f"{what}: raw {raw!r} in {text!r}"


def test_visible_makes_control_characters_readable() -> None:
    assert visible(FORGED_VM) == "web01\\x1b[1A\\x1b[2KALL GOOD"
    assert visible("a\nb\tc\rd\x00\x7f\x9b\u202e") == "a\\nb\\tc\\rd\\x00\\x7f\\x9b\\u202e"
    assert visible("two\nlines\x1b", newlines=True) == "two\nlines\\x1b"
    plain = "web01 ünïcode ✓"
    assert visible(plain) is plain


@pytest.fixture
def config(tmp_path: Path) -> Path:
    write_lab(tmp_path / "lab.json", [vm(FORGED_VM, "Running"), vm(MARKUP_VM, "Stopped")])
    path = tmp_path / "interlock.toml"
    path.write_text('[connections.default]\nkind = "simulated"\nlab = "lab.json"\n\n'
                    '[connections."evil\\u001b[2Kname"]\nkind = "simulated"\nlab = "missing.json"\n',
                    encoding="utf-8")
    return path


def test_a_vm_name_from_the_back_end_cannot_forge_progress_summary_or_history(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", CHECKPOINT, "-p", "Batch Number=1", "--config", str(config), "--events"]) == 0
    run = capsys.readouterr()
    assert_clean(run.err, "run progress and summary")
    assert "web01\\x1b[1A\\x1b[2KALL GOOD" in run.err and f"{MARKUP_VM}" in run.err
    assert "\\u001b" in run.out  # --events is JSON: escaped by JSON itself
    job_id = json.loads(run.out.splitlines()[0])["job_id"]
    for command in (["history"], ["show", job_id], ["lab", "show", "--config", str(config)],
                    ["connections", "--config", str(config)]):
        main(command)
        shown = capsys.readouterr()
        assert_clean(shown.out + shown.err, command)


def test_lab_show_prints_markup_in_names_literally(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "show", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert_clean(out, "lab show")
    assert MARKUP_VM in out and "web01\\x1b[1A" in out


def evil_runbook(path: Path, broken: bool = False) -> Path:
    activities = [{"id": "step", "type": "core.delay", "name": ACTIVITY_NAME,
                   "properties": {"seconds": -1 if broken else 0}}]
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": RUNBOOK_NAME,
                                "activities": activities, "links": []}), encoding="utf-8")
    return path


def test_runbook_and_activity_names_with_escapes_print_visibly_everywhere(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runbook = evil_runbook(tmp_path / "evil.json")
    assert main(["run", str(runbook), "--json"]) == 0
    run = capsys.readouterr()
    assert_clean(run.err, "run")
    assert "Evil\\x1b[2J\\x1b[HRunbook\\nsuccess" in run.err
    job_id = json.loads(run.out)["job_id"]
    for command in (["history"], ["show", job_id]):
        assert main(command) == 0
        shown = capsys.readouterr()
        assert_clean(shown.out + shown.err, command)
        assert "\\x1b[2J" in shown.out, command
        assert "Runbook\nsuccess" not in shown.out, command


def test_validate_problems_show_names_and_file_names_visibly(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    broken = evil_runbook(tmp_path / "bad\x1b[2K.json", broken=True)
    assert main(["validate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert_clean(err, "validate")
    assert "bad\\x1b[2K.json" in err


def test_schedule_list_shows_names_visibly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil_runbook(tmp_path / "evil.json")
    schedules = tmp_path / "schedules.toml"
    schedules.write_text('[[schedule]]\nname = "nightly\\u001b[1A\\u001b[2K[red]ok"\nrunbook = "evil.json"\n'
                         'interval = "1h"\n', encoding="utf-8")
    (tmp_path / "interlock.toml").write_text("", encoding="utf-8")
    assert main(["schedule", "list", "--schedules", str(schedules),
                 "--config", str(tmp_path / "interlock.toml")]) == 0
    out = capsys.readouterr().out
    assert_clean(out, "schedule list")
    assert "nightly\\x1b[1A\\x1b[2K[red]ok" in out


def test_the_live_table_shows_names_visibly() -> None:
    runbook = Runbook.model_validate({"format": "interlock.runbook/1", "name": RUNBOOK_NAME, "activities": [
        {"id": "get_vms", "type": "vmm.get_vm", "name": ACTIVITY_NAME}], "links": []})
    counts = ProgressCounts(runbook, set(), {"get_vms": "vm_name"})
    at = "2026-01-01T00:00:00+00:00"
    for event in (JobStarted(job_id="j", at=at, runbook=RUNBOOK_NAME),
                  InstanceStarted(job_id="j", at=at, activity="get_vms", name=ACTIVITY_NAME, instance=0),
                  InstanceFinished(job_id="j", at=at, activity="get_vms", name=ACTIVITY_NAME, instance=0,
                                   status="success", started_at=at, finished_at=at, duration_s=0, attempts=1,
                                   rows=[{"vm_name": FORGED_VM}])):
        counts.update(event)
    out = io.StringIO()
    console = Console(file=out, color_system=None, width=200)
    console.print(LiveProgress(counts, console))
    assert_clean(out.getvalue(), "live table")
    assert "Step\\x1b]0;pwned\\x07\\rdone" in out.getvalue()
