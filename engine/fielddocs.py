"""How a model's fields read to a person: a title, a type and a description.

A pack gives its properties and published fields `Field(title=..., description=...)`; where it gives no
title, one is made from the name (`vm_id` -> "VM ID", `timeout_s` -> "Timeout (s)"). The designer's
property form, its picker of published data and its Published Data tab read them from here, and so can
any other front end: nothing here needs Qt.
"""

from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass
from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

# Words written in capitals in a title.
ACRONYMS = frozenset({"vm", "vms", "id", "ids", "ip", "url", "os", "cpu", "scom", "scvmm", "dns", "http",
                      "https", "json", "api", "utc", "ram", "guid", "uuid", "fqdn", "ssh", "winrm"})
# A unit at the end of a name: how the title says it.
UNITS = {"s": "(s)", "ms": "(ms)", "min": "(minutes)", "h": "(hours)", "mb": "(MB)", "gb": "(GB)"}


@dataclass(frozen=True)
class FieldDoc:
    """One field as a person reads it."""

    name: str  # as the file and subscriptions write it
    title: str
    type: str  # "text", "integer", "number", "boolean", "date/time", "list of text", "choice", "any", ...
    description: str = ""


def readable_title(name: str) -> str:
    """A title made from a field name: `vm_id` -> "VM ID", `custom_property_1` -> "Custom property 1",
    `duration_min` -> "Duration (minutes)"; a name with spaces or capitals is already one."""
    if not name or " " in name or any(c.isupper() for c in name):
        return name
    words = [w for w in name.lstrip("@").split("_") if w]
    if not words:
        return name
    unit = UNITS.get(words[-1]) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    shown = [w.upper() if w in ACRONYMS else w for w in words]
    if shown[0] == words[0]:
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown + ([unit] if unit else []))


def type_label(annotation: Any) -> str:
    """How a field's type reads: "text", "integer", "list of text", "text or none", ..."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, UnionType):
        rest = [a for a in args if a is not type(None)]
        if set(rest) == {int, float}:
            label = "number"
        else:
            label = " or ".join(dict.fromkeys(type_label(a) for a in rest))
        return f"{label} or none" if len(rest) < len(args) else label
    if origin is Literal:
        return "choice"
    if origin in (list, tuple, set, frozenset):
        return f"list of {type_label(args[0])}" if args else "list"
    if origin is dict:
        return "name → value table"
    if inspect.isclass(annotation):
        if issubclass(annotation, enum.Enum):
            return "choice"
        if issubclass(annotation, BaseModel):
            return "record"
        for kind, label in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "text"),
                            (datetime, "date/time"), (date, "date")):
            if issubclass(annotation, kind):
                return label
    return "any"


def field_doc(name: str, info: FieldInfo) -> FieldDoc:
    """The doc of one pydantic field: its title (or one made from the name), type and description."""
    return FieldDoc(name, info.title or readable_title(name), type_label(info.annotation),
                    info.description or "")


def model_docs(model: type[BaseModel]) -> list[FieldDoc]:
    """The docs of a model's fields, in their order."""
    return [field_doc(name, info) for name, info in model.model_fields.items()]


def plain_doc(name: str, type_: str = "any", description: str = "") -> FieldDoc:
    """The doc of a field known only by its name (a dynamic published field)."""
    return FieldDoc(name, readable_title(name), type_, description)


# The common data every published row carries (DESIGN §3.1), in engine.format.validate.COMMON_FIELDS order.
COMMON_DOCS: tuple[FieldDoc, ...] = (
    FieldDoc("@name", "Activity name", "text", "The name of the activity that published the row"),
    FieldDoc("@type", "Activity type", "text", "The activity's type, as pack.activity"),
    FieldDoc("@status", "Activity status", "text", "How the instance ended: success, warning or failed"),
    FieldDoc("@started_at", "Activity start time", "date/time", "When the instance started (ISO 8601, UTC)"),
    FieldDoc("@finished_at", "Activity end time", "date/time", "When the instance ended (ISO 8601, UTC)"),
    FieldDoc("@duration_s", "Activity duration (s)", "number", "How long the instance ran, in seconds"),
    FieldDoc("@error", "Error summary text", "text", "What went wrong; empty when it succeeded"),
    FieldDoc("@attempts", "Attempts", "integer", "How many times the instance ran (retries and loop "
                                                 "rounds included)"),
)
