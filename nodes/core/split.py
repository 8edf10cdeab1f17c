from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext


class SplitProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field("", description="The text to split (may subscribe)")
    separator: str = Field("\n", min_length=1, description="Where to split (default: new lines)")
    trim: bool = Field(True, description="Remove white space around each item")


class SplitRow(BaseModel):
    item: str = Field(description="One item of the text, trimmed unless trim is off")
    index: int = Field(description="The item's position, from 0")


class Split(ActivityType):
    """The inverse of flatten: one row per non-empty item, so the next activity runs once per item."""

    type_name = "core.split"
    display_name = "Split Text"
    description = "Splits text into items and publishes one row per item."
    icon = "split"
    color = "#5b7fa6"
    Properties = SplitProperties
    Published = SplitRow

    async def run(self, properties: SplitProperties, context: RunContext) -> list[dict[str, Any]]:
        text = properties.text.replace("\r\n", "\n") if properties.separator == "\n" else properties.text
        items = text.split(properties.separator)
        if properties.trim:
            items = [item.strip() for item in items]
        return [{"item": item, "index": i} for i, item in enumerate(i for i in items if i)]
