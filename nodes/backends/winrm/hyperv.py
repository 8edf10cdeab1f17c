"""The `hyperv` connection kind: VMs of a Hyper-V host, through the Hyper-V cmdlets run over WinRM.

    [connections.hv01]
    kind = "hyperv"
    host = "hv01.contoso.local"           # runs the scripts
    computer_name = "localhost"           # the Hyper-V host, as seen from host (default: host itself)
    username = "CONTOSO\\\\svc-runbook"
    password_env = "INTERLOCK_HV01_PASSWORD"

VMs are addressed by Id (a name is accepted when it is unique on the host). Custom properties live in
the VM's Notes as `custom_property_N=value` lines (DESIGN §4.1). Hyper-V keeps no description with a
checkpoint, and no record of the VM's state when it was taken: a listed checkpoint's vm_status is
Unknown (the one New VM Checkpoint returns knows it).
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


class HypervOptions(WinRmOptions):
    computer_name: str = Field("localhost", min_length=1,
                               description="The Hyper-V host, as seen from host (the cmdlets' -ComputerName)")


# Hyper-V's VMState words; the *Critical ones (storage lost), Other, Hibernated, ... are Unknown.
STATUSES: dict[str, VmStatus] = {
    "Running": "Running", "Off": "Stopped", "Saved": "Saved", "FastSaved": "Saved", "Paused": "Paused",
    "Starting": "Starting", "Resuming": "Starting", "Reset": "Starting",
    "Stopping": "Stopping", "Saving": "Stopping", "FastSaving": "Stopping", "Pausing": "Stopping",
    "ForceShutdown": "Stopping",
}

_HELPERS = ALLOWED_HELPER + r"""
function ConvertTo-VmRow($Vm) {
  [ordered]@{
    Id = [string]$Vm.Id; Name = [string]$Vm.Name; State = [string]$Vm.State
    ComputerName = [string]$Vm.ComputerName; Notes = [string]$Vm.Notes
  }
}
function ConvertTo-CheckpointRow($Snapshot) {
  [ordered]@{
    Id = [string]$Snapshot.Id; Name = [string]$Snapshot.Name; VMId = [string]$Snapshot.VMId
    VMName = [string]$Snapshot.VMName; CreationTime = (Format-Utc $Snapshot.CreationTime)
  }
}
function Find-Vm($Key) {
  $all = @(Get-VM -ComputerName $in.computer_name)
  $found = @($all | Where-Object { [string]$_.Id -eq [string]$Key })
  if ($found.Count -eq 0) { $found = @($all | Where-Object { $_.Name -eq [string]$Key }) }
  if ($found.Count -ne 1) { Send-Problem 'vm' @{ count = $found.Count } }
  $found[0]
}
function Find-Checkpoint($Key) {
  $all = @(Get-VM -ComputerName $in.computer_name | Get-VMSnapshot)
  $found = @($all | Where-Object { [string]$_.Id -eq [string]$Key })
  if ($found.Count -ne 1) { Send-Problem 'checkpoint' @{ count = $found.Count } }
  $found[0]
}"""

_CHECK = """Import-Module Hyper-V
$vm = Find-Vm $in.vm
Assert-Allowed ([string]$vm.State) ([string]$vm.Name)
"""
# Each operation re-reads the VM after its cmdlet, so the record shows what the host holds now.
_AFTER = """
Send-Result 'ok' (ConvertTo-VmRow (Get-VM -ComputerName $in.computer_name -Id $vm.Id))"""

_SCRIPTS = VmScripts(
    list_vms="""Import-Module Hyper-V
$vms = @(Get-VM -ComputerName $in.computer_name)
Send-Result 'ok' @($vms | ForEach-Object { ConvertTo-VmRow $_ })""",
    get_vm="""Import-Module Hyper-V
Send-Result 'ok' (ConvertTo-VmRow (Find-Vm $in.vm))""",
    # A Paused VM is resumed; Off and Saved ones are started (a Saved one restores its state).
    start_vm=_CHECK + """if ([string]$vm.State -eq 'Paused') {
  Resume-VM -VM $vm
} else {
  Start-VM -VM $vm
}""" + _AFTER,
    # -Force for shutdown: a guest with a locked session would otherwise ask for confirmation.
    stop_vm=_CHECK + f"Stop-VM -VM $vm {STOP_SWITCH} -Confirm:$false" + _AFTER,
    new_checkpoint="""Import-Module Hyper-V
$vm = Find-Vm $in.vm
$status = [string]$vm.State
$name = [string]$in.name
if (-not $name) { $name = '{0} {1}' -f $vm.Name, (Get-Date).ToUniversalTime().ToString('s') }
$snapshot = Checkpoint-VM -VM $vm -SnapshotName $name -Passthru
if (-not $snapshot) { $snapshot = Get-VMSnapshot -VM $vm | Sort-Object CreationTime | Select-Object -Last 1 }
Send-Result 'ok' @{ checkpoint = (ConvertTo-CheckpointRow $snapshot); status = $status }""",
    list_checkpoints="""Import-Module Hyper-V
$snapshots = @(Get-VMSnapshot -VM (Find-Vm $in.vm))
Send-Result 'ok' @($snapshots | ForEach-Object { ConvertTo-CheckpointRow $_ })""",
    restore_checkpoint="""Import-Module Hyper-V
$snapshot = Find-Checkpoint $in.checkpoint
Restore-VMSnapshot -VMSnapshot $snapshot -Confirm:$false
Send-Result 'ok' (ConvertTo-CheckpointRow $snapshot)""",
    remove_checkpoint="""Import-Module Hyper-V
$snapshot = Find-Checkpoint $in.checkpoint
$row = ConvertTo-CheckpointRow $snapshot
Remove-VMSnapshot -VMSnapshot $snapshot -Confirm:$false
Send-Result 'ok' $row""",
)

_PROPERTY_LINE = re.compile(r"^\s*custom_property_(\d+)\s*=(.*)$", re.IGNORECASE)


class HypervBackend(WinRmVmManager):
    module = "Hyper-V (Hyper-V Module for Windows PowerShell)"
    helpers = _HELPERS
    statuses = STATUSES
    scripts = _SCRIPTS
    stop_switches: ClassVar[dict[str, str]] = {"shutdown": "-Force", "turn_off": "-TurnOff", "save": "-Save"}

    @property
    def computer_name(self) -> str:
        assert isinstance(self.options, HypervOptions)
        return self.options.computer_name

    @property
    def where(self) -> str:
        if self.computer_name.lower() in ("localhost", ".", self.settings.host.lower()):
            return f"Hyper-V host {self.settings.host}"
        return f"Hyper-V host {self.computer_name} via {self.settings.host}"

    def target_inputs(self) -> dict[str, Any]:
        return {"computer_name": self.computer_name}

    def vm_record(self, row: dict[str, Any]) -> VmRecord:
        raw = text(row.get("State"))
        return VmRecord(vm_id=text(row.get("Id")), vm_name=text(row.get("Name")), status=self.status(raw),
                        raw_status=raw, host=text(row.get("ComputerName")),
                        custom_properties=notes_properties(text(row.get("Notes"))))

    def checkpoint_record(self, row: dict[str, Any], vm_status: VmStatus | None = None) -> CheckpointRecord:
        return CheckpointRecord(checkpoint_id=text(row.get("Id")), checkpoint_name=text(row.get("Name")),
                                vm_id=text(row.get("VMId")), vm_name=text(row.get("VMName")),
                                created_at=utc_text(row.get("CreationTime")),
                                vm_status=vm_status or "Unknown")


def notes_properties(notes: str) -> dict[int, str]:
    """custom_property_N=value lines of a VM's Notes (N in 1..10; other lines are the admins' own)."""
    found = {}
    for line in notes.splitlines():
        match = _PROPERTY_LINE.match(line)
        if match and int(match.group(1)) in CUSTOM_PROPERTIES:
            found[int(match.group(1))] = match.group(2).strip()
    return found


HYPERV = winrm_kind("hyperv", "Hyper-V", HypervOptions, HypervBackend,
                    "VMs and checkpoints of a Hyper-V host, through its PowerShell cmdlets over WinRM.")
