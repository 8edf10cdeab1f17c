from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engine.activity import ActivityType, RunContext

from .common import COLOR, END_TIME, OBJECT, START_TIME, ObjectProperties, maintenance_system


class MaintenanceStopped(BaseModel):
    object: str = OBJECT
    start_time: str = START_TIME
    end_time: str = END_TIME


class StopMaintenance(ActivityType):
    type_name = "monitoring.stop_maintenance"
    display_name = "Stop Maintenance Mode"
    description = "Ends an object's active maintenance window."
    icon = "maintenance_stop"
    color = COLOR
    subject_field = "object"
    Properties = ObjectProperties
    Published = MaintenanceStopped

    async def run(self, properties: ObjectProperties, context: RunContext) -> dict[str, Any]:
        window = await maintenance_system(context, properties.connection).stop_maintenance(properties.object)
        row = window.row()
        return {name: row[name] for name in MaintenanceStopped.model_fields}
