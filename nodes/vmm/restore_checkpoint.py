from __future__ import annotations

from .common import CheckpointAction


class RestoreCheckpoint(CheckpointAction):
    type_name = "vmm.restore_checkpoint"
    display_name = "Restore VM Checkpoint"
    description = "Returns a VM to one of its checkpoints."
    icon = "checkpoint_restore"
    operation = "restore_checkpoint"
