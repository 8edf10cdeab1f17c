"""Mappers of Orchestrator's script, mail, database, XML, web and network activities to Interlock's
(script.run, net.*, data.*); see engine/migrate/standard.py."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .source import Mapped, Source, checked, fold_name, missing

# What script.run reads back as a variable; PowerShell's ${any text} names have no Python counterpart.
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LIST_SEPARATORS = re.compile(r"\s*[;,]\s*")


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
        missing(source, "recipients (To)")
        return None
    to_check: list[str] = []
    host = source.plain(("SmtpServer", "SMTP Server", "Server", "MailServer"), to_check, "host")
    if not host and "host" not in to_check:
        to_check.append("host")
    options: dict[str, Any] = {"host": host}
    port = source.number("Port", "SmtpPort", "SMTP Port")
    if port:
        options["port"] = port
    # Orchestrator sends in plain text unless SSL is ticked; Interlock's smtp kind defaults to STARTTLS.
    options["security"] = "starttls" if source.flag("EnableSSL", "UseSSL", "SSL") else "none"
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
        properties["from"] = sender
    attachments = []
    for row in source.rows("ATTACH"):
        column, path = source.cell(row, "File", "Path", "FileName", "Attachment", "Value")
        if path.strip():
            attachments.append(source.text(path, f"attachment {column}"))
    if attachments:
        properties["attachments"] = attachments
    checked(source, "net.send_email")
    return "net.send_email", properties


# -- Query Database / Write To Database -------------------------------------------------------------------

# Orchestrator's database types -> an SQLAlchemy dialect (the driver is the user's to install).
_DIALECTS = {"sqlserver": "mssql+pyodbc", "microsoftsqlserver": "mssql+pyodbc", "oracle": "oracle+oracledb",
             "odbc": "mssql+pyodbc", "access": "access+pyodbc", "postgresql": "postgresql+psycopg"}


def _database(source: Source) -> str:
    to_check: list[str] = []
    kind = fold_name(source.raw("DatabaseType", "Type", "Database Type") or "sqlserver")
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
        missing(source, "query")
        return None
    if "{{" in query.replace("\\{{", ""):
        source.warn("its query holds published data, spliced into the SQL by Orchestrator: it is kept as "
                    "it was; make those values bound :parameters")
    properties: dict[str, Any] = {"connection": _database(source), "query": query}
    timeout = source.number("Timeout", "QueryTimeout")
    if timeout:
        properties["timeout_s"] = timeout
    checked(source, "data.query")
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
        missing(source, "table and its field values")
        return None
    checked(source, "data.write")
    return "data.write", {"connection": _database(source), "table": table, "values": values}


# -- Query XML, Get Computer/IP Status, Run SSH Command --------------------------------------------------

def query_xml(source: Source) -> Mapped | None:
    xpath = source.converted("XPathQuery", "XPath Query", "XPath", "Query")
    xml = source.converted("XMLText", "XML Text", "XML", "XmlInput")
    path = source.converted("File", "FileName", "XMLFile")
    if not xpath.strip() or not (xml.strip() or path.strip()):
        missing(source, "XPath query and XML text")
        return None
    checked(source, "data.query_xml")
    return "data.query_xml", {"xpath": xpath, **({"xml": xml} if xml.strip() else {"file": path})}


def ping(source: Source) -> Mapped | None:
    host = source.converted("Computer", "ComputerName", "IPAddress", "Host", "Address")
    if not host.strip():
        missing(source, "computer")
        return None
    checked(source, "net.ping")
    return "net.ping", {"host": host}


def ssh_command(source: Source) -> Mapped | None:
    command = source.converted("Command", "RunCommand", "CommandLine")
    if not command.strip():
        missing(source, "command")
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
    checked(source, "net.ssh_command")
    return "net.ssh_command", {"connection": connection, "command": command}


# -- Invoke Web Services ---------------------------------------------------------------------------------

def invoke_web_service(source: Source) -> Mapped | None:
    """A SOAP call: Interlock posts the request document to the service's address (the WSDL's address
    without "?wsdl") with its SOAPAction, as data.invoke_rest without a connection."""
    url = source.converted("URL", "WSDL", "WsdlUrl", "ServiceUrl", "Address")
    request = source.converted("Request", "RequestXML", "SoapRequest", "XmlRequest", "Parameters")
    if not url.strip() or not request.strip():
        missing(source, "service address and request")
        return None
    base, _, query = url.strip().partition("?")
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    action = source.converted("SOAPAction", "Action", "Method")
    if action.strip():
        headers["SOAPAction"] = action
    source.warn("a SOAP web service call: imported as an HTTP POST of its request document; check the "
                "address, the SOAPAction and which part of the answer others use")
    return "data.invoke_rest", {"method": "POST", "url": base if query.casefold() == "wsdl" else url,
                                "headers": headers, "body": request, "body_type": "text"}
