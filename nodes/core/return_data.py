from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext


class ReturnDataProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(default_factory=dict, title="Returned data",
                                 description="Name -> value: the job's returned data (may subscribe)")


class ReturnData(ActivityType):
    type_name = "core.return_data"
    display_name = "Return Data"
    description = "Sets the job's returned data, which an invoking runbook receives."
    icon = "return"
    color = "#3f8f5a"
    Properties = ReturnDataProperties

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        data = properties.get("data")
        return list(data) if isinstance(data, dict) else []

    async def run(self, properties: ReturnDataProperties, context: RunContext) -> dict[str, Any]:
        context.set_returned(properties.data)
        return dict(properties.data)
