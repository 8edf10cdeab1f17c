"""Explicit limits on what a user's file or option may hold, so hostile input is refused with a message
instead of failing deep inside (a RecursionError in a walk, an OverflowError in a conversion).

One place for the numbers: the runbook reader, validation, the TOML readers and the CLI's options use
them. Why these values: docs/decisions.md, "Hardening".
"""

from __future__ import annotations

import math
from typing import Any

# Containers inside containers: a runbook needs about 8 (runbook > activities > activity > properties >
# table > row > value); every walk of a value (validation, rendering, storing) stays far from Python's
# recursion limit.
MAX_DEPTH = 64
# Digits of an integer: more than any 64-bit value (19) or a float's precision (17) needs, far below
# Python's 4,300-digit conversion limit.
MAX_INTEGER_DIGITS = 30
_INTEGER_BOUND = 10 ** MAX_INTEGER_DIGITS


def number_problem(value: object) -> str | None:
    """What is wrong with a number beyond the limits, or None (also for what is not a number)."""
    if type(value) is int and not -_INTEGER_BOUND < value < _INTEGER_BOUND:
        return f"an integer of {len(str(abs(value)))} digits: at most {MAX_INTEGER_DIGITS} digits are allowed"
    if type(value) is float and not math.isfinite(value):
        return "a number too large to hold (or NaN): numbers must be finite"
    return None


def number_text_problem(text: str) -> str | None:
    """What is wrong with a number as written, when it is one beyond the limits; None otherwise."""
    digits = text.strip().lstrip("+-")
    if digits.isdigit() and len(digits) > MAX_INTEGER_DIGITS:  # before int(): its cost grows with length
        return f"an integer of {len(digits)} digits: at most {MAX_INTEGER_DIGITS} digits are allowed"
    try:
        return number_problem(float(text))  # 1e999 is inf; an integer within the digits fits a float
    except ValueError:
        return None  # not a number at all: for the caller to judge


def beyond_limits(value: Any) -> tuple[str, str] | None:
    """(key path, what is wrong) of the first part of a JSON-like value nested deeper than MAX_DEPTH or
    holding a number beyond the limits; None when it is within them. Never recurses past MAX_DEPTH."""
    if _within(value, 1):
        return None
    found = _locate(value, 1, "")
    return (short_key(found[0]), found[1]) if found else None


def short_key(path: str, limit: int = 80) -> str:
    """A key path as a message shows it: 64 levels of `[0]` say no more than the first few."""
    return path if len(path) <= limit else path[:limit] + "…"


def _within(value: Any, depth: int) -> bool:
    # The common case, kept lean: no key paths are built until something is wrong.
    if depth > MAX_DEPTH:
        return False
    for item in value.values() if type(value) is dict else value if type(value) is list else ():
        kind = type(item)
        if kind is dict or kind is list:
            if not _within(item, depth + 1):
                return False
        elif (kind is int or kind is float) and number_problem(item):
            return False
    return True


def _locate(value: Any, depth: int, path: str) -> tuple[str, str] | None:
    if isinstance(value, dict):
        children: Any = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        children = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        problem = number_problem(value)
        return (path, problem) if problem else None
    if depth > MAX_DEPTH:
        return path, f"nested deeper than {MAX_DEPTH} levels"
    for where, child in children:
        found = _locate(child, depth + 1, where)
        if found:
            return found
    return None
