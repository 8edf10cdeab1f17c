"""The `winrm` connection kind: a plain Windows host that runs whole PowerShell scripts (Run Script,
script.run) over WinRM, with the same keys, transports and time limits as the other WinRM kinds.

    [connections.win01]
    kind = "winrm"
    host = "win01.contoso.local"
    username = "CONTOSO\\\\svc-runbook"
    password_env = "INTERLOCK_WIN01_PASSWORD"
"""

from __future__ import annotations

from typing import Any

from nodes.backends.interface import BackendError

from .errors import WinRmUnavailable
from .kind import winrm_kind
from .options import WinRmOptions
from .remote import PowerShellBackend
from .script import Completed

_PROBE = r"""$os = Get-CimInstance -ClassName Win32_OperatingSystem
Send-Result 'ok' @{
  computer = [string]$os.CSName; os = [string]$os.Caption; powershell = [string]$PSVersionTable.PSVersion
}"""


class WinRmHost(PowerShellBackend):
    """A Windows host: whole scripts, their output returned as it came (the caller reads the answer)."""

    module = ""

    async def run_script(self, script: str, timeout_s: float | None = None) -> Completed:
        """powershell.exe's output for a script made by script.compose; BackendError when the host could
        not be reached or would not run it (a script that failed is the caller's to read)."""
        try:
            return await self._calls.run(self._session.run_powershell, script, timeout_s)
        except WinRmUnavailable as exc:
            raise self._error("run script", None, str(exc)) from None

    async def probe(self) -> str:
        """`interlock connections test`: which Windows and PowerShell answered."""
        found: Any = await self.run("test connection", None, _PROBE, {}, lambda problem: str(problem))
        return f"{found['computer']}: {found['os']}, PowerShell {found['powershell']}"


WINRM = winrm_kind("winrm", "Windows host (WinRM)", WinRmOptions, WinRmHost,
                   "PowerShell scripts on a Windows host over WinRM (Run Script).")

__all__ = ["WINRM", "BackendError", "WinRmHost"]
