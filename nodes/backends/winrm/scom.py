"""The `scom` connection kind: maintenance mode in System Center Operations Manager, through the
OperationsManager cmdlets run over WinRM.

    [connections.scom01]
    kind = "scom"
    host = "scom01.contoso.local"         # runs the scripts (has the Operations console's module)
    management_server = "localhost"       # as seen from host (default: host itself)
    object_class = "Microsoft.Windows.Computer"   # optional: only objects of this class
    username = "CONTOSO\\\\svc-runbook"
    password_env = "INTERLOCK_SCOM01_PASSWORD"

An object is found by display name: exactly, else as the first label of a name with a domain (a VM
"web01" finds the computer "web01.contoso.local"). Maintenance starts with Start-SCOMMaintenanceMode and
ends with Set-SCOMMaintenanceMode -EndTime now, as Microsoft documents it.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import Field

from nodes.backends.interface import BackendError, MaintenanceReason, MaintenanceRecord, MaintenanceSystem

from .kind import winrm_kind
from .options import WinRmOptions
from .remote import Explain, PowerShellBackend
from .values import text, utc_text

MIN_DURATION_MIN = 5  # SCOM refuses shorter maintenance windows
REASONS: tuple[str, ...] = get_args(MaintenanceReason)


class ScomOptions(WinRmOptions):
    management_server: str = Field("localhost", min_length=1,
                                   description="The management server, as seen from host")
    object_class: str | None = Field(None, min_length=1, description="Only objects of this class (its "
                                                                     "Name, e.g. Microsoft.Windows.Computer)")


_HELPERS = r"""
function Find-Object($Name) {
  $pattern = [System.Management.Automation.WildcardPattern]::Escape([string]$Name)
  if ($in.object_class) {
    $class = Get-SCOMClass -Name $in.object_class
    if (-not $class) { Send-Problem 'class' @{} }
    $all = @(Get-SCOMClassInstance -Class $class | Where-Object { $_.DisplayName -like ($pattern + '*') })
  } else {
    $all = @(Get-SCOMClassInstance -DisplayName ($pattern + '*'))
  }
  $found = @($all | Where-Object { $_.DisplayName -eq [string]$Name })
  if ($found.Count -eq 0) { $found = @($all | Where-Object { $_.DisplayName -like ($pattern + '.*') }) }
  if ($found.Count -ne 1) {
    $first = @($found | Select-Object -First 5)
    $names = @($first | ForEach-Object { '{0} ({1})' -f $_.DisplayName, $_.FullName })
    Send-Problem 'object' @{ count = $found.Count; candidates = $names }
  }
  $found[0]
}
function ConvertTo-WindowRow($Object, $Window) {
  [ordered]@{
    DisplayName = [string]$Object.DisplayName; Reason = [string]$Window.Reason
    Comments = [string]$Window.Comments; StartTime = (Format-Utc $Window.StartTime)
    ScheduledEndTime = (Format-Utc $Window.ScheduledEndTime); EndTime = (Format-Utc $Window.EndTime)
  }
}"""

_CONNECT = """Import-Module OperationsManager
$null = New-SCOMManagementGroupConnection -ComputerName $in.management_server
"""
_FIND = """$object = Find-Object $in.object
"""

_PROBE = _CONNECT + """$group = Get-SCOMManagementGroup
Send-Result 'ok' ([ordered]@{ Name = [string]$group.Name; Version = [string]$group.Version })"""

# When the new window cannot be read back yet, the record shows what was asked for.
_START = _CONNECT + _FIND + """if ($object.InMaintenanceMode) {
  $active = @(Get-SCOMMaintenanceMode -Instance $object)[0]
  Send-Problem 'in_maintenance' @{ end = (Format-Utc $active.ScheduledEndTime) }
}
$begin = Get-Date
$end = $begin.AddMinutes([int]$in.duration_min)
Start-SCOMMaintenanceMode -Instance $object -EndTime $end -Reason $in.reason -Comment ([string]$in.comment)
$window = @(Get-SCOMMaintenanceMode -Instance $object)[0]
if (-not $window) {
  $window = @{
    Reason = $in.reason; Comments = [string]$in.comment; StartTime = $begin; ScheduledEndTime = $end
  }
}
Send-Result 'ok' (ConvertTo-WindowRow $object $window)"""

_STOP = _CONNECT + _FIND + """if (-not $object.InMaintenanceMode) { Send-Problem 'not_in_maintenance' @{} }
$window = @(Get-SCOMMaintenanceMode -Instance $object)[0]
$now = Get-Date
Set-SCOMMaintenanceMode -MaintenanceModeEntry $window -EndTime $now
$row = ConvertTo-WindowRow $object $window
$row.EndTime = Format-Utc $now
Send-Result 'ok' $row"""


class ScomBackend(PowerShellBackend, MaintenanceSystem):
    module = "OperationsManager (installed with the Operations console)"
    helpers = _HELPERS

    @property
    def scom_options(self) -> ScomOptions:
        assert isinstance(self.options, ScomOptions)
        return self.options

    @property
    def where(self) -> str:
        server = self.scom_options.management_server
        if server.lower() in ("localhost", ".", self.settings.host.lower()):
            return f"management server {self.settings.host}"
        return f"management server {server} via {self.settings.host}"

    def _inputs(self, obj: str, **values: Any) -> dict[str, Any]:
        return {"management_server": self.scom_options.management_server,
                "object_class": self.scom_options.object_class or "", "object": obj, **values}

    async def probe(self) -> str:
        """`interlock connections test`: the management group the connection reaches."""
        inputs = {"management_server": self.scom_options.management_server}
        group = await self.run("test connection", None, _PROBE, inputs, lambda problem: f"{problem!r}")
        name, version = text(group.get("Name")), text(group.get("Version"))
        return f"management group {name} (Operations Manager {version}) on {self.where}"

    async def start_maintenance(self, obj: str, reason: str, duration_min: int,
                                comment: str) -> MaintenanceRecord:
        operation = "start maintenance"
        if reason not in REASONS:
            raise BackendError(self.connection, operation, f"reason {reason!r} is not one of SCOM's: "
                                                           f"{', '.join(REASONS)}", target=obj)
        if duration_min < MIN_DURATION_MIN:
            raise BackendError(self.connection, operation, f"duration_min {duration_min} is too short: SCOM "
                                                           f"needs at least {MIN_DURATION_MIN}", target=obj)
        inputs = self._inputs(obj, reason=reason, duration_min=duration_min, comment=comment)
        row = await self.run(operation, obj, _START, inputs, self._explain(obj))
        return self._record(row, end_field="ScheduledEndTime")

    async def stop_maintenance(self, obj: str) -> MaintenanceRecord:
        row = await self.run("stop maintenance", obj, _STOP, self._inputs(obj), self._explain(obj))
        return self._record(row, end_field="EndTime")

    @staticmethod
    def _record(row: dict[str, Any], end_field: str) -> MaintenanceRecord:
        return MaintenanceRecord(object=text(row.get("DisplayName")), reason=text(row.get("Reason")),
                                 comment=text(row.get("Comments")), start_time=utc_text(row.get("StartTime")),
                                 end_time=utc_text(row.get(end_field)))

    def _explain(self, obj: str) -> Explain:
        object_class = self.scom_options.object_class

        def explain(problem: dict[str, Any]) -> str:
            kind = problem.get("kind")
            of_class = f" of class {object_class}" if object_class else ""
            if kind == "class":
                return f'no class named {object_class!r} on {self.where} (key "object_class")'
            if kind == "object" and problem.get("count"):
                candidates = ", ".join(str(c) for c in problem.get("candidates") or [])
                return (f"{problem['count']} monitored objects{of_class} match {obj!r} on {self.where} "
                        f"({candidates}): set object_class in the connection to choose one class")
            if kind == "object":
                return (f"no monitored object{of_class} with display name {obj!r} (or {obj}.<domain>) "
                        f"on {self.where}")
            if kind == "in_maintenance":
                return f"{obj} is already in maintenance until {utc_text(problem.get('end'))}"
            if kind == "not_in_maintenance":
                return f"{obj} is not in maintenance"
            return f"the script reported {problem!r}"
        return explain


SCOM = winrm_kind("scom", "System Center Operations Manager", ScomOptions, ScomBackend,
                  "Maintenance mode of SCOM monitored objects, through its PowerShell cmdlets over WinRM.")
