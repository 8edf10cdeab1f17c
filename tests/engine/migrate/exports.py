"""A generator of Runbook Designer exports (`.ois_export`) for tests, following
shared/orchestrator-export.md: root <ExportData> without declaration or namespace, all on one line,
scalars with `datatype`, objects directly under their Policy, tables of <Entry> rows, the inline markers
for subscriptions, variables, encrypted values and junction branches.

`sample_export()` is the realistic export the importer tests use; the building blocks make others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

LINK = ("Link", "{7A65BD17-9532-4D07-A6DA-E0F89FA0203E}")
START = ("Custom Start", "{6C576F3D-E927-417A-B145-5D3EFF9C995F}")
RETURN = ("Publish Policy Data", "{FA70125F-267E-4065-A4F6-D5493167D663}")
INVOKE = ("Trigger Policy", "{9C1BF9B4-515A-4FD2-A753-87D235D8BA1F}")
JUNCTION = ("Junction", "{1C5F9236-92E0-4795-8CAA-1669B7643607}")
SCRIPT = ("Run .Net Script", "{ED7F2A41-107A-4B74-BAFE-ADAE63632B79}")
COMPARE = ("Compare Values", "{7ECD5536-2611-4C2F-822E-74D5B11CBDAC}")
SEND_EMAIL = ("Send Email", "{EAB9A2AF-FA87-4E2A-82EC-DC414B20E733}")
AD_GET_USER = ("Get User", "{3D5D4E6A-1F0B-4C1A-9B1E-AD0000000001}")  # an integration pack's activity
VARIABLE = ("Variable", "{2E88BB5A-62F9-482E-84B0-4D963C987231}")
GREEN, RED = 65280, 255


def guid(n: int) -> str:
    """A brace-wrapped upper-case GUID, distinct per n."""
    return f"{{{n:08X}-0000-4000-8000-{n:012X}}}"


def sub(source: str, field_id: str) -> str:
    return f"\\`d.T.~Ed/{source}.{field_id}\\`d.T.~Ed/"


def var(variable: str) -> str:
    return f"\\`d.T.~Vb/{variable}\\`d.T.~Vb/"


def encrypted(blob: str = "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA") -> str:
    return f"\\`d.T.~Ec/\\`d.T.~De/{blob}\\`d.T.~De/"


def branch(activity: str) -> str:
    return f"\\`d.T.~Br/{activity}\\`d.T.~Br/"


def scalar(tag: str, value: object) -> str:
    if value is None:
        return f'<{tag} datatype="null"></{tag}>'
    if isinstance(value, bool):
        return f'<{tag} datatype="bool">{"TRUE" if value else "FALSE"}</{tag}>'
    if isinstance(value, int):
        return f'<{tag} datatype="int">{value}</{tag}>'
    return f'<{tag} datatype="string">{escape(str(value))}</{tag}>'


def table(tag: str, rows: list[dict[str, object]]) -> str:
    return f"<{tag}>" + "".join("<Entry>" + "".join(scalar(k, v) for k, v in row.items()) + "</Entry>"
                                for row in rows) + f"</{tag}>"


@dataclass
class Obj:
    id: str
    name: str
    kind: tuple[str, str]
    at: tuple[int, int] = (0, 0)
    enabled: bool = True
    fields: dict[str, object] = field(default_factory=dict)
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    def xml(self) -> str:
        common = {"UniqueID": self.id, "Name": self.name, "Description": "", "PositionX": self.at[0],
                  "PositionY": self.at[1], "ObjectType": self.kind[1], "ObjectTypeName": self.kind[0],
                  "Enabled": self.enabled, "ASC_UseServiceSecurity": False, "ASW_ObjectTimeout": 0,
                  "ASW_NotifyOnFail": False, "Flatten": False, "FlatUseLineBreak": True, "FlatUseCSV": False,
                  "FlatUseCustomSep": False, "FlatCustomSep": None}
        if self.kind == LINK:
            common = {k: v for k, v in common.items() if not k.startswith(("ASW", "ASC", "Flat"))}
        return ("<Object>" + "".join(scalar(k, v) for k, v in {**common, **self.fields}.items())
                + "".join(table(k, rows) for k, rows in self.tables.items()) + "</Object>")


def activity(n: int, name: str, kind: tuple[str, str], at: tuple[int, int] = (0, 0), enabled: bool = True,
             tables: dict[str, list[dict[str, object]]] | None = None, **fields: object) -> Obj:
    return Obj(guid(n), name, kind, at, enabled, dict(fields), tables or {})


def link(n: int, source: Obj, target: Obj, name: str = "Link", *,
         triggers: list[dict[str, object]] | None = None, enabled: bool = True, color: int = GREEN,
         delay: int = 0) -> Obj:
    fields: dict[str, object] = {"SourceObject": source.id, "TargetObject": target.id, "Color": color,
                                 "WaitDelay": delay, "And": False, "Label": name,
                                 "Width": 0 if not triggers else 1}
    return Obj(guid(n), name, LINK, (0, 0), enabled, fields, {"TRIGGERS": triggers} if triggers else {})


def status_trigger(source: Obj, value: str, exclude: bool = False) -> dict[str, object]:
    return {"Type": "donottrigger" if exclude else "trigger", "Condition": None, "Data": source.id,
            "Value": value, "GroupID": 0}


def data_trigger(source: Obj, field_id: str, condition: str, value: str, exclude: bool = False) \
        -> dict[str, object]:
    return {"Type": "donottrigger" if exclude else "trigger", "Condition": condition,
            "Data": f"{source.id}.{field_id}", "Value": value, "GroupID": 0}


@dataclass
class Policy:
    id: str
    name: str
    objects: list[Obj]
    returns: list[str] = field(default_factory=list)

    def xml(self, parent: str) -> str:
        definition = "<Data>" + "".join(f"<Entry><Name>{escape(r)}</Name><Type>String</Type><Description>"
                                        f"</Description></Entry>" for r in self.returns) + "</Data>"
        return ("<Policy>" + scalar("UniqueID", self.id) + scalar("Name", self.name)
                + scalar("ParentID", parent) + scalar("Enabled", True) + scalar("Description", "")
                + scalar("LogCommonData", False)
                + scalar("MaxParallelRequests", 1) + scalar("ReturnDataDefinition", definition)
                + "".join(o.xml() for o in self.objects) + "</Policy>")


@dataclass
class Folder:
    id: str
    name: str
    policies: list[Policy] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)

    def xml(self) -> str:
        return ("<Folder>" + scalar("UniqueID", self.id) + scalar("Name", self.name)
                + scalar("Description", "")
                + "".join(p.xml(self.id) for p in self.policies) + "".join(f.xml() for f in self.folders)
                + "</Folder>")


def export_xml(top: Folder, variables: list[tuple[str, str, str]] = ()) -> str:
    """The whole file: variables as (GUID, name, value)."""
    objects = "".join(Obj(g, name, VARIABLE, fields={"Type": "String", "Value": value}).xml()
                      for g, name, value in variables)
    settings = ("<GlobalSettings><Counters><Folder>"
                + scalar("UniqueID", "{00000000-0000-0000-0000-000000000004}")
                + "<Objects></Objects></Folder></Counters><Variables><Folder>"
                + scalar("UniqueID", "{00000000-0000-0000-0000-000000000005}") + scalar("Name", "Variables")
                + f"<Objects>{objects}</Objects></Folder></Variables></GlobalSettings>")
    return (f"<ExportData>{scalar('EncryptionSalt', 'c2FsdA==')}<Policies>{top.xml()}</Policies>"
            f"{settings}</ExportData>")


# -- the sample export ----------------------------------------------------------------------------------

MAIL_SERVER, SMTP_PASSWORD, MISSING_VARIABLE = guid(0xA1), guid(0xA2), guid(0xA3)
CHILD_ID = guid(0x300)
SCRIPT_BODY = "$server = \"" + sub(guid(0x101), guid(0x1F1)) + "\"\r\n$Result = \"ok\"\r\n"


def child_runbook() -> Policy:
    """A child with a Cyrillic name and a junction returning <None>."""
    start = activity(0x301, "Начало", START, (0, 0), tables={"CUSTOM_START_PARAMETERS": [
        {"UniqueID": guid(0x3F1), "Value": "Имя", "Type": "String", "ParameterDescription": ""}]})
    left = activity(0x302, "Проверка A", COMPARE, (150, -75), StringToCompare=sub(start.id, guid(0x3F1)),
                    StringTestOption=0, StringToCompareTo="a", CaseSensitive=False)
    right = activity(0x303, "Проверка B", COMPARE, (150, 75), StringToCompare=sub(start.id, guid(0x3F1)),
                     StringTestOption=0, StringToCompareTo="b", CaseSensitive=False)
    join = activity(0x304, "Слияние", JUNCTION, (300, 0), SelectedBranch=None)
    done = activity(0x305, "Вернуть", RETURN, (450, 0), tables={"PUBLISH_POLICY_DATA": [
        {"Key": "Статус", "Value": "готово " + sub(start.id, guid(0x3F1))}]})
    return Policy(CHILD_ID, "Проверка сервера", [
        start, left, right, join, done,
        link(0x311, start, left), link(0x312, start, right), link(0x313, left, join),
        link(0x314, right, join),
        link(0x315, join, done)], returns=["Статус", "Unset"])


def routing_runbook() -> Policy:
    """Runnable with core activities only: exclusions, a status set, a junction returning one branch."""
    start = activity(0x201, "Initialize Data", START, (0, 0), tables={"CUSTOM_START_PARAMETERS": [
        {"UniqueID": guid(0x2F1), "Value": "Value", "Type": "String",
         "ParameterDescription": "what to route"}]})
    check_a = activity(0x202, "Check A", COMPARE, (150, -75), StringToCompare=sub(start.id, guid(0x2F1)),
                       StringTestOption=0, StringToCompareTo="a")
    check_b = activity(0x203, "Check B", COMPARE, (150, 75), StringToCompare="b",
                       StringTestOption=0, StringToCompareTo=sub(start.id, guid(0x2F1)))
    join = activity(0x204, "Join", JUNCTION, (300, 0), SelectedBranch=branch(check_a.id))
    done = activity(0x205, "Return Data", RETURN, (450, 0), tables={"PUBLISH_POLICY_DATA": [
        {"Key": "Matched", "Value": sub(check_a.id, "Compare.CompareResult")},
        {"Key": "Status", "Value": sub(check_a.id, "Object.Status")}]})
    return Policy(guid(0x200), "Route {{value}}", [
        start, check_a, check_b, join, done,
        link(0x211, start, check_a, "Any status unless skipped", triggers=[
            status_trigger(start, "success#warning#failed"),
            data_trigger(start, guid(0x2F1), "equals", "skip-a", exclude=True),
            data_trigger(start, guid(0x2F1), "startswith", "never-", exclude=True)]),
        link(0x212, start, check_b),
        link(0x213, check_a, join, triggers=[status_trigger(check_a, "success")]),
        link(0x214, check_b, join, triggers=[data_trigger(check_b, "Compare.CompareResult", "doesnotequal",
                                                                "maybe")]),
        link(0x215, join, done),
        link(0x216, check_b, done, "Disabled shortcut", enabled=False, color=RED)],
        returns=["Matched", "Status"])


def parent_runbook() -> Policy:
    """Placeholders, secrets, variables, job data and a child invoked by GUID with a stale path."""
    start = activity(0x101, "Initialize Data", START, (0, 0), tables={"CUSTOM_START_PARAMETERS": [
        {"UniqueID": guid(0x1F1), "Value": "Server Name", "Type": "String", "ParameterDescription": ""},
        {"UniqueID": guid(0x1F2), "Value": "Count", "Type": "Integer", "ParameterDescription": ""}]})
    script = activity(0x102, "Check Server", SCRIPT, (150, 0), ScriptType="PowerShell",
                      ScriptBody=SCRIPT_BODY,
                      PublishedData=("<ItemRoot><Entry><Name>Result</Name><Type>String</Type>"
                                           "<Variable>Result</Variable><IsCollection>false</IsCollection>"
                                           "</Entry></ItemRoot>"), ASW_ObjectTimeout=300,
                      Flatten=True, FlatUseCustomSep=True, FlatCustomSep=";")
    user = activity(0x103, "Get User", AD_GET_USER, (150, 150), Filters="<Filters/>",
                    Domain=var(MAIL_SERVER))
    invoke = activity(0x104, "Run Check", INVOKE, (300, 0), PolicyObjectID=CHILD_ID,
                      PolicyPath="Policies\\Patching\\Old name of the check", WaitToComplete=True,
                      TargetActionServers=None, tables={"TRIGGER_POLICY_PARAMETERS": [
                          {"Parameter": guid(0x3F1), "ParameterName": "Old name",
                           "Value": sub(script.id, "Result") + " on " + sub(start.id, "Server.Name")}]})
    mail = activity(0x105, "Send Email", SEND_EMAIL, (450, 0), enabled=False, Subject="Done: "
                    + sub(user.id, "Distinguished Name") + " in " + sub(start.id, "Policy.Name"),
                    SmtpServer=var(MAIL_SERVER), Password=encrypted(), Port=var(MISSING_VARIABLE),
                    Body="{{not a reference}} " + sub(guid(0xDEAD), "Object.Status"))
    done = activity(0x106, "Return Data", RETURN, (600, 0), tables={"PUBLISH_POLICY_DATA": [
        {"Key": "Child", "Value": sub(invoke.id, "ChildPolicy.Status")},
        {"Key": "When", "Value": sub(invoke.id, "Object.EndTime.UTC.Day")}]})
    return Policy(guid(0x100), "Patch Server", [
        start, script, user, invoke, mail, done,
        link(0x111, start, script), link(0x112, start, user),
        link(0x113, script, invoke, "Result ok", triggers=[
            data_trigger(script, "Result", "matchespattern", "^ok$"),
            data_trigger(script, "Result", "doesnotcontain", "fail", exclude=True),
            status_trigger(script, "warning#failed", exclude=True)]),
        link(0x114, user, invoke, triggers=[data_trigger(user, "Distinguished Name", "contains", "OU=")]),
        link(0x115, invoke, mail), link(0x116, mail, done, enabled=False),
        link(0x117, invoke, done, "Failure", color=RED, delay=5, triggers=[status_trigger(invoke, "failed")]),
        link(0x118, invoke, guid_obj(0xBEEF))])


def guid_obj(n: int) -> Obj:
    """An object that is not in the runbook: a link to it is broken."""
    return Obj(guid(n), "gone", SCRIPT)


def sample_export() -> str:
    nested = Folder(guid(0x20), "Дочерние", [child_runbook()])
    routing = Folder(guid(0x30), "Routing", [routing_runbook()])
    top = Folder(guid(0x10), "Patching", [parent_runbook()], [nested, routing])
    return export_xml(top, [(MAIL_SERVER, "Mail Server", "smtp.contoso.local"),
                            (SMTP_PASSWORD, "SMTP Password", encrypted("c2VjcmV0IGJsb2I="))])


def write_sample(folder: Path, name: str = "Patching.ois_export") -> Path:
    path = folder / name
    path.write_bytes(sample_export().encode("utf-8"))  # bytes: the CRLF of the script body stays raw
    return path
