"""Wait: pause a number of seconds, or until a time of day or a moment (Orchestrator's runbooks wait for
a maintenance window or a quiet hour this way). core.delay stays the plain "wait N seconds" step."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from nodes.zones import ZoneName, read_iso, zone

from .delay import pause

MAX_WAIT_S = 366 * 86400  # a year: a longer pause is a schedule's job


class WaitProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float | None = Field(None, ge=0, le=MAX_WAIT_S, title="Seconds",
                                  description="How long to wait; leave empty to wait until a time")
    until: str = Field("", title="Until",
                       description="A time of day (HH:MM or HH:MM:SS: today, or tomorrow once it has "
                                   "passed) or an ISO 8601 date/time; leave empty to wait Seconds")
    time_zone: ZoneName = Field("local", title="Time zone",
                           description='The zone of Until when it has no offset: an IANA name, "UTC" '
                                       'or "local" (this machine)')

    @model_validator(mode="after")
    def _one_of(self) -> WaitProperties:
        if (self.seconds is None) == (not self.until.strip()):
            raise ValueError("give either seconds or until (one of them)")
        return self


class WaitedUntil(BaseModel):
    seconds: float = Field(title="Waited (s)", description="How long it waited, in seconds")
    until: str = Field(title="Until", description="The moment it waited for (ISO 8601)")


def wake_at(until: str, where: tzinfo, now: datetime) -> datetime:
    """The moment `until` names: the next such time of day, or the date/time it writes."""
    text = until.strip()
    try:
        day_time = time.fromisoformat(text)
    except ValueError:
        day_time = None
    if day_time is not None:
        local_now = now.astimezone(day_time.tzinfo or where)
        moment = datetime.combine(local_now.date(), day_time.replace(tzinfo=None), local_now.tzinfo)
        return moment if moment > local_now else moment + timedelta(days=1)
    moment = read_iso(text, where)
    if moment is None:
        raise ActivityError(f'property "until": "{until}" is neither a time of day (HH:MM) nor an ISO 8601 '
                            "date/time")
    return moment


class Wait(ActivityType):
    type_name = "core.wait"
    display_name = "Wait"
    description = ("Waits a number of seconds, or until a time of day or a date/time, then passes its "
                   "input on.")
    icon = "delay"
    color = "#7a7a7a"
    Properties = WaitProperties
    Published = WaitedUntil

    async def run(self, properties: WaitProperties, context: RunContext) -> dict[str, Any]:
        now = datetime.now().astimezone()
        if properties.seconds is not None:
            moment = now + timedelta(seconds=properties.seconds)
            return {"seconds": await pause(properties.seconds), "until": moment.isoformat()}
        moment = wake_at(properties.until, zone(properties.time_zone), now)
        seconds = max(0.0, (moment - now).total_seconds())
        if not seconds:
            context.log(f"{properties.until} has passed: not waiting", "info")
        return {"seconds": round(await pause(seconds), 3), "until": moment.isoformat()}
