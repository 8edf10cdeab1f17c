"""An Orchestrator export as plain records (shared/orchestrator-export.md): folders, runbooks, objects
(activities and links) and global variables. Only direct children are walked: Create Folder has a
property named <Folder>, and <Object> also occurs under <GlobalSettings>."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

LINK_TYPE = "{7A65BD17-9532-4D07-A6DA-E0F89FA0203E}"
VARIABLE_TYPE = "{2E88BB5A-62F9-482E-84B0-4D963C987231}"


@dataclass
class Obj:
    """An activity or a link: its scalar fields and its tables of <Entry> rows, in file order."""

    fields: dict[str, str]
    tables: dict[str, list[dict[str, str]]]

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)

    @property
    def id(self) -> str:
        return self.get("UniqueID").upper()

    @property
    def name(self) -> str:
        return self.get("Name")

    @property
    def type_guid(self) -> str:
        return self.get("ObjectType").upper()

    @property
    def type_name(self) -> str:
        return self.get("ObjectTypeName")

    @property
    def is_link(self) -> bool:
        return self.type_guid == LINK_TYPE or self.type_name == "Link"

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.get(key).strip().upper()
        return default if not value else value == "TRUE"


@dataclass
class Policy:
    id: str
    name: str
    description: str
    folder: tuple[str, ...]  # folder names from the top folder (excluded) down
    return_fields: list[str]
    objects: list[Obj]
    path: str = ""  # the runbook file, relative to the import folder (set by the importer)


@dataclass
class Variable:
    id: str
    name: str
    value: str
    folder: tuple[str, ...] = ()


@dataclass
class Export:
    policies: list[Policy] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)  # by GUID
    other_settings: dict[str, int] = field(default_factory=dict)  # counters, schedules, ...: how many


def _text(element: Element | None) -> str:
    return "" if element is None else (element.text or "")


def read_object(element: Element) -> Obj:
    fields: dict[str, str] = {}
    tables: dict[str, list[dict[str, str]]] = {}
    for child in element:
        entries = [e for e in child if e.tag == "Entry"]
        if entries:
            tables[child.tag] = [{cell.tag: _text(cell) for cell in entry} for entry in entries]
        elif len(child):
            tables[child.tag] = []
        else:
            fields[child.tag] = _text(child)
    return Obj(fields, tables)


def _return_fields(text: str) -> list[str]:
    """The Return Data names of a runbook, from the escaped <Data><Entry><Name> document."""
    if not text.strip():
        return []
    try:
        root = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException):  # damaged: the Return Data activities still name their keys
        return []
    return [_text(entry.find("Name")) for entry in root.iter("Entry") if _text(entry.find("Name"))]


def _walk_folder(folder: Element, trail: tuple[str, ...], out: list[Policy]) -> None:
    for policy in folder.findall("Policy"):
        out.append(Policy(
            id=_text(policy.find("UniqueID")).upper(), name=_text(policy.find("Name")),
            description=_text(policy.find("Description")), folder=trail,
            return_fields=_return_fields(_text(policy.find("ReturnDataDefinition"))),
            objects=[read_object(o) for o in policy.findall("Object")]))
    for child in folder.findall("Folder"):
        _walk_folder(child, (*trail, _text(child.find("Name"))), out)


def _walk_variables(folder: Element, trail: tuple[str, ...], out: dict[str, Variable]) -> None:
    for holder in (folder, folder.find("Objects")):
        for obj in [] if holder is None else holder.findall("Object"):
            record = read_object(obj)
            if record.type_guid == VARIABLE_TYPE or record.type_name == "Variable":
                out[record.id] = Variable(record.id, record.name, record.get("Value"), trail)
    for child in folder.findall("Folder"):
        _walk_variables(child, (*trail, _text(child.find("Name"))), out)


def read_export(root: Element) -> Export:
    export = Export()
    policies = root.find("Policies")
    for top in [] if policies is None else list(policies):
        if top.tag == "Folder":
            # The top folder ("Policies" placeholder or the exported folder) is the import folder.
            _walk_folder(top, (), export.policies)
    settings = root.find("GlobalSettings")
    for group in [] if settings is None else list(settings):
        if group.tag == "Variables":
            for folder in group.findall("Folder"):
                _walk_variables(folder, (), export.variables)
        else:
            count = sum(1 for o in group.iter("Object"))
            if count:
                export.other_settings[group.tag] = count
    return export
