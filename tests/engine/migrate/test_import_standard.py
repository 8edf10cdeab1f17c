"""Orchestrator's standard activities imported as Interlock's (DESIGN §6.2, §6.3): Run .Net Script as
script.run, Send Email, Query / Write To Database, Query XML, Run SSH Command, Get Computer/IP Status,
Send Platform Event, Wait and Generate Random Text with their settings; the servers and accounts they
held as connections to fill in (passwords never as text); what cannot run stays a placeholder, with the
reason in the report; an imported runbook of standard activities runs."""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from exports import (
    RETURN,
    SCRIPT,
    SEND_EMAIL,
    START,
    Folder,
    Policy,
    activity,
    encrypted,
    export_xml,
    guid,
    link,
    sub,
)
from importing import activity as named
from importing import cli, runbook

from engine.migrate import ImportReport, import_export

QUERY_DATABASE = ("Query Database", "{D1911F88-932A-4C5E-AD06-721238067D5A}")
WRITE_DATABASE = ("Write To Database", "{5EE31BBD-D15D-4D5E-98A9-3F1E30AA2C37}")
PING = ("Get Computer/IP Status", "{C9BCAD52-993A-4D4B-B97B-01FE616676CA}")
PLATFORM_EVENT = ("Send Platform Event", "{87E28B20-3E83-45E0-985A-FEEA6CE09084}")
RANDOM_TEXT = ("Generate Random Text", "{D4869330-EC1B-4760-8155-558BF036381F}")
# Their GUIDs are not confirmed (orchestrator-export.md): the importer matches the type name.
QUERY_XML = ("Query XML", "{00000000-0000-4000-8000-00000000A001}")
SSH = ("Run SSH Command", "{00000000-0000-4000-8000-00000000A002}")
PUBLISHED = ("<ItemRoot><Entry><Name>Disk</Name><Type>String</Type><Variable>disks</Variable>"
             "<IsCollection>true</IsCollection></Entry><Entry><Name>Host name</Name><Type>String</Type>"
             "<Variable>$hostName</Variable><IsCollection>false</IsCollection></Entry></ItemRoot>")
SITES = ("<sites><site name='Paris' active='1'/><site name='Oslo' active='0'/>"
         "<site name='Kyiv' active='1'/></sites>")


def operations() -> Policy:
    start = activity(0x501, "Initialize Data", START, tables={"CUSTOM_START_PARAMETERS": [
        {"UniqueID": guid(0x5F1), "Value": "Server", "Type": "String"}]})
    script = activity(0x502, "Disks", SCRIPT, ScriptType="PowerShell", PublishedData=PUBLISHED,
                      ScriptBody=("$hostName = \"" + sub(start.id, guid(0x5F1))
                                  + "\"\r\n$disks = @('C', 'D')\r\n"))
    csharp = activity(0x503, "Legacy", SCRIPT, ScriptType="C#", ScriptBody="return 1;", PublishedData="")
    mail = activity(0x504, "Mail", SEND_EMAIL, To="ops@contoso.local; " + sub(script.id, "Host name"),
                    Subject="Disks of " + sub(start.id, guid(0x5F1)),
                    Message="Disk " + sub(script.id, "Disk"),
                    Importance="High", SmtpServer="smtp.contoso.local", Port=587, EnableSSL=True,
                    UserName="svc-mail", Password=encrypted("bWFpbHBhc3M="), DeliveryReceipt=True)
    mail_again = activity(0x505, "Mail again", SEND_EMAIL, To="noc@contoso.local", Subject="again",
                          Message="", SmtpServer="smtp.contoso.local", Port=587, EnableSSL=True,
                          UserName="svc-mail", Password=encrypted("bWFpbHBhc3M="))
    query = activity(0x506, "Hosts", QUERY_DATABASE, DatabaseType="SQL Server", Server="db01",
                     InitialCatalog="cmdb", UserName="runbooks", Password=encrypted("ZGJwYXNz"),
                     Query="SELECT name FROM hosts WHERE site = '" + sub(start.id, guid(0x5F1)) + "'")
    write = activity(0x507, "Audit", WRITE_DATABASE, DatabaseType="SQL Server", Server="db01",
                     InitialCatalog="cmdb", UserName="runbooks", Password=encrypted("ZGJwYXNz"),
                     Table="audit",
                     tables={"FIELDS": [{"Field": "host", "Value": sub(query.id, "name")}]})
    ssh = activity(0x508, "Uptime", SSH, Computer="web01.contoso.local", Port=2222, UserName="ops",
                   PrivateKeyFile="/keys/ops", Command="uptime")
    ping = activity(0x509, "Ping", PING, Computer=sub(start.id, guid(0x5F1)))
    back = activity(0x50A, "Return Data", RETURN, tables={"PUBLISH_POLICY_DATA": [
        {"Key": "Reachable", "Value": sub(ping.id, "Computer Status")},
        {"Key": "Host", "Value": sub(script.id, "Host name")}]})
    chain = [start, script, csharp, mail, mail_again, query, write, ssh, ping, back]
    links = [link(0x520 + i, a, b) for i, (a, b) in enumerate(itertools.pairwise(chain))]
    return Policy(guid(0x500), "Operations", [*chain, *links], returns=["Reachable", "Host"])


def tools() -> Policy:
    """Runnable here: XML, random text, a platform event, a wait."""
    start = activity(0x601, "Initialize Data", START, tables={"CUSTOM_START_PARAMETERS": []})
    xml = activity(0x602, "Active sites", QUERY_XML, XMLText=SITES, XPathQuery="//site[@active='1']/@name")
    word = activity(0x603, "Password", RANDOM_TEXT, Length=12, UpperCase=True, LowerCase=True, Numbers=True,
                    Symbols=False)
    event = activity(0x604, "Tell", PLATFORM_EVENT, Type="Warning", Summary="site " + sub(xml.id, "value"),
                     Details="from the import")
    wait = activity(0x605, "Breathe", ("Wait", "{B40FDFBD-6E5F-44F0-9AA6-6469B0A35710}"), Seconds=0)
    back = activity(0x606, "Return Data", RETURN, tables={"PUBLISH_POLICY_DATA": [
        {"Key": "Site", "Value": sub(xml.id, "value")}, {"Key": "Length", "Value": sub(word.id, "text")}]})
    chain = [start, xml, word, event, wait, back]
    links = [link(0x620 + i, a, b) for i, (a, b) in enumerate(itertools.pairwise(chain))]
    return Policy(guid(0x600), "Tools", [*chain, *links], returns=["Site", "Length"])


@pytest.fixture
def report(tmp_path: Path) -> ImportReport:
    source = tmp_path / "standard.ois_export"
    source.write_bytes(export_xml(Folder(guid(0x50), "Ops", [operations(), tools()])).encode())
    return import_export(source, tmp_path / "out")


def warnings(report: ImportReport, name: str) -> str:
    return "\n".join(next(r for r in report.runbooks if r.name == name).warnings)


def test_the_figure_rises_as_standard_activities_map(report: ImportReport) -> None:
    # Operations: 10 activities, the C# script the one placeholder; Tools: 6, none.
    assert (report.activities, report.placeholders) == (16, 1)
    assert "15 of 16 activities imported as runnable Interlock activities, 1 placeholders" in \
        report.headline()


def test_a_powershell_script_becomes_run_script_with_its_published_variables(report: ImportReport) -> None:
    _, document = runbook(report, "Operations")
    script = named(document, "Disks")
    assert script["type"] == "script.run" and script.get("enabled", True)
    assert script["properties"] == {
        "language": "powershell",
        "script": '$hostName = "{{initialize_data.Server}}"\r\n$disks = @(\'C\', \'D\')\r\n',
        "published": [{"name": "Disk", "variable": "disks", "collection": True},
                      {"name": "Host name", "variable": "hostName", "collection": False}]}
    # Its published names are what others subscribe to, as they are.
    assert named(document, "Return Data")["properties"]["data"]["Host"] == "{{disks.Host name}}"
    legacy = named(document, "Legacy")
    assert (legacy["type"], legacy["enabled"]) == ("orchestrator.unsupported", False)
    assert 'activity "Legacy": a C# script has no Interlock counterpart' in warnings(report, "Operations")


def test_send_email_keeps_its_message_and_its_server_becomes_one_connection(report: ImportReport) -> None:
    _, document = runbook(report, "Operations")
    mail, again = named(document, "Mail"), named(document, "Mail again")
    assert mail["type"] == "net.send_email"
    assert mail["properties"] == {"connection": "smtp_smtp_contoso_local",
                                  "to": ["ops@contoso.local", "{{disks.Host name}}"],
                                  "subject": "Disks of {{initialize_data.Server}}",
                                  "body": "Disk {{disks.Disk}}",
                                  "importance": "high"}
    assert again["properties"]["connection"] == "smtp_smtp_contoso_local"  # same server, same account
    assert "settings not carried over: DeliveryReceipt" in warnings(report, "Operations")
    connections = tomllib.loads((Path(report.out_dir) / "connections.toml").read_text(encoding="utf-8"))
    assert connections["connections"]["smtp_smtp_contoso_local"] == {
        "kind": "smtp", "host": "smtp.contoso.local", "port": 587, "security": "starttls",
        "username": "svc-mail", "password_env": "INTERLOCK_SMTP_SMTP_CONTOSO_LOCAL_PASSWORD"}


def test_databases_ssh_and_ping_map_with_their_connections(report: ImportReport) -> None:
    _, document = runbook(report, "Operations")
    query, write = named(document, "Hosts"), named(document, "Audit")
    assert query["type"] == "data.query" and query["properties"]["connection"] == "database_db01"
    assert query["properties"]["query"] == "SELECT name FROM hosts WHERE site = '{{initialize_data.Server}}'"
    assert "make those values bound :parameters" in warnings(report, "Operations")
    assert write["properties"] == {"connection": "database_db01", "table": "audit",
                                   "values": {"host": "{{hosts.name}}"}}
    assert named(document, "Uptime")["properties"] == {"connection": "ssh_web01_contoso_local",
                                                       "command": "uptime"}
    assert named(document, "Ping")["properties"] == {"host": "{{initialize_data.Server}}"}
    listed = {c.name: c for c in report.connections}
    assert listed["database_db01"].env == "INTERLOCK_DATABASE_DB01_PASSWORD"
    connections = tomllib.loads((Path(report.out_dir) / "connections.toml").read_text(encoding="utf-8"))
    assert connections["connections"]["database_db01"]["url"] == \
        "mssql+pyodbc://runbooks@db01/cmdb?driver=ODBC+Driver+18+for+SQL+Server"
    assert connections["connections"]["ssh_web01_contoso_local"] == {
        "kind": "ssh", "host": "web01.contoso.local", "port": 2222, "username": "ops",
        "key_file": "/keys/ops"}


def test_published_data_without_a_counterpart_is_literal_and_reported(report: ImportReport) -> None:
    _, document = runbook(report, "Operations")
    assert named(document, "Return Data")["properties"]["data"]["Reachable"] == "\\{{Ping.Computer Status}}"
    assert 'published data "Computer Status" of "Ping" has no Interlock counterpart' in warnings(report,
                                                                                                 "Operations")


def test_no_password_is_written_and_everything_validates(capsys: pytest.CaptureFixture[str],
                                                         report: ImportReport, tmp_path: Path) -> None:
    out = Path(report.out_dir)
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert "bWFpbHBhc3M=" not in everything and "ZGJwYXNz" not in everything
    markdown = (out / "import-report.md").read_text(encoding="utf-8")
    assert "## Connections (connections.toml)" in markdown and "INTERLOCK_DATABASE_DB01_PASSWORD" in markdown
    code, printed, err = cli(capsys, "validate", *[out / r.path for r in report.runbooks])
    assert code == 0, printed + err
    code, printed, _ = cli(capsys, "import", tmp_path / "standard.ois_export", "-o", tmp_path / "again")
    assert code == 0 and f"3 connections to configure (servers, accounts, passwords): {tmp_path / 'again'}" \
        in printed


def test_an_imported_runbook_of_standard_activities_runs(capsys: pytest.CaptureFixture[str],
                                                         report: ImportReport,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(report.out_dir)
    path, document = runbook(report, "Tools")
    assert [a["type"] for a in document["activities"]] == [
        "core.initialize_data", "data.query_xml", "text.generate_random", "system.send_platform_event",
        "core.wait", "core.return_data"]
    code, out, err = cli(capsys, "run", path, "--json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    assert result["status"] == "success"
    # One row per active site, and each row goes on: two platform events, two returned rows' last.
    tell = next(a for a in result["activities"] if a["id"] == "tell")
    assert len(tell["instances"]) == 2
    assert result["returned"]["Site"] in ("Paris", "Kyiv") and len(result["returned"]["Length"]) == 12
