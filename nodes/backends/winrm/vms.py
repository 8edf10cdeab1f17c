"""The VM-manager operations as SCVMM and Hyper-V both do them: find the VM (by id, else by a unique
name), check its state against what the operation allows, run the cmdlet, answer with the VM or the
checkpoint. The kinds give the scripts, their status words and how to read their rows."""

from __future__ import annotations

import uuid
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from nodes.backends.interface import (
    STARTABLE,
    STOP_FROM,
    CheckpointRecord,
    StopMode,
    VmManager,
    VmRecord,
    VmStatus,
    refusal,
)

from .remote import Explain, PowerShellBackend
from .script import as_list

STOP_SWITCH = "__STOP_SWITCH__"  # where a kind's stop script takes the switch of the mode


# Refuses an operation the VM's state does not allow, before any cmdlet changes anything; the allowed raw
# statuses come in the inputs, so the rule stays in Python.
ALLOWED_HELPER = r"""function Assert-Allowed($Status, $Name) {
  if (@($in.allowed) -notcontains $Status) { Send-Problem 'state' @{ status = $Status; name = $Name } }
}"""


@dataclass(frozen=True)
class VmScripts:
    """A kind's script body per operation (they run with the kind's helpers and `$in`)."""

    list_vms: str
    get_vm: str
    start_vm: str
    stop_vm: str  # with STOP_SWITCH where the mode's switch goes
    new_checkpoint: str
    list_checkpoints: str
    restore_checkpoint: str
    remove_checkpoint: str


class WinRmVmManager(PowerShellBackend, VmManager):
    statuses: ClassVar[Mapping[str, VmStatus]]  # the kind's raw status words; any other is Unknown
    scripts: ClassVar[VmScripts]
    stop_switches: ClassVar[Mapping[str, str]]  # StopMode -> the cmdlet's switch(es), fixed text

    @abstractmethod
    def target_inputs(self) -> dict[str, Any]:
        """The inputs every script gets: which server the cmdlets address."""

    @abstractmethod
    def vm_record(self, row: dict[str, Any]) -> VmRecord: ...

    @abstractmethod
    def checkpoint_record(self, row: dict[str, Any], vm_status: VmStatus | None = None) -> CheckpointRecord:
        """A checkpoint row as a record; vm_status when the caller knows it (it just took it)."""

    def status(self, raw: Any) -> VmStatus:
        return self.statuses.get(str(raw), "Unknown")

    def _raw_statuses(self, wanted: tuple[VmStatus, ...]) -> list[str]:
        return sorted(raw for raw, status in self.statuses.items() if status in wanted)

    def _inputs(self, **values: Any) -> dict[str, Any]:
        return {**self.target_inputs(), **values}

    async def probe(self) -> str:
        """`interlock connections test`: one cheap read that needs every right but the changing ones."""
        return f"{len(await self.list_vms())} VMs visible on {self.where}"

    # -- operations ----------------------------------------------------------------------------------

    async def list_vms(self) -> list[VmRecord]:
        rows = await self.run("list VMs", None, self.scripts.list_vms, self._inputs(), self._explain(""))
        return [self.vm_record(row) for row in as_list(rows)]

    async def get_vm(self, vm: str) -> VmRecord:
        row = await self.run("get VM", vm, self.scripts.get_vm, self._inputs(vm=vm), self._explain(vm))
        return self.vm_record(row)

    async def start_vm(self, vm: str) -> VmRecord:
        inputs = self._inputs(vm=vm, allowed=self._raw_statuses(STARTABLE))
        row = await self.run("start VM", vm, self.scripts.start_vm, inputs, self._explain(vm, "start"))
        return self.vm_record(row)

    async def stop_vm(self, vm: str, mode: StopMode = "shutdown") -> VmRecord:
        body = self.scripts.stop_vm.replace(STOP_SWITCH, self.stop_switches[mode])
        inputs = self._inputs(vm=vm, allowed=self._raw_statuses(STOP_FROM[mode]))
        row = await self.run("stop VM", vm, body, inputs, self._explain(vm, "stop", mode))
        return self.vm_record(row)

    async def new_checkpoint(self, vm: str, name: str, description: str = "") -> CheckpointRecord:
        inputs = self._inputs(vm=vm, name=name, description=description)
        taken = await self.run("new checkpoint", vm, self.scripts.new_checkpoint, inputs, self._explain(vm))
        return self.checkpoint_record(taken["checkpoint"], self.status(taken["status"]))

    async def list_checkpoints(self, vm: str) -> list[CheckpointRecord]:
        rows = await self.run("get checkpoints", vm, self.scripts.list_checkpoints, self._inputs(vm=vm),
                              self._explain(vm))
        records = [self.checkpoint_record(row) for row in as_list(rows)]
        return sorted(records, key=lambda record: record.created_at)  # oldest first, whatever the server sent

    async def restore_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        return await self._on_checkpoint("restore checkpoint", checkpoint_id, self.scripts.restore_checkpoint)

    async def remove_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        return await self._on_checkpoint("remove checkpoint", checkpoint_id, self.scripts.remove_checkpoint)

    async def _on_checkpoint(self, operation: str, checkpoint_id: str, body: str) -> CheckpointRecord:
        try:
            uuid.UUID(checkpoint_id)
        except ValueError:
            why = f"no checkpoint with id {checkpoint_id!r}: checkpoint ids here are GUIDs"
            raise self._error(operation, checkpoint_id, why) from None
        row = await self.run(operation, checkpoint_id, body, self._inputs(checkpoint=checkpoint_id),
                             self._explain(checkpoint_id))
        return self.checkpoint_record(row)

    # -- problems the scripts report -----------------------------------------------------------------

    def _explain(self, asked: str, action: str = "", mode: StopMode | None = None) -> Explain:
        def explain(problem: dict[str, Any]) -> str:
            kind, count = problem.get("kind"), problem.get("count", 0)
            if kind == "vm" and count:
                return f"{count} VMs are named {asked!r} on {self.where}: give the VM's id"
            if kind == "vm":
                return (f"no VM with id or name {asked!r} on {self.where} (or user {self.settings.who} may "
                        f"not see it)")
            if kind == "checkpoint":
                return f"no checkpoint with id {asked!r} on {self.where}"
            if kind == "state":
                return self._wrong_state(str(problem.get("name") or asked), str(problem.get("status")),
                                         action, mode)
            return f"the script reported {problem!r}"
        return explain

    def _wrong_state(self, name: str, raw: str, action: str, mode: StopMode | None) -> str:
        return refusal("start" if action == "start" else "stop", name, self.status(raw), raw, mode)
