"""Reading what a script sent back: the published variables come as one marker line
`INTERLOCK:<base64 of UTF-8 JSON>` ({"ok": {variable: value}} or {"error": {...}}), the same envelope the
WinRM back-ends' scripts use (nodes/backends/winrm/script.py, whose reader this shares); everything
else the script printed is its output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import ActivityError
from nodes.backends.winrm.script import MARKER, Completed, ScriptFailure, read_outcome


@dataclass(frozen=True)
class ScriptResult:
    variables: dict[str, Any]  # the published variables' values, by variable name
    output: str  # what the script printed (standard output), without the marker line


def read_result(completed: Completed, what: str) -> ScriptResult:
    """The script's variables and output; ActivityError saying what failed, `what` naming the script
    and where it ran ("Python script on this machine")."""
    try:
        outcome = read_outcome(completed)
    except ScriptFailure as exc:
        raise ActivityError(f"{what} exited with code {exc.exit_code}: {exc.detail}") from None
    if outcome.kind == "ok" and isinstance(outcome.value, dict):
        return ScriptResult(outcome.value, printed(completed.stdout))
    raise ActivityError(f"{what} failed: {_error_text(outcome.value)}")


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    message = " ".join(str(error.get("message") or "no message").split())
    if error.get("cmdlet"):  # PowerShell: the cmdlet that threw
        message = f"{error['cmdlet']}: {message}"
    if error.get("line"):  # Python: the line of the script
        message += f" (line {error['line']})"
    return message


def printed(stdout: bytes) -> str:
    """What the script printed: its standard output without the marker line(s)."""
    lines = stdout.decode("utf-8", "replace").splitlines(keepends=True)
    kept = [line for line in lines if not line.strip().startswith(MARKER)]
    return "".join(kept).rstrip("\r\n")
