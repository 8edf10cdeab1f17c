from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.activity import ActivityType, RunContext

from .common import COLOR, CheckpointRow, VmProperties, only, vm_manager


class NewCheckpointProperties(VmProperties):
    name: str = Field("", title="Checkpoint name",
                      description="The checkpoint's name (default: the VM's name and the time)")
    description: str = Field("", description="Kept with the checkpoint")


class NewCheckpoint(ActivityType):
    type_name = "vmm.new_checkpoint"
    display_name = "New VM Checkpoint"
    description = "Takes a checkpoint of a VM and records the VM's status at that moment."
    icon = "checkpoint"
    color = COLOR
    subject_field = "vm_name"
    Properties = NewCheckpointProperties
    Published = CheckpointRow

    async def run(self, properties: NewCheckpointProperties, context: RunContext) -> dict[str, Any]:
        manager = vm_manager(context, properties.connection)
        checkpoint = await manager.new_checkpoint(properties.vm_id, properties.name, properties.description)
        return only(CheckpointRow, checkpoint)
