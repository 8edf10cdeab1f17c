"""Monitor Date/Time: every interval it fires again and again on the interval's instants; the schedules'
rules (time of day, days, hours, exception dates, time zones) decide the next instant; bad settings are
refused with the schedules' own messages."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from pydantic import ValidationError

from nodes.monitor.date_time import DateTimeProperties, MonitorDateTime, schedule


class Context:
    activity_id = "tick"
    activity_name = "Every Second"
    runbook_path = None
    config = None

    def log(self, message: str, level: str = "info") -> None:
        pass


async def test_every_second_fires_repeatedly_on_whole_seconds():
    events = MonitorDateTime().watch(DateTimeProperties(every=1, unit="seconds"), Context())
    rows: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(8):
            async for row in events:
                rows.append(row)
                if len(rows) == 3:
                    break
    finally:
        await events.aclose()
    due = [datetime.fromisoformat(r["scheduled_at"]) for r in rows]
    assert [b - a for a, b in pairwise(due)] == [timedelta(seconds=1)] * 2
    assert all(d.microsecond == 0 for d in due)
    for row in rows:  # fired on time, not before
        late = datetime.fromisoformat(row["fired_at"]) - datetime.fromisoformat(row["scheduled_at"])
        assert timedelta(0) <= late < timedelta(seconds=1)
        assert row["weekday"] in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def test_closing_the_watch_while_it_sleeps_ends_it_at_once():
    events = MonitorDateTime().watch(DateTimeProperties(every=1, unit="days"), Context())
    waiting = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.1)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    await events.aclose()
    assert waiting.cancelled()


def test_at_a_time_of_day_in_a_time_zone_within_days_and_exceptions():
    properties = DateTimeProperties(at="02:30", timezone="Europe/Berlin", days=["mon"],
                                    exceptions=["2026-12-07"])
    runs = schedule(properties).next_runs(datetime(2026, 12, 5, tzinfo=UTC), 2)
    # Monday 7 December is an exception: the next Mondays, 02:30 in Berlin (UTC+1 in winter)
    assert runs == [datetime(2026, 12, 14, 1, 30, tzinfo=UTC), datetime(2026, 12, 21, 1, 30, tzinfo=UTC)]


def test_within_permitted_hours_the_interval_waits_for_the_window():
    properties = DateTimeProperties(every=15, unit="minutes", hours="08:00-09:00")
    runs = schedule(properties).next_runs(datetime(2026, 12, 5, 9, 0, tzinfo=UTC), 5)
    assert [r.strftime("%d %H:%M") for r in runs] == ["06 08:00", "06 08:15", "06 08:30", "06 08:45",
                                                      "07 08:00"]


def test_what_it_waits_for_reads_like_a_sentence():
    text = MonitorDateTime().waiting_for(DateTimeProperties(at="02:30", days=["mon", "fri"]))
    assert text.startswith("02:30 every day (UTC), on mon/fri, next at ")


def test_fire_now_publishes_the_current_time():
    row = MonitorDateTime().fire_now(DateTimeProperties(every=5), Context())
    fired = datetime.fromisoformat(row["fired_at"])
    assert abs((datetime.now(UTC) - fired).total_seconds()) < 5


@pytest.mark.parametrize(("settings", "message"), [
    ({}, "give either at (a time of day) or every (an interval)"),
    ({"at": "02:00", "every": 5}, "give either at"),
    ({"at": "25:00"}, 'at: not a time of day: "25:00"'),
    ({"every": 0}, "greater than or equal to 1"),
    ({"every": 400, "unit": "days"}, "must be at most 366 days"),
    ({"every": 5, "timezone": "Mars/Olympus"}, 'unknown time zone "Mars/Olympus"'),
    ({"every": 5, "hours": "9-17"}, 'not a time window: "9-17"'),
    ({"every": 5, "days": ["someday"]}, "Input should be"),
])
def test_bad_settings_are_refused_saying_what_is_wrong(settings, message):
    with pytest.raises(ValidationError) as error:
        DateTimeProperties(**settings)
    assert message in str(error.value).replace("'", '"')
