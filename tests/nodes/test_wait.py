"""Wait (core.wait): a number of seconds, or until a time of day or a date/time; and Delay, which shares
its pause."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from chains import cli_run, error, run_chain, step

from engine.errors import ActivityError
from nodes.core.wait import wake_at

PARIS = ZoneInfo("Europe/Paris")


async def test_wait_seconds_waits_that_long_then_passes_its_input_on(tmp_path):
    started = time.monotonic()
    result = await run_chain(tmp_path, step("split", "core.split", text="a,b", separator=","),
                             step("wait", "core.wait", seconds=0.3),
                             step("say", "core.split", text="{{split.item}}"))
    assert time.monotonic() - started >= 0.3
    assert sorted(r["item"] for r in result.rows("say")) == ["a", "b"]
    assert [r["seconds"] for r in result.rows("wait")] == [0.3, 0.3]


async def test_wait_until_a_moment_soon(tmp_path):
    moment = datetime.now(UTC) + timedelta(seconds=0.5)
    result = await run_chain(tmp_path, step("wait", "core.wait", until=moment.isoformat()))
    assert datetime.now(UTC) >= moment
    row = result.rows("wait")[0]
    assert 0 < row["seconds"] <= 0.6 and datetime.fromisoformat(row["until"]) == moment


async def test_a_moment_that_has_passed_does_not_wait_and_says_so(tmp_path):
    events = []
    result = await run_chain(tmp_path, step("wait", "core.wait", until="2020-01-01T00:00:00Z"), events=events)
    assert result.rows("wait") == [{"seconds": 0.0, "until": "2020-01-01T00:00:00+00:00"}]
    assert any(e.kind == "log" and "has passed: not waiting" in e.message for e in events)


def test_a_time_of_day_is_today_or_tomorrow_once_it_has_passed():
    now = datetime(2024, 3, 5, 10, 0, tzinfo=PARIS)
    assert wake_at("17:30", PARIS, now) == datetime(2024, 3, 5, 17, 30, tzinfo=PARIS)
    assert wake_at("09:15:30", PARIS, now) == datetime(2024, 3, 6, 9, 15, 30, tzinfo=PARIS)
    assert wake_at("10:00", PARIS, now) == datetime(2024, 3, 6, 10, 0, tzinfo=PARIS)
    # In another zone than the clock's: 09:30 UTC is 10:30 in Paris, still to come.
    assert wake_at("09:30Z", PARIS, now) == datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    assert wake_at("2024-03-05 12:00", PARIS, now) == datetime(2024, 3, 5, 12, 0, tzinfo=PARIS)


def test_until_that_is_no_time_names_the_property_and_value():
    with pytest.raises(ActivityError, match='property "until": "teatime" is neither a time of day'):
        wake_at("teatime", PARIS, datetime.now(PARIS))


async def test_a_subscribed_bad_until_fails_the_instance(tmp_path):
    result = await run_chain(tmp_path, step("split", "core.split", text="soon"),
                             step("wait", "core.wait", until="{{split.item}}"))
    assert '"soon" is neither a time of day (HH:MM) nor an ISO 8601 date/time' in error(result, "wait")


@pytest.mark.parametrize(("properties", "message"), [
    ({}, "give either seconds or until"),
    ({"seconds": 1, "until": "10:00"}, "give either seconds or until"),
    ({"seconds": -1}, "greater than or equal to 0"),
    ({"seconds": 10**9}, "less than or equal to"),
    ({"until": "22:00", "time_zone": "Europe/Pariss"}, 'key "properties.time_zone": unknown time zone'),
])
def test_wait_needs_exactly_one_of_seconds_and_until(tmp_path, capsys, properties, message):
    code, _, err = cli_run(tmp_path, capsys, step("wait", "core.wait", **properties))
    assert code == 2 and message in err


async def test_a_wait_longer_than_its_timeout_fails_without_waiting_it_out(tmp_path):
    activity = step("wait", "core.wait", until=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    activity["run"] = {"timeout_s": 0.2}
    started = time.monotonic()
    result = await run_chain(tmp_path, activity)
    assert time.monotonic() - started < 5
    assert result.status == "failed" and "timed out after 0.2 s" in error(result, "wait")


async def test_delay_still_waits_its_seconds(tmp_path):
    started = time.monotonic()
    result = await run_chain(tmp_path, step("delay", "core.delay", seconds=0.2))
    assert time.monotonic() - started >= 0.2 and result.rows("delay") == [{"seconds": 0.2}]


def test_wait_through_the_cli(tmp_path, capsys):
    code, out, err = cli_run(tmp_path, capsys, step("wait", "core.wait", seconds=0.1), extra=("--json",))
    assert code == 0, err
    assert '"seconds": 0.1' in out
