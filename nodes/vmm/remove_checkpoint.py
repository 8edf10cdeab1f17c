from __future__ import annotations

from .common import CheckpointAction


class RemoveCheckpoint(CheckpointAction):
    type_name = "vmm.remove_checkpoint"
    display_name = "Remove VM Checkpoint"
    description = "Deletes a checkpoint."
    icon = "checkpoint_remove"
    operation = "remove_checkpoint"
