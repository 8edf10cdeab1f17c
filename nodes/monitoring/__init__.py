"""The monitoring pack: start and stop maintenance mode (DESIGN §4.2), on any connection whose kind is
a monitoring system (nodes.backends.interface.MaintenanceSystem): SCOM, Alertmanager, the simulated lab."""

from engine.activity import Pack

from .start_maintenance import StartMaintenance
from .stop_maintenance import StopMaintenance

PACK = Pack(
    name="monitoring",
    title="Monitoring",
    description="Maintenance windows on SCOM, Alertmanager or the simulated lab.",
    activities=[StartMaintenance, StopMaintenance],
)
