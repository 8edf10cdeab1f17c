"""Map Published Data: turn one value into other fields by a table of rules, as Orchestrator's activity
maps a published data item through patterns to new published data ("srv-sql*" -> team "DBA").

The rules are tried in order and the first whose pattern matches the value gives the row's fields; a
field that rule does not set, or every field when no rule matches, comes from `default`.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.activity import ActivityType, RunContext
from engine.fielddocs import FieldDoc

from .format_datetime import TEXT_COLOR

MatchMode = Literal["wildcard", "regex", "equals"]
MATCHED, PATTERN = "matched", "pattern"


def _check_fields(outputs: dict[str, str]) -> dict[str, str]:
    for name in outputs:
        if not name.strip() or name.startswith("@") or any(c in name for c in "{}."):
            raise ValueError(f'"{name}" cannot be a field name: give a name without braces or dots that '
                             "does not begin with @")
        if name in (MATCHED, PATTERN):
            raise ValueError(f'"{name}" is published by the activity itself: choose another field name')
    return outputs


class MapRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(title="Pattern", description="What the value must match (by the match mode)")
    outputs: dict[str, str] = Field(title="Output fields",
                                    description="The fields this rule publishes: name -> value")

    @field_validator("outputs")
    @classmethod
    def _field_names(cls, outputs: dict[str, str]) -> dict[str, str]:
        return _check_fields(outputs)


class MapProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(title="Value", description="The value to map (may subscribe)")
    match: MatchMode = Field(
        "wildcard", title="Match",
        description="wildcard: * and ? as in file names, the whole value; regex: a regular expression "
                    "found anywhere in the value; equals: the same text")
    case_sensitive: bool = Field(False, title="Case sensitive", description="Tell upper and lower case apart")
    rules: list[MapRule] = Field(min_length=1, title="Rules",
                                 description="Tried in order: the first that matches gives the fields")
    default: dict[str, str] = Field(default_factory=dict, title="Default fields",
                                    description="The fields when no rule matches, and any a rule leaves out")

    @field_validator("default")
    @classmethod
    def _field_names(cls, default: dict[str, str]) -> dict[str, str]:
        return _check_fields(default)

    @model_validator(mode="after")
    def _regexes_compile(self) -> MapProperties:
        if self.match == "regex":
            for index, rule in enumerate(self.rules):
                try:
                    re.compile(rule.pattern)
                except re.error as exc:
                    raise ValueError(f"rules[{index}].pattern {rule.pattern!r} is not a regular "
                                     f"expression: {exc}") from None
        return self


def field_names(properties: dict[str, Any]) -> list[str]:
    """The fields a table publishes (the rules' and the default's, in first-seen order), from the file's
    properties, which may not be valid yet."""
    names: dict[str, None] = {}
    tables = [rule.get("outputs") for rule in properties.get("rules") or [] if isinstance(rule, dict)]
    for table in [*tables, properties.get("default")]:
        if isinstance(table, dict):
            names.update(dict.fromkeys(k for k in table if isinstance(k, str)))
    return list(names)


def matches(mode: MatchMode, pattern: str, value: str, case_sensitive: bool) -> bool:
    if mode == "regex":
        return re.search(pattern, value, 0 if case_sensitive else re.IGNORECASE) is not None
    if not case_sensitive:
        pattern, value = pattern.casefold(), value.casefold()
    return fnmatch.fnmatchcase(value, pattern) if mode == "wildcard" else value == pattern


class MapPublishedData(ActivityType):
    type_name = "text.map_published_data"
    display_name = "Map Published Data"
    description = ("Maps a value to new published fields by a table of patterns (wildcards, regular "
                   "expressions or exact text); the first matching rule wins, else the defaults.")
    icon = "map_data"
    color = TEXT_COLOR
    Properties = MapProperties
    Published = None

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        return [*field_names(properties), MATCHED, PATTERN]

    def published_docs(self, properties: dict[str, Any]) -> list[FieldDoc] | None:
        docs = [FieldDoc(name, name, "text", "From the matching rule, else the default")
                for name in field_names(properties)]
        return [*docs, FieldDoc(MATCHED, "Matched", "boolean", "Whether a rule matched the value"),
                FieldDoc(PATTERN, "Matched pattern", "text", "The pattern of the rule that matched, "
                                                             "empty when the defaults were used")]

    async def run(self, properties: MapProperties, context: RunContext) -> dict[str, Any]:
        names = field_names(properties.model_dump())
        row: dict[str, Any] = {name: properties.default.get(name, "") for name in names}
        for rule in properties.rules:
            if matches(properties.match, rule.pattern, properties.value, properties.case_sensitive):
                row.update(rule.outputs)
                return {**row, MATCHED: True, PATTERN: rule.pattern}
        return {**row, MATCHED: False, PATTERN: ""}
