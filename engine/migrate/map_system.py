"""Mappers of Orchestrator's platform, timing, text, file, service and monitor activities to Interlock's
(system.*, core.wait, text.*, files.*, monitor.*); see engine/migrate/standard.py."""

from __future__ import annotations

from typing import Any

from .source import Mapped, Source, checked, fold_name, missing

MAX_WAIT_S = 366 * 24 * 3600  # core.wait's own bound


# -- Send Platform Event, Wait, Generate Random Text -----------------------------------------------------

def platform_event(source: Source) -> Mapped | None:
    kind = source.raw("Type", "EventType", "Severity").strip().casefold()
    severity = "error" if kind.startswith("err") else "warning" if kind.startswith("warn") else "info"
    summary = source.converted("Summary", "Message", "Text")
    if not summary.strip():
        missing(source, "summary")
        return None
    return "system.send_platform_event", {"type": severity, "summary": summary,
                                          "details": source.converted("Details", "Description")}


def wait(source: Source) -> Mapped | None:
    seconds = source.number("Seconds", "Duration", "Delay", "WaitTime")
    if seconds is None:
        missing(source, "duration")
        return None
    if seconds > MAX_WAIT_S:
        source.warn(f"it waited {seconds} s; Interlock waits at most {MAX_WAIT_S} s (a year): shortened")
        seconds = MAX_WAIT_S
    return "core.wait", {"seconds": seconds}


def generate_random(source: Source) -> Mapped | None:
    length = source.number("Length", "TextLength", "NumberOfCharacters") or 8
    properties: dict[str, Any] = {"length": min(max(length, 1), 1024)}
    for key, names in (("upper", ("UpperCase", "Upper", "IncludeUpperCase")),
                       ("lower", ("LowerCase", "Lower", "IncludeLowerCase")),
                       ("digits", ("Numbers", "Digits", "IncludeNumbers")),
                       ("symbols", ("Symbols", "IncludeSymbols", "SpecialCharacters"))):
        if source.raw(*names).strip():
            properties[key] = source.flag(*names)
    if not any(properties.get(k, True) for k in ("upper", "lower", "digits", "symbols")):
        properties.pop("upper")  # Orchestrator refuses no class at all; Interlock too: keep the default
    # Interlock puts one character of each chosen class in the text, so it is at least that long.
    classes = sum(properties.get(k, k != "symbols") for k in ("upper", "lower", "digits", "symbols"))
    properties["length"] = max(properties["length"], classes)
    return "text.generate_random", properties


# -- Format Date/Time --------------------------------------------------------------------------------------

def format_datetime(source: Source) -> Mapped | None:
    value = source.converted("DateTime", "Input", "Date", "Format Date/Time")
    if not value.strip():
        missing(source, "date/time")
        return None
    properties: dict[str, Any] = {"input": value}
    for key, names in (("input_format", ("InputFormat", "Format")), ("output_format", ("OutputFormat",))):
        text = source.converted(*names)
        if text.strip():
            properties[key] = text
    for unit in ("years", "months", "days", "hours", "minutes", "seconds"):
        number = source.signed(f"Add{unit}", f"Adjust{unit}", unit)
        if number:
            properties[f"add_{unit}"] = number
    checked(source, "text.format_datetime")
    return "text.format_datetime", properties


# -- Files ------------------------------------------------------------------------------------------------

_PATH = ("File", "FileName", "Path", "FilePath")
# Orchestrator's "If the destination file exists" choices -> files.*'s if_exists.
_IF_EXISTS = {"overwrite": "overwrite", "createauniquename": "unique", "unique": "unique", "fail": "fail"}


def _path(source: Source, *names: str) -> str:
    return source.converted(*(names or _PATH))


def _if_exists(source: Source) -> dict[str, str]:
    raw = fold_name(source.raw("IfExists", "IfFileExists", "ExistAction", "Overwrite"))
    if raw in ("true", "1"):
        return {"if_exists": "overwrite"}
    choice = next((v for k, v in _IF_EXISTS.items() if raw.startswith(k)), None)
    return {"if_exists": choice} if choice else {}


def _file_mapper(type_name: str, *, needs: tuple[str, ...] = ("path",)) -> Any:
    """A mapper for a files.* activity whose properties are read by `_FILE_SETTINGS`."""
    def mapper(source: Source) -> Mapped | None:
        properties: dict[str, Any] = {}
        for key, names in _FILE_SETTINGS.items():
            if key in needs or key in _OPTIONAL.get(type_name, ()):
                text = source.converted(*names)
                if key == "encoding":
                    text = _encoding(source, text)
                if text.strip():
                    properties[key] = text
        absent = [key for key in needs if key not in properties]
        if absent:
            missing(source, " and ".join(absent))
            return None
        if type_name in ("files.copy_file", "files.move_file", "files.rename_file"):
            properties.update(_if_exists(source))
        if type_name in ("files.delete_folder", "files.delete_file", "files.find_text") and \
                source.flag("Recursive", "IncludeSubfolders", "DeleteSubfolders", "Subfolders"):
            properties["recursive"] = True
        if type_name == "files.append_line":
            properties["create_if_missing"] = not source.flag("FailIfMissing")
        checked(source, type_name)
        return type_name, properties
    return mapper


_FILE_SETTINGS: dict[str, tuple[str, ...]] = {
    "path": ("Folder", *_PATH),
    "source": ("Source", "SourceFile", *_PATH),
    "destination": ("Destination", "DestinationFolder", "Target"),
    "new_name": ("NewName", "NewFileName", "Destination"),
    "text": ("Text", "Line", "SearchText", "Pattern"),
    "pattern": ("SearchText", "Text", "Pattern"),
    "lines": ("LineNumbers", "Lines", "Line"),
    "encoding": ("Encoding", "FileEncoding"),
}
_OPTIONAL = {"files.read_line": ("lines", "encoding"), "files.append_line": ("encoding",),
             "files.find_text": ("encoding",)}
_ENCODINGS = {"auto": None, "ascii": "ascii", "utf8": "utf-8", "utf-8": "utf-8", "unicode": "utf-16",
              "utf16": "utf-16", "utf-16": "utf-16"}

def _encoding(source: Source, text: str) -> str:
    """Orchestrator's file encodings (Auto, ASCII, UTF-8, Unicode) as Python names; "" for the default."""
    folded = text.strip().casefold()
    if folded not in _ENCODINGS:
        source.warn(f'its encoding "{text}" is not known: the default (UTF-8) is used')
        return ""
    return _ENCODINGS[folded] or ""


create_folder = _file_mapper("files.create_folder")
delete_folder = _file_mapper("files.delete_folder")
delete_file = _file_mapper("files.delete_file")
get_file_status = _file_mapper("files.get_file_status")
read_line = _file_mapper("files.read_line")
append_line = _file_mapper("files.append_line", needs=("path", "text"))
find_text = _file_mapper("files.find_text", needs=("path", "pattern"))
copy_file = _file_mapper("files.copy_file", needs=("source", "destination"))
move_file = _file_mapper("files.move_file", needs=("source", "destination"))
rename_file = _file_mapper("files.rename_file", needs=("path", "new_name"))


# -- Event log, services ------------------------------------------------------------------------------------

def _windows_host(source: Source) -> str:
    """"" for this machine, else a winrm connection to the computer the activity named."""
    to_check: list[str] = []
    computer = source.plain(("Computer", "ComputerName", "Server"), to_check, "host")
    if (not computer and not to_check) or computer.casefold() in ("localhost", ".", "127.0.0.1"):
        return ""
    return source.connections.add("winrm", source.where, {"host": computer}, to_check=tuple(to_check))


def event_log(source: Source) -> Mapped | None:
    message = source.converted("Message", "Text", "Description")
    if not message.strip():
        missing(source, "message")
        return None
    kind = source.raw("Severity", "Type", "EntryType").strip().casefold()
    severity = "error" if kind.startswith("err") else "warning" if kind.startswith("warn") else "information"
    connection = _windows_host(source)
    if not connection:
        source.warn("it wrote to this machine's Windows event log; Interlock writes to the local syslog "
                    "(give it a winrm connection for a Windows host)")
    checked(source, "system.send_event_log")
    return "system.send_event_log", {"message": message, "severity": severity, "connection": connection}


def service_status(source: Source) -> Mapped | None:
    service = source.converted("Service", "ServiceName", "Name Of Service")
    if not service.strip():
        missing(source, "service")
        return None
    checked(source, "system.get_service_status")
    return "system.get_service_status", {"service": service, "connection": _windows_host(source)}


def start_stop_service(source: Source) -> Mapped | None:
    service = source.converted("Service", "ServiceName", "Name Of Service")
    action = fold_name(source.raw("Action", "ServiceAction", "Operation")) or "start"
    if action not in ("start", "stop", "restart"):
        source.warn(f'its action "{source.raw("Action", "ServiceAction", "Operation")}" (pause and resume) '
                    f"has no Interlock counterpart: kept as a placeholder")
        return None
    if not service.strip():
        missing(source, "service")
        return None
    checked(source, "system.start_stop_service")
    return "system.start_stop_service", {"service": service, "action": action,
                                         "connection": _windows_host(source)}


# -- Monitors -------------------------------------------------------------------------------------------

def monitor_file(source: Source) -> Mapped | None:
    folder = source.converted("Folder", "Path", "Directory", "FolderPath")
    if not folder.strip():
        missing(source, "folder")
        return None
    properties: dict[str, Any] = {"folder": folder}
    pattern = source.converted("Filter", "FileFilter", "Pattern", "FileName")
    if pattern.strip():
        properties["pattern"] = pattern
    if source.flag("IncludeSubfolders", "Subfolders", "Recursive"):
        properties["include_subfolders"] = True
    events = [event for event, names in (("created", ("Created", "FileCreated", "OnCreate")),
                                         ("changed", ("Modified", "Changed", "FileChanged", "OnChange")),
                                         ("deleted", ("Deleted", "FileDeleted", "OnDelete")))
              if source.flag(*names)]
    if events:
        properties["events"] = events
    checked(source, "monitor.file")
    return "monitor.file", properties


_UNITS = {"second": "seconds", "minute": "minutes", "hour": "hours", "day": "days"}


def monitor_date_time(source: Source) -> Mapped | None:
    every = source.number("Interval", "Every", "IntervalValue")
    unit = fold_name(source.raw("IntervalUnit", "IntervalType", "Unit")).rstrip("s")
    at = source.raw("At", "Time", "StartTime").strip()
    if every:
        checked(source, "monitor.date_time")
        return "monitor.date_time", {"every": every, "unit": _UNITS.get(unit, "minutes")}
    if len(at) >= 4 and at.replace(":", "").isdigit():
        checked(source, "monitor.date_time")
        return "monitor.date_time", {"at": at[:5]}
    missing(source, "interval or time of day")
    return None
