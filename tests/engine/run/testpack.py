"""A test-only activity pack ("test"): rows of given data, failures on demand, flaky and slow work,
and a tracker of how many instances of an activity run at once.

Every type publishes dynamic fields (Published = None), so validation accepts any subscription to them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, Pack, RunContext
from engine.errors import ActivityError


class _Props(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RowsProperties(_Props):
    rows: list[dict[str, Any]] = Field(default_factory=list)


class Rows(ActivityType):
    """Publishes the rows it is given (subscriptions inside them are resolved per instance)."""

    type_name = "test.rows"
    display_name = "Rows"
    Properties = RowsProperties

    async def run(self, properties: RowsProperties, context: RunContext) -> list[dict[str, Any]]:
        return [dict(row) for row in properties.rows]


class EchoProperties(_Props):
    value: Any = None


class Echo(ActivityType):
    type_name = "test.echo"
    display_name = "Echo"
    Properties = EchoProperties

    async def run(self, properties: EchoProperties, context: RunContext) -> dict[str, Any]:
        return {"value": properties.value}


class FailProperties(_Props):
    message: str = "failed on purpose"


class Fail(ActivityType):
    type_name = "test.fail"
    display_name = "Fail"
    Properties = FailProperties

    async def run(self, properties: FailProperties, context: RunContext) -> None:
        raise ActivityError(properties.message)


class OutcomeProperties(_Props):
    status: Literal["success", "warning", "failed"] = "success"
    message: str = ""
    rows: list[dict[str, Any]] = Field(default_factory=list)


class Outcome(ActivityType):
    """Ends with the status it is told (may subscribe): success and warning publish `rows`, failed
    publishes nothing and reports `message`."""

    type_name = "test.outcome"
    display_name = "Outcome"
    Properties = OutcomeProperties

    async def run(self, properties: OutcomeProperties, context: RunContext) -> list[dict[str, Any]]:
        if properties.status == "failed":
            raise ActivityError(properties.message or "failed")
        if properties.status == "warning":
            context.warn(properties.message or "warning")
        return [dict(row) for row in properties.rows]


class FlakyProperties(_Props):
    succeed_on: int = Field(ge=1, description="the first attempt that succeeds")


class Flaky(ActivityType):
    """Fails until attempt `succeed_on` (context.attempt counts every attempt of the instance)."""

    type_name = "test.flaky"
    display_name = "Flaky"
    Properties = FlakyProperties

    async def run(self, properties: FlakyProperties, context: RunContext) -> dict[str, Any]:
        if context.attempt < properties.succeed_on:
            raise ActivityError(f"attempt {context.attempt} failed")
        return {"attempt": context.attempt}


class SequenceProperties(_Props):
    values: list[Any] = Field(min_length=1)


class Sequence(ActivityType):
    """Publishes values[attempt - 1] (the last one once attempts run past the end): a thing polled."""

    type_name = "test.sequence"
    display_name = "Sequence"
    Properties = SequenceProperties

    async def run(self, properties: SequenceProperties, context: RunContext) -> dict[str, Any]:
        value = properties.values[min(context.attempt, len(properties.values)) - 1]
        return {"value": value, "attempt": context.attempt}


class SleepProperties(_Props):
    seconds: float = Field(ge=0)


class Sleep(ActivityType):
    type_name = "test.sleep"
    display_name = "Sleep"
    Properties = SleepProperties

    async def run(self, properties: SleepProperties, context: RunContext) -> dict[str, Any]:
        await asyncio.sleep(properties.seconds)
        return {"slept": properties.seconds}


@dataclass
class Tracker:
    """How many instances holding one key run at once, and the most there ever were."""

    current: int = 0
    peak: int = 0
    finished: int = 0


TRACKERS: dict[str, Tracker] = {}


def tracker(key: str) -> Tracker:
    return TRACKERS.setdefault(key, Tracker())


class TrackProperties(_Props):
    key: str = Field(min_length=1)
    seconds: float = Field(0.02, ge=0)


class Track(ActivityType):
    """Sleeps while counted under `key`; tests read `tracker(key).peak` afterwards."""

    type_name = "test.track"
    display_name = "Track Concurrency"
    Properties = TrackProperties

    async def run(self, properties: TrackProperties, context: RunContext) -> dict[str, Any]:
        state = tracker(properties.key)
        state.current += 1
        state.peak = max(state.peak, state.current)
        try:
            await asyncio.sleep(properties.seconds)
        finally:
            state.current -= 1
        state.finished += 1
        return {"key": properties.key}


PACK = Pack(
    name="test",
    title="Test activities",
    description="Deterministic activities for engine tests.",
    activities=[Rows, Echo, Fail, Outcome, Flaky, Sequence, Sleep, Track],
)
