"""The fake PowerShell's part for Run Script (script.run): it runs the user's script out of the wrapper
the activity sends, for a small subset of PowerShell only, and refuses (a script error the test fixture
fails on) anything beyond it rather than pretend.

What it reads, as PowerShell would: the wrapper's data block (inputs, subscribed values, published
variable names), the inputs set as variables, then the script between the wrapper's markers, statement
by statement: `$name = <value>`, `Write-Output <value>`, `throw <value>`, `exit N`, comments. A value is a
'single quoted' or "double quoted" string (backtick escapes; expanding $name, $($name) and
$($__interlock_data[N])), a
number, $true/$false/$null, a variable, $__interlock_data[N] or $($__interlock_data[N]), or @(a, b, ...).
It evaluates nothing from the data: values are only ever assigned, expanded into text and sent back.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

BEGIN, END = "# <interlock:script>", "# </interlock:script>"
_DATA_ITEM = re.compile(r"^\$\(?\$__interlock_data\[(\d+)\]\)?$")
_VARIABLE = re.compile(r"^\$(\w+)$")
_EXPAND = re.compile(r"\$\(\$__interlock_data\[(\d+)\]\)|\$\(\$(\w+)\)|\$(\w+)")
_ASSIGN = re.compile(r"^\$(\w+)\s*=\s*(.+)$")


class Unsupported(Exception):
    """The script goes beyond what this fake runs: a test's mistake, reported as a script error."""


def is_user_script(script: str) -> bool:
    return BEGIN in script and END in script


def run(script: str, data: dict[str, Any]) -> tuple[bytes, int]:
    """stdout and the exit code of the wrapper around the user's script."""
    for needed in ("$in.inputs", "$in.values", "$in.published", "Set-Variable", "Get-Variable",
                   "Send-Result 'ok'"):
        if needed not in script:
            raise Unsupported(f"the wrapper does not use {needed}")
    variables: dict[str, Any] = {"__interlock_data": list(data["values"]), **data["inputs"]}
    body = script[script.index(BEGIN) + len(BEGIN):script.rindex(END)]
    printed: list[str] = []
    for line in body.splitlines():
        statement = line.strip()
        if not statement or statement.startswith("#"):
            continue
        if statement.lower().startswith("exit"):
            return _lines(printed), int(statement[4:].strip() or 0)
        if statement.lower().startswith("throw "):
            message = _text(_value(statement[6:].strip(), variables))
            error = {"cmdlet": "", "message": message, "category": "OperationStopped"}
            return _lines([*printed, _marker({"error": error})]), 1
        if statement.lower().startswith("write-output "):
            value = _value(statement[13:].strip(), variables)
            printed.extend(_text(v) for v in (value if isinstance(value, list) else [value]))
            continue
        assignment = _ASSIGN.match(statement)
        if assignment is None:
            raise Unsupported(f"the fake does not run {statement!r}")
        variables[assignment.group(1)] = _value(assignment.group(2).strip(), variables)
    published = {name: variables.get(name) for name in data["published"]}
    return _lines([*printed, _marker({"ok": published})]), 0


def _value(text: str, variables: dict[str, Any]) -> Any:
    if text.startswith("@(") and text.endswith(")"):
        return [_value(item, variables) for item in _items(text[2:-1])]
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return _expand(text[1:-1], variables)
    item = _DATA_ITEM.match(text)
    if item:
        return variables["__interlock_data"][int(item.group(1))]
    variable = _VARIABLE.match(text)
    if variable:
        name = variable.group(1).lower()
        return {"true": True, "false": False, "null": None}.get(name, variables.get(variable.group(1)))
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise Unsupported(f"the fake does not read the value {text!r}")


def _expand(text: str, variables: dict[str, Any]) -> str:
    """A double-quoted string's value: `x is the character x (as PowerShell reads `$, `" and ``),
    variables and subexpressions of the forms above expanded."""
    out, i = [], 0
    while i < len(text):
        match = _EXPAND.match(text, i)
        if text[i] == "`" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif match is None:
            out.append(text[i])
            i += 1
        else:
            if match.group(1) is not None:
                out.append(_text(variables["__interlock_data"][int(match.group(1))]))
            else:
                out.append(_text(variables.get(match.group(2) or match.group(3))))
            i = match.end()
    return "".join(out)


def _items(text: str) -> list[str]:
    """The comma-separated items of @( ... ), commas inside quotes kept."""
    items, current, quote = [], "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            items.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        items.append(current.strip())
    return items


def _text(value: Any) -> str:
    """A value as PowerShell writes it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value)


def _marker(answer: dict[str, Any]) -> str:
    return "INTERLOCK:" + base64.b64encode(json.dumps(answer).encode("utf-8")).decode("ascii")


def _lines(lines: list[str]) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("utf-8")
