"""PowerShell scripts: the user's script inside the WinRM back-ends' script frame
(nodes/backends/winrm/script.py: stop at the first error, inputs decoded from base64 JSON, the answer as
one marker line), run by `pwsh` on this machine or by powershell.exe on a Windows host over WinRM.

The inputs become variables of their names, the subscribed values the array `$__interlock_data`; a
subscription `{{a.b}}` in the script stands for `$($__interlock_data[N])`, which PowerShell reads as the
value both bare (`$name = {{start.Name}}`) and inside double quotes (`"VM {{get_vm.name}}"`); a
single-quoted string holding one (`'{{start.Name}}'`, as Orchestrator scripts often have it) is made a
double-quoted one with the same characters (pslex.py), so the value expands there too. After the
script, the published variables are sent back as JSON (objects that are not text, numbers, booleans,
lists or tables as their text).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from engine.activity import CodeWithData
from engine.errors import ActivityError
from nodes.backends.winrm.script import Completed, compose
from nodes.core.run_program import communicate

from . import pslex

DATA = "$__interlock_data"
_SLOT = "\x00"  # marks where a value goes while the script is lexed
_SLOTS = re.compile(r"\x00(\d+)\x00")
BEGIN, END = "# <interlock:script>", "# </interlock:script>"  # where the user's script stands

# Values the JSON of the answer can hold as they are; others as their text (a process object would be
# hundreds of nested properties).
_HELPERS = r"""function ConvertTo-InterlockValue($Value) {
  if ($null -eq $Value) { return $null }
  if ($Value -is [datetime]) { return $Value.ToString('o') }
  if ($Value -is [string] -or $Value -is [bool] -or $Value -is [decimal] -or
      ($Value -is [ValueType] -and $Value.GetType().IsPrimitive)) { return $Value }
  if ($Value -is [Collections.IDictionary]) {
    $table = [ordered]@{}
    foreach ($key in $Value.Keys) { $table[[string]$key] = ConvertTo-InterlockValue $Value[$key] }
    return $table
  }
  if ($Value -is [Collections.IEnumerable]) {
    return ,@($Value | ForEach-Object { ConvertTo-InterlockValue $_ })
  }
  return [string]$Value
}"""

_BODY = r"""$__interlock_data = @($in.values)
$__interlock_published = @($in.published)
foreach ($__interlock_input in $in.inputs.PSObject.Properties) {
  Set-Variable -Name $__interlock_input.Name -Value $__interlock_input.Value
}
""" + BEGIN + "\n__SCRIPT__\n" + END + r"""
$__interlock_out = [ordered]@{}
foreach ($__interlock_name in $__interlock_published) {
  $__interlock_value = Get-Variable -Name $__interlock_name -ValueOnly -ErrorAction SilentlyContinue
  $__interlock_out[$__interlock_name] = ConvertTo-InterlockValue $__interlock_value
}
Send-Result 'ok' $__interlock_out"""


def script_text(code: CodeWithData) -> str:
    """The user's script with each subscription as `$($__interlock_data[N])`; a single-quoted string
    holding one becomes a double-quoted string with the same characters, so that it expands there."""
    if not code.values or any(_SLOT in piece for piece in code.pieces):
        return code.pieces[0] + "".join(f"$({DATA}[{i}]){p}" for i, p in enumerate(code.pieces[1:]))
    text = code.pieces[0] + "".join(f"{_SLOT}{i}{_SLOT}{p}" for i, p in enumerate(code.pieces[1:]))
    parts, pos = [], 0
    for span in pslex.single_quoted(text):
        if _SLOT in text[span.start:span.end]:
            parts += [text[pos:span.start], pslex.as_double_quoted(text, span)]
            pos = span.end
    parts.append(text[pos:])
    return _SLOTS.sub(lambda m: f"$({DATA}[{m.group(1)}])", "".join(parts))


def whole_script(code: CodeWithData, inputs: Mapping[str, Any], variables: Sequence[str]) -> str:
    data = {"inputs": dict(inputs), "values": list(code.values), "published": list(variables)}
    return compose(_BODY.replace("__SCRIPT__", script_text(code)), data, _HELPERS)


PWSH = "pwsh"
PWSH_ARGS = ("-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File")


async def run_local(script: str, env: dict[str, str], timeout_s: float | None) -> Completed:
    """The script run by PowerShell 7 (`pwsh`) on this machine, from a temporary .ps1 file."""
    pwsh = shutil.which(PWSH, path=env.get("PATH"))
    if pwsh is None:
        raise ActivityError('PowerShell is not installed on this machine ("pwsh" is not on PATH): install '
                            "PowerShell 7, or run the script on a Windows host through a winrm connection")
    folder = tempfile.mkdtemp(prefix="interlock-script-")
    path = os.path.join(folder, "script.ps1")
    try:
        with open(path, "w", encoding="utf-8-sig") as file:  # the BOM: Windows PowerShell reads UTF-8
            file.write(script)
        process = await asyncio.create_subprocess_exec(
            pwsh, *PWSH_ARGS, path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await communicate(process, timeout_s)
        except TimeoutError:
            raise ActivityError(f"the PowerShell script was killed after {timeout_s:g} s (timeout_s)") \
                from None
        return Completed(out, err, process.returncode if process.returncode is not None else -1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
