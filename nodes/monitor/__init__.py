"""The monitor pack: Monitor Date/Time and Monitor File, the activities that start a runbook on an event
(DESIGN §6.3). A monitor is a runbook's first activity; the scheduler keeps it armed and starts one job
per event (engine/schedule/monitors.py)."""

from engine.activity import Pack

from .date_time import MonitorDateTime
from .file import MonitorFile

PACK = Pack(
    name="monitor",
    title="Monitoring Triggers",
    description="Start a runbook at a time or every interval, or when a file appears, changes or goes.",
    activities=[MonitorDateTime, MonitorFile],
)
