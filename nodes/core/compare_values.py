from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from engine.run.conditions import OPERATORS, compare


class CompareValuesProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    left: Any = Field("", title="Value to test", description="The value to test (may subscribe)")
    op: str = Field("equals", title="Operator",
                    description="How to compare, as on links; text is compared case-insensitively",
                    json_schema_extra={"enum": list(OPERATORS)})
    right: Any = Field("", title="Compare with",
                      description="The value to compare with (may subscribe); [low, high] for between")


class ComparedRow(BaseModel):
    result: bool = Field(description="Whether the comparison holds")


class CompareValues(ActivityType):
    type_name = "core.compare_values"
    display_name = "Compare Values"
    description = "Compares two values with a link operator and publishes the result (true or false)."
    icon = "compare"
    color = "#5b7fa6"
    Properties = CompareValuesProperties
    Published = ComparedRow

    async def run(self, properties: CompareValuesProperties, context: RunContext) -> dict[str, Any]:
        if properties.op not in OPERATORS:
            raise ActivityError(f"unknown operator {properties.op!r} (known: {', '.join(OPERATORS)})")
        result, why = compare(properties.left, properties.op, properties.right)
        if why:
            raise ActivityError(f"cannot compare: {why}")
        return {"result": result}
