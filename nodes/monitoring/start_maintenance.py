from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from engine.activity import ActivityType, RunContext
from nodes.backends.interface import MaintenanceReason

from .common import COLOR, END_TIME, OBJECT, START_TIME, ObjectProperties, maintenance_system


class StartMaintenanceProperties(ObjectProperties):
    reason: MaintenanceReason = Field("PlannedOther", description="Why (SCOM's list of reasons)")
    duration_min: int = Field(60, ge=5, description="How long, in minutes (at least 5, as in SCOM)")
    comment: str = Field("", description="Shown to operators with the maintenance window")


class MaintenanceStarted(BaseModel):
    object: str = OBJECT
    reason: str = Field(description="Why, from SCOM's list of reasons")
    comment: str = Field(description="The comment shown with the maintenance window")
    start_time: str = START_TIME
    end_time: str = END_TIME


class StartMaintenance(ActivityType):
    type_name = "monitoring.start_maintenance"
    display_name = "Start Maintenance Mode"
    description = "Puts a monitored object into maintenance so it raises no alerts while it is worked on."
    icon = "maintenance_start"
    color = COLOR
    subject_field = "object"
    Properties = StartMaintenanceProperties
    Published = MaintenanceStarted

    async def run(self, properties: StartMaintenanceProperties, context: RunContext) -> dict[str, Any]:
        system = maintenance_system(context, properties.connection)
        window = await system.start_maintenance(properties.object, properties.reason, properties.duration_min,
                                                properties.comment)
        return window.row()
