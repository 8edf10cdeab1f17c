"""Schedules: a plain, reviewable TOML file of runbooks to run unattended (issue: schedules).

    [[schedule]]
    name = "nightly-checkpoint"
    runbook = "vm-checkpoint.json"          # relative to this file
    parameters = { "Batch Number" = "1" }
    cron = "0 2 * * *"                      # or: interval = "15m" (s, m, h, d), or: monitor = true
    timezone = "Europe/Berlin"              # default UTC
    days = ["mon", "tue", "wed", "thu", "fri"]   # optional permitted days
    hours = "01:00-05:00"                   # optional permitted hours (local)
    exceptions = ["2026-12-24"]             # optional dates without runs (local)
    concurrency = "skip"                    # or "queue", when the previous run is still going
                                            # (monitor entries: "parallel", the default, too)
    timeout_min = 120
    enabled = true

Cron arithmetic is croniter's, on local wall-clock times. Daylight saving time never skips or doubles
a run: a local time that does not exist (clocks go forward) runs at the same distance after the jump
(02:30 becomes 03:30), and a local time that happens twice (clocks go back) runs once, at its first
occurrence. A run time that falls outside the permitted days/hours or on an exception date is skipped.

`monitor = true` (instead of cron or interval): the runbook starts at a monitor (monitor.date_time,
monitor.file), which the scheduler keeps armed; each event starts a job (engine/schedule/monitors.py).
Days, hours and exception dates then gate the events: one outside them starts nothing.

Every entry that loads can run: an interval is 1 s to 366 days, and a cron expression has five fields
and a next fire time (`0 0 30 2 *` has none). Checked here, so `schedule check`, `schedule list` and
the scheduler refuse the same entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config.settings import read_toml
from ..errors import ConfigError

SCHEDULES_NAME = "schedules.toml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^\s*(\d{1,12})\s*([smhd])\s*$")  # 12 digits: no 5,000-digit int() to parse
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL_S = 1  # the scheduler's resolution; 0 would divide by zero
# At most the year that `next_runs` looks ahead, so every interval has a run within it (rarer runs are
# what cron is for); far from where datetime arithmetic overflows (year 9999).
MAX_INTERVAL_S = 366 * 86400
# A closed day or hour longer than this is jumped over when looking for the next run, not stepped
# through candidate by candidate (an every-second interval would be 86,400 steps a closed day).
_JUMP = timedelta(minutes=1)


def interval_seconds(value: str) -> int:
    """The length of an interval such as "15m"; ValueError saying why when it is not one or out of range."""
    match = _INTERVAL.match(value)
    if not match:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise ValueError(f'not an interval: {shown!r} (a number and s, m, h or d, e.g. "15m")')
    seconds = int(match[1]) * _UNITS[match[2]]
    if seconds < MIN_INTERVAL_S:
        raise ValueError(f"interval {value!r} is too short: it must be at least 1 s")
    if seconds > MAX_INTERVAL_S:
        raise ValueError(f"interval {value!r} is too long: it must be at most 366 days (cron for rarer runs)")
    return seconds


def check_cron(value: str) -> None:
    """ValueError saying why a cron expression cannot drive a schedule: not five fields (croniter would
    read a sixth as seconds, Quartz-style expressions put seconds first), invalid, or never firing."""
    if len(value.split()) != 5 and not value.strip().startswith("@"):
        raise ValueError(f"not a cron expression: {value!r} (five fields: minute hour day month weekday)")
    if not croniter.is_valid(value):
        raise ValueError(f"not a cron expression: {value!r} (minute hour day month weekday)")
    try:
        croniter(value, datetime.now(UTC).replace(tzinfo=None)).get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"cron expression {value!r} never fires (no such date)") from None
    except Exception as exc:  # any other croniter failure is the expression's, reported where it is
        raise ValueError(f"cron expression {value!r} cannot be used: {exc}") from None
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
    monitor: bool = False
    # None: "skip" for timed entries, "parallel" (a job per event at once) for monitor entries
    concurrency: Literal["skip", "queue", "parallel"] | None = None
    timeout_min: float | None = Field(None, gt=0)
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            check_cron(value)
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        if value is not None:
            interval_seconds(value)
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
        if self.monitor:
            if self.cron is not None or self.interval is not None:
                raise ValueError("a monitor entry is started by its runbook's monitor: give no cron or "
                                 "interval with monitor = true")
        elif (self.cron is None) == (self.interval is None):
            raise ValueError("give either cron or interval (one of them), or monitor = true")
        elif self.concurrency == "parallel":
            raise ValueError('concurrency "parallel" is for monitor entries (monitor = true); '
                             'a timed entry takes "skip" or "queue"')
        return self

    @property
    def policy(self) -> Literal["skip", "queue", "parallel"]:
        """What happens to a run that is due while the previous one is still going."""
        return self.concurrency or ("parallel" if self.monitor else "skip")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _window(self) -> tuple[time, int]:
        """The permitted hours: their opening time and their end in minutes after midnight."""
        match = _HOURS.match(self.hours or "")
        assert match is not None
        return time(int(match[1]) % 24, int(match[2])), int(match[3]) * 60 + int(match[4])

    def _date_open(self, day: date) -> bool:
        return day not in self.exceptions and (self.days is None or DAYS[day.weekday()] in self.days)

    def permitted(self, moment: datetime) -> bool:
        """Whether a run at this instant is allowed by days, hours and exception dates (local)."""
        local = moment.astimezone(self.zone)
        if not self._date_open(local.date()):
            return False
        if self.hours is not None:
            start, end_minutes = self._window()
            minutes = local.hour * 60 + local.minute
            start_minutes = start.hour * 60 + start.minute
            inside = (start_minutes <= minutes < end_minutes) if start_minutes < end_minutes \
                else (minutes >= start_minutes or minutes < end_minutes)  # a window over midnight
            if not inside:
                return False
        return True

    def _reopens(self, moment: datetime) -> datetime:
        """For an instant that is not permitted: the earliest instant runs may be permitted again, the
        next local midnight after a closed date, else the next opening of the hours. Never late; around
        a daylight saving change up to the size of the change early, which only costs a few steps."""
        local = moment.astimezone(self.zone)
        day, opening = local.date() + timedelta(days=1), time(0)
        if self.hours is not None and self._date_open(local.date()):
            opening = self._window()[0]
            if local.time() < opening:
                day = local.date()
        naive = datetime.combine(day, opening)
        return min(naive.replace(tzinfo=self.zone, fold=fold).astimezone(UTC) for fold in (0, 1))

    def _candidates(self, after: datetime) -> Iterator[datetime]:
        """Trigger instants (UTC) after `after`, before the window/exception filter."""
        if self.interval is not None:
            step = interval_seconds(self.interval)
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
        """The next `count` permitted run instants (UTC) after `after`; fewer if none within the horizon
        (none for a monitor entry: its events are not known beforehand)."""
        runs: list[datetime] = []
        if self.monitor:
            return runs
        limit = after + timedelta(days=horizon_days)
        candidates = self._candidates(after)
        while len(runs) < count:
            moment = next(candidates)
            if moment > limit:
                break
            if self.permitted(moment):
                runs.append(moment)
                continue
            reopens = self._reopens(moment)
            if reopens - moment > _JUMP:
                candidates = self._candidates(reopens - timedelta(seconds=1))
        return runs


class Schedules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schedule: list[ScheduleEntry] = Field(default_factory=list)
    source: Path | None = Field(None, exclude=True)

    def runbook_path(self, entry: ScheduleEntry) -> Path:
        path = Path(entry.runbook).expanduser()
        return path if path.is_absolute() or self.source is None else self.source.parent / path


def resolved(path: Path) -> str:
    """A runbook's path as the run history records it (absolute, symlinks followed); as given when it
    cannot be resolved."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return str(path)


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
