from __future__ import annotations

import asyncio

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext


class DelayProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0, title="Delay (s)", description="How long to wait")


class Waited(BaseModel):
    seconds: float = Field(title="Delay (s)", description="How long it waited")


class Delay(ActivityType):
    type_name = "core.delay"
    display_name = "Delay"
    description = "Waits a number of seconds, then passes its input on."
    icon = "delay"
    color = "#7a7a7a"
    Properties = DelayProperties
    Published = Waited

    def published_fields(self, properties: dict) -> list[str] | None:
        return ["seconds"]

    async def run(self, properties: DelayProperties, context: RunContext) -> dict[str, float]:
        return {"seconds": await pause(properties.seconds)}


async def pause(seconds: float) -> float:
    """Wait `seconds` on the event loop (a job's cancellation ends the wait); the seconds waited. Shared
    by Delay and Wait, so both stop the same way when their job is cancelled or times out."""
    await asyncio.sleep(seconds)
    return seconds
