from __future__ import annotations

from typing import Any

from engine.activity import ActivityType, RunContext

from .common import COLOR, VmChange, VmProperties, only, vm_manager


class StartVm(ActivityType):
    type_name = "vmm.start_vm"
    display_name = "Start VM"
    description = "Starts (or resumes) a VM that is not running. Starting a Running VM is an error."
    icon = "vm_start"
    color = COLOR
    subject_field = "vm_name"
    Properties = VmProperties
    Published = VmChange

    async def run(self, properties: VmProperties, context: RunContext) -> dict[str, Any]:
        vm = await vm_manager(context, properties.connection).start_vm(properties.vm_id)
        return only(VmChange, vm)
