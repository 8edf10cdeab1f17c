"""The runbook file, format 1 (DESIGN §2), as pydantic v2 models.

Field order here is the key order on disk; `exclude_unset` on save keeps a loaded file's keys as they
were, so a file saved unchanged gives the same bytes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, field_validator

FORMAT = "interlock.runbook/1"
FORMAT_PREFIX = "interlock.runbook/"
FORMAT_VERSION = 1

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
TYPE_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"

Number = int | float
Status = Literal["success", "warning", "failed", "cancelled"]
STATUSES: tuple[str, ...] = ("success", "warning", "failed", "cancelled")

Op = Literal[
    "equals", "not_equals", "contains", "not_contains", "starts_with", "ends_with",
    "matches", "not_matches", "less_than", "greater_than", "at_most", "at_least",
    "between", "is_empty", "is_not_empty",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StatusCondition(_Strict):
    """Passes when the source instance's status is one of these."""

    status: Status | list[Status]
    _statuses: frozenset[str] = PrivateAttr(frozenset())

    def model_post_init(self, context: Any, /) -> None:
        self._statuses = frozenset([self.status] if isinstance(self.status, str) else self.status)

    def statuses(self) -> frozenset[str]:
        return self._statuses


class DataCondition(_Strict):
    """Compares a published field of an ancestor (`activity_id.field`) with a value."""

    field: str = Field(pattern=r"^[a-z][a-z0-9_]*\..+$")
    op: Op
    value: Any = None


def _condition_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "status" if "status" in value else "data"
    return "status" if isinstance(value, StatusCondition) else "data"


Condition = Annotated[
    Annotated[StatusCondition, Tag("status")] | Annotated[DataCondition, Tag("data")],
    Discriminator(_condition_kind),
]

DEFAULT_INCLUDE: tuple[StatusCondition, ...] = (StatusCondition(status="success"),)


class Retry(_Strict):
    max_attempts: int = Field(3, ge=1)
    delay_s: Number = Field(0, ge=0)
    backoff: Number = Field(1, ge=1)


class Loop(_Strict):
    """Re-run the same input until an exit condition holds and no continue condition does."""

    delay_s: Number = Field(0, ge=0)
    max_attempts: int = Field(100, ge=1)
    exit: list[Condition] = Field(default_factory=lambda: [StatusCondition(status="success")])
    continue_: list[Condition] = Field(default_factory=list, alias="continue")


class RunBehaviour(_Strict):
    timeout_s: Number | None = Field(None, gt=0)
    on_timeout: Literal["fail", "warn"] = "fail"
    retry: Retry | None = None
    loop: Loop | None = None
    max_parallel: int | None = Field(None, ge=1)


class Flatten(_Strict):
    mode: Literal["lines", "separator", "csv"] = "lines"
    separator: str = ","


class Activity(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    type: str = Field(pattern=TYPE_PATTERN)
    version: int = Field(1, ge=1)
    name: str = Field(min_length=1)
    description: str = ""
    at: tuple[int, int] = (0, 0)
    enabled: bool = True
    properties: dict[str, Any] = Field(default_factory=dict)
    run: RunBehaviour | None = None
    flatten: Flatten | None = None


class Link(_Strict):
    from_: str = Field(alias="from")
    to: str
    include: list[Condition] | None = None
    exclude: list[Condition] = Field(default_factory=list)
    label: str = ""
    color: str = ""
    delay_s: Number = Field(0, ge=0)
    enabled: bool = True

    @field_validator("include")
    @classmethod
    def _include_not_empty(cls, value: list | None) -> list | None:
        if value is not None and not value:
            raise ValueError("an empty include list passes nothing: omit it for the default "
                             '[{"status": "success"}] or say which conditions pass')
        return value

    def include_conditions(self) -> tuple[StatusCondition | DataCondition, ...]:
        return DEFAULT_INCLUDE if self.include is None else tuple(self.include)


class Note(_Strict):
    text: str
    at: tuple[int, int] = (0, 0)
    size: tuple[int, int] = (200, 100)


class Runbook(_Strict):
    format: Literal["interlock.runbook/1"] = FORMAT
    name: str = Field(min_length=1)
    description: str = ""
    activities: list[Activity] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    notes: list[Note] | None = None

    # Where the runbook was loaded from: for messages and for paths relative to the file.
    _path: str | None = PrivateAttr(None)
    _warnings: list[Any] = PrivateAttr(default_factory=list)
    # The compiled graph and the shape it was compiled from (engine.format.graph.compiled_for).
    _compiled: Any = PrivateAttr(None)

    @property
    def warnings(self) -> list[Any]:
        """Validation warnings found when the file was loaded (engine.errors.Problem)."""
        return self._warnings

    @property
    def path(self) -> str | None:
        return self._path

    def activity(self, activity_id: str) -> Activity | None:
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        return None
