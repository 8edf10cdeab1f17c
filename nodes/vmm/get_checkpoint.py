from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.activity import ActivityType, RunContext

from .common import COLOR, CheckpointRow, VmProperties, only, vm_manager


class GetCheckpointProperties(VmProperties):
    most_recent: bool = Field(False, description="Only the newest checkpoint")


class GetCheckpoint(ActivityType):
    type_name = "vmm.get_checkpoint"
    display_name = "Get VM Checkpoint"
    description = "Lists a VM's checkpoints, oldest first: one row per checkpoint."
    icon = "checkpoint_list"
    color = COLOR
    subject_field = "vm_name"
    Properties = GetCheckpointProperties
    Published = CheckpointRow

    async def run(self, properties: GetCheckpointProperties, context: RunContext) -> list[dict[str, Any]]:
        checkpoints = await vm_manager(context, properties.connection).list_checkpoints(properties.vm_id)
        if properties.most_recent:
            checkpoints = checkpoints[-1:]
        return [only(CheckpointRow, c) for c in checkpoints]
