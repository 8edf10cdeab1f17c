"""Reading JSON a person wrote (a runbook file, a pasted fragment) without ever failing with a traceback.

json.loads alone takes the last of two equal keys, accepts NaN and Infinity, raises RecursionError on
deep nesting and ValueError on a 5,000-digit integer. `loads` refuses each of these, and the limits of
engine.limits, with a message that says where: line, column and key path.

The fast path is json.loads plus a walk; only when something is wrong does the slower scan below run,
to find the place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any

from ..limits import MAX_DEPTH, beyond_limits, number_text_problem, short_key

# \uD800-\uDFFF written as an escape: the only way a lone surrogate (which cannot be written as UTF-8,
# so breaks printing, storing and saving) gets into a str decoded from UTF-8 text.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TOKEN = re.compile(r'[ \t\r\n]*(?:(")|([\[\]{}:,])|(-?[0-9][0-9.eE+-]*)|(-?[A-Za-z]+))')


class JsonInputError(ValueError):
    """JSON text that cannot be taken: `message` says what, `where` says where (line, column, key)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message + (f' (key "{key}")' if key else ""))
        self.message = message
        self.key = key


class _Refused(Exception):
    """Raised from inside json.loads to stop at the first duplicate key or NaN/Infinity."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Refused
    return obj


def _no_constants(name: str) -> Any:
    raise _Refused


def loads(text: str) -> Any:
    """Parse JSON text; JsonInputError for invalid JSON, a duplicate key, NaN/Infinity, a lone surrogate,
    nesting deeper than MAX_DEPTH or a number beyond the limits."""
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        _raise_located(text)  # returns when every surrogate escape is one of a proper pair
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except (_Refused, RecursionError, ValueError):  # ValueError: an integer past Python's digit limit
        _raise_located(text)
        raise JsonInputError("not valid JSON: nested too deeply or a number too large") from None
    beyond = beyond_limits(data)
    if beyond:
        _raise_located(text)
        key, message = beyond
        raise JsonInputError(message, key or None)
    return data


@dataclass(slots=True)
class _Container:
    is_object: bool
    key: str | None = None  # the current key of an object
    index: int = 0  # the current index of an array
    seen: set[str] = field(default_factory=set)
    expect_key: bool = True


def _path(stack: list[_Container]) -> str:
    out = ""
    for frame in stack:
        if not frame.is_object:
            out += f"[{frame.index}]"
        elif frame.key is not None:
            out += f".{frame.key}" if out else frame.key
    return out


def _raise_located(text: str) -> None:
    """Scan the text for the first place beyond what loads accepts and raise JsonInputError there;
    return when the scan finds nothing (the text is then json's to judge)."""
    stack: list[_Container] = []

    def refuse(at: int, message: str, path: str) -> JsonInputError:
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        return JsonInputError(f"{message} at line {line}, column {column}", short_key(path) or None)

    pos = 0
    while (match := _TOKEN.match(text, pos)) is not None:
        start, pos = match.start(match.lastindex or 0), match.end()
        string, punctuation, number, word = match.groups()
        if string:
            try:
                value, pos = scanstring(text, pos)
            except ValueError:
                return
            if _has_lone_surrogate(value):
                raise refuse(start, "a lone UTF-16 surrogate escape (\\uD800-\\uDFFF) is not text",
                             _path(stack))
            top = stack[-1] if stack else None
            if top is not None and top.is_object and top.expect_key:
                if value in top.seen:
                    raise refuse(start, f'duplicate key "{value}": a key may appear once in an object',
                                 _path([*stack[:-1], _Container(True, value)]))
                top.seen.add(value)
                top.key, top.expect_key = value, False
        elif punctuation in ("[", "{"):
            if len(stack) >= MAX_DEPTH:
                raise refuse(start, f"nested deeper than {MAX_DEPTH} levels", _path(stack))
            stack.append(_Container(punctuation == "{"))
        elif punctuation in ("]", "}"):
            if not stack:
                return
            stack.pop()
        elif punctuation == ",":
            if not stack:
                return
            stack[-1].expect_key = True
            stack[-1].index += 1
        elif number:
            problem = number_text_problem(number)
            if problem:
                raise refuse(start, problem, _path(stack))
        elif word and word.lstrip("-") in ("NaN", "Infinity"):
            raise refuse(start, f"{word} is not a JSON number", _path(stack))


def _has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False

