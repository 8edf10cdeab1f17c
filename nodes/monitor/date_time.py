"""Monitor Date/Time: starts its runbook at a time of day, or every interval, within permitted days,
hours and exception dates. The arithmetic is the schedules file's (engine.schedule.schedules): a
monitor's timing is a schedule entry built from its properties, so both read time the same way,
daylight saving changes included."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engine.activity import Row
from engine.errors import ActivityError
from engine.schedule.monitors import MonitorType, WatchContext
from engine.schedule.schedules import ScheduleEntry

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_AT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
UNITS = {"seconds": "s", "minutes": "m", "hours": "h", "days": "d"}


class DateTimeProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: str | None = Field(None, title="At (time of day)",
                           description='Fire every day at this local time, "HH:MM" (give this or every)')
    every: int | None = Field(None, ge=1, title="Every",
                              description="Fire every this many units (give this or at)")
    unit: Literal["seconds", "minutes", "hours", "days"] = Field(
        "minutes", title="Unit", description="The unit of every: seconds, minutes, hours or days")
    timezone: str = Field("UTC", title="Time zone",
                          description="The zone of at, hours and exceptions, e.g. Europe/Berlin")
    days: list[Day] | None = Field(None, title="Days",
                                   description="Only on these days (mon ... sun); none: every day")
    hours: str | None = Field(None, title="Hours",
                              description='Only within these local hours, e.g. "08:00-18:00"')
    exceptions: list[date] = Field(default_factory=list, title="Exception dates",
                                   description="Dates without events (local), e.g. 2026-12-24")

    @model_validator(mode="after")
    def _fires(self) -> DateTimeProperties:
        schedule(self)  # the schedules' own checks: one place says what a valid time rule is
        return self


def schedule(properties: DateTimeProperties) -> ScheduleEntry:
    """The schedule entry with the monitor's timing; ValueError saying what is wrong."""
    if (properties.at is None) == (properties.every is None):
        raise ValueError("give either at (a time of day) or every (an interval), one of them")
    timing: dict[str, str] = {}
    if properties.at is not None:
        match = _AT.match(properties.at)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f'at: not a time of day: {properties.at!r} (e.g. "02:30")')
        timing["cron"] = f"{int(match[2])} {int(match[1])} * * *"
    else:
        timing["interval"] = f"{properties.every}{UNITS[properties.unit]}"
    try:
        return ScheduleEntry(name="monitor", runbook="-", timezone=properties.timezone, days=properties.days,
                             hours=properties.hours, exceptions=properties.exceptions, **timing)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        raise ValueError(f"{key}: {message}" if key else message) from None


class Fired(BaseModel):
    fired_at: str = Field(title="Fired at", description="When the event happened (ISO 8601, UTC)")
    scheduled_at: str = Field(title="Scheduled at", description="The instant it was due (ISO 8601, UTC)")
    local_time: str = Field(title="Local time", description="The due instant in the monitor's time zone")
    weekday: str = Field(description="The local day of the week: mon ... sun")


def fired(due: datetime, zone: Any) -> Row:
    local = due.astimezone(zone)
    return {"fired_at": datetime.now(UTC).isoformat(), "scheduled_at": due.isoformat(),
            "local_time": local.isoformat(), "weekday": local.strftime("%a").lower()}


class MonitorDateTime(MonitorType):
    type_name = "monitor.date_time"
    display_name = "Monitor Date/Time"
    description = ("Starts the runbook at a time of day or every interval (seconds to days), within "
                   "permitted days, hours and exception dates. Must be the runbook's first activity.")
    icon = "monitor_time"
    Properties = DateTimeProperties
    Published = Fired
    subject_field = "local_time"

    def waiting_for(self, properties: DateTimeProperties) -> str:
        when = f"{properties.at} every day" if properties.at else \
            f"every {properties.every} {properties.unit}"
        rules = [f"on {'/'.join(properties.days)}"] if properties.days else []
        rules += [f"within {properties.hours}"] if properties.hours else []
        entry = schedule(properties)
        upcoming = entry.next_runs(datetime.now(UTC), 1)
        rules += [f"next at {upcoming[0].astimezone(entry.zone).isoformat()}"] if upcoming \
            else ["no time within a year"]
        return f"{when} ({properties.timezone}), {', '.join(rules)}"

    def fire_now(self, properties: DateTimeProperties, context: WatchContext) -> Row:
        return fired(datetime.now(UTC), schedule(properties).zone)

    async def watch(self, properties: DateTimeProperties, context: WatchContext) -> AsyncIterator[Row]:
        entry = schedule(properties)
        last = datetime.now(UTC)
        while True:
            runs = entry.next_runs(max(datetime.now(UTC), last), 1)
            if not runs:
                raise ActivityError(f'monitor "{context.activity_name}": no time within a year matches '
                                    f"its days, hours and exception dates")
            last = runs[0]
            # Sleep in short steps: a suspended machine or a changed clock is noticed within a minute.
            while (wait := (last - datetime.now(UTC)).total_seconds()) > 0:
                await asyncio.sleep(min(wait, 60))
            yield fired(last, entry.zone)
