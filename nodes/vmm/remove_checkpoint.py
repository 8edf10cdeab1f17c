from __future__ import annotations

from typing import Any

from engine.activity import ActivityType, RunContext

from .common import COLOR, CheckpointIdProperties, CheckpointRef, only, vm_manager


class RemoveCheckpoint(ActivityType):
    type_name = "vmm.remove_checkpoint"
    display_name = "Remove VM Checkpoint"
    description = "Deletes a checkpoint."
    icon = "checkpoint_remove"
    color = COLOR
    subject_field = "vm_name"
    Properties = CheckpointIdProperties
    Published = CheckpointRef

    async def run(self, properties: CheckpointIdProperties, context: RunContext) -> dict[str, Any]:
        manager = vm_manager(context, properties.connection)
        return only(CheckpointRef, (await manager.remove_checkpoint(properties.checkpoint_id)).row())
