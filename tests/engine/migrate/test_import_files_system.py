"""Orchestrator's file, service, event log, date and monitor activities (and Invoke Web Services)
imported as Interlock's files.*, system.*, text.format_datetime, monitor.* and data.invoke_rest; a
monitor that does not start its runbook, or a service paused, stays a placeholder; an imported file
runbook runs and leaves its file on disk."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from exports import RETURN, START, Folder, Policy, activity, export_xml, guid, link, sub
from importing import activity as named
from importing import cli, runbook

from engine.migrate import ImportReport, import_export

MONITOR_FILE = ("Monitor File", "{00000000-0000-4000-8000-00000000B001}")
MONITOR_TIME = ("Monitor Date/Time", "{257A2C51-67E6-40C6-8F49-4059E9C3D45E}")
FILE_STATUS = ("Get File Status", "{3B803776-8E67-4892-8CC2-947A46DB42A5}")
COPY = ("Copy File", "{00000000-0000-4000-8000-00000000B002}")
APPEND = ("Append Line", "{A1F1D52C-CB88-4C74-848D-D3E62BB22B1C}")
READ = ("Read Line", "{A7FB4661-885C-4A36-9856-5FD0AB136A69}")
CREATE_FOLDER = ("Create Folder", "{CEB6137B-9A5A-4326-8F40-9EE3064D65A7}")
EVENT_LOG = ("Send Event Log Message", "{64F6B908-70F3-46C0-BEB1-79E788C99421}")
SERVICE = ("Start/Stop Service", "{BEE88F18-6B32-47BB-871A-F7AE5C59FF12}")
SERVICE_STATUS = ("Get Service Status", "{9422B625-906E-4575-B819-136B1B0882CF}")
DATE = ("Format Date/Time", "{00000000-0000-4000-8000-00000000B003}")
WEB = ("Invoke Web Services", "{00000000-0000-4000-8000-00000000B004}")


def chained(objects: list, first_link: int) -> list:
    return [*objects, *[link(first_link + i, a, b) for i, (a, b) in enumerate(pairwise(objects))]]


def drop_folder() -> Policy:
    """Started by a monitor, as Orchestrator runbooks that watch a folder are."""
    watch = activity(0x701, "Watch drops", MONITOR_FILE, Folder="C:\\Drops", Filter="*.csv",
                     IncludeSubfolders=True, Created=True, Modified=False)
    status = activity(0x702, "Status", FILE_STATUS, File=sub(guid(0x701), "Name"))
    copy = activity(0x703, "Keep a copy", COPY, Source=sub(guid(0x701), "Name"), Destination="D:\\Archive",
                    IfExists="Create a unique name")
    append = activity(0x704, "Log it", APPEND, File="D:\\Archive\\log.txt", Text=sub(guid(0x701), "Name"),
                      Encoding="Unicode")
    event = activity(0x705, "Event", EVENT_LOG, Computer="", Message="archived", Severity="Warning")
    restart = activity(0x706, "Restart importer", SERVICE, Computer="srv01", Service="Importer",
                       Action="Restart")
    state = activity(0x707, "Importer state", SERVICE_STATUS, Computer="srv01", Service="Importer")
    stamp = activity(0x708, "Stamp", DATE, DateTime="2026-12-05T10:00:00", OutputFormat="yyyy-MM-dd",
                     AddDays=-1)
    call = activity(0x709, "Tell CRM", WEB, URL="https://crm.contoso.local/svc.asmx?wsdl",
                    Request="<Envelope>" + sub(guid(0x701), "Name") + "</Envelope>", SOAPAction="urn:Tell")
    return Policy(guid(0x700), "Drop folder", chained([watch, status, copy, append, event, restart, state,
                                                       stamp, call], 0x720))


def odd_ones() -> Policy:
    start = activity(0x801, "Initialize Data", START, tables={"CUSTOM_START_PARAMETERS": []})
    late = activity(0x802, "Late monitor", MONITOR_TIME, Interval=5, IntervalUnit="Minutes")
    pause = activity(0x803, "Pause it", SERVICE, Computer="srv01", Service="Spooler", Action="Pause")
    return Policy(guid(0x800), "Odd ones", chained([start, late, pause], 0x820))


def folder_work(where: Path) -> Policy:
    start = activity(0x901, "Initialize Data", START, tables={"CUSTOM_START_PARAMETERS": [
        {"UniqueID": guid(0x9F1), "Value": "Line", "Type": "String"}]})
    make = activity(0x902, "Make folder", CREATE_FOLDER, Folder=str(where / "reports"))
    append = activity(0x903, "Append", APPEND, File=str(where / "reports" / "log.txt"),
                      Text=sub(start.id, guid(0x9F1)), Encoding="UTF-8")
    read = activity(0x904, "Read", READ, File=str(where / "reports" / "log.txt"), LineNumbers="1")
    back = activity(0x905, "Return Data", RETURN, tables={"PUBLISH_POLICY_DATA": [
        {"Key": "First line", "Value": sub(read.id, "line")}]})
    return Policy(guid(0x900), "Folder work", chained([start, make, append, read, back], 0x920),
                  returns=["First line"])


@pytest.fixture
def report(tmp_path: Path) -> ImportReport:
    source = tmp_path / "files.ois_export"
    source.write_bytes(export_xml(Folder(guid(0x70), "Files", [drop_folder(), odd_ones(),
                                                              folder_work(tmp_path / "work")])).encode())
    return import_export(source, tmp_path / "out")


def test_file_service_event_and_date_activities_map_with_their_settings(report: ImportReport) -> None:
    _, document = runbook(report, "Drop folder")
    assert named(document, "Watch drops")["properties"] == {
        "folder": "C:\\Drops", "pattern": "*.csv", "include_subfolders": True, "events": ["created"]}
    assert named(document, "Status")["properties"] == {"path": "{{watch_drops.name}}"}
    assert named(document, "Keep a copy")["properties"] == {
        "source": "{{watch_drops.name}}", "destination": "D:\\Archive", "if_exists": "unique"}
    assert named(document, "Log it")["properties"] == {
        "path": "D:\\Archive\\log.txt", "text": "{{watch_drops.name}}", "encoding": "utf-16",
        "create_if_missing": True}
    assert named(document, "Event")["properties"] == {"message": "archived", "severity": "warning",
                                                      "connection": ""}
    assert named(document, "Restart importer")["properties"] == {
        "service": "Importer", "action": "restart", "connection": "winrm_srv01"}
    assert named(document, "Importer state")["properties"]["connection"] == "winrm_srv01"
    assert named(document, "Stamp")["properties"] == {"input": "2026-12-05T10:00:00",
                                                      "output_format": "yyyy-MM-dd", "add_days": -1}
    assert named(document, "Tell CRM")["type"] == "data.invoke_rest"
    assert named(document, "Tell CRM")["properties"] == {
        "method": "POST", "url": "https://crm.contoso.local/svc.asmx",
        "headers": {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:Tell"},
        "body": "<Envelope>{{watch_drops.name}}</Envelope>", "body_type": "text"}
    # The monitor is the start point: no Initialize Data added, every activity runnable.
    assert document["activities"][0]["type"] == "monitor.file"
    line = next(r for r in report.runbooks if r.name == "Drop folder")
    assert line.placeholders == 0 and "Start (added by import)" not in json.dumps(document)


def test_a_late_monitor_and_a_paused_service_stay_placeholders(report: ImportReport) -> None:
    _, document = runbook(report, "Odd ones")
    assert [(a["name"], a["type"]) for a in document["activities"][1:]] == [
        ("Late monitor", "orchestrator.unsupported"), ("Pause it", "orchestrator.unsupported")]
    notes = "\n".join(next(r for r in report.runbooks if r.name == "Odd ones").warnings)
    assert "a monitor after other activities" in notes and '"Pause" (pause and resume)' in notes


def test_everything_validates_and_the_figure_counts_them(capsys: pytest.CaptureFixture[str],
                                                         report: ImportReport) -> None:
    assert (report.activities, report.placeholders) == (17, 2)
    code, out, err = cli(capsys, "validate", *[Path(report.out_dir) / r.path for r in report.runbooks])
    assert code == 0, out + err


def test_an_imported_file_runbook_runs(capsys: pytest.CaptureFixture[str], report: ImportReport,
                                       tmp_path: Path) -> None:
    path, _ = runbook(report, "Folder work")
    code, out, err = cli(capsys, "run", path, "--json", "-p", "Line=first entry")
    assert code == 0, err
    assert json.loads(out)["returned"] == {"First line": "first entry"}
    assert (tmp_path / "work" / "reports" / "log.txt").read_text(encoding="utf-8").splitlines() == [
        "first entry"]
