"""Published rows: normalising what activity code returns, and flatten (DESIGN §3.3)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from ..errors import ActivityError
from ..format.model import Flatten
from ..format.templates import as_text

_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)  # exact types: one C-level check per row instead of a loop of isinstance


def _value(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    return str(value)


def normalise(output: Any, type_name: str) -> list[dict[str, Any]]:
    """Activity output (None, a row, or a list of rows) as a list of JSON-friendly rows."""
    if type(output) is dict:  # one row, the usual answer: checked before the general cases
        if _PLAIN_TYPES.issuperset(map(type, output.values())):
            return [output]
        output = [output]
    elif output is None:
        return []
    elif isinstance(output, dict):
        output = [output]
    if not isinstance(output, list):
        raise ActivityError(f"{type_name} returned {type(output).__name__}, not rows")
    rows = []
    for row in output:
        if not isinstance(row, dict):
            raise ActivityError(f"{type_name} returned a row that is {type(row).__name__}, not a dict")
        if _PLAIN_TYPES.issuperset(map(type, row.values())):
            rows.append(row)
        else:
            rows.append({str(k): _value(v) for k, v in row.items()})
    return rows


def flatten(rows: list[dict[str, Any]], spec: Flatten) -> list[dict[str, Any]]:
    """Merge one instance's rows into one row, each field's values joined."""
    if len(rows) <= 1 and spec.mode != "csv":
        return rows
    if not rows:
        return rows
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    merged: dict[str, Any] = {}
    for name in names:
        values = [as_text(row.get(name)) for row in rows]
        if spec.mode == "lines":
            merged[name] = "\n".join(values)
        elif spec.mode == "separator":
            merged[name] = spec.separator.join(values)
        else:
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=spec.separator[:1] or ",", lineterminator="").writerow(values)
            merged[name] = buffer.getvalue()
    return [merged]
