"""The scheduler driven by a fake clock (no sleeping on wall time): cron instants across a DST change,
permitted windows, skip vs queue, a failing runbook, shutdown mid-job, and a malformed file on reload."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from engine.config.registry import Registry
from engine.config.settings import Config
from engine.history import HistoryStore
from engine.schedule.scheduler import Scheduler


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.t = start
        self.asleep = asyncio.Event()

    def now(self) -> datetime:
        return self.t

    async def sleep_until(self, moment: datetime, wake: asyncio.Event) -> None:
        self.asleep.set()
        await wake.wait()
        self.asleep.clear()


def runbook(path: Path, seconds: float = 0, fail: bool = False) -> Path:
    activities = [{"id": "start", "type": "core.initialize_data", "name": "Start"},
                  {"id": "wait", "type": "core.delay", "name": "Wait", "properties": {"seconds": seconds}}]
    if fail:
        activities[1] = {"id": "wait", "type": "core.run_program", "name": "Wait",
                         "properties": {"argv": ["false"]}}
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": path.stem, "activities": activities,
                                "links": [{"from": "start", "to": "wait"}]}))
    return path


def schedules(path: Path, *entries: str) -> Path:
    path.write_text("\n".join(entries))
    return path


def entry(name: str, runbook_file: str, **keys: str) -> str:
    lines = [f'[[schedule]]\nname = "{name}"\nrunbook = "{runbook_file}"']
    lines += [f"{k} = {v}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


Running = tuple[Scheduler, asyncio.Event, "asyncio.Task[None]", list[str]]


async def start(path: Path, clock: FakeClock) -> Running:
    logs: list[str] = []
    scheduler = Scheduler(path, Config(), Registry.from_entry_points(), clock, logs.append)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    await asyncio.wait_for(clock.asleep.wait(), 5)
    return scheduler, stop, task, logs


async def advance(scheduler: Scheduler, clock: FakeClock, to: datetime, *, settle: bool = True) -> None:
    clock.t = to
    clock.asleep.clear()
    scheduler.wake.set()
    await asyncio.wait_for(clock.asleep.wait(), 5)
    if settle:
        await asyncio.wait_for(asyncio.gather(*scheduler.tasks), 10)


async def until(condition: Callable[[], bool]) -> None:
    """Wait (at most 10 s) until the condition holds: runbooks load in a worker thread."""
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.01)


async def finish(scheduler: Scheduler, stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    stop.set()
    scheduler.wake.set()
    await asyncio.wait_for(task, 10)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def test_cron_fires_at_the_right_instants_across_the_spring_dst_change(tmp_path):
    runbook(tmp_path / "job.json")
    path = schedules(tmp_path / "schedules.toml",
                     entry("nightly", "job.json", cron='"30 2 * * *"', timezone='"Europe/Berlin"'))
    clock = FakeClock(utc(2026, 3, 27, 12))
    scheduler, stop, task, _ = await start(path, clock)
    expected = [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]  # 02:30 CET,
    for instant in expected:  # 03:30 CEST (02:30 does not exist that night), 02:30 CEST
        await advance(scheduler, clock, instant.replace(minute=instant.minute - 1))
        await advance(scheduler, clock, instant)
    assert [due for _, due in scheduler.started] == expected
    await finish(scheduler, stop, task)
    with HistoryStore() as store:
        assert [j.status for j in store.jobs()] == ["success"] * 3


async def test_a_permitted_window_skips_runs_outside_it(tmp_path):
    runbook(tmp_path / "job.json")
    path = schedules(tmp_path / "schedules.toml",
                     entry("hourly", "job.json", cron='"0 * * * *"', hours='"09:00-11:00"'))
    clock = FakeClock(utc(2026, 5, 4, 7, 30))
    scheduler, stop, task, _ = await start(path, clock)
    for hour in range(8, 13):
        await advance(scheduler, clock, utc(2026, 5, 4, hour))
    assert [due.hour for _, due in scheduler.started] == [9, 10]
    await finish(scheduler, stop, task)


async def test_skip_and_queue_when_the_previous_run_is_still_going(tmp_path):
    runbook(tmp_path / "slow.json", seconds=0.3)
    path = schedules(tmp_path / "schedules.toml",
                     entry("skipper", "slow.json", interval='"1m"', concurrency='"skip"'),
                     entry("queuer", "slow.json", interval='"1m"', concurrency='"queue"'))
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    scheduler, stop, task, logs = await start(path, clock)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1), settle=False)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 2), settle=False)  # both still running
    await asyncio.wait_for(asyncio.gather(*scheduler.tasks), 10)
    await asyncio.sleep(0)
    await asyncio.wait_for(asyncio.gather(*scheduler.tasks), 10)  # the queued run
    names = [name for name, _ in scheduler.started]
    assert names.count("skipper") == 1 and names.count("queuer") == 2
    assert any("skipper" in line and "skipped" in line for line in logs)
    await finish(scheduler, stop, task)


async def test_a_failing_runbook_does_not_stop_the_scheduler(tmp_path):
    runbook(tmp_path / "bad.json", fail=True)
    runbook(tmp_path / "good.json")
    path = schedules(tmp_path / "schedules.toml", entry("bad", "bad.json", interval='"1m"'),
                     entry("good", "good.json", interval='"1m"'),
                     entry("missing", "nowhere.json", interval='"1m"'))
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    scheduler, stop, task, logs = await start(path, clock)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1))
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 2))
    with HistoryStore() as store:
        statuses = sorted(j.status for j in store.jobs())
    assert statuses == ["failed"] * 4 + ["success"] * 2  # bad.json's runs, and the missing file's attempts
    assert any("missing: not started" in line for line in logs)
    assert not task.done()
    await finish(scheduler, stop, task)


async def first_run_going(tmp_path: Path, name: str, seconds: float) -> tuple[Running, FakeClock, Path]:
    """A scheduler of one minutely entry whose first run, of a runbook taking `seconds`, has started."""
    runbook(tmp_path / f"{name}.json", seconds=seconds)
    path = schedules(tmp_path / "schedules.toml", entry(name, f"{name}.json", interval='"1m"'))
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    running = await start(path, clock)
    await advance(running[0], clock, utc(2026, 5, 4, 10, 1), settle=False)
    await until(lambda: name in running[0].running)
    return running, clock, path


async def test_stopping_mid_job_records_it_as_cancelled(tmp_path):
    (scheduler, stop, task, _), _, _ = await first_run_going(tmp_path, "long", 30)
    await finish(scheduler, stop, task)  # what SIGTERM does
    with HistoryStore() as store:
        assert [j.status for j in store.jobs()] == ["cancelled"]


async def test_a_malformed_file_is_refused_and_the_previous_schedule_keeps_running(tmp_path):
    runbook(tmp_path / "job.json")
    path = schedules(tmp_path / "schedules.toml", entry("minutely", "job.json", interval='"1m"'))
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    scheduler, stop, task, logs = await start(path, clock)
    path.write_text(path.read_text().replace('interval = "1m"', 'interval = "often"'))
    scheduler.reload_requested = True  # what SIGHUP does
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1))
    assert any('key "interval": not an interval' in line for line in logs)
    assert [name for name, _ in scheduler.started] == ["minutely"]
    await finish(scheduler, stop, task)


def test_the_scheduler_command_starts_and_stops_cleanly_on_sigterm(tmp_path):
    import os
    import shutil
    import signal
    import subprocess
    import sys

    runbook(tmp_path / "job.json")
    path = schedules(tmp_path / "schedules.toml", entry("hourly", "job.json", cron='"0 * * * *"'))
    exe = shutil.which("interlock", path=str(Path(sys.executable).parent)) or "interlock"
    env = {**os.environ, "INTERLOCK_HOME": str(tmp_path / "home")}
    process = subprocess.Popen([exe, "scheduler", "--schedules", str(path)], stderr=subprocess.PIPE,
                               text=True, env=env)
    try:
        first = process.stderr.readline() if process.stderr else ""
        assert "1 schedule(s) active" in first, first
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()


async def test_a_hanging_run_is_cancelled_at_its_timeout_and_the_scheduler_goes_on(tmp_path):
    runbook(tmp_path / "hang.json", seconds=30)
    path = schedules(tmp_path / "schedules.toml",
                     entry("hang", "hang.json", interval='"1m"', timeout_min="0.002"))  # 0.12 s
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    scheduler, stop, task, logs = await start(path, clock)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1))  # waits for the run to end: it must time out
    with HistoryStore() as store:
        assert [j.status for j in store.jobs()] == ["cancelled"]
    assert any("ran over" in line for line in logs) and not task.done()
    await finish(scheduler, stop, task)


async def test_a_reload_to_an_entry_that_cannot_run_keeps_the_previous_schedule_and_its_running_job(tmp_path):
    (scheduler, stop, task, logs), clock, path = await first_run_going(tmp_path, "minutely", 0.3)
    for bad in ('cron = "0 0 30 2 *"', 'interval = "0s"', 'interval = "99999999999d"'):
        good = entry("minutely", "minutely.json", interval='"1m"')
        schedules(path, good, entry("bad", "minutely.json"), bad)
        scheduler.reload_requested = True  # what SIGHUP does
        await advance(scheduler, clock, utc(2026, 5, 4, 10, 1, 10), settle=False)
        assert 'schedule[2] ("bad")' in logs[-1] and "previous ones keep running" in logs[-1]
    await asyncio.wait_for(asyncio.gather(*scheduler.tasks), 10)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 2))
    assert [name for name, _ in scheduler.started] == ["minutely", "minutely"] and not task.done()
    await finish(scheduler, stop, task)
    with HistoryStore() as store:
        assert [j.status for j in store.jobs()] == ["success", "success"]


async def test_an_entry_that_fails_at_run_time_is_reported_once_and_the_others_go_on(tmp_path, monkeypatch):
    from engine.schedule.schedules import ScheduleEntry

    runbook(tmp_path / "job.json")
    path = schedules(tmp_path / "schedules.toml", entry("good", "job.json", interval='"1m"'),
                     entry("bad", "job.json", interval='"1m"'))
    next_runs = ScheduleEntry.next_runs

    def broken_for_bad(self: ScheduleEntry, after: datetime, count: int = 3) -> list[datetime]:
        if self.name == "bad" and after.minute >= 1:  # the first run is computed, the next one fails
            raise OverflowError("date value out of range")
        return next_runs(self, after, count)

    monkeypatch.setattr(ScheduleEntry, "next_runs", broken_for_bad)
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    scheduler, stop, task, logs = await start(path, clock)
    for minute in (1, 2, 3):
        await advance(scheduler, clock, utc(2026, 5, 4, 10, minute))
    assert [name for name, _ in scheduler.started] == ["good", "bad", "good", "good"] and not task.done()
    reports = [line for line in logs if line.startswith("bad:") and "OverflowError" in line]
    assert len(reports) == 1 and "date value out of range" in reports[0]
    await finish(scheduler, stop, task)


async def test_a_runbook_that_cannot_be_loaded_is_recorded_once_per_attempt_as_failed(tmp_path, monkeypatch):
    import engine.schedule.scheduler as scheduler_module

    runbook(tmp_path / "good.json")
    (tmp_path / "invalid.json").write_text("{")
    runbook(tmp_path / "locked.json")
    runbook(tmp_path / "params.json")
    path = schedules(tmp_path / "schedules.toml", entry("missing", "nowhere.json", interval='"1m"'),
                     entry("invalid", "invalid.json", interval='"1m"'),
                     entry("locked", "locked.json", interval='"1m"'),
                     entry("params", "params.json", interval='"1m"', parameters='{ Nope = "1" }'),
                     entry("good", "good.json", interval='"1m"'))
    load = scheduler_module.load_runbook

    def load_or_refuse(runbook_path: Path, *args: object) -> object:
        if Path(runbook_path).name == "locked.json":  # not an InterlockError: what the loader did not foresee
            raise PermissionError(13, "Permission denied", str(runbook_path))
        return load(runbook_path, *args)

    monkeypatch.setattr(scheduler_module, "load_runbook", load_or_refuse)
    unhandled: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: unhandled.append(context))
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    scheduler, stop, task, logs = await start(path, clock)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1))
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 2))
    await finish(scheduler, stop, task)
    expected = {"nowhere.json": "file not found", "invalid.json": "not valid JSON",
                "locked.json": "PermissionError: [Errno 13] Permission denied",
                "params.json": "unknown parameter"}
    with HistoryStore() as store:
        jobs = store.jobs()
        failed = [j for j in jobs if j.status == "failed"]
        assert sorted(j.status for j in jobs) == ["failed"] * 8 + ["success"] * 2
        for job in failed:
            stored = store.job(job.job_id)
            file = Path(job.path or "").name
            errors = [i.error or "" for i in stored.instances]
            assert job.runbook == file and len(errors) == 1 and expected[file] in errors[0], (job, errors)
            assert str(tmp_path / file) in errors[0]
    for name in ("missing", "invalid", "locked", "params"):
        lines = [line for line in logs if line.startswith(f"{name}:")]
        assert len(lines) == 2 and all("not started" in line for line in lines), lines
    assert unhandled == [] and not any("Traceback" in line for line in logs)


async def test_a_large_runbook_loads_off_the_event_loop(tmp_path):
    import time

    count = 30_000  # about a second to load and validate
    activities = [{"id": "start", "type": "core.initialize_data", "name": "Start"}]
    activities += [{"id": f"a{i}", "type": "core.delay", "name": f"A{i}", "properties": {"seconds": 0}}
                   for i in range(count)]
    links = [{"from": "start", "to": "a0"}] + [{"from": f"a{i}", "to": f"a{i + 1}"} for i in range(count - 1)]
    links.append({"from": "a0", "to": "nowhere"})  # refused once all of it is read: nothing runs
    (tmp_path / "big.json").write_text(json.dumps({"format": "interlock.runbook/1", "name": "big",
                                                   "activities": activities, "links": links}))
    runbook(tmp_path / "quick.json")
    path = schedules(tmp_path / "schedules.toml", entry("big", "big.json", interval='"1m"'),
                     entry("quick", "quick.json", interval='"30s"'))
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 40))
    scheduler, stop, task, _ = await start(path, clock)
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            gaps.append(time.perf_counter() - last)
            last = time.perf_counter()

    ticking = asyncio.create_task(ticker())
    began = time.perf_counter()
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1), settle=False)  # both fire; big starts loading
    await asyncio.wait_for(next(t for t in scheduler.tasks if t.get_name() == "schedule quick"), 10)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1, 30), settle=False)  # quick's next timer
    loading = [t for t in scheduler.tasks if t.get_name() == "schedule big" and not t.done()]
    assert loading, "the big runbook's load held up the loop until it was done"
    await asyncio.wait_for(asyncio.gather(*scheduler.tasks), 30)
    load_time = time.perf_counter() - began
    ticking.cancel()
    assert [name for name, _ in scheduler.started] == ["big", "quick", "quick"]
    assert load_time > 0.3, "the runbook is too small to show anything"
    # The loop still waits for the longest single step that holds the GIL (parsing the JSON, the
    # model's validation in pydantic-core): about a sixth of the load here, not all of it.
    assert max(gaps) < load_time / 2, (max(gaps), load_time)
    await finish(scheduler, stop, task)


async def test_stopping_while_a_runbook_loads_does_not_start_it(tmp_path, monkeypatch):
    import time

    import engine.schedule.scheduler as scheduler_module

    runbook(tmp_path / "long.json", seconds=30)
    path = schedules(tmp_path / "schedules.toml", entry("long", "long.json", interval='"1m"'))
    load = scheduler_module.load_runbook

    def slow_load(*args: object) -> object:  # in the worker thread
        time.sleep(0.3)
        return load(*args)

    monkeypatch.setattr(scheduler_module, "load_runbook", slow_load)
    clock = FakeClock(utc(2026, 5, 4, 10, 0, 30))
    scheduler, stop, task, logs = await start(path, clock)
    await advance(scheduler, clock, utc(2026, 5, 4, 10, 1), settle=False)
    await finish(scheduler, stop, task)  # SIGTERM mid-load: ends at once, not after the 30 s run
    assert scheduler.running == {} and any("long: not started: the scheduler is stopping" in x for x in logs)
    with HistoryStore() as store:
        assert store.jobs() == []
