"""Monitor runbooks under the scheduler (in process, real time, bounded), under `interlock run` and in
validation: a job per event with the event as the monitor's row, a failing job that leaves its monitor
armed, a monitor that cannot be armed yet, a clean stop, and the mistakes a person can make."""

from __future__ import annotations

import asyncio
import json
import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, load_runbook
from engine.cli.main import main
from engine.config.registry import Registry
from engine.config.settings import Config
from engine.errors import ConfigError
from engine.history import open_history
from engine.schedule.scheduler import Scheduler
from engine.schedule.schedules import load_schedules


def monitor_runbook(path: Path, monitor: dict[str, Any], then: dict[str, Any] | None = None) -> Path:
    activities = [{"id": "watch", "name": "Watch", **monitor},
                  then or {"id": "keep", "type": "core.return_data", "name": "Keep",
                           "properties": {"data": {"seen": "{{watch.@name}}"}}}]
    activities[1].setdefault("name", "Then")
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": path.stem, "activities": activities,
                                "links": [{"from": "watch", "to": activities[1]["id"]}]}))
    return path


EVERY_SECOND = {"type": "monitor.date_time", "properties": {"every": 1, "unit": "seconds"}}
FAIL = {"id": "fail", "type": "core.run_program", "properties": {"argv": ["false"]}}


def schedules_file(folder: Path, runbook: str, **keys: str) -> Path:
    lines = ['[[schedule]]', 'name = "watched"', f'runbook = "{runbook}"', "monitor = true"]
    lines += [f"{key} = {value}" for key, value in keys.items()]
    path = folder / "schedules.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def running_scheduler(path: Path) -> tuple[Scheduler, asyncio.Event, asyncio.Task[None], list[str]]:
    logs: list[str] = []
    scheduler = Scheduler(path, Config(), Registry.from_entry_points(), log=logs.append)
    scheduler.arm_retry = 0.2
    stop = asyncio.Event()
    return scheduler, stop, asyncio.create_task(scheduler.run(stop)), logs


async def stop_scheduler(scheduler: Scheduler, stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    stop.set()
    scheduler.wake.set()
    await asyncio.wait_for(task, 10)
    assert not scheduler.watching and not scheduler.tasks and scheduler.running == {}


async def until(condition: Any, timeout: float = 15) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def finished_jobs() -> list[Any]:
    with open_history() as store:
        return [job for job in store.jobs(limit=100) if job.status != "running"]


async def test_every_event_starts_a_job_with_the_event_as_the_monitors_row(tmp_path):
    monitor_runbook(tmp_path / "tick.json", EVERY_SECOND)
    scheduler, stop, task, logs = await running_scheduler(schedules_file(tmp_path, "tick.json"))
    try:
        await until(lambda: len([x for x in logs if x.endswith(" success")]) >= 3)
    finally:
        await stop_scheduler(scheduler, stop, task)
    assert any('armed: "Watch" waits for every 1 seconds (UTC)' in line for line in logs)
    jobs = finished_jobs()
    assert len(jobs) >= 3 and {job.status for job in jobs} <= {"success", "cancelled"}
    with open_history() as store:
        rows = [store.job(job.job_id).result.activities[0].instances[0].rows[0] for job in jobs
                if job.status == "success"]
    fired = sorted(row["scheduled_at"] for row in rows)
    assert len(set(fired)) == len(fired)  # one job per event, each with its own event


async def test_a_failing_job_does_not_disarm_its_monitor(tmp_path):
    monitor_runbook(tmp_path / "tick.json", EVERY_SECOND, FAIL)
    scheduler, stop, task, logs = await running_scheduler(schedules_file(tmp_path, "tick.json"))
    try:
        await until(lambda: len([x for x in logs if x.endswith(" failed")]) >= 3)
    finally:
        await stop_scheduler(scheduler, stop, task)
    assert len([x for x in logs if "armed:" in x]) == 1  # armed once, never re-armed


async def test_a_monitor_is_armed_once_its_folder_exists_and_again_when_it_is_made_again(tmp_path):
    drop = tmp_path / "drop"
    monitor_runbook(tmp_path / "files.json", {"type": "monitor.file",
                                              "properties": {"folder": "drop", "settle_s": 0.2}})
    scheduler, stop, task, logs = await running_scheduler(schedules_file(tmp_path, "files.json"))
    try:
        await until(lambda: any("monitor not armed" in x for x in logs))
        await asyncio.sleep(0.5)  # a few more attempts: reported once, not each time
        assert len([x for x in logs if "monitor not armed" in x]) == 1
        assert f'folder "{drop}" does not exist' in next(x for x in logs if "monitor not armed" in x)
        drop.mkdir()
        await until(lambda: any("armed: " in x and "not armed" not in x for x in logs))
        await asyncio.sleep(0.5)
        (drop / "one.txt").write_text("1")
        await until(lambda: any(x.endswith(" success") for x in logs))
        # The folder removed and made again: said so, and armed again on the new folder.
        shutil.rmtree(drop)
        await until(lambda: any(f'folder "{drop}" was removed' in x for x in logs))
        drop.mkdir()
        await until(lambda: len([x for x in logs if "armed: " in x and "not armed" not in x]) == 2)
        await asyncio.sleep(0.5)
        (drop / "two.txt").write_text("2")
        await until(lambda: len([x for x in logs if x.endswith(" success")]) == 2)
    finally:
        await stop_scheduler(scheduler, stop, task)
    with open_history() as store:
        rows = [store.job(job.job_id).result.activities[0].instances[0].rows[0]
                for job in store.jobs(limit=10)]
    assert sorted((row["name"], row["event"]) for row in rows) == [("one.txt", "created"),
                                                                   ("two.txt", "created")]


async def test_a_monitor_entry_whose_runbook_has_no_monitor_is_reported(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Plain", "activities": [
        {"id": "start", "type": "core.initialize_data", "name": "Start"}], "links": []}))
    scheduler, stop, task, logs = await running_scheduler(schedules_file(tmp_path, "plain.json"))
    try:
        await until(lambda: any("monitor not armed" in x for x in logs))
    finally:
        await stop_scheduler(scheduler, stop, task)
    assert "does not start with a monitor" in next(x for x in logs if "monitor not armed" in x)


async def test_a_changed_entry_is_rearmed_and_a_removed_one_disarmed(tmp_path):
    monitor_runbook(tmp_path / "tick.json", {"type": "monitor.date_time",
                                             "properties": {"every": 1, "unit": "days"}})
    path = schedules_file(tmp_path, "tick.json")
    scheduler, stop, task, logs = await running_scheduler(path)
    try:
        await until(lambda: len([x for x in logs if "armed:" in x]) == 1)
        first = scheduler.monitors["watched"][1]
        path.write_text(path.read_text() + 'timezone = "Europe/Berlin"\n')
        scheduler.reload_requested = True
        scheduler.wake.set()
        await until(lambda: len([x for x in logs if "armed:" in x]) == 2)
        assert first.done()
        path.write_text("")
        scheduler.reload_requested = True
        scheduler.wake.set()
        await until(lambda: not scheduler.monitors and not scheduler.watching)
    finally:
        await stop_scheduler(scheduler, stop, task)


async def test_run_from_the_designer_without_an_event_waits_for_the_first_one(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    runbook = load_runbook(monitor_runbook(tmp_path / "files.json", {
        "type": "monitor.file", "properties": {"folder": str(drop), "settle_s": 0.2}}))
    logs: list[str] = []
    engine = Engine(Config())
    job = asyncio.ensure_future(engine.run(runbook, {}, [lambda e: logs.append(getattr(e, "message", ""))]))
    await until(lambda: any("armed: waiting for a file matching *" in line for line in logs))
    await asyncio.sleep(0.5)
    (drop / "late.txt").write_text("x")
    result = await asyncio.wait_for(job, 15)
    assert result.status == "success"
    assert result.activities[0].instances[0].rows[0]["name"] == "late.txt"


def test_run_once_starts_the_job_with_the_event_that_holds_now(tmp_path, capsys):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "waiting.csv").write_text("a;b\n")
    path = monitor_runbook(tmp_path / "files.json", {"type": "monitor.file",
                                                     "properties": {"folder": "drop", "pattern": "*.CSV"}})
    assert main(["run", str(path), "--once", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    row = result["activities"][0]["instances"][0]["rows"][0]
    assert (row["name"], row["event"], row["size"]) == ("waiting.csv", "created", 4)
    assert result["returned"] == {"seen": "Watch"}


def test_run_with_a_wait_timeout_and_no_event_runs_nothing_and_exits_3(tmp_path, capsys):
    (tmp_path / "drop").mkdir()
    path = monitor_runbook(tmp_path / "files.json", {"type": "monitor.file",
                                                     "properties": {"folder": "drop"}})
    assert main(["run", str(path), "--wait-timeout", "0.5", "--json"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert '"Watch" waits for a file matching * created in drop (at most 0.5 s)' in captured.err
    assert f"{path}: no event within 0.5 s: nothing ran" in captured.err
    assert not finished_jobs()
    assert main(["run", str(path), "--once"]) == 3
    assert "--once: no event holds now" in capsys.readouterr().err


def test_once_and_wait_timeout_are_refused_for_a_runbook_without_a_monitor(tmp_path, capsys):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Plain", "activities": [
        {"id": "start", "type": "core.initialize_data", "name": "Start"}], "links": []}))
    assert main(["run", str(plain), "--once"]) == 2
    assert "--once is for runbooks that start with a monitor" in capsys.readouterr().err
    assert main(["run", str(plain), "--wait-timeout", "-1"]) == 2


def test_a_monitor_that_is_not_the_first_activity_is_invalid(tmp_path, capsys):
    path = tmp_path / "late.json"
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Late", "activities": [
        {"id": "start", "type": "core.initialize_data", "name": "Start"},
        {"id": "watch", "type": "monitor.date_time", "name": "Nightly", "properties": {"at": "02:00"}}],
        "links": [{"from": "start", "to": "watch"}]}))
    assert main(["validate", str(path)]) == 2
    assert (f'{path}: activity "watch", key "type": "Nightly" is a monitor (monitor.date_time): a monitor '
            f"starts its runbook, so it must be the first activity") in capsys.readouterr().err


def test_schedule_entries_and_runbooks_must_agree_on_monitors(tmp_path, capsys):
    monitor_runbook(tmp_path / "tick.json", EVERY_SECOND)
    (tmp_path / "plain.json").write_text(json.dumps({"format": "interlock.runbook/1", "name": "Plain",
        "activities": [{"id": "start", "type": "core.initialize_data", "name": "Start"}], "links": []}))
    path = tmp_path / "schedules.toml"
    path.write_text('[[schedule]]\nname = "timed monitor"\nrunbook = "tick.json"\ninterval = "5m"\n\n'
                    '[[schedule]]\nname = "monitor without one"\nrunbook = "plain.json"\nmonitor = true\n')
    assert main(["schedule", "check", "--schedules", str(path)]) == 2
    err = capsys.readouterr().err
    assert 'schedule[1] ("timed monitor")' in err and "give the entry monitor = true" in err
    assert 'schedule[2] ("monitor without one")' in err and "does not start with a monitor" in err


@pytest.mark.parametrize(("keys", "message"), [
    ('monitor = true\ncron = "0 * * * *"', "give no cron or interval with monitor = true"),
    ('interval = "5m"\nconcurrency = "parallel"', 'concurrency "parallel" is for monitor entries'),
    ("", "give either cron or interval (one of them), or monitor = true"),
])
def test_schedules_file_mistakes_about_monitors_are_named(tmp_path, keys, message):
    path = tmp_path / "schedules.toml"
    path.write_text(f'[[schedule]]\nname = "x"\nrunbook = "x.json"\n{keys}\n')
    with pytest.raises(ConfigError) as error:
        load_schedules(path)
    assert message in str(error.value) and 'schedule[1] ("x")' in str(error.value)


def test_run_of_a_monitor_on_a_missing_folder_is_exit_2_naming_it(tmp_path, capsys):
    path = monitor_runbook(tmp_path / "files.json", {"type": "monitor.file",
                                                     "properties": {"folder": "gone"}})
    assert main(["run", str(path), "--wait-timeout", "5"]) == 2
    assert (f'{path}: monitor "Watch": folder "{tmp_path / "gone"}" does not exist'
            in capsys.readouterr().err)


async def test_queue_runs_the_jobs_of_events_one_after_another_in_order(tmp_path):
    slow = {"id": "slow", "type": "core.delay", "properties": {"seconds": 1.5}}
    monitor_runbook(tmp_path / "tick.json", EVERY_SECOND, slow)
    scheduler, stop, task, logs = await running_scheduler(
        schedules_file(tmp_path, "tick.json", concurrency='"queue"'))
    try:
        await until(lambda: len([x for x in logs if x.endswith(" success")]) >= 3, timeout=20)
    finally:
        await stop_scheduler(scheduler, stop, task)
    assert any("queued behind the run still going" in x for x in logs)
    with open_history() as store:
        results = sorted((store.job(j.job_id).result for j in store.jobs(limit=50) if j.status == "success"),
                         key=lambda r: r.started_at)
    for earlier, later in pairwise(results):
        assert later.started_at >= earlier.finished_at  # never side by side
    due = [r.activities[0].instances[0].rows[0]["scheduled_at"] for r in results]
    assert due == sorted(due)  # the queued events run in the order they came


def test_schedule_list_shows_a_monitor_entry_as_started_by_its_events(tmp_path, capsys):
    monitor_runbook(tmp_path / "tick.json", EVERY_SECOND)
    path = schedules_file(tmp_path, "tick.json")
    assert main(["schedule", "list", "--schedules", str(path)]) == 0
    out = capsys.readouterr().out
    assert "on each event of its monitor" in out and "when events come" in out
    assert main(["schedule", "check", "--schedules", str(path)]) == 0
