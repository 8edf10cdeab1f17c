"""Format Date/Time: read a date/time (ISO 8601, a .NET pattern or strftime), adjust it by years ... seconds,
show it in another zone and write it in another pattern (datetime_patterns.py)."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, tzinfo
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from nodes.zones import ZoneName, read_iso, zone

from .datetime_patterns import DAY_NAMES, Pattern, PatternError, usable_pattern

PatternText = Annotated[str, AfterValidator(usable_pattern)]

TEXT_COLOR = "#3f8f7f"


class FormatDateTimeProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: str = Field(min_length=1, title="Date/Time",
                       description="The date/time to format (may subscribe, e.g. to @finished_at)")
    input_format: PatternText = Field(
        "", title="Input format",
        description="How the input is written: empty for ISO 8601 (2024-03-05T14:07:09+01:00); a .NET "
                    "pattern (dd/MM/yyyy HH:mm) or strftime (%d/%m/%Y %H:%M)")
    output_format: PatternText = Field(
        "yyyy-MM-dd HH:mm:ss", title="Output format",
        description="How to write the result: a .NET pattern (yyyy-MM-dd, dddd, MMM, tt, fff, zzz, "
                    "'literal text'), a .NET standard format (o, s, u, r, d, D...) or strftime (%Y-%m-%d)")
    time_zone: ZoneName = Field("local", title="Time zone",
                           description='The zone of an input without an offset: an IANA name '
                                       '("Europe/Paris"), "UTC" or "local" (this machine)')
    output_time_zone: ZoneName = Field("", title="Output time zone",
                                  description="The zone to show the result in; empty keeps the input's")
    add_years: int = Field(0, title="Add years", description="Years to add (negative: subtract)")
    add_months: int = Field(0, title="Add months", description="Months to add (negative: subtract); a "
                                                               "day past the month's end becomes its last")
    add_days: int = Field(0, title="Add days", description="Days to add (negative: subtract)")
    add_hours: int = Field(0, title="Add hours", description="Hours to add (negative: subtract)")
    add_minutes: int = Field(0, title="Add minutes", description="Minutes to add (negative: subtract)")
    add_seconds: float = Field(0, title="Add seconds", description="Seconds to add (negative: subtract)")


class FormattedDateTime(BaseModel):
    text: str = Field(title="Formatted Date/Time", description="The date/time written in the output format")
    year: int = Field(description="The year of the result")
    month: int = Field(description="The month of the result, 1-12")
    day: int = Field(description="The day of the month of the result")
    hour: int = Field(description="The hour of the result, 0-23")
    minute: int = Field(description="The minute of the result")
    second: int = Field(description="The second of the result")
    day_of_week: str = Field(title="Day of week", description="The result's day of the week (Monday...)")
    iso: str = Field(title="ISO 8601", description="The result as ISO 8601 with its offset")


def read_input(properties: FormatDateTimeProperties, input_zone: tzinfo) -> datetime:
    text = properties.input.strip()
    if not properties.input_format:
        moment = read_iso(text, input_zone)
        if moment is None:
            raise ActivityError(f'property "input": "{properties.input}" is not an ISO 8601 date/time '
                                '(give its pattern in "input_format")')
        return moment
    try:
        return Pattern(properties.input_format).parse(text, input_zone, datetime.now(input_zone).date())
    except PatternError as exc:
        raise ActivityError(f'property "input": "{properties.input}" does not match the input format '
                            f'"{properties.input_format}": {exc}') from None


def add_months(moment: datetime, months: int) -> datetime:
    """Months later (earlier when negative), the day kept or cut to the month's last, as .NET's AddMonths."""
    if not months:
        return moment
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("beyond the year 9999")
    last = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last))


def adjust(moment: datetime, p: FormatDateTimeProperties) -> datetime:
    """The moment moved by the add_* properties, on the wall clock of its zone (a day later is the same
    time of day, across a change to summer time too)."""
    try:
        moment = add_months(moment, p.add_years * 12 + p.add_months)
        return moment + timedelta(days=p.add_days, hours=p.add_hours, minutes=p.add_minutes,
                                  seconds=p.add_seconds)
    except (OverflowError, ValueError):
        raise ActivityError(f'the adjustment takes "{p.input}" beyond the dates that can be written '
                            "(years 1 to 9999)") from None


def format_moment(moment: datetime, output_format: str) -> str:
    try:
        return Pattern(output_format).format(moment)
    except PatternError as exc:
        raise ActivityError(f'property "output_format": "{output_format}" cannot be used: {exc}') from None


class FormatDateTime(ActivityType):
    type_name = "text.format_datetime"
    display_name = "Format Date/Time"
    description = ("Reads a date/time, adjusts it, converts it to another time zone and writes it in "
                   "another format (.NET patterns such as yyyy-MM-dd HH:mm, or strftime).")
    icon = "datetime"
    color = TEXT_COLOR
    Properties = FormatDateTimeProperties
    Published = FormattedDateTime
    subject_field = "text"

    async def run(self, properties: FormatDateTimeProperties, context: RunContext) -> dict[str, Any]:
        moment = read_input(properties, zone(properties.time_zone))
        moment = adjust(moment, properties)
        if properties.output_time_zone.strip():
            moment = moment.astimezone(zone(properties.output_time_zone))
        return {
            "text": format_moment(moment, properties.output_format),
            "year": moment.year, "month": moment.month, "day": moment.day, "hour": moment.hour,
            "minute": moment.minute, "second": moment.second,
            "day_of_week": DAY_NAMES[moment.weekday()],
            "iso": moment.isoformat(),
        }

