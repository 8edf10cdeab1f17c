"""Python scripts: one program, fixed text, sent to a Python interpreter in a child process (on this
machine, or `python3` on an SSH host) on its standard input.

The program decodes one base64 JSON document (the script, its inputs, the subscribed values, the
published variables' names), sets the inputs as variables, runs the script with exec() in that child
process (the user's script running as a program, never inside Interlock), then writes the published
variables as one marker line (outcome.py). A subscription `{{a.b}}` inside the script stands for a Python
expression holding the value, `_interlock_values[N]`: written where an expression goes
(`name = {{start.Name}}`, `print("VM " + {{get_vm.name}})`), never inside quotes, where it could only be
literal text (that is refused with a message saying so).
"""

from __future__ import annotations

import base64
import io
import json
import sys
import tokenize
from collections.abc import Mapping, Sequence
from typing import Any

from engine.activity import CodeWithData
from engine.errors import ActivityError

VALUES = "_interlock_values"
_DATA = "__INTERLOCK_DATA__"

# Runs on any Python 3 (3.6 and later) an SSH host may have: no f-strings, no walrus.
_PROGRAM = r'''import base64, json, sys, traceback


def _plain(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return dict((str(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


def _send(kind, value):
    text = json.dumps({kind: value})
    sys.stdout.flush()
    sys.stdout.write("\nINTERLOCK:" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\n")
    sys.stdout.flush()


def _main():
    data = json.loads(base64.b64decode("__INTERLOCK_DATA__").decode("utf-8"))
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    namespace.update(data["inputs"])
    namespace["_interlock_values"] = data["values"]
    try:
        exec(compile(data["script"], "<script>", "exec"), namespace)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
    except BaseException as exc:
        line = exc.lineno if isinstance(exc, SyntaxError) and exc.filename == "<script>" else None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == "<script>":
                line = frame.lineno
        _send("error", {"message": traceback.format_exception_only(type(exc), exc)[-1].strip(), "line": line})
        sys.exit(1)
    _send("ok", dict((name, _plain(namespace.get(name))) for name in data["published"]))


_main()
'''


def script_text(code: CodeWithData) -> str:
    """The script with each subscription as `_interlock_values[N]`; ActivityError when one stands
    inside a string literal."""
    text = code.pieces[0] + "".join(f"{VALUES}[{i}]{piece}" for i, piece in enumerate(code.pieces[1:]))
    if code.values and _inside_string(text):
        raise ActivityError("a subscription inside a Python string literal would stay literal text: "
                            'write it outside the quotes (print("VM " + {{get_vm.name}})) or pass it '
                            "through inputs")
    return text


def _inside_string(text: str) -> bool:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False  # the child reports the script's syntax error with its line
    return any(t.type == tokenize.STRING and f"{VALUES}[" in t.string for t in tokens)


def program(code: CodeWithData, inputs: Mapping[str, Any], variables: Sequence[str]) -> bytes:
    """The whole program, for a Python interpreter's standard input."""
    data = {"script": script_text(code), "inputs": dict(inputs), "values": list(code.values),
            "published": list(variables)}
    encoded = base64.b64encode(json.dumps(data, default=str).encode("utf-8")).decode("ascii")
    return _PROGRAM.replace(_DATA, encoded).encode("utf-8")


def local_command() -> list[str]:
    """This machine's interpreter, isolated (-I: no user site, no PYTHON* variables); `-` reads the
    program from standard input."""
    return [sys.executable or "python3", "-I", "-"]


REMOTE_COMMAND = ["python3", "-I", "-"]
