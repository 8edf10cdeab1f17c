"""One operation = one PowerShell script: how it is put together, and how its answer is read.

Inputs never become code. A script is fixed text (the kind's cmdlets) plus one line that decodes the
operation's inputs from base64 of a UTF-8 JSON document; a VM named `a'; Remove-Item C:\\ -Recurse #` is
data inside that base64, whatever quotes it holds. The script answers with one line
`INTERLOCK:<base64 of UTF-8 JSON>` holding {"ok": value}, {"problem": {...}} (a condition Interlock words
itself: no such VM, VM already running, ...) or {"error": {"cmdlet", "message"}} (a cmdlet failed). Base64
keeps the answer intact whatever the console's code page, and the marker keeps it apart from anything a
module prints on loading.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import WinRmUnavailable

MARKER = "INTERLOCK:"
_DATA = "__INTERLOCK_DATA__"
_BODY = "__INTERLOCK_BODY__"

# Shared by every script: stop at the first error, no progress records on stderr, and the functions
# that answer. A DateTime with no kind is taken as UTC: that is how the System Center SDKs hand them out.
_SCRIPT = r"""$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Send-Result($Kind, $Value) {
  $json = ConvertTo-Json -InputObject @{ $Kind = $Value } -Depth 8 -Compress
  [Console]::Out.WriteLine('INTERLOCK:' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($json)))
}
function Send-Problem($Kind, $Details) {
  $Details.kind = $Kind
  Send-Result 'problem' $Details
  exit 2
}
function Format-Utc($Time) {
  if ($null -eq $Time) { return '' }
  $t = [datetime]$Time
  if ($t.Kind -eq [DateTimeKind]::Unspecified) { $t = [datetime]::SpecifyKind($t, [DateTimeKind]::Utc) }
  $t.ToUniversalTime().ToString('o')
}
__HELPERS__
try {
  $data = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('__INTERLOCK_DATA__'))
  $in = ConvertFrom-Json -InputObject $data
__INTERLOCK_BODY__
} catch {
  $cmdlet = ''
  if ($_.InvocationInfo -and $_.InvocationInfo.MyCommand) {
    $cmdlet = [string]$_.InvocationInfo.MyCommand.Name
  }
  Send-Result 'error' @{
    cmdlet = $cmdlet; message = [string]$_.Exception.Message; category = [string]$_.CategoryInfo.Category
  }
  exit 1
}
"""

# powershell.exe started directly (WINRS_SKIP_CMD_SHELL), not through cmd.exe: its command line may then be
# 32767 characters instead of cmd's 8191, room for a script of about 12000 characters.
POWERSHELL = "powershell.exe"
POWERSHELL_ARGS = ("-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
                   "-EncodedCommand")
_MAX_COMMAND_LINE = 32000


def compose(body: str, inputs: Mapping[str, Any], helpers: str = "") -> str:
    """The whole script of one operation: `body` runs with the inputs in `$in`."""
    data = base64.b64encode(json.dumps(dict(inputs)).encode("utf-8")).decode("ascii")
    return (_SCRIPT.replace("__HELPERS__", helpers.strip("\n"))
            .replace(_BODY, body.strip("\n"))
            .replace(_DATA, data))


def command_line(script: str) -> list[str]:
    """powershell.exe's arguments: the script as -EncodedCommand (base64 of UTF-16LE, as it expects)."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    args = [*POWERSHELL_ARGS, encoded]
    length = len(POWERSHELL) + sum(len(a) + 1 for a in args)
    if length > _MAX_COMMAND_LINE:  # each character of the inputs takes about 3.6 on the command line
        raise WinRmUnavailable(f"the inputs are too long for one PowerShell command line ({length} "
                               f"characters, at most {_MAX_COMMAND_LINE}): shorten description or comment")
    return args


@dataclass(frozen=True)
class Completed:
    """What came back from powershell.exe."""

    stdout: bytes
    stderr: bytes
    exit_code: int


@dataclass(frozen=True)
class Outcome:
    """A script's answer: exactly one of value (kind "ok"), problem or error is meaningful."""

    kind: str  # "ok" | "problem" | "error"
    value: Any


class ScriptFailure(Exception):
    """powershell.exe ended without an answer (it could not start, or the script did not parse)."""

    def __init__(self, exit_code: int, detail: str) -> None:
        self.exit_code = exit_code
        self.detail = detail
        super().__init__(f"PowerShell exited with code {exit_code} without an answer: {detail}")


def read_outcome(completed: Completed) -> Outcome:
    for line in reversed(completed.stdout.decode("utf-8", "replace").splitlines()):
        line = line.strip()
        if not line.startswith(MARKER):
            continue
        try:
            envelope = json.loads(base64.b64decode(line[len(MARKER):], validate=True).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            break
        if isinstance(envelope, dict) and len(envelope) == 1:
            kind, value = next(iter(envelope.items()))
            if kind in ("ok", "problem", "error"):
                return Outcome(kind, value)
        break
    detail = clean_stderr(completed.stderr) or completed.stdout.decode("utf-8", "replace").strip()[-500:]
    raise ScriptFailure(completed.exit_code, detail or "no output")


def as_list(value: Any) -> list[Any]:
    """ConvertTo-Json's array, whatever shape PowerShell gave it: none, one object, a list, or Windows
    PowerShell 5.1's {"value": [...], "Count": n} wrapping."""
    if value is None:
        return []
    if isinstance(value, dict) and set(value) == {"value", "Count"}:
        return as_list(value["value"])
    return value if isinstance(value, list) else [value]


_CLIXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def clean_stderr(stderr: bytes) -> str:
    """PowerShell's stderr in plain words: over WinRM it comes as CLIXML (`#< CLIXML` then <Objs>)."""
    text = stderr.decode("utf-8", "replace").strip()
    if not text.startswith("#< CLIXML"):
        return text[:500]
    messages = []
    try:
        root = ET.fromstring(text.split("\n", 1)[1] if "\n" in text else "")
    except ET.ParseError:
        return text[:500]
    for node in root.iter():
        if node.tag.rsplit("}", 1)[-1] == "S" and node.get("S") == "Error" and node.text:
            messages.append(_CLIXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), node.text))
    joined = " ".join("".join(messages).split())
    return joined[:500] if joined else text[:500]
