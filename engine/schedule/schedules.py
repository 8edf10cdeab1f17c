"""Schedules: a plain, reviewable TOML file of runbooks to run unattended (issue: schedules).

    [[schedule]]
    name = "nightly-checkpoint"
    runbook = "vm-checkpoint.json"          # relative to this file
    parameters = { "Batch Number" = "1" }
    cron = "0 2 * * *"                      # or: interval = "15m" (s, m, h, d)
    timezone = "Europe/Berlin"              # default UTC
    days = ["mon", "tue", "wed", "thu", "fri"]   # optional permitted days
    hours = "01:00-05:00"                   # optional permitted hours (local)
    exceptions = ["2026-12-24"]             # optional dates without runs (local)
    concurrency = "skip"                    # or "queue", when the previous run is still going
    timeout_min = 120
    enabled = true

Cron arithmetic is croniter's, on local wall-clock times. Daylight saving time never skips or doubles
a run: a local time that does not exist (clocks go forward) runs at the same distance after the jump
(02:30 becomes 03:30), and a local time that happens twice (clocks go back) runs once, at its first
occurrence. A run time that falls outside the permitted days/hours or on an exception date is skipped.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config.settings import read_toml
from ..errors import ConfigError

SCHEDULES_NAME = "schedules.toml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class ScheduleEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    runbook: str = Field(min_length=1)
    parameters: dict[str, str | int | float | bool] = Field(default_factory=dict)
    cron: str | None = None
    interval: str | None = None
    timezone: str = "UTC"
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None
    hours: str | None = None
    exceptions: list[date] = Field(default_factory=list)
    concurrency: Literal["skip", "queue"] = "skip"
    timeout_min: float | None = Field(None, gt=0)
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"not a cron expression: {value!r} (minute hour day month weekday)")
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        if value is not None and not _INTERVAL.match(value):
            raise ValueError(f'not an interval: {value!r} (a number and s, m, h or d, e.g. "15m")')
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Berlin, UTC)") from None
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None:
            match = _HOURS.match(value)
            numbers = [int(n) for n in match.groups()] if match else []
            if not match or numbers[0] > 24 or numbers[2] > 24 or numbers[1] > 59 or numbers[3] > 59:
                raise ValueError(f'not a time window: {value!r} (e.g. "01:00-05:00")')
        return value

    @model_validator(mode="after")
    def _one_trigger(self) -> ScheduleEntry:
        if (self.cron is None) == (self.interval is None):
            raise ValueError("give either cron or interval (one of them)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def permitted(self, moment: datetime) -> bool:
        """Whether a run at this instant is allowed by days, hours and exception dates (local)."""
        local = moment.astimezone(self.zone)
        if local.date() in self.exceptions:
            return False
        if self.days is not None and DAYS[local.weekday()] not in self.days:
            return False
        if self.hours is not None:
            match = _HOURS.match(self.hours)
            assert match is not None
            start = time(int(match[1]) % 24, int(match[2]))
            end_minutes = int(match[3]) * 60 + int(match[4])
            minutes = local.hour * 60 + local.minute
            start_minutes = start.hour * 60 + start.minute
            inside = (start_minutes <= minutes < end_minutes) if start_minutes < end_minutes \
                else (minutes >= start_minutes or minutes < end_minutes)  # a window over midnight
            if not inside:
                return False
        return True

    def _candidates(self, after: datetime) -> object:
        """Trigger instants (UTC) after `after`, before the window/exception filter."""
        if self.interval is not None:
            match = _INTERVAL.match(self.interval)
            assert match is not None
            step = int(match[1]) * _UNITS[match[2]]
            epoch = after.astimezone(UTC).timestamp()
            n = int(epoch // step) + 1
            while True:
                yield datetime.fromtimestamp(n * step, UTC)
                n += 1
        zone = self.zone
        local_after = after.astimezone(zone).replace(tzinfo=None)
        it = croniter(self.cron, local_after)
        last = after.astimezone(UTC)
        while True:
            naive = it.get_next(datetime)
            # fold=0: a repeated local time means its first occurrence; a missing one is read with the
            # offset before the jump, i.e. the same distance after it.
            moment = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
            if moment > last:  # around a jump two local times can name one instant: run once
                last = moment
                yield moment

    def next_runs(self, after: datetime, count: int = 3, horizon_days: int = 366) -> list[datetime]:
        """The next `count` permitted run instants (UTC) after `after`; fewer if none within the horizon."""
        runs: list[datetime] = []
        limit = after + timedelta(days=horizon_days)
        for moment in self._candidates(after):  # type: ignore[attr-defined]
            if moment > limit:
                break
            if self.permitted(moment):
                runs.append(moment)
                if len(runs) == count:
                    break
        return runs


class Schedules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schedule: list[ScheduleEntry] = Field(default_factory=list)
    source: Path | None = Field(None, exclude=True)

    def runbook_path(self, entry: ScheduleEntry) -> Path:
        path = Path(entry.runbook).expanduser()
        return path if path.is_absolute() or self.source is None else self.source.parent / path


def find_schedules(path: str | Path | None, config_source: Path | None) -> Path:
    """The schedules file: the one given, else schedules.toml beside the config (or in the current
    directory when there is no config file)."""
    if path is not None:
        return Path(path)
    folder = config_source.parent if config_source is not None else Path.cwd()
    return folder / SCHEDULES_NAME


def load_schedules(path: Path) -> Schedules:
    """Read and check a schedules file; ConfigError names the file, the entry and the key."""
    data = read_toml(path, "schedules file")
    try:
        schedules = Schedules.model_validate(data)
    except ValidationError as exc:
        raw = data.get("schedule") if isinstance(data, dict) else None
        lines = []
        for error in exc.errors():
            loc = list(error["loc"])
            where = ""
            if len(loc) >= 2 and loc[0] == "schedule" and isinstance(loc[1], int):
                index = loc[1]
                item = raw[index] if isinstance(raw, list) else None
                name = item.get("name") if isinstance(item, dict) else None
                where = f"schedule[{index + 1}]" + (f' ("{name}")' if name else "")
                loc = loc[2:]
            key = ".".join(str(part) for part in loc if not str(part).startswith(("literal[", "function-")))
            message = "unknown key" if error["type"] == "extra_forbidden" else \
                error["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: {where}{', ' if where and key else ''}"
                         f"{f'key {key!r}' if key else ''}: {message}".replace("'", '"'))
        raise ConfigError("\n".join(lines)) from None
    names = [entry.name for entry in schedules.schedule]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: schedule names must be unique: {', '.join(duplicates)}")
    schedules.source = path.resolve()
    return schedules
