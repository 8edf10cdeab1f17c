from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError


class UnsupportedProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type_name: str = Field("", title="Orchestrator type", description="The activity's ObjectTypeName")
    type_guid: str = Field("", title="Orchestrator type GUID", description="The activity's ObjectType")
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description="Every setting of the original activity, as exported")
    publishes: list[str] = Field(default_factory=list,
                                 description="The fields other activities subscribe to")


class Unsupported(ActivityType):
    """An imported activity with no Interlock counterpart yet: always imported disabled, it keeps what
    the original was so the runbook validates and a person can see what to replace it with."""

    type_name = "orchestrator.unsupported"
    display_name = "Unsupported Orchestrator activity"
    description = "An imported Orchestrator activity Interlock cannot run yet; replace it."
    icon = "unsupported"
    color = "#9a9a9a"
    Properties = UnsupportedProperties

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        publishes = properties.get("publishes")
        return [f for f in publishes if isinstance(f, str)] if isinstance(publishes, list) else []

    async def run(self, properties: UnsupportedProperties, context: RunContext) -> dict[str, Any]:
        raise ActivityError(f'"{properties.type_name}" is an Orchestrator activity Interlock cannot run; '
                            f"replace it with an Interlock activity")
