"""Windows services and the Windows event log on a host of a `winrm` connection.

Each operation is one fixed PowerShell script run through the WinRM script wrapper
(nodes.backends.winrm.script): the service name, the message and the source reach PowerShell only as
data ($in.x, decoded from base64 JSON), never as script text. A service is found by exact name, then by
exact display name (-eq, never a wildcard), and changed with ServiceController.Start()/Stop(), which
return at once: Start/Stop Service then polls with its own bounded wait, where Start-Service would wait
without a limit.
"""

from __future__ import annotations

from typing import Any, Literal

from nodes.backends.winrm.host import WinRmHost

from .common import Place
from .servicestate import Action, ServiceState, StartType, Status

_FIND = r"""$all = @(Get-Service)
$found = @($all | Where-Object { $_.Name -eq $in.service })
if ($found.Count -eq 0) { $found = @($all | Where-Object { $_.DisplayName -eq $in.service }) }
if ($found.Count -ne 1) { Send-Problem 'service' @{ count = $found.Count } }
$svc = $found[0]
"""

STATUS_SCRIPT = _FIND + r"""$cim = @(Get-CimInstance -ClassName Win32_Service |
  Where-Object { $_.Name -eq $svc.Name })
$mode = ''
$delayed = $false
if ($cim.Count -eq 1) { $mode = [string]$cim[0].StartMode; $delayed = [bool]$cim[0].DelayedAutoStart }
Send-Result 'ok' @{
  name = [string]$svc.Name; display_name = [string]$svc.DisplayName; status = [string]$svc.Status
  start_mode = $mode; delayed = $delayed; computer = [string]$env:COMPUTERNAME
}"""

REQUEST_SCRIPT = _FIND + r"""if ($in.action -eq 'start') { $svc.Start() }
elseif ($in.action -eq 'stop') { $svc.Stop() }
Send-Result 'ok' @{ name = [string]$svc.Name }"""

EVENT_LOG_SCRIPT = r"""if (-not [System.Diagnostics.EventLog]::SourceExists($in.source)) {
  New-EventLog -LogName $in.log -Source $in.source
}
Write-EventLog -LogName $in.log -Source $in.source -EntryType $in.type -EventId $in.id -Message $in.message
Send-Result 'ok' @{ computer = [string]$env:COMPUTERNAME }"""

# ServiceController.Status, normalised (a pause in progress is on its way out of running).
_STATUS: dict[str, Status] = {
    "Running": "running", "Stopped": "stopped", "StartPending": "starting", "StopPending": "stopping",
    "ContinuePending": "starting", "PausePending": "stopping", "Paused": "paused"}
_START_TYPE: dict[str, StartType] = {"Auto": "auto", "Manual": "manual", "Disabled": "disabled",
                                     "Boot": "boot", "System": "system"}
EntryType = Literal["Information", "Warning", "Error"]


def _missing(problem: dict[str, Any]) -> str:
    count = problem.get("count", 0)
    if count:
        return f"{count} services have that display name: give the service's name"
    return "no service has that name or display name (Get-Service)"


def state_of(found: dict[str, Any]) -> ServiceState:
    mode = str(found.get("start_mode") or "")
    raw_start = f"{mode} (Delayed Start)" if mode == "Auto" and found.get("delayed") else mode
    raw = str(found.get("status") or "")
    return ServiceState(
        service=str(found.get("name") or ""), display_name=str(found.get("display_name") or ""),
        status=_STATUS.get(raw, "unknown"), raw_status=raw, start_type=_START_TYPE.get(mode, "unknown"),
        raw_start_type=raw_start, computer=str(found.get("computer") or ""))


class WindowsServices:
    """The services of a Windows host."""

    native_restart = False  # Windows has no restart request: stop, wait, start

    def __init__(self, host: WinRmHost) -> None:
        self.host = host
        self.place = Place(host.connection, host.settings.host)

    async def status(self, service: str) -> ServiceState:
        found = await self.host.run("get status of service", service, STATUS_SCRIPT, {"service": service},
                                    _missing)
        return state_of(found)

    async def request(self, service: str, action: Action) -> None:
        await self.host.run(f"{action} service", service, REQUEST_SCRIPT,
                            {"service": service, "action": action}, _missing)


async def write_event_log(host: WinRmHost, *, source: str, entry_type: EntryType, event_id: int,
                          message: str, log: str = "Application") -> str:
    """Write one entry into a Windows event log (registering the source in it when new, which needs an
    administrator); the computer's name."""
    found = await host.run("write event log entry", f"to {log} log", EVENT_LOG_SCRIPT,
                           {"source": source, "type": entry_type, "id": event_id,
                            "message": message, "log": log},
                           lambda problem: str(problem))
    return str(found.get("computer") or host.settings.host)
