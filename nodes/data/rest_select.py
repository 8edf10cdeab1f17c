"""Rows from a JSON answer with a JMESPath expression (Invoke REST Service's `select`).

What the expression selects decides the rows: a list gives one row per item, an object one row, nothing
(null: the path is not in the answer) no row. An object item's keys become the row's fields; any other
item (text, a number, a list) is published as the field `value`.
"""

from __future__ import annotations

from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

VALUE_FIELD = "value"


def compile_select(expression: str) -> ParsedResult:
    """The parsed expression; ValueError with JMESPath's own words when it is not one."""
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        words = " ".join(str(exc).split()).removeprefix("Invalid jmespath expression: ")
        raise ValueError(f"not a JMESPath expression: {words}") from None


def select_rows(data: Any, expression: str) -> list[dict[str, Any]]:
    """The rows `expression` selects from a parsed JSON answer; ValueError when the expression cannot
    be applied to it (a function given the wrong type of value)."""
    try:
        found = compile_select(expression).search(data)
    except JMESPathError as exc:
        raise ValueError(" ".join(str(exc).split())) from None
    if found is None:
        return []
    items = found if isinstance(found, list) else [found]
    return [{str(key): value for key, value in item.items()} if isinstance(item, dict)
            else {VALUE_FIELD: item} for item in items]
