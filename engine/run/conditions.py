"""Link and loop conditions (DESIGN §3.4): status sets and data comparisons, no eval.

Text comparisons are case-insensitive; numeric operators compare as numbers, and a value that is not a
number makes the condition false with a reason the caller logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..format.templates import as_text

Outcome = tuple[bool, str | None]  # (holds, why it could not be evaluated)


def _text(value: Any) -> str:
    return as_text(value).casefold()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list | dict | tuple):
        return len(value) == 0
    return as_text(value).strip() == ""


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[Any, Any], Outcome]:
    def op(left: Any, right: Any) -> Outcome:
        lnum, rnum = _number(left), _number(right)
        if lnum is None or rnum is None:
            bad = left if lnum is None else right
            return False, f"{as_text(bad)!r} is not a number"
        return compare(lnum, rnum), None
    return op


def _between(left: Any, bounds: Any) -> Outcome:
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        return False, "between needs a value [low, high]"
    value, low, high = _number(left), _number(bounds[0]), _number(bounds[1])
    if value is None or low is None or high is None:
        bad = left if value is None else bounds[0] if low is None else bounds[1]
        return False, f"{as_text(bad)!r} is not a number"
    return low <= value <= high, None


def _matches(left: Any, pattern: Any) -> Outcome:
    try:
        return _regex(as_text(pattern)).search(as_text(left)) is not None, None
    except re.error as exc:
        return False, f"bad regular expression {as_text(pattern)!r}: {exc}"


def _not(op: Callable[[Any, Any], Outcome]) -> Callable[[Any, Any], Outcome]:
    def negated(left: Any, right: Any) -> Outcome:
        holds, why = op(left, right)
        return (False, why) if why else (not holds, None)
    return negated


OPERATORS: dict[str, Callable[[Any, Any], Outcome]] = {
    "equals": lambda a, b: (_text(a) == _text(b), None),
    "not_equals": lambda a, b: (_text(a) != _text(b), None),
    "contains": lambda a, b: (_text(b) in _text(a), None),
    "not_contains": lambda a, b: (_text(b) not in _text(a), None),
    "starts_with": lambda a, b: (_text(a).startswith(_text(b)), None),
    "ends_with": lambda a, b: (_text(a).endswith(_text(b)), None),
    "matches": _matches,
    "not_matches": _not(_matches),
    "less_than": _numeric(lambda a, b: a < b),
    "greater_than": _numeric(lambda a, b: a > b),
    "at_most": _numeric(lambda a, b: a <= b),
    "at_least": _numeric(lambda a, b: a >= b),
    "between": _between,
    "is_empty": lambda a, _b: (_is_empty(a), None),
    "is_not_empty": lambda a, _b: (not _is_empty(a), None),
}


def compare(left: Any, op: str, right: Any) -> Outcome:
    """Apply one operator; an unknown operator is reported, never raised."""
    function = OPERATORS.get(op)
    if function is None:
        return False, f"unknown operator {op!r} (known: {', '.join(OPERATORS)})"
    return function(left, right)
