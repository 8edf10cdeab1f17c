"""The activity API: what a pack implements and what the engine hands it at run time.

An activity type is a class with a pydantic properties model, a published-data schema (a pydantic model
of one row, or dynamic) and a `run`. Async `run` runs on the event loop; a plain function `run` is
blocking code and runs in a worker thread. Display metadata (icon, colour, category) lives here too, so
the designer can draw a pack without the pack importing Qt.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema

from .fielddocs import FieldDoc, model_docs, plain_doc
from .parameters import Parameter

Row = dict[str, Any]
RunOutput = list[Row] | Row | None
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CodeWithData:
    """The value of a code property (ActivityType.code_properties) whose text subscribes: the text
    pieces between the references, and the references' values, which are never spliced into the text.
    `pieces` has one more item than `values`: the code reads pieces[0] values[0] pieces[1] ... The
    activity turns each value into a variable of its language (DESIGN §3.1: subscribed values are data).
    """

    pieces: tuple[str, ...]
    values: tuple[Any, ...] = ()

    @classmethod
    def of(cls, value: str | CodeWithData) -> CodeWithData:
        """A plain text (a property with no subscription) as code without data."""
        return value if isinstance(value, CodeWithData) else cls((value,))


def _code_or_text(value: Any) -> str | CodeWithData:
    if isinstance(value, str | CodeWithData):
        return value
    raise ValueError("must be text")


# The type of a code property (a script): text in the file, the designer's form and the JSON schema; at
# run time, when the text subscribes, a CodeWithData (see ActivityType.code_properties). Annotated as
# str so that every editor and schema built from the annotation treats it as the text it is stored as.
CodeText = Annotated[str, PlainValidator(_code_or_text), WithJsonSchema({"type": "string"})]


class NoProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunContext(Protocol):
    """What the engine gives an activity instance while it runs."""

    activity_id: str
    activity_name: str
    job_id: str
    attempt: int
    runbook_path: str | None
    parameters: dict[str, Any]
    config: Any

    def log(self, message: str, level: str = "info") -> None: ...
    def warn(self, message: str) -> None:
        """End this instance as a warning (its rows are still published)."""

    def set_returned(self, data: dict[str, Any]) -> None:
        """Add to the job's returned data (core.return_data)."""

    async def run_blocking(self, function: Callable[..., T], *args: Any) -> T:
        """Run blocking code in a worker thread; the event loop stays free."""

    async def invoke_runbook(self, path: str, parameters: dict[str, Any], wait: bool) -> dict[str, Any]:
        """Run a child runbook (path relative to this runbook's file); its job result as a dict."""

    def connection(self, name: str) -> Any:
        """The back-end object of a named connection (engine.config.connections); ConfigError when the
        connection is not configured or its keys are wrong."""

    @property
    def trigger(self) -> Row | None:
        """The event that started this job when its runbook starts at a monitor (the row the monitor
        publishes); None otherwise."""

    async def counter(self, name: str, action: str = "get", amount: int = 0) -> int:
        """A counter's value after `action` (get | increment | decrement | set | reset; DESIGN §6.1),
        changed atomically across jobs and processes; ActivityError when the config does not define it."""


class ActivityType:
    """Base of every activity type; subclass it in a pack and list the class in the pack."""

    type_name: ClassVar[str]  # "pack.activity", as in the runbook file
    display_name: ClassVar[str]
    description: ClassVar[str] = ""
    version: ClassVar[int] = 1  # the newest `version` of this type that this code runs
    kind: ClassVar[Literal["activity", "junction"]] = "activity"
    icon: ClassVar[str] = ""  # a name from resources/icons, without extension
    color: ClassVar[str] = "#5b7fa6"
    Properties: ClassVar[type[BaseModel]] = NoProperties
    Published: ClassVar[type[BaseModel] | None] = None  # one row's fields; None when dynamic
    # The published field that names what an instance worked on (a VM's name, a monitored object):
    # progress lines and run summaries show it, so a person reads "Stop VM: web01, web02".
    subject_field: ClassVar[str | None] = None
    # A monitor (engine.schedule.monitors.MonitorType) starts its runbook on events: it must be the
    # runbook's start point, and the scheduler or `interlock run` arms it before any job exists.
    trigger: ClassVar[bool] = False
    # True for a type that may publish a secret it made (a generated password): it passes the value to
    # engine.config.redaction.remember_secret, and jobs of runbooks using it mask their events and result
    # even when the config names no secret.
    may_publish_secrets: ClassVar[bool] = False
    # Properties that hold code (a script): a subscription inside them is not substituted into the text;
    # the activity gets a CodeWithData (the text pieces and the values apart) and passes the values to the
    # code as data, so a subscribed value can never become code. Declare them as CodeText fields.
    code_properties: ClassVar[frozenset[str]] = frozenset()

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        """Field names this activity publishes with these properties; None when not known beforehand."""
        if self.Published is None:
            return None
        return list(self.Published.model_fields)

    def published_docs(self, properties: dict[str, Any]) -> list[FieldDoc] | None:
        """What `published_fields` lists, as a person reads it: title, type, description (from the
        Published model's Field(title=..., description=...)); None when not known beforehand. A type
        whose fields are dynamic overrides this to describe them."""
        names = self.published_fields(properties)
        if names is None:
            return None
        docs = {doc.name: doc for doc in model_docs(self.Published)} if self.Published else {}
        return [docs.get(name) or plain_doc(name) for name in names]

    def start_parameters(self, properties: dict[str, Any]) -> list[Parameter] | None:
        """The job's start parameters when this is a start activity that declares them."""
        return None

    def counter_names(self, properties: dict[str, Any]) -> dict[str, str]:
        """The counters an activity with these properties uses, by the property naming each, so that
        a counter missing from the config is reported before a job runs."""
        return {}

    def invoked_runbooks(self, properties: dict[str, Any]) -> list[str]:
        """Runbook files this activity runs (paths relative to its runbook's file), for exports that
        must carry them along; subscriptions in a path are not followed."""
        return []

    # Subclasses other than junctions define:
    #     async def run(self, properties, context) -> RunOutput      (on the event loop), or
    #     def run(self, properties, context) -> RunOutput            (blocking: in a worker thread)
    run: ClassVar[Callable[..., RunOutput | Awaitable[RunOutput]]]

    @classmethod
    def is_blocking(cls) -> bool:
        return not inspect.iscoroutinefunction(cls.run)


@dataclass(frozen=True)
class Pack:
    """A set of activity types published by one distribution through the `interlock.activities` group."""

    name: str
    title: str
    activities: list[type[ActivityType]] = field(default_factory=list)
    description: str = ""
