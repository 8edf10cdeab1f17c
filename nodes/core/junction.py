from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType


class JunctionProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    republish: str | None = Field(None, description="Return data from: the id of one direct predecessor "
                                                    "whose rows continue, or none for a single empty row")
    require: Literal["settled", "all"] = Field(
        "settled", description="settled: fire once every branch is done (branches that never ran do not "
                               "block); all: also need a token on every incoming link")


class Junction(ActivityType):
    """Waits for every upstream branch, then republishes one branch's data. The engine itself runs
    junctions (DESIGN §3.5); this class declares the type, its properties and its look."""

    type_name = "core.junction"
    display_name = "Junction"
    description = "Waits until every branch before it has finished, then continues once with the data " \
                  "of one branch."
    kind = "junction"
    icon = "junction"
    color = "#8a6d3b"
    Properties = JunctionProperties

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        return None  # the republished activity's fields
