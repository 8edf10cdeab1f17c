from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext


class InvokeRunbookProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, title="Runbook file",
                      description="The child runbook file, relative to this runbook's file")
    parameters: dict[str, Any] = Field(default_factory=dict, description="The child's start parameters")
    wait: bool = Field(True, title="Wait for completion",
                       description="Wait for the child job to end and publish its returned data")


class InvokeRunbook(ActivityType):
    type_name = "core.invoke_runbook"
    display_name = "Invoke Runbook"
    description = "Runs another runbook as a child job; publishes its job id, status and returned data."
    icon = "invoke"
    color = "#6a5acd"
    Properties = InvokeRunbookProperties

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        return None  # job_id, status and whatever the child returns

    def invoked_runbooks(self, properties: dict[str, Any]) -> list[str]:
        path = properties.get("path")
        return [path] if isinstance(path, str) and path and "{{" not in path else []

    async def run(self, properties: InvokeRunbookProperties, context: RunContext) -> dict[str, Any]:
        return await context.invoke_runbook(properties.path, properties.parameters, properties.wait)
