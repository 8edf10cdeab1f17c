"""What the maintenance activities share: the connection and object properties, the back-end lookup."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import RunContext
from nodes.backends.interface import MaintenanceSystem, backend_for

COLOR = "#9a6b1f"


class ObjectProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = Field("default",
                            description="The connection (from the config) of the monitoring system")
    object: str = Field(min_length=1, title="Monitored object",
                        description="The monitored object, by display name (e.g. a VM's name)")


# Published fields both maintenance activities have.
OBJECT = Field(title="Monitored object", description="The object, by display name")
START_TIME = Field(description="When the maintenance window started (ISO 8601, UTC)")
END_TIME = Field(description="When it ends, or ended (ISO 8601, UTC)")


def maintenance_system(context: RunContext, connection: str) -> MaintenanceSystem:
    return backend_for(context, connection, MaintenanceSystem, "put objects into maintenance")
