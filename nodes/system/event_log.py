"""Send Event Log Message: a message at a severity in a machine's own log — the Windows event log of a
host of a `winrm` connection (Application log, Write-EventLog), or syslog on this machine (its
/dev/log socket, or a syslog server given as address) — as Orchestrator's activity writes to the
Application log of the computer it names."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from nodes.backends.interface import backend_for
from nodes.backends.winrm.host import WinRmHost

from . import syslog
from .common import COLOR, CONNECTION
from .local import this_computer
from .windows import EntryType, write_event_log

_ENTRY_TYPE: dict[str, EntryType] = {"information": "Information", "warning": "Warning", "error": "Error"}


class EventLogProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, title="Message", description="The text of the entry")
    severity: syslog.Severity = Field("information", title="Severity",
                                      description="information, warning or error (the Windows entry type; "
                                                  "the syslog severity info, warning or err)")
    source: str = Field("Interlock", min_length=1, title="Source",
                        description="The event source on Windows (registered in the log when new), the "
                                    "tag in syslog")
    event_id: int = Field(1000, ge=0, le=65535, title="Event ID",
                          description="The entry's event id on Windows; the MSGID of an RFC 5424 message")
    connection: str = CONNECTION
    address: str = Field("", title="Syslog address",
                         description="Without a connection: where syslog messages go, unix:///dev/log "
                                     "(default) or udp://HOST:PORT")
    format: syslog.SyslogFormat = Field("rfc3164", title="Syslog format",
                                        description="rfc3164 (what local syslog daemons and journald read) "
                                                    "or rfc5424")
    facility: syslog.Facility = Field("user", title="Syslog facility",
                                      description="user (default), daemon, auth or local0 .. local7")

    @model_validator(mode="after")
    def _address_without_connection(self) -> EventLogProperties:
        if self.connection and self.address:
            raise ValueError("address is where syslog messages go without a connection; with a connection "
                             "the entry goes to that Windows host's event log: leave one of them empty")
        return self


class EventLogSent(BaseModel):
    message: str = Field(title="Message", description="The text written")
    severity: str = Field(title="Severity", description="information, warning or error")
    source: str = Field(title="Source", description="The event source (Windows) or syslog tag")
    event_id: int = Field(title="Event ID", description="The event id written")
    computer: str = Field(title="Computer", description="The computer whose log holds it")
    log: str = Field(title="Log", description='"Application" (Windows), or the syslog address it was sent to')


class SendEventLog(ActivityType):
    type_name = "system.send_event_log"
    display_name = "Send Event Log Message"
    description = ("Writes a message at a severity into the Application event log of a Windows host (a "
                   "winrm connection), or to syslog on this machine or a syslog server.")
    icon = "event_log"
    color = COLOR
    Properties = EventLogProperties
    Published = EventLogSent
    subject_field = "message"

    async def run(self, properties: EventLogProperties, context: RunContext) -> dict[str, Any]:
        p = properties
        sent = {"message": p.message, "severity": p.severity, "source": p.source, "event_id": p.event_id}
        if p.connection:
            host = backend_for(context, p.connection, WinRmHost, "write a Windows event log (a winrm "
                                                                  "connection does)")
            computer = await write_event_log(host, source=p.source, entry_type=_ENTRY_TYPE[p.severity],
                                             event_id=p.event_id, message=p.message)
            return {**sent, "computer": computer, "log": "Application"}
        address = await context.run_blocking(_to_syslog, p)
        return {**sent, "computer": this_computer(), "log": address}


def _to_syslog(p: EventLogProperties) -> str:
    """Send to syslog; the address it went to. ActivityError saying why it could not."""
    try:
        address = syslog.parse_address(p.address)
        tag = syslog.check_tag(p.source)
        hostname = None if address.transport == "unix" else this_computer()
        data = syslog.format_message(p.message, tag=tag, severity=p.severity, facility=p.facility,
                                     style=p.format, event_id=p.event_id, moment=datetime.now(UTC),
                                     hostname=hostname, pid=os.getpid())
        syslog.send(data, address)
    except syslog.SyslogError as exc:
        raise ActivityError(f"send event log message to syslog on this machine: {exc}") from None
    return str(address)

