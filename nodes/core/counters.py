"""Get Counter Value and Modify Counter (DESIGN §6.1): counters defined under `[counters]` in the config,
their values kept in the run history's database and changed atomically across jobs and processes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.activity import ActivityType, RunContext

COUNTER_COLOR = "#5b7fa6"
NAME_HELP = "The counter, as defined under [counters] in the config (may subscribe)"


class CounterValue(BaseModel):
    name: str = Field(title="Counter", description="The counter's name")
    value: int = Field(title="Counter Value", description="The counter's value (after the change, if any)")


class GetCounterProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, title="Counter", description=NAME_HELP)


class ModifyCounterProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, title="Counter", description=NAME_HELP)
    action: Literal["increment", "decrement", "set", "reset"] = Field(
        "increment", title="Action",
        description="increment or decrement by Value, set to Value, or reset to the counter's default")
    value: int | None = Field(
        None, title="Value",
        description="How much to add or take away (1 when empty), or the value to set; unused by reset")

    @model_validator(mode="after")
    def _set_needs_a_value(self) -> ModifyCounterProperties:
        if self.action == "set" and self.value is None:
            raise ValueError('action "set" needs a value: give the value to set the counter to')
        return self


class _CounterActivity(ActivityType):
    color = COUNTER_COLOR
    icon = "counter"
    Published = CounterValue
    subject_field = "name"

    def counter_names(self, properties: dict[str, Any]) -> dict[str, str]:
        name = properties.get("name")
        return {"name": name} if isinstance(name, str) and name else {}


class GetCounter(_CounterActivity):
    type_name = "core.get_counter"
    display_name = "Get Counter Value"
    description = "Publishes a counter's current value (its default until it is first changed)."
    Properties = GetCounterProperties

    async def run(self, properties: GetCounterProperties, context: RunContext) -> dict[str, Any]:
        return {"name": properties.name, "value": await context.counter(properties.name)}


class ModifyCounter(_CounterActivity):
    type_name = "core.modify_counter"
    display_name = "Modify Counter"
    description = ("Increments, decrements, sets or resets a counter, atomically across jobs and "
                   "processes, and publishes its new value.")
    Properties = ModifyCounterProperties

    async def run(self, properties: ModifyCounterProperties, context: RunContext) -> dict[str, Any]:
        amount = properties.value if properties.value is not None else (
            1 if properties.action in ("increment", "decrement") else 0)
        value = await context.counter(properties.name, properties.action, amount)
        return {"name": properties.name, "value": value}
