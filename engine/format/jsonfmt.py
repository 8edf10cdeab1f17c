"""The canonical JSON text of Interlock files: 2-space indent, short flat values on one line.

A list or object whose members are all scalars (or short scalar lists) stays on one line when it fits;
everything else is spread one member a line. The rule depends only on the value, so the same document
always gives the same bytes, and small edits give small diffs.
"""

from __future__ import annotations

import json
from typing import Any

INLINE_WIDTH = 100


def _flat(value: Any) -> bool:
    if isinstance(value, dict):
        return all(not isinstance(v, dict) and (not isinstance(v, list) or all(_scalar(x) for x in v))
                   for v in value.values())
    if isinstance(value, list):
        return all(_scalar(v) or (isinstance(v, list) and all(_scalar(x) for x in v)) for v in value)
    return True


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _write(value: Any, indent: int, column: int, out: list[str]) -> None:
    if _scalar(value) or not value:
        out.append(_compact(value))
        return
    text = _compact(value)
    if _flat(value) and column + len(text) <= INLINE_WIDTH:
        out.append(text)
        return
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        out.append("{\n")
        for i, (key, member) in enumerate(value.items()):
            prefix = f"{pad}{json.dumps(key, ensure_ascii=False)}: "
            out.append(prefix)
            _write(member, indent + 2, len(prefix), out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(" " * indent + "}")
    else:
        out.append("[\n")
        for i, member in enumerate(value):
            out.append(pad)
            _write(member, indent + 2, len(pad), out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(" " * indent + "]")


def dumps(value: Any) -> str:
    out: list[str] = []
    _write(value, 0, 0, out)
    out.append("\n")
    return "".join(out)
