from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from engine.activity import ActivityType, RunContext
from engine.format.model import Op
from engine.run.conditions import compare
from nodes.backends.interface import CUSTOM_PROPERTIES, VM_FIELDS

from .common import COLOR, ConnectionProperties, vm_manager

VmField = Literal[VM_FIELDS]  # type: ignore[valid-type]


class VmFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: VmField = Field(title="Field", description="A published field of the VM")
    op: Op = Field(title="Operator",
                   description="How to compare (as on links: equals, contains, matches, ...)")
    value: Any = Field(None, description="What to compare with")


class GetVmProperties(ConnectionProperties):
    filters: list[VmFilter] = Field(default_factory=list,
                                    description="All must hold (AND); none: every VM of the connection")


# What each published field of a VM holds (the custom properties are the VM manager's own).
VM_FIELD_DOCS = {
    "vm_id": "The VM's id in the VM manager",
    "vm_name": "The VM's name",
    "status": "Running, Stopped, Paused, Saved or Unknown: the same words on every back-end",
    "raw_status": "The back-end's own word for the state (SCVMM \"PowerOff\", libvirt \"shutoff\", ...)",
    "host": "The host the VM runs on",
    **{f"custom_property_{n}": f"SCVMM's Custom{n} property of the VM (empty when not set)"
       for n in CUSTOM_PROPERTIES},
}
GetVmPublished = create_model("GetVmPublished", **{name: (str, Field(description=VM_FIELD_DOCS[name]))
                                                   for name in VM_FIELDS})


class GetVm(ActivityType):
    type_name = "vmm.get_vm"
    display_name = "Get VM"
    description = ("Lists the VMs that match the filters: one row per VM (id, name, status, host, "
                   "custom properties).")
    icon = "vm"
    color = COLOR
    subject_field = "vm_name"
    Properties = GetVmProperties
    Published = GetVmPublished

    async def run(self, properties: GetVmProperties, context: RunContext) -> list[dict[str, Any]]:
        vms = await vm_manager(context, properties.connection).list_vms()
        rows = []
        for vm in vms:
            row = vm.row()
            if all(self._holds(f, row, context) for f in properties.filters):
                rows.append(row)
        return rows

    @staticmethod
    def _holds(condition: VmFilter, row: dict[str, Any], context: RunContext) -> bool:
        holds, why = compare(row[condition.field], condition.op, condition.value)
        if why:
            context.log(f"filter {condition.field} {condition.op} {condition.value!r} on VM "
                        f"{row['vm_name']}: {why}", "warning")
        return holds
