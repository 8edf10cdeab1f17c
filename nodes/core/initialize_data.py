from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.activity import ActivityType, RunContext
from engine.fielddocs import FieldDoc
from engine.parameters import Parameter


class InitializeDataProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parameters: list[Parameter] = Field(default_factory=list,
                                        description="The runbook's start parameters, asked for at each run")

    @field_validator("parameters")
    @classmethod
    def _unique(cls, value: list[Parameter]) -> list[Parameter]:
        names = [p.name.casefold() for p in value]
        duplicates = sorted({p.name for p in value if names.count(p.name.casefold()) > 1})
        if duplicates:
            raise ValueError(f"parameter names must be unique: {', '.join(duplicates)}")
        return value


class InitializeData(ActivityType):
    """Orchestrator's Initialize Data ("Custom Start"): the job's parameters, published as one row."""

    type_name = "core.initialize_data"
    display_name = "Initialize Data"
    description = "Starts the runbook and publishes its start parameters as one row."
    icon = "start"
    color = "#3f8f5a"
    Properties = InitializeDataProperties

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        return [p.get("name") for p in properties.get("parameters", []) if isinstance(p, dict)]

    def published_docs(self, properties: dict[str, Any]) -> list[FieldDoc] | None:
        docs = []
        for p in properties.get("parameters", []):
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                kind = {"number": "number", "boolean": "boolean"}.get(p.get("type", "string"), "text")
                need = "required" if p.get("required", True) and p.get("default") is None else "optional"
                docs.append(FieldDoc(p["name"], p["name"], kind, f"Start parameter ({need})"))
        return docs

    def start_parameters(self, properties: dict[str, Any]) -> list[Parameter] | None:
        return InitializeDataProperties.model_validate(properties).parameters

    async def run(self, properties: InitializeDataProperties, context: RunContext) -> dict[str, Any]:
        return {p.name: context.parameters.get(p.name) for p in properties.parameters}
