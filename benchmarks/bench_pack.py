"""Zero-latency and sleeping activities for the benchmarks (registered in-process, not installed)."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, Pack


class RowsProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=0)


class Rows(ActivityType):
    type_name = "bench.rows"
    display_name = "Rows"
    Properties = RowsProperties

    async def run(self, properties: RowsProperties, context: Any) -> list[dict[str, Any]]:
        return [{"n": i} for i in range(properties.count)]


class SleepProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = 0.0
    value: Any = None


class Sleep(ActivityType):
    type_name = "bench.sleep"
    display_name = "Sleep"
    Properties = SleepProperties

    async def run(self, properties: SleepProperties, context: Any) -> dict[str, Any]:
        if properties.seconds:
            await asyncio.sleep(properties.seconds)
        return {"value": properties.value}


PACK = Pack(name="bench", title="Benchmark", activities=[Rows, Sleep])
