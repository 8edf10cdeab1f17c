"""The `scvmm` connection kind: VMs of System Center Virtual Machine Manager, through the
VirtualMachineManager cmdlets run over WinRM.

    [connections.vmm01]
    kind = "scvmm"
    host = "vmm01.contoso.local"          # runs the scripts (has the VMM console's PowerShell module)
    vmm_server = "localhost"              # the VMM server, as seen from host (default: host itself)
    username = "CONTOSO\\\\svc-runbook"
    password_env = "INTERLOCK_VMM01_PASSWORD"

VMs are addressed by ID (a name is accepted when it is unique). Custom properties 1..10 are VMM's Custom1
.. Custom10 (from the VM's CustomProperty values of those names, or the legacy Custom1..Custom10
properties). A checkpoint taken here keeps the VM's status at that moment in its description's last line,
"(taken by Interlock while the VM was PowerOff)", which is how listing reads it back.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import Field

from nodes.backends.interface import CUSTOM_PROPERTIES, CheckpointRecord, VmRecord, VmStatus

from .kind import winrm_kind
from .options import WinRmOptions
from .values import text, utc_text
from .vms import ALLOWED_HELPER, STOP_SWITCH, VmScripts, WinRmVmManager


class ScvmmOptions(WinRmOptions):
    vmm_server: str = Field("localhost", min_length=1,
                            description="The VMM management server, as seen from host (Get-SCVMMServer)")


# VMM's VMComputerSystemState words; every other one (UnderCreation, Missing, HostNotResponding, ...) is
# Unknown, with the word kept in raw_status.
STATUSES: dict[str, VmStatus] = {
    "Running": "Running", "PowerOff": "Stopped", "Paused": "Paused", "Saved": "Saved",
    "Starting": "Starting", "Resuming": "Starting", "Restoring": "Starting",
    "PoweringOff": "Stopping", "Stopping": "Stopping", "Saving": "Stopping", "Pausing": "Stopping",
}

_HELPERS = ALLOWED_HELPER + r"""
function ConvertTo-VmRow($Vm) {
  $named = [ordered]@{}
  if ($Vm.CustomProperty) {
    foreach ($key in $Vm.CustomProperty.Keys) { $named[[string]$key] = [string]$Vm.CustomProperty[$key] }
  }
  $row = [ordered]@{
    ID = [string]$Vm.ID; Name = [string]$Vm.Name; Status = [string]$Vm.Status
    HostName = [string]$Vm.HostName; CustomProperty = $named
  }
  foreach ($n in 1..10) {
    $p = $Vm.PSObject.Properties["Custom$n"]
    if ($p) { $row["Custom$n"] = [string]$p.Value }
  }
  $row
}
function ConvertTo-CheckpointRow($Checkpoint) {
  [ordered]@{
    ID = [string]$Checkpoint.ID; Name = [string]$Checkpoint.Name
    Description = [string]$Checkpoint.Description; AddedTime = (Format-Utc $Checkpoint.AddedTime)
    VMId = [string]$Checkpoint.VM.ID; VM = [string]$Checkpoint.VM.Name
  }
}
function Find-Vm($Key) {
  $found = @()
  $id = [guid]::Empty
  if ([guid]::TryParse([string]$Key, [ref]$id)) {
    $found = @(Get-SCVirtualMachine -VMMServer $vmm -ID $id -ErrorAction SilentlyContinue)
  }
  if ($found.Count -eq 0) {
    $named = @(Get-SCVirtualMachine -VMMServer $vmm -Name ([string]$Key))
    $found = @($named | Where-Object { $_.Name -eq [string]$Key })
  }
  if ($found.Count -ne 1) { Send-Problem 'vm' @{ count = $found.Count } }
  $found[0]
}
function Find-Checkpoint($Key) {
  $found = @(Get-SCVMCheckpoint -VMMServer $vmm -ID ([guid][string]$Key) -ErrorAction SilentlyContinue)
  if ($found.Count -ne 1) { Send-Problem 'checkpoint' @{ count = $found.Count } }
  $found[0]
}"""

_CONNECT = """Import-Module VirtualMachineManager
$vmm = Get-SCVMMServer -ComputerName $in.vmm_server
"""
# Each operation re-reads the VM after its cmdlet, so the record shows what VMM holds now.
_AFTER = """
Send-Result 'ok' (ConvertTo-VmRow (Get-SCVirtualMachine -VMMServer $vmm -ID $vm.ID))"""
_CHECK = """$vm = Find-Vm $in.vm
Assert-Allowed ([string]$vm.Status) ([string]$vm.Name)
"""

_SCRIPTS = VmScripts(
    list_vms=_CONNECT + """$vms = @(Get-SCVirtualMachine -VMMServer $vmm -All)
Send-Result 'ok' @($vms | ForEach-Object { ConvertTo-VmRow $_ })""",
    get_vm=_CONNECT + """Send-Result 'ok' (ConvertTo-VmRow (Find-Vm $in.vm))""",
    # A Paused VM is resumed; Stopped and Saved ones are started (a Saved one restores its state).
    start_vm=_CONNECT + _CHECK + """if ([string]$vm.Status -eq 'Paused') {
  $null = Resume-SCVirtualMachine -VM $vm
} else {
  $null = Start-SCVirtualMachine -VM $vm
}""" + _AFTER,
    stop_vm=_CONNECT + _CHECK + f"$null = Stop-SCVirtualMachine -VM $vm {STOP_SWITCH}" + _AFTER,
    new_checkpoint=_CONNECT + """$vm = Find-Vm $in.vm
$status = [string]$vm.Status
$name = [string]$in.name
if (-not $name) { $name = '{0} {1}' -f $vm.Name, (Get-Date).ToUniversalTime().ToString('s') }
$note = "(taken by Interlock while the VM was $status)"
$description = (@([string]$in.description, $note) | Where-Object { $_ }) -join "`n"
$checkpoint = New-SCVMCheckpoint -VM $vm -Name $name -Description $description
if (-not $checkpoint) { $checkpoint = Get-SCVMCheckpoint -VMMServer $vmm -VM $vm -MostRecent }
Send-Result 'ok' @{ checkpoint = (ConvertTo-CheckpointRow $checkpoint); status = $status }""",
    list_checkpoints=_CONNECT + """$vm = Find-Vm $in.vm
$checkpoints = @(Get-SCVMCheckpoint -VMMServer $vmm -VM $vm)
Send-Result 'ok' @($checkpoints | ForEach-Object { ConvertTo-CheckpointRow $_ })""",
    restore_checkpoint=_CONNECT + """$checkpoint = Find-Checkpoint $in.checkpoint
$null = Restore-SCVMCheckpoint -VMCheckpoint $checkpoint -Confirm:$false
Send-Result 'ok' (ConvertTo-CheckpointRow $checkpoint)""",
    remove_checkpoint=_CONNECT + """$checkpoint = Find-Checkpoint $in.checkpoint
$row = ConvertTo-CheckpointRow $checkpoint
$null = Remove-SCVMCheckpoint -VMCheckpoint $checkpoint -Confirm:$false
Send-Result 'ok' $row""",
)

_TAKEN_WHILE = re.compile(r"\s*\(taken by Interlock while the VM was ([A-Za-z]+)\)\s*$")


class ScvmmBackend(WinRmVmManager):
    module = "VirtualMachineManager (installed with the VMM console)"
    helpers = _HELPERS
    statuses = STATUSES
    scripts = _SCRIPTS
    stop_switches: ClassVar[dict[str, str]] = {"shutdown": "-Shutdown", "turn_off": "-Force",
                                               "save": "-SaveState"}

    @property
    def vmm_server(self) -> str:
        assert isinstance(self.options, ScvmmOptions)
        return self.options.vmm_server

    @property
    def where(self) -> str:
        if self.vmm_server.lower() in ("localhost", ".", self.settings.host.lower()):
            return f"VMM server {self.settings.host}"
        return f"VMM server {self.vmm_server} via {self.settings.host}"

    def target_inputs(self) -> dict[str, Any]:
        return {"vmm_server": self.vmm_server}

    def vm_record(self, row: dict[str, Any]) -> VmRecord:
        raw = text(row.get("Status"))
        return VmRecord(vm_id=text(row.get("ID")), vm_name=text(row.get("Name")), status=self.status(raw),
                        raw_status=raw, host=text(row.get("HostName")),
                        custom_properties=custom_properties(row))

    def checkpoint_record(self, row: dict[str, Any], vm_status: VmStatus | None = None) -> CheckpointRecord:
        description = text(row.get("Description"))
        taken_while = _TAKEN_WHILE.search(description)
        if taken_while:
            description = description[:taken_while.start()]
            vm_status = vm_status or self.status(taken_while.group(1))
        return CheckpointRecord(checkpoint_id=text(row.get("ID")), checkpoint_name=text(row.get("Name")),
                                description=description, vm_id=text(row.get("VMId")),
                                vm_name=text(row.get("VM")), created_at=utc_text(row.get("AddedTime")),
                                vm_status=vm_status or "Unknown")


def custom_properties(row: dict[str, Any]) -> dict[int, str]:
    """Custom1..Custom10: the legacy properties when the VM has them, else the CustomProperty values of
    those names (VMM 2012 and later keep them there)."""
    named = row.get("CustomProperty")
    named = named if isinstance(named, dict) else {}
    found = {}
    for n in CUSTOM_PROPERTIES:
        value = text(row.get(f"Custom{n}")) or text(named.get(f"Custom{n}"))
        if value:
            found[n] = value
    return found


SCVMM = winrm_kind("scvmm", "System Center Virtual Machine Manager", ScvmmOptions, ScvmmBackend,
                   "VMs and checkpoints of an SCVMM server, through its PowerShell cmdlets over WinRM.")
