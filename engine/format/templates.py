"""Subscriptions to published data: `{{activity_id.field}}` inside any string (DESIGN §3.1).

A string is parsed once into literal text and references; `\\{{` writes a literal `{{`.
There is no expression language and no eval: a reference is an activity id and a field name.

Two ids are reserved (DESIGN §6.1): `{{job.FIELD}}` reads the job (JOB_FIELDS) and `{{var.NAME}}` a global
variable of the config; no activity may take them as id. At run time they are the first two rows of every
token's path (run/datapath.root_context), so reading them costs what reading an activity's field costs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import lru_cache
from typing import Any

from ..activity import CodeWithData

_REFERENCE = re.compile(r"(\\)?\{\{\s*([a-z][a-z0-9_]*)\.([^{}]*?)\s*\}\}")
_OPEN = re.compile(r"\\?\{\{")  # a reference's start, or with the backslash a literal "{{"
_INSIDE = re.compile(r"\s*([a-z][a-z0-9_]*)\.([^{}]*?)\s*")  # between "{{" and "}}"
_ACTIVITY_ID = re.compile(r"[a-z][a-z0-9_]*")
_HOW = "a reference reads {{activity_id.field}}; write \\{{ for literal braces"

JOB, VAR = "job", "var"
RESERVED_IDS = (JOB, VAR)
JOB_FIELDS: dict[str, str] = {
    "runbook": "the runbook's name",
    "job_id": "this job's id",
    "server": "the host name of the machine running the job",
    "started_at": "when the job started (ISO 8601, UTC)",
    "parent_job_id": "the id of the job that invoked this one (null at top level)",
}


@dataclass(frozen=True, slots=True)
class Reference:
    activity: str
    field: str
    # A common-data field (@status, @started_at, ...): known once here, read on every lookup.
    common: bool = dc_field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "common", self.field.startswith("@"))

    def __str__(self) -> str:
        return f"{{{{{self.activity}.{self.field}}}}}"


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed string: `parts` alternates literal text (str) and Reference."""

    parts: tuple[str | Reference, ...]
    # The reference when the whole string is exactly one: its value keeps its type.
    single_reference: Reference | None = dc_field(init=False, compare=False, repr=False)
    # What is malformed ("{{" never closed, "{{}}", ...): a validation error each; the text stays literal.
    errors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        only = self.parts[0] if len(self.parts) == 1 else None
        object.__setattr__(self, "single_reference", only if isinstance(only, Reference) else None)

    @property
    def references(self) -> tuple[Reference, ...]:
        return tuple(p for p in self.parts if isinstance(p, Reference))

    def render(self, lookup: Callable[[Reference], Any]) -> Any:
        single = self.single_reference
        if single is not None:
            return lookup(single)
        return "".join([part if type(part) is str else as_text(lookup(part)) for part in self.parts])


def as_text(value: Any) -> str:
    """How a published value reads when substituted into text."""
    if type(value) is str:  # by far the most common: published fields are mostly text
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@lru_cache(maxsize=65536)
def parse(text: str) -> Template | None:
    """Parse a string; None when it holds no "{{" at all (the common, fast case).

    Every "{{" not preceded by a backslash opens a reference that the first "}}" closes; what is
    malformed is kept as literal text and listed in `errors`, which validation reports."""
    if "{{" not in text:
        return None
    parts: list[str | Reference] = []
    literal: list[str] = []
    errors: list[str] = []
    pos = 0
    while (opening := _OPEN.search(text, pos)) is not None:
        literal.append(text[pos:opening.start()])
        if opening.group().startswith("\\"):  # escaped: a literal "{{", the backslash dropped
            literal.append("{{")
            pos = opening.end()
            continue
        close = text.find("}}", opening.end())
        if close < 0:
            errors.append(f'unclosed "{{{{" in "{_excerpt(text[opening.start():])}": {_HOW}')
            pos = opening.start()
            break
        inside = text[opening.end():close]
        pos = close + 2
        match = _INSIDE.fullmatch(inside)
        if match is None or not match.group(2):
            errors.append(f'{_what_is_wrong(inside)} in "{_excerpt(text[opening.start():pos])}": {_HOW}')
            literal.append(text[opening.start():pos])
            continue
        if "".join(literal):
            parts.append("".join(literal))
        literal = []
        parts.append(Reference(match.group(1), match.group(2)))
    literal.append(text[pos:])
    if "".join(literal):
        parts.append("".join(literal))
    return Template(tuple(parts) or ("",), tuple(errors))


def _what_is_wrong(inside: str) -> str:
    """Why the text between "{{" and "}}" is not `activity_id.field`."""
    if "{" in inside or "}" in inside:
        return '"{" inside a reference' if "{" in inside else '"}" inside a reference'
    activity, dot, field = inside.strip().partition(".")
    if not activity and not dot:
        return "empty reference"
    if not dot or not field.strip():
        return "no field name"
    if not activity:
        return "no activity id"
    if not _ACTIVITY_ID.fullmatch(activity):
        return f'"{activity}" is not an activity id (lowercase letters, digits and _)'
    return "not a reference"


def _excerpt(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def references_in(value: Any) -> Iterator[tuple[str, Reference]]:
    """Every reference inside a JSON value, with the key path where it stands."""
    for key, template in templates_in(value):
        for ref in template.references:
            yield key, ref


def templates_in(value: Any, key: str = "") -> Iterator[tuple[str, Template]]:
    """Every string holding "{{" inside a JSON value, parsed, with its key path (`a.b[2]`, "" for the
    value itself)."""
    if isinstance(value, str):
        template = parse(value)
        if template is not None:
            yield key, template
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from templates_in(v, join_key(key, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from templates_in(v, f"{key}[{i}]")


def join_key(prefix: str, key: str) -> str:
    """A key path under another: `properties` + `data.x` or `[1]`."""
    if not key:
        return prefix
    if not prefix or key.startswith("["):
        return prefix + key
    return f"{prefix}.{key}"


def has_template(value: Any) -> bool:
    if isinstance(value, str):
        return parse(value) is not None
    if isinstance(value, dict):
        return any(has_template(v) for v in value.values())
    if isinstance(value, list):
        return any(has_template(v) for v in value)
    return False


def render_value(value: Any, lookup: Callable[[Reference], Any]) -> Any:
    """Substitute every subscription inside a JSON value (strings, lists, dicts)."""
    if isinstance(value, str):
        template = parse(value)
        return value if template is None else template.render(lookup)
    if isinstance(value, dict):
        return {k: render_value(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, lookup) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class _CodeTemplate:
    """A code property's template, split once per job into its fixed pieces and its references."""

    pieces: tuple[str, ...]
    references: tuple[Reference, ...]

    @classmethod
    def of(cls, template: Template) -> _CodeTemplate:
        pieces, references = [""], []
        for part in template.parts:
            if isinstance(part, Reference):
                references.append(part)
                pieces.append("")
            else:
                pieces[-1] += part
        return cls(tuple(pieces), tuple(references))

    def render(self, lookup: Callable[[Reference], Any]) -> CodeWithData:
        return CodeWithData(self.pieces, tuple(lookup(ref) for ref in self.references))


_SCALARS = (str, int, float, bool, type(None))


def compile_properties(properties: dict[str, Any], code_keys: frozenset[str] = frozenset()) \
        -> Callable[[Callable[[Reference], Any]], dict[str, Any]]:
    """render_value for one activity's properties, prepared once per job: plain values are copied as
    they are, a string with subscriptions renders from its parsed template, anything else (lists,
    tables) goes through render_value, which copies it. Called once per instance.

    A key of `code_keys` (the type's code_properties) holding subscriptions is never rendered as text:
    it becomes a CodeWithData, the references' values apart from the code."""
    plain: dict[str, Any] = {}
    templated: list[tuple[str, Template]] = []
    nested: list[tuple[str, Any]] = []
    code: list[tuple[str, _CodeTemplate]] = []
    for key, value in properties.items():
        template = parse(value) if isinstance(value, str) else None
        if template is not None and key in code_keys:
            code.append((key, _CodeTemplate.of(template)))
        elif template is not None:
            templated.append((key, template))
        elif isinstance(value, _SCALARS):
            plain[key] = value
        else:
            nested.append((key, value))

    def render(lookup: Callable[[Reference], Any]) -> dict[str, Any]:
        rendered = dict(plain)
        for key, template in templated:
            rendered[key] = template.render(lookup)
        for key, value in nested:
            rendered[key] = render_value(value, lookup)
        return rendered

    if not code:  # every other activity: the same function as before, not one loop more per instance
        return render

    def render_with_code(lookup: Callable[[Reference], Any]) -> dict[str, Any]:
        rendered = render(lookup)
        for key, code_template in code:
            rendered[key] = code_template.render(lookup)
        return rendered

    return render_with_code


def rename_references(value: Any, renamed: dict[str, str]) -> Any:
    """The same JSON value with references to the renamed activities rewritten (all at once, so a
    chain a->b, b->c never turns a into c); the rest of the text, escapes included, is kept as is."""
    if isinstance(value, str):
        if "{{" not in value:
            return value

        def swap(match: re.Match[str]) -> str:
            if match.group(1) or match.group(2) not in renamed:
                return match.group(0)
            return "{{" + renamed[match.group(2)] + "." + match.group(3) + "}}"

        return _REFERENCE.sub(swap, value)
    if isinstance(value, dict):
        return {k: rename_references(v, renamed) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_references(v, renamed) for v in value]
    return value
