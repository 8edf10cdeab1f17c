"""The system pack: events and services of the machines runbooks look after (DESIGN §6.3)."""

from engine.activity import Pack

from .event_log import SendEventLog
from .platform_event import SendPlatformEvent
from .services import GetServiceStatus, StartStopService

PACK = Pack(
    name="system",
    title="System",
    description="Platform events in the job's log and history; event logs and services.",
    activities=[SendPlatformEvent, SendEventLog, GetServiceStatus, StartStopService],
)
