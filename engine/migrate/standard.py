"""Orchestrator's standard activities -> Interlock's standard activities (DESIGN §6.2, §6.3).

Each mapper gets a `Source` (the object, a `text` function that turns an Orchestrator value into
Interlock template text — subscriptions, variables and secrets converted and named in the report —,
`warn`, and the import's connections) and returns the Interlock type and properties, or None when the
object cannot run as that type (a C# script, an e-mail without recipients): it then stays a
placeholder, with the reason in the report.

Only Run .Net Script's settings are publicly documented (shared/orchestrator-export.md). The others are
read by the names the Runbook Designer shows, matched without case or spaces ("SMTP Server", "SmtpServer"
and "smtpserver" are one), with the alternatives seen in the wild; every such activity gets a note to
check it, and one whose essential setting is not found stays a placeholder."""

from __future__ import annotations

from collections.abc import Callable

from . import map_scripts_data as data
from . import map_system as system
from .connections import ConnectionBook
from .export import Obj
from .source import Mapped, Source, Text, Warn

# By ObjectTypeName (the GUIDs of several standard activities are not confirmed, orchestrator-export.md).
MAPPERS: dict[str, Callable[[Source], Mapped | None]] = {
    "Run .Net Script": data.run_script,
    "Send Email": data.send_email,
    "Query Database": data.query_database,
    "Write To Database": data.write_database,
    "Query XML": data.query_xml,
    "Invoke Web Services": data.invoke_web_service,
    "Get Computer/IP Status": data.ping,
    "Run SSH Command": data.ssh_command,
    "Send Platform Event": system.platform_event,
    "Wait": system.wait,
    "Generate Random Text": system.generate_random,
    "Format Date/Time": system.format_datetime,
    "Create Folder": system.create_folder,
    "Delete Folder": system.delete_folder,
    "Delete File": system.delete_file,
    "Copy File": system.copy_file,
    "Move File": system.move_file,
    "Rename File": system.rename_file,
    "Get File Status": system.get_file_status,
    "Read Line": system.read_line,
    "Append Line": system.append_line,
    "Find Text": system.find_text,
    "Send Event Log Message": system.event_log,
    "Get Service Status": system.service_status,
    "Start/Stop Service": system.start_stop_service,
    "Monitor File": system.monitor_file,
    "Monitor Date/Time": system.monitor_date_time,
}
TYPE_GUIDS = {"{ED7F2A41-107A-4B74-BAFE-ADAE63632B79}": "Run .Net Script",
              "{EAB9A2AF-FA87-4E2A-82EC-DC414B20E733}": "Send Email",
              "{D1911F88-932A-4C5E-AD06-721238067D5A}": "Query Database",
              "{5EE31BBD-D15D-4D5E-98A9-3F1E30AA2C37}": "Write To Database",
              "{C9BCAD52-993A-4D4B-B97B-01FE616676CA}": "Get Computer/IP Status",
              "{87E28B20-3E83-45E0-985A-FEEA6CE09084}": "Send Platform Event",
              "{D4869330-EC1B-4760-8155-558BF036381F}": "Generate Random Text",
              "{B40FDFBD-6E5F-44F0-9AA6-6469B0A35710}": "Wait",
              "{CEB6137B-9A5A-4326-8F40-9EE3064D65A7}": "Create Folder",
              "{64F6B908-70F3-46C0-BEB1-79E788C99421}": "Send Event Log Message",
              "{3B803776-8E67-4892-8CC2-947A46DB42A5}": "Get File Status",
              "{A1F1D52C-CB88-4C74-848D-D3E62BB22B1C}": "Append Line",
              "{A7FB4661-885C-4A36-9856-5FD0AB136A69}": "Read Line",
              "{9422B625-906E-4575-B819-136B1B0882CF}": "Get Service Status",
              "{BEE88F18-6B32-47BB-871A-F7AE5C59FF12}": "Start/Stop Service",
              "{257A2C51-67E6-40C6-8F49-4059E9C3D45E}": "Monitor Date/Time"}
# Monitors start a runbook: Interlock takes one only as the runbook's first activity.
MONITORS = frozenset({"Monitor File", "Monitor Date/Time"})


def standard_kind(obj: Obj) -> str | None:
    """The standard activity this object is, when Interlock maps it."""
    kind = TYPE_GUIDS.get(obj.type_guid, obj.type_name)
    return kind if kind in MAPPERS else None


def map_standard(obj: Obj, text: Text, warn: Warn, connections: ConnectionBook, where: str,
                 common: frozenset[str] = frozenset()) -> Mapped | None:
    """The Interlock type and properties of a standard activity (None: it stays a placeholder). A
    setting the mapping did not read (beyond the `common` ones every object has) is named in a note."""
    kind = standard_kind(obj)
    if kind is None:
        return None
    source = Source(obj, text, warn, connections, where)
    mapped = MAPPERS[kind](source)
    left = sorted(k for k, v in obj.fields.items() if k not in source.used and k not in common and v.strip())
    left += sorted(k for k, rows in obj.tables.items() if k not in source.used and rows)
    if mapped is not None and left:
        warn(f"settings not carried over: {', '.join(left)}")
    return mapped
