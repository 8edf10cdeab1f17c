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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .connections import ConnectionBook
from .export import Obj
from .markers import ENCRYPTED, SUBSCRIPTION, VARIABLE

Text = Callable[[str, str], str]  # (Orchestrator value, setting name) -> Interlock template text
Warn = Callable[[str], None]
Mapped = tuple[str, dict[str, Any]]
# What script.run reads back as a variable; PowerShell's ${any text} names have no Python counterpart.
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LIST_SEPARATORS = re.compile(r"\s*[;,]\s*")


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name).casefold()


@dataclass(frozen=True)
class Source:
    """One Orchestrator activity as a mapper sees it."""

    obj: Obj
    text: Text
    warn: Warn
    connections: ConnectionBook
    where: str
    used: set[str] = field(default_factory=set)  # the settings and tables read: the rest is reported

    def _find(self, names: tuple[str, ...]) -> tuple[str, str] | None:
        folded = {_key(key): key for key in self.obj.fields}
        for name in names:
            key = folded.get(_key(name))
            if key is not None:
                self.used.add(key)
                return key, self.obj.fields[key]
        return None

    def raw(self, *names: str) -> str:
        """The first of these settings the activity has, as Orchestrator stored it ("" when none)."""
        found = self._find(names)
        return "" if found is None else found[1]

    def converted(self, *names: str) -> str:
        """The setting as Interlock text (subscriptions, variables and secrets converted)."""
        found = self._find(names)
        return "" if found is None else self.text(found[1], found[0])

    def flag(self, *names: str) -> bool:
        return self.raw(*names).strip().casefold() in ("true", "1", "yes")

    def number(self, *names: str) -> int | None:
        text = self.raw(*names).strip()
        return int(text) if text.isdigit() and len(text) < 10 else None

    def plain(self, names: tuple[str, ...], to_check: list[str], key: str) -> str:
        """A setting that goes into a connection, which holds no subscriptions: plain text, or "" and
        `key` listed to fill in by hand when it was a subscription or a variable."""
        value = self.raw(*names)
        if SUBSCRIPTION.search(value) or VARIABLE.search(value) or ENCRYPTED.search(value):
            to_check.append(key)
            return ""
        return value.strip()

    def rows(self, table_hint: str) -> list[dict[str, str]]:
        """The rows of the first table whose name holds `table_hint` (e.g. "RECIPIENT")."""
        for name, rows in self.obj.tables.items():
            if table_hint in name.upper():
                self.used.add(name)
                return rows
        return []

    def cell(self, row: dict[str, str], *names: str) -> tuple[str, str]:
        """(column, value) of the first of these columns the row has."""
        folded = {_key(k): k for k in row}
        for name in names:
            if _key(name) in folded:
                column = folded[_key(name)]
                return column, row[column]
        return "", ""

    def has_password(self, *names: str) -> bool:
        return bool(self.raw(*names).strip())


def _missing(source: Source, what: str) -> None:
    settings = ", ".join(sorted(source.obj.fields)) or "none"
    source.warn(f"its {what} setting was not found (settings: {settings}): kept as a placeholder")


def _checked(source: Source, what: str) -> None:
    source.warn(f"imported as {what} from the settings the Runbook Designer shows; check it, since the "
                f"export format of this activity is not documented")


# -- Run .Net Script -------------------------------------------------------------------------------------

def run_script(source: Source) -> Mapped | None:
    """PowerShell runs as script.run (through pwsh here, or a winrm connection); C#, VB.NET and JScript
    have no counterpart."""
    language = source.raw("ScriptType").strip().casefold() or "powershell"
    if language != "powershell":
        source.warn(f"a {source.raw('ScriptType')} script has no Interlock counterpart (PowerShell and "
                    f"Python run): kept as a placeholder; rewrite it")
        return None
    published = _published_variables(source)
    if published is None:
        return None
    return "script.run", {"language": "powershell", "script": source.converted("ScriptBody"),
                          "published": published}


def _published_variables(source: Source) -> list[dict[str, Any]] | None:
    """The PublishedData document: published name -> script variable, and whether it is a collection."""
    document = source.raw("PublishedData").strip()
    if not document:
        return []
    try:
        root = fromstring(document, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        source.warn(f"its published data definition cannot be read ({exc}): kept as a placeholder")
        return None
    published = []
    for entry in root.iter("Entry"):
        name = (entry.findtext("Name") or "").strip()
        variable = (entry.findtext("Variable") or "").strip().lstrip("$") or name
        if not name:
            continue
        if not VARIABLE_NAME.fullmatch(variable):
            source.warn(f'it publishes "{name}" from the variable "{variable}", which script.run cannot read '
                        f"back (letters, digits and _ only): kept as a placeholder")
            return None
        collection = (entry.findtext("IsCollection") or "").strip().casefold() == "true"
        published.append({"name": name, "variable": variable, "collection": collection})
    return published


# -- Send Email ------------------------------------------------------------------------------------------

def send_email(source: Source) -> Mapped | None:
    recipients: dict[str, list[str]] = {"to": [], "cc": [], "bcc": []}
    for field_name, kind in (("To", "to"), ("Recipients", "to"), ("CC", "cc"), ("BCC", "bcc")):
        text = source.converted(field_name)
        recipients[kind] += [a for a in _LIST_SEPARATORS.split(text) if a]
    for row in source.rows("RECIPIENT"):
        column, address = source.cell(row, "Address", "EmailAddress", "Email", "Recipient", "Value")
        _, kind = source.cell(row, "RecipientType", "Type", "Kind")
        bucket = kind.strip().casefold() if kind.strip().casefold() in recipients else "to"
        if address.strip():
            recipients[bucket].append(source.text(address, f"recipient {column}"))
    if not any(recipients.values()):
        _missing(source, "recipients (To)")
        return None
    to_check: list[str] = []
    host = source.plain(("SmtpServer", "SMTP Server", "Server", "MailServer"), to_check, "host")
    if not host and "host" not in to_check:
        to_check.append("host")
    options: dict[str, Any] = {"host": host}
    port = source.number("Port", "SmtpPort", "SMTP Port")
    if port:
        options["port"] = port
    if source.flag("EnableSSL", "UseSSL", "SSL"):
        options["security"] = "starttls"
    user = source.plain(("UserName", "User", "Account"), to_check, "username")
    if user:
        options["username"] = user
    connection = source.connections.add("smtp", source.where, options, to_check=tuple(to_check),
                                        password=source.has_password("Password"))
    properties: dict[str, Any] = {"connection": connection, **{k: v for k, v in recipients.items() if v},
                                  "subject": source.converted("Subject"),
                                  "body": source.converted("Message", "Body", "MessageText", "Text")}
    importance = source.raw("Importance", "Priority").strip().casefold()
    if importance in ("low", "high"):
        properties["importance"] = importance
    sender = source.converted("EmailAddress", "From", "Sender")
    if sender:
        properties["sender"] = sender
    attachments = []
    for row in source.rows("ATTACH"):
        column, path = source.cell(row, "File", "Path", "FileName", "Attachment", "Value")
        if path.strip():
            attachments.append(source.text(path, f"attachment {column}"))
    if attachments:
        properties["attachments"] = attachments
    _checked(source, "net.send_email")
    return "net.send_email", properties


# -- Query Database / Write To Database -------------------------------------------------------------------

# Orchestrator's database types -> an SQLAlchemy dialect (the driver is the user's to install).
_DIALECTS = {"sqlserver": "mssql+pyodbc", "microsoftsqlserver": "mssql+pyodbc", "oracle": "oracle+oracledb",
             "odbc": "mssql+pyodbc", "access": "access+pyodbc", "postgresql": "postgresql+psycopg"}


def _database(source: Source) -> str:
    to_check: list[str] = []
    kind = _key(source.raw("DatabaseType", "Type", "Database Type") or "sqlserver")
    dialect = _DIALECTS.get(kind, "mssql+pyodbc")
    server = source.plain(("Server", "DatabaseServer", "Host"), to_check, "url")
    catalog = source.plain(("InitialCatalog", "Initial Catalog", "Database", "Catalog"), to_check, "url")
    user = source.plain(("UserName", "User", "Account"), to_check, "url")
    account = f"{user}@" if user else ""
    url = f"{dialect}://{account}{server or 'SERVER'}/{catalog or 'DATABASE'}"
    if dialect.startswith("mssql"):
        url += "?driver=ODBC+Driver+18+for+SQL+Server"
    if not server or not catalog:
        to_check.append("url")
    password = source.has_password("Password")
    return source.connections.add("database", source.where, {"url": url},
                                  to_check=tuple(sorted(set(to_check))), password=password, label=server)


def query_database(source: Source) -> Mapped | None:
    query = source.converted("Query", "QueryText", "SQLQuery", "SQL")
    if not query.strip():
        _missing(source, "query")
        return None
    if "{{" in query.replace("\\{{", ""):
        source.warn("its query holds published data, spliced into the SQL by Orchestrator: it is kept as "
                    "it was; make those values bound :parameters")
    properties: dict[str, Any] = {"connection": _database(source), "query": query}
    timeout = source.number("Timeout", "QueryTimeout")
    if timeout:
        properties["timeout_s"] = timeout
    _checked(source, "data.query")
    return "data.query", properties


def write_database(source: Source) -> Mapped | None:
    table = source.converted("Table", "TableName")
    values = {}
    for row in source.rows("FIELD") or source.rows("COLUMN") or source.rows("VALUE"):
        _, column = source.cell(row, "Field", "Column", "Name", "Key")
        _, value = source.cell(row, "Value", "Data")
        if column.strip():
            values[column.strip()] = source.text(value, f"column {column.strip()}")
    if not table.strip() or not values:
        _missing(source, "table and its field values")
        return None
    _checked(source, "data.write")
    return "data.write", {"connection": _database(source), "table": table, "values": values}


# -- Query XML, Get Computer/IP Status, Run SSH Command --------------------------------------------------

def query_xml(source: Source) -> Mapped | None:
    xpath = source.converted("XPathQuery", "XPath Query", "XPath", "Query")
    xml = source.converted("XMLText", "XML Text", "XML", "XmlInput")
    path = source.converted("File", "FileName", "XMLFile")
    if not xpath.strip() or not (xml.strip() or path.strip()):
        _missing(source, "XPath query and XML text")
        return None
    _checked(source, "data.query_xml")
    return "data.query_xml", {"xpath": xpath, **({"xml": xml} if xml.strip() else {"file": path})}


def ping(source: Source) -> Mapped | None:
    host = source.converted("Computer", "ComputerName", "IPAddress", "Host", "Address")
    if not host.strip():
        _missing(source, "computer")
        return None
    _checked(source, "net.ping")
    return "net.ping", {"host": host}


def ssh_command(source: Source) -> Mapped | None:
    command = source.converted("Command", "RunCommand", "CommandLine")
    if not command.strip():
        _missing(source, "command")
        return None
    to_check: list[str] = []
    options: dict[str, Any] = {"host": source.plain(("Computer", "Host", "Server"), to_check, "host")}
    if not options["host"] and "host" not in to_check:
        to_check.append("host")
    port = source.number("Port")
    if port:
        options["port"] = port
    user = source.plain(("UserName", "User", "Account"), to_check, "username")
    if user:
        options["username"] = user
    key_file = source.plain(("PrivateKeyFile", "KeyFile", "Private Key File"), to_check, "key_file")
    if key_file:
        options["key_file"] = key_file
    connection = source.connections.add("ssh", source.where, options, to_check=tuple(to_check),
                                        password=source.has_password("Password", "Passphrase"))
    if "{{" in command.replace("\\{{", ""):
        source.warn("its command holds published data, spliced into the shell text by Orchestrator: pass "
                    "those values as arguments instead")
    _checked(source, "net.ssh_command")
    return "net.ssh_command", {"connection": connection, "command": command}


# -- Send Platform Event, Wait, Generate Random Text -----------------------------------------------------

def platform_event(source: Source) -> Mapped | None:
    kind = source.raw("Type", "EventType", "Severity").strip().casefold()
    severity = "error" if kind.startswith("err") else "warning" if kind.startswith("warn") else "info"
    summary = source.converted("Summary", "Message", "Text")
    if not summary.strip():
        _missing(source, "summary")
        return None
    return "system.send_platform_event", {"type": severity, "summary": summary,
                                          "details": source.converted("Details", "Description")}


def wait(source: Source) -> Mapped | None:
    seconds = source.number("Seconds", "Duration", "Delay", "WaitTime")
    if seconds is None:
        _missing(source, "duration")
        return None
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
    return "text.generate_random", properties


# By ObjectTypeName (the GUIDs of several standard activities are not confirmed, orchestrator-export.md).
MAPPERS: dict[str, Callable[[Source], Mapped | None]] = {
    "Run .Net Script": run_script,
    "Send Email": send_email,
    "Query Database": query_database,
    "Write To Database": write_database,
    "Query XML": query_xml,
    "Get Computer/IP Status": ping,
    "Run SSH Command": ssh_command,
    "Send Platform Event": platform_event,
    "Wait": wait,
    "Generate Random Text": generate_random,
}
TYPE_GUIDS = {"{ED7F2A41-107A-4B74-BAFE-ADAE63632B79}": "Run .Net Script",
              "{EAB9A2AF-FA87-4E2A-82EC-DC414B20E733}": "Send Email",
              "{D1911F88-932A-4C5E-AD06-721238067D5A}": "Query Database",
              "{5EE31BBD-D15D-4D5E-98A9-3F1E30AA2C37}": "Write To Database",
              "{C9BCAD52-993A-4D4B-B97B-01FE616676CA}": "Get Computer/IP Status",
              "{87E28B20-3E83-45E0-985A-FEEA6CE09084}": "Send Platform Event",
              "{D4869330-EC1B-4760-8155-558BF036381F}": "Generate Random Text",
              "{B40FDFBD-6E5F-44F0-9AA6-6469B0A35710}": "Wait"}


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
