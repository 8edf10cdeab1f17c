"""Subscriptions to published data: `{{activity_id.field}}` inside any string (DESIGN §3.1).

A string is parsed once into literal text and references; `\\{{` writes a literal `{{`.
There is no expression language and no eval: a reference is an activity id and a field name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import lru_cache
from typing import Any

_REFERENCE = re.compile(r"(\\)?\{\{\s*([a-z][a-z0-9_]*)\.([^{}]*?)\s*\}\}")
_ESCAPED_OPEN = "\\{{"


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
    """Parse a string; None when it holds no reference and no escape (the common, fast case)."""
    if "{{" not in text:
        return None
    parts: list[str | Reference] = []
    literal: list[str] = []
    pos = 0
    for match in _REFERENCE.finditer(text):
        literal.append(text[pos:match.start()])
        if match.group(1):  # escaped: keep the braces literally, drop the backslash
            literal.append(match.group(0)[1:])
        else:
            if literal and "".join(literal):
                parts.append("".join(literal).replace(_ESCAPED_OPEN, "{{"))
            literal = []
            parts.append(Reference(match.group(2), match.group(3)))
        pos = match.end()
    literal.append(text[pos:])
    tail = "".join(literal).replace(_ESCAPED_OPEN, "{{")
    if tail:
        parts.append(tail)
    if not any(isinstance(p, Reference) for p in parts):
        return Template(("".join(p for p in parts if isinstance(p, str)),))
    return Template(tuple(parts))


def references_in(value: Any) -> Iterator[tuple[str, Reference]]:
    """Every reference inside a JSON value, with the dotted key path where it stands."""
    yield from _walk(value, "")


def _walk(value: Any, key: str) -> Iterator[tuple[str, Reference]]:
    if isinstance(value, str):
        template = parse(value)
        if template is not None:
            for ref in template.references:
                yield key, ref
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{key}[{i}]")


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


_SCALARS = (str, int, float, bool, type(None))


def compile_properties(properties: dict[str, Any]) -> Callable[[Callable[[Reference], Any]], dict[str, Any]]:
    """render_value for one activity's properties, prepared once per job: plain values are copied as
    they are, a string with subscriptions renders from its parsed template, anything else (lists,
    tables) goes through render_value, which copies it. Called once per instance."""
    plain: dict[str, Any] = {}
    templated: list[tuple[str, Template]] = []
    nested: list[tuple[str, Any]] = []
    for key, value in properties.items():
        template = parse(value) if isinstance(value, str) else None
        if template is not None:
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

    return render


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
