"""Schedules: cron instants across a DST change in Europe/Berlin, permitted windows and exception dates,
located errors in a malformed file, and the `interlock schedule` commands."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.errors import ConfigError
from engine.schedule.schedules import ScheduleEntry, load_schedules

SEED = Path(__file__).resolve().parents[3] / "resources" / "examples" / "vm-checkpoint.json"
BERLIN = "Europe/Berlin"


def entry(**keys: object) -> ScheduleEntry:
    return ScheduleEntry.model_validate({"name": "t", "runbook": "x.json", **keys})


def local(runs: list[datetime], zone: str = BERLIN) -> list[str]:
    from zoneinfo import ZoneInfo
    return [r.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M %Z") for r in runs]


def test_a_daily_run_keeps_its_local_time_across_both_dst_changes():
    spring = entry(cron="0 9 * * *", timezone=BERLIN).next_runs(datetime(2026, 3, 27, 12, tzinfo=UTC), 3)
    assert local(spring) == ["03-28 09:00 CET", "03-29 09:00 CEST", "03-30 09:00 CEST"]
    assert [r.hour for r in spring] == [8, 7, 7]  # UTC moves with the clocks
    autumn = entry(cron="0 9 * * *", timezone=BERLIN).next_runs(datetime(2026, 10, 24, 12, tzinfo=UTC), 2)
    assert local(autumn) == ["10-25 09:00 CET", "10-26 09:00 CET"]


def test_a_run_in_the_missing_hour_runs_once_just_after_the_jump():
    runs = entry(cron="30 2 * * *", timezone=BERLIN).next_runs(datetime(2026, 3, 28, 12, tzinfo=UTC), 2)
    assert local(runs) == ["03-29 03:30 CEST", "03-30 02:30 CEST"]


def test_a_run_in_the_repeated_hour_runs_once():
    runs = entry(cron="30 2 * * *", timezone=BERLIN).next_runs(datetime(2026, 10, 24, 12, tzinfo=UTC), 2)
    assert local(runs) == ["10-25 02:30 CEST", "10-26 02:30 CET"]  # the first 02:30 only


def test_every_half_hour_across_the_spring_jump_neither_skips_nor_doubles():
    runs = entry(cron="*/30 * * * *", timezone=BERLIN).next_runs(datetime(2026, 3, 29, 0, 40, tzinfo=UTC), 4)
    gaps = {(b - a).total_seconds() for a, b in pairwise(runs)}
    assert gaps == {1800.0}  # every 30 real minutes, through 02:00 CET -> 03:00 CEST


def test_permitted_days_hours_and_exception_dates_skip_runs():
    nightly = entry(cron="0 * * * *", timezone=BERLIN, days=["mon", "tue", "wed", "thu", "fri"],
                    hours="01:00-03:00", exceptions=["2026-12-01"])
    runs = nightly.next_runs(datetime(2026, 11, 27, 12, tzinfo=UTC), 4)  # a Friday
    assert local(runs) == ["11-30 01:00 CET", "11-30 02:00 CET", "12-02 01:00 CET", "12-02 02:00 CET"]


def test_an_interval():
    runs = entry(interval="15m").next_runs(datetime(2026, 1, 1, 10, 7, tzinfo=UTC), 2)
    assert [r.strftime("%H:%M") for r in runs] == ["10:15", "10:30"]


def test_a_malformed_file_is_refused_with_the_entry_and_key(tmp_path):
    path = tmp_path / "schedules.toml"
    path.write_text('[[schedule]]\nname = "ok"\nrunbook = "a.json"\ncron = "0 2 * * *"\n\n'
                    '[[schedule]]\nname = "nightly"\nrunbook = "a.json"\ncron = "61 2 * * *"\n'
                    'timezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError) as caught:
        load_schedules(path)
    message = str(caught.value)
    assert f'{path}: schedule[2] ("nightly"), key "cron": not a cron expression' in message
    assert 'schedule[2] ("nightly"), key "timezone": unknown time zone' in message


def test_cron_or_interval_but_not_both(tmp_path):
    path = tmp_path / "schedules.toml"
    path.write_text('[[schedule]]\nname = "x"\nrunbook = "a.json"\n')
    with pytest.raises(ConfigError, match="either cron or interval"):
        load_schedules(path)


def test_schedule_check_and_list_from_the_command_line(tmp_path, capsys):
    runbook = tmp_path / "vm-checkpoint.json"
    runbook.write_text(SEED.read_text())
    path = tmp_path / "schedules.toml"
    path.write_text('[[schedule]]\nname = "nightly"\nrunbook = "vm-checkpoint.json"\n'
                    'parameters = { "Batch Number" = "1" }\ncron = "0 2 * * *"\ntimezone = "Europe/Berlin"\n')
    assert main(["schedule", "check", "--schedules", str(path)]) == 0
    assert main(["schedule", "list", "--schedules", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nightly" in out and "02:00 CE" in out and "never" in out
    path.write_text(path.read_text().replace('"Batch Number" = "1"', '"Batch" = "1"'))
    assert main(["schedule", "check", "--schedules", str(path)]) == 2
    assert 'schedule[1] ("nightly")' in capsys.readouterr().err


def one_entry(tmp_path: Path, trigger: str) -> Path:
    path = tmp_path / "schedules.toml"
    path.write_text(f'[[schedule]]\nname = "x"\nrunbook = "a.json"\n{trigger}\n')
    return path


@pytest.mark.parametrize(("trigger", "key", "reason"), [
    ('interval = "0s"', "interval", "at least 1 s"),
    ('interval = "367d"', "interval", "at most 366 days"),
    ('interval = "99999999999d"', "interval", "at most 366 days"),
    ('interval = "' + "9" * 5000 + 's"', "interval", "not an interval"),
    ('cron = "0 0 30 2 *"', "cron", "never fires"),
    ('cron = "0 0 31 2,4,6,9,11 *"', "cron", "never fires"),
    ('cron = "0 0 2 * * *"', "cron", "five fields"),  # croniter reads a 6th field as seconds
])
def test_check_and_list_refuse_a_trigger_that_cannot_run(tmp_path, capsys, trigger, key, reason):
    path = one_entry(tmp_path, trigger)
    for command in ("check", "list"):
        assert main(["schedule", command, "--schedules", str(path)]) == 2
        err = capsys.readouterr().err
        assert f'{path}: schedule[1] ("x"), key "{key}": ' in err and reason in err, err
        assert "Traceback" not in err


@pytest.mark.parametrize("trigger", ['interval = "1s"', 'interval = "366d"', 'cron = "0 0 29 2 *"',
                                     'cron = "@daily"', 'cron = "0 0 L * *"'])
def test_the_limits_themselves_are_accepted(tmp_path, trigger):
    assert load_schedules(one_entry(tmp_path, trigger)).schedule[0].name == "x"  # 29 Feb: every 4 years


def test_finding_the_next_runs_skips_closed_days_and_hours_instead_of_stepping_through_them():
    import time
    start = time.perf_counter()
    # Every second, but only from 01:00 to 01:01 on Mondays: 600,000 candidate seconds a week.
    weekly = entry(interval="1s", days=["mon"], hours="01:00-01:01").next_runs(
        datetime(2026, 5, 5, 12, tzinfo=UTC), 2)
    never = entry(interval="1s", days=[]).next_runs(datetime(2026, 5, 5, 12, tzinfo=UTC), 1)
    assert local(weekly, "UTC") == ["05-11 01:00 UTC", "05-11 01:00 UTC"] and never == []
    assert time.perf_counter() - start < 0.5


def two_entries(tmp_path: Path) -> Path:
    (tmp_path / "vm-checkpoint.json").write_text(SEED.read_text())
    path = tmp_path / "schedules.toml"
    path.write_text("".join(f'[[schedule]]\nname = "{name}"\nrunbook = "vm-checkpoint.json"\n'
                            f'parameters = {{ "Batch Number" = "1" }}\ncron = "0 2 * * *"\n\n'
                            for name in ("first", "second")))
    return path


def test_an_unforeseen_error_in_one_entry_is_reported_with_the_entry_not_as_a_traceback(
        tmp_path, capsys, monkeypatch):
    import engine.cli.schedule as schedule_cli

    path = two_entries(tmp_path)
    load = schedule_cli.load_runbook
    calls = iter([PermissionError(13, "Permission denied"), None])

    def load_then_refuse(*args: object) -> object:
        error = next(calls)
        if error is not None:
            raise error
        return load(*args)

    monkeypatch.setattr(schedule_cli, "load_runbook", load_then_refuse)
    assert main(["schedule", "check", "--schedules", str(path)]) == 2
    err = capsys.readouterr().err
    assert f'{path}: schedule[1] ("first"): PermissionError: [Errno 13] Permission denied' in err
    assert "second" not in err and "Traceback" not in err

    next_runs = ScheduleEntry.next_runs

    def broken_for_first(self: ScheduleEntry, *args: object) -> list[datetime]:
        if self.name == "first":
            raise OverflowError("date value out of range")
        return next_runs(self, *args)

    monkeypatch.setattr(ScheduleEntry, "next_runs", broken_for_first)
    assert main(["schedule", "list", "--schedules", str(path)]) == 2
    captured = capsys.readouterr()
    assert "second" in captured.out and "02:00 UTC" in captured.out  # the other entry is listed
    assert f'{path}: schedule[1] ("first"): OverflowError: date value out of range' in captured.err
    assert "Traceback" not in captured.err


def test_list_shows_a_failed_load_as_the_last_run(tmp_path, capsys):
    from engine.history import open_history
    from engine.schedule.unstarted import record_not_started

    path = two_entries(tmp_path)
    (tmp_path / "vm-checkpoint.json").unlink()
    with open_history() as store:
        record_not_started(store, load_schedules(path).runbook_path(load_schedules(path).schedule[0]), {},
                           "file not found")
    assert main(["schedule", "list", "--schedules", str(path)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("first", "second"))]
    assert len(rows) == 2 and all(row.rstrip().endswith("failed") for row in rows), rows


def test_a_schedules_file_nested_too_deeply_is_refused_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "schedules.toml"
    path.write_text("x = " + "[" * 100_000)  # tomllib recurses per level
    assert main(["schedule", "check", "--schedules", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: not valid TOML" in err and "Traceback" not in err
