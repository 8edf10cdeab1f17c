from __future__ import annotations

from typing import Any

from engine.activity import ActivityType, RunContext

from .common import COLOR, CheckpointIdProperties, CheckpointRef, only, vm_manager


class RestoreCheckpoint(ActivityType):
    type_name = "vmm.restore_checkpoint"
    display_name = "Restore VM Checkpoint"
    description = "Returns a VM to one of its checkpoints."
    icon = "checkpoint_restore"
    color = COLOR
    subject_field = "vm_name"
    Properties = CheckpointIdProperties
    Published = CheckpointRef

    async def run(self, properties: CheckpointIdProperties, context: RunContext) -> dict[str, Any]:
        manager = vm_manager(context, properties.connection)
        return only(CheckpointRef, (await manager.restore_checkpoint(properties.checkpoint_id)).row())
