"""What the VM activities share: the connection property, the VM manager lookup, published rows."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext
from nodes.backends.interface import VmManager, backend_for

COLOR = "#2f6f9f"


class ConnectionProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = Field("default", description="The connection (from the config) of the VM manager")


class VmProperties(ConnectionProperties):
    vm_id: str = Field(min_length=1, description="The VM's id (the simulated lab also takes its name)")


class CheckpointIdProperties(ConnectionProperties):
    checkpoint_id: str = Field(min_length=1, description="The checkpoint's id")


_VM_ID = Field(description="The VM's id in the VM manager")
_VM_NAME = Field(description="The VM's name")
_CHECKPOINT_ID = Field(description="The checkpoint's id in the VM manager")


class VmChange(BaseModel):
    """What start/stop publish: the VM after the operation."""

    vm_id: str = _VM_ID
    vm_name: str = _VM_NAME
    status: str = Field(description="The VM's state after the operation: Running, Stopped, Paused, Saved")


class CheckpointRef(BaseModel):
    checkpoint_id: str = _CHECKPOINT_ID
    vm_id: str = _VM_ID
    vm_name: str = _VM_NAME


class CheckpointRow(BaseModel):
    checkpoint_id: str = _CHECKPOINT_ID
    checkpoint_name: str = Field(description="The checkpoint's name")
    vm_id: str = _VM_ID
    vm_name: str = _VM_NAME
    created_at: str = Field(title="Created at", description="When it was taken (ISO 8601, UTC)")
    vm_status: str = Field(title="VM status", description="The VM's state when the activity ran")


def vm_manager(context: RunContext, connection: str) -> VmManager:
    return backend_for(context, connection, VmManager, "manage VMs")


def only(model: type[BaseModel], record: BaseModel) -> dict:
    """The fields of a back-end's record that `model` publishes, in its order (read straight off the
    record: building its whole row first cost more than the rest of the activity)."""
    return {name: getattr(record, name) for name in _field_names(model)}


@cache
def _field_names(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(model.model_fields)  # model_fields is a computed property: ~1 µs a read


class CheckpointAction(ActivityType):
    """Restore or remove a checkpoint by id: the same properties, published fields and call shape;
    subclasses name the VmManager method in `operation`."""

    color = COLOR
    subject_field = "vm_name"
    Properties = CheckpointIdProperties
    Published = CheckpointRef
    operation: ClassVar[str]

    async def run(self, properties: CheckpointIdProperties, context: RunContext) -> dict[str, Any]:
        manager = vm_manager(context, properties.connection)
        record = await getattr(manager, self.operation)(properties.checkpoint_id)
        return only(CheckpointRef, record)
