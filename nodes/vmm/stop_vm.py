from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.activity import ActivityType, RunContext
from nodes.backends.interface import StopMode

from .common import COLOR, VmChange, VmProperties, only, vm_manager


class StopVmProperties(VmProperties):
    mode: StopMode = Field("shutdown", description="shutdown (the guest shuts down), turn_off (power off) "
                                                   "or save (save state)")


class StopVm(ActivityType):
    type_name = "vmm.stop_vm"
    display_name = "Stop VM"
    description = ("Stops a running VM: shut down, turn off or save its state. Stopping a stopped VM is "
                   "an error.")
    icon = "vm_stop"
    color = COLOR
    subject_field = "vm_name"
    Properties = StopVmProperties
    Published = VmChange

    async def run(self, properties: StopVmProperties, context: RunContext) -> dict[str, Any]:
        vm = await vm_manager(context, properties.connection).stop_vm(properties.vm_id, properties.mode)
        return only(VmChange, vm)
