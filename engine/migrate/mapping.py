"""One Orchestrator runbook -> one format-1 runbook (DESIGN §6.2). Everything that cannot be carried
over is a warning on the runbook's report line."""

from __future__ import annotations

import math
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ..config.registry import Registry
from ..format.model import Runbook
from .connections import ConnectionBook
from .export import Obj, Policy
from .markers import Resolvers, branch_of, convert, escape
from .naming import slug, unique
from .report import RunbookReport
from .source import fold_name
from .standard import MONITORS, Mapped, map_standard, standard_kind
from .variables import VariableBook

PLACEHOLDER = "orchestrator.unsupported"
START, RETURN, INVOKE, JUNCTION, COMPARE = "Custom Start", "Publish Policy Data", "Trigger Policy", \
    "Junction", "Compare Values"
TYPE_GUIDS = {"{6C576F3D-E927-417A-B145-5D3EFF9C995F}": START,
              "{FA70125F-267E-4065-A4F6-D5493167D663}": RETURN,
              "{9C1BF9B4-515A-4FD2-A753-87D235D8BA1F}": INVOKE,
              "{1C5F9236-92E0-4795-8CAA-1669B7643607}": JUNCTION,
              "{7ECD5536-2611-4C2F-822E-74D5B11CBDAC}": COMPARE}
# Fields every object has: they become the activity's own keys, not properties.
COMMON_KEYS = frozenset({
    "UniqueID", "Name", "Description", "PositionX", "PositionY", "ObjectType", "ObjectTypeName", "Enabled",
    "ASW_ObjectTimeout", "Flatten", "FlatUseLineBreak", "FlatUseCSV", "FlatUseCustomSep", "FlatCustomSep",
    "ParentID"})
COMMON_DATA = {"Object.Status": "@status", "ErrorSummary.Text": "@error", "Object.StartTime": "@started_at",
               "Object.EndTime": "@finished_at", "Object.Name": "@name"}
JOB_DATA = {"Policy.Name": "runbook", "Server.Name": "server"}
TYPE_DATA = {"Compare.CompareResult": "result", "ChildPolicy.Status": "status"}
OPERATORS = {"equals": "equals", "doesnotequal": "not_equals", "contains": "contains",
             "doesnotcontain": "not_contains", "startswith": "starts_with", "endswith": "ends_with",
             "matchespattern": "matches", "doesnotmatchpattern": "not_matches",
             "isgreaterthan": "greater_than", "isgreaterthanorequalto": "at_least",
             "islessthan": "less_than", "islessthanorequalto": "at_most"}
PARAMETER_TYPES = {"integer": "number", "number": "number", "boolean": "boolean"}
STATUSES = ("success", "warning", "failed")
MAX_NUMBER = 10**9  # positions, delays and timeouts beyond this are damage, not settings


@dataclass
class Export:
    """What mapping one runbook needs from the whole export."""

    policies: dict[str, Policy]  # by GUID
    variables: VariableBook
    connections: ConnectionBook = field(default_factory=ConnectionBook)
    registry: Registry | None = None  # the installed activity types: what a mapped activity publishes


@dataclass
class _Runbook:
    policy: Policy
    export: Export
    report: RunbookReport
    ids: dict[str, str] = field(default_factory=dict)  # activity GUID -> id
    objects: dict[str, Obj] = field(default_factory=dict)  # activity GUID -> object
    placeholders: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> properties
    standard: dict[str, Mapped] = field(default_factory=dict)  # GUID -> a first reading of a standard one

    def warn(self, text: str) -> None:
        self.report.warnings.append(text)

    def kind(self, obj: Obj) -> str:
        return TYPE_GUIDS.get(obj.type_guid, obj.type_name)

    # -- text ---------------------------------------------------------------------------------------------
    def text(self, value: str, where: str, label: str) -> str:
        """Interlock text for an Orchestrator value at `where` (for the report); `label` names a secret."""
        def subscription(guid: str, field_id: str) -> str:
            return self.subscription(guid, field_id, where)

        def variable(guid: str) -> str:
            reference, known = self.export.variables.reference(guid)
            if not known:
                self.warn(f"{where}: variable {guid} is not in the export; define {reference[6:-2]} in "
                          f"the config")
            return reference

        def secret() -> str:
            reference = self.export.variables.secret(f"{self.policy.name}: {where}",
                                                     f"{self.policy.name} {label}")
            self.warn(f"{where}: an encrypted value, now {reference}: set it in variables.toml")
            return reference

        return convert(value, Resolvers(subscription, variable, secret))

    def subscription(self, guid: str, field_id: str, where: str) -> str:
        if field_id in JOB_DATA:
            return f"{{{{job.{JOB_DATA[field_id]}}}}}"
        source = self.ids.get(guid)
        name = self.objects[guid].name if guid in self.objects else guid
        literal = escape(f"{{{{{name}.{field_id}}}}}")
        if source is None:
            self.warn(f"{where}: subscribes to {field_id} of {guid}, which is not an activity of this "
                      f"runbook; kept as the text {literal}")
            return literal
        mapped = self.field_of(guid, field_id)
        if mapped is None:
            self.warn(f'{where}: published data "{field_id}" of "{name}" has no Interlock counterpart; '
                      f"kept as the text {literal}")
            return literal
        return f"{{{{{source}.{mapped}}}}}"

    def field_of(self, guid: str, field_id: str) -> str | None:
        """The Interlock field for Orchestrator published data of the activity `guid`."""
        obj = self.objects[guid]
        if field_id in COMMON_DATA:
            return COMMON_DATA[field_id]
        if self.kind(obj) == START:
            names = parameter_names(obj)
            return names.get(field_id.upper()) or (field_id if field_id in names.values() else None)
        if field_id.startswith(("Object.", "ErrorSummary.")):
            return None  # parts of dates and the rest of the common data: listed in the report
        mapped = TYPE_DATA.get(field_id, field_id)
        if obj.id in self.standard:
            return self._published_as(obj.id, mapped)
        placeholder = self.placeholders.get(self.ids[guid])
        if placeholder is not None and mapped not in placeholder["publishes"]:
            placeholder["publishes"].append(mapped)
        return mapped


    def _published_as(self, guid: str, name: str) -> str | None:
        """The field of the standard activity mapped from `guid` that Orchestrator's `name` is: the same
        name, or the one that differs only in case and spaces ("Name" -> name); None when it publishes
        no such field. `name` itself when its fields depend on the run (a query's columns)."""
        registry = self.export.registry
        type_name, properties = self.standard[guid]
        activity = registry.get(type_name) if registry is not None else None
        fields = activity.published_fields(properties) if activity is not None else None
        if fields is None or name in fields:
            return name
        return next((f for f in fields if fold_name(f) == fold_name(name)), None)


def map_policy(policy: Policy, export: Export) -> tuple[Runbook, RunbookReport]:
    report = RunbookReport(name=policy.name, path=policy.path, orchestrator_id=policy.id)
    book = _Runbook(policy, export, report)
    activities = [o for o in policy.objects if not o.is_link]
    taken_ids: set[str] = set()
    taken_names: set[str] = set()
    names: dict[str, str] = {}
    for obj in activities:
        book.ids[obj.id] = unique(slug(obj.name), taken_ids)
        book.objects[obj.id] = obj
        names[obj.id] = unique(obj.name.strip() or obj.type_name or "Activity", taken_names, fold=True,
                               sep=" ")
        if names[obj.id] != obj.name:
            report.warnings.append(f'activity "{obj.name}" is named "{names[obj.id]}" (names are unique)')
        if not _maps(book, obj):
            book.placeholders[book.ids[obj.id]] = {"type_name": obj.type_name, "type_guid": obj.type_guid,
                                                   "settings": {}, "publishes": []}
    written = [_activity(book, obj, names[obj.id]) for obj in activities]
    links = _links(book, [o for o in policy.objects if o.is_link])
    report.activities = len(written)
    report.placeholders = sum(a["type"] == PLACEHOLDER for a in written)
    _one_start(book, written, links, taken_ids, taken_names)
    data: dict[str, Any] = {"name": policy.name or policy.id}
    if policy.description:
        data["description"] = policy.description
    data["activities"] = written
    data["links"] = links
    return Runbook.model_validate(data), report


def _maps(book: _Runbook, obj: Obj) -> bool:
    kind = book.kind(obj)
    if kind == INVOKE:
        return _child(book, obj) is not None
    if kind in (START, RETURN, JUNCTION, COMPARE):
        return True
    # A standard activity maps unless its settings rule it out (a C# script); the report says why not.
    if standard_kind(obj) in MONITORS and any(o.is_link and o.get("TargetObject").upper() == obj.id
                                              for o in book.policy.objects):
        book.warn(f'activity "{obj.name}": a monitor after other activities; Interlock starts a runbook '
                  f"with its monitor only: kept as a placeholder")
        return False
    notes: list[str] = []
    first = map_standard(obj, lambda value, _key: value, notes.append, ConnectionBook(), obj.name)
    if first is not None:
        book.standard[obj.id] = first
        return True
    for note in notes:
        book.warn(f'activity "{obj.name}": {note}')
    return False


def _activity(book: _Runbook, obj: Obj, name: str) -> dict[str, Any]:
    activity_id = book.ids[obj.id]
    data: dict[str, Any] = {"id": activity_id}
    placeholder = book.placeholders.get(activity_id)
    where = f'activity "{name}"'
    if placeholder is None:
        data["type"], properties = _mapped(book, obj, where)
    else:
        data["type"], properties = PLACEHOLDER, placeholder
        settings = {key: book.text(value, f"{where}, {key}", f"{name} {key}")
                    for key, value in obj.fields.items() if key not in COMMON_KEYS}
        settings.update({key: [{k: book.text(v, f"{where}, {key}.{k}", f"{name} {k}") for k, v in row.items()}
                               for row in rows] for key, rows in obj.tables.items()})
        placeholder["settings"] = settings
        book.warn(f'{where}: "{obj.type_name}" ({obj.type_guid}) has no Interlock counterpart yet: imported '
                  f"as a disabled placeholder keeping its settings; replace it")
    data["name"] = name
    if obj.get("Description"):
        data["description"] = obj.get("Description")
    data["at"] = [_int(obj.get("PositionX")), _int(obj.get("PositionY"))]
    if placeholder is not None or not obj.flag("Enabled", True):
        data["enabled"] = False
    data["properties"] = properties
    timeout = _int(obj.get("ASW_ObjectTimeout"))
    if timeout > 0:
        # Orchestrator only notifies when an activity runs longer; a warning is the closest.
        data["run"] = {"timeout_s": timeout, "on_timeout": "warn"}
        book.warn(f"{where}: Orchestrator notified after {timeout} s; imported as a timeout that ends the "
                  f"activity with a warning")
    if obj.flag("Flatten"):
        if obj.flag("FlatUseCSV"):
            data["flatten"] = {"mode": "csv"}
        elif obj.flag("FlatUseCustomSep"):
            data["flatten"] = {"mode": "separator", "separator": obj.get("FlatCustomSep") or ","}
        else:
            data["flatten"] = {"mode": "lines"}
    extra = sorted(k for k, v in obj.fields.items()
                   if k.startswith("ASC_") and v.strip() and v.strip().upper() not in ("FALSE", "0"))
    if extra:
        book.warn(f"{where}: Orchestrator ran it as another account ({', '.join(extra)}): give its "
                  f"connection the credentials")
    if obj.flag("ASW_NotifyOnFail"):
        book.warn(f"{where}: Orchestrator notified on failure; a job's failed status and history say it now")
    return data


def _mapped(book: _Runbook, obj: Obj, where: str) -> tuple[str, dict[str, Any]]:
    kind = book.kind(obj)
    if kind == START:
        parameters = []
        names = list(parameter_names(obj).values())
        for row, pname in zip(obj.tables.get("CUSTOM_START_PARAMETERS", []), names, strict=True):
            kind_of = PARAMETER_TYPES.get(row.get("Type", "").strip().casefold(), "string")
            if pname != row.get("Value", ""):
                book.warn(f'{where}: parameter "{row.get("Value", "")}" is named "{pname}" (names are '
                          f"unique)")
            parameter: dict[str, Any] = {"name": pname, "type": kind_of, "required": False}
            if kind_of == "string":
                parameter["default"] = ""  # Orchestrator starts a runbook with empty parameters
            parameters.append(parameter)
        return "core.initialize_data", {"parameters": parameters}
    if kind == RETURN:
        data = {row.get("Key", ""): book.text(row.get("Value", ""), f"{where}, {row.get('Key', '')}",
                                              f"{obj.name} {row.get('Key', '')}")
                for row in obj.tables.get("PUBLISH_POLICY_DATA", [])}
        for declared in book.policy.return_fields:
            data.setdefault(declared, "")  # Orchestrator returns every declared field, empty when unset
        return "core.return_data", {"data": data}
    if kind == INVOKE:
        child = _child(book, obj)
        assert child is not None
        parameters = {}
        names = _child_parameters(child)
        for row in obj.tables.get("TRIGGER_POLICY_PARAMETERS", []):
            pname = names.get(row.get("Parameter", "").upper()) or row.get("ParameterName", "")
            parameters[pname] = book.text(row.get("Value", ""), f"{where}, parameter {pname}",
                                          f"{obj.name} {pname}")
        if obj.get("TargetActionServers").strip():
            book.warn(f"{where}: Orchestrator ran the child on {obj.get('TargetActionServers')}; it runs on "
                      f"the invoking runbook's machine")
        path = posixpath.relpath(child.path, posixpath.dirname(book.policy.path) or ".")
        return "core.invoke_runbook", {"path": path, "parameters": parameters,
                                       "wait": obj.flag("WaitToComplete", True)}
    if kind == JUNCTION:
        branch = branch_of(obj.get("SelectedBranch"))
        republish = book.ids.get(branch) if branch else None
        if branch and republish is None:
            book.warn(f"{where}: returns data from {branch}, which is not an activity of this runbook; "
                      f"imported as <None>")
        return "core.junction", {"republish": republish}
    if kind != COMPARE:
        def text(value: str, key: str) -> str:
            return book.text(value, f"{where}, {key}", f"{obj.name} {key}")

        mapped = map_standard(obj, text, lambda note: book.warn(f"{where}: {note}"), book.export.connections,
                              f'{book.policy.name}: {where}', _noted_elsewhere(obj))
        assert mapped is not None  # _maps said so
        return mapped
    # Compare Values: the option codes are not documented; text comparisons are what runbooks branch on.
    left, right = obj.get("StringToCompare"), obj.get("StringToCompareTo")
    if not left and obj.get("ValueToCompare"):
        left, right = obj.get("ValueToCompare"), obj.get("ValueToCompareTo")
    option = obj.get("StringTestOption") or obj.get("ValueTestOption") or "unknown"
    book.warn(f'{where}: Compare Values imported as "equals" (Orchestrator\'s test option {option} is not '
              f"documented): check it")
    return "core.compare_values", {"left": book.text(left, f"{where}, left", f"{obj.name} left"),
                                   "op": "equals",
                                   "right": book.text(right, f"{where}, right", f"{obj.name} right")}


def _noted_elsewhere(obj: Obj) -> frozenset[str]:
    """The settings _activity carries over or notes for every activity (run as, notify on failure)."""
    return COMMON_KEYS | {k for k in obj.fields if k.startswith("ASC_") or k == "ASW_NotifyOnFail"}


def _child(book: _Runbook, obj: Obj) -> Policy | None:
    """The invoked runbook: by GUID first (paths go stale after renames), then by path."""
    policies = book.export.policies
    target = policies.get(obj.get("PolicyObjectID").strip().upper())
    if target is not None:
        return target
    wanted = [p.casefold() for p in obj.get("PolicyPath").replace("/", "\\").split("\\") if p]
    for policy in policies.values():
        trail = [p.casefold() for p in (*policy.folder, policy.name)]
        if wanted and wanted[-len(trail):] == trail:
            return policy
    book.warn(f'activity "{obj.name}": invokes {obj.get("PolicyObjectID") or "?"} '
              f'({obj.get("PolicyPath") or "no path"}), which is not in the export')
    return None


def _child_parameters(child: Policy) -> dict[str, str]:
    return {guid: name for o in child.objects if TYPE_GUIDS.get(o.type_guid, o.type_name) == START
            for guid, name in parameter_names(o).items()}


def parameter_names(start: Obj) -> dict[str, str]:
    """Initialize Data parameter GUID -> its name in Interlock, in order: names made unique and
    non-empty (Interlock refuses both), the same in the runbook and in every subscription to it."""
    taken: set[str] = set()
    return {row.get("UniqueID", "").upper() or f"#{i}":
            unique(row.get("Value", "").strip() or "Parameter", taken, fold=True, sep=" ")
            for i, row in enumerate(start.tables.get("CUSTOM_START_PARAMETERS", []))}


def _one_start(book: _Runbook, activities: list[dict[str, Any]], links: list[dict[str, Any]],
               taken_ids: set[str], taken_names: set[str]) -> None:
    """Interlock runs a runbook from exactly one enabled activity without incoming links. With several,
    the Initialize Data one (or the first) stays and the others are disabled. With none because the
    first activities became (disabled) placeholders, such as a runbook started by a monitor, an empty
    Initialize Data goes before them."""
    targets = {link["to"] for link in links}
    roots = [a for a in activities if a["id"] not in targets]
    enabled = [a for a in roots if a.get("enabled", True)]
    if len(enabled) > 1:
        # A monitor starts its runbook (Orchestrator ran such a runbook from it); else Initialize Data.
        kept = next((a for a in enabled if a["type"].startswith("monitor.")),
                    next((a for a in enabled if a["type"] == "core.initialize_data"), enabled[0]))
        for extra in enabled:
            if extra is not kept:
                extra["enabled"] = False
                book.warn(f'activity "{extra["name"]}": a second start point (no incoming link) beside '
                          f'"{kept["name"]}": disabled, since a runbook starts at one activity')
        return
    if not roots or enabled:
        return
    start_id = unique("import_start", taken_ids)
    name = unique("Start (added by import)", taken_names, fold=True, sep=" ")
    x = min(a["at"][0] for a in roots) - 150
    activities.insert(0, {"id": start_id, "type": "core.initialize_data", "name": name,
                          "at": [x, roots[0]["at"][1]], "properties": {"parameters": []}})
    links[:0] = [{"from": start_id, "to": a["id"]} for a in roots]
    book.warn(f'the runbook started at {", ".join(repr(a["name"]) for a in roots)}, now disabled '
              f'placeholders: "{name}" added as its start point, so it validates; replace them')


def _links(book: _Runbook, objects: list[Obj]) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        source = book.ids.get(obj.get("SourceObject").upper())
        target = book.ids.get(obj.get("TargetObject").upper())
        label = obj.name or "link"
        if source is None or target is None or source == target:
            book.warn(f'link "{label}" ({obj.id}) does not join two activities of this runbook: dropped')
            continue
        if (source, target) in seen:
            book.warn(f'link "{label}" {source} -> {target} duplicates another between the same activities: '
                      f"dropped (merge its conditions into the first)")
            continue
        seen.add((source, target))
        link: dict[str, Any] = {"from": source, "to": target}
        include, exclude = _conditions(book, obj, f'link "{label}" {source} -> {target}')
        if include:
            link["include"] = include
        if exclude:
            link["exclude"] = exclude
        link["label"] = obj.name
        if obj.get("Color").strip():
            rgb = _int(obj.get("Color")) & 0xFFFFFF
            link["color"] = f"#{rgb & 0xFF:02x}{(rgb >> 8) & 0xFF:02x}{rgb >> 16:02x}"
        if _int(obj.get("WaitDelay")) > 0:
            link["delay_s"] = _int(obj.get("WaitDelay"))
        if not obj.flag("Enabled", True):
            link["enabled"] = False
        links.append(link)
    return links


def _conditions(book: _Runbook, obj: Obj, where: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    include: list[dict[str, Any]] = []
    exclude: list[dict[str, Any]] = []
    for row in obj.tables.get("TRIGGERS", []):
        tab = exclude if row.get("Type", "").strip().casefold() == "donottrigger" else include
        condition = _condition(book, row, where)
        if condition is not None:
            tab.append(condition)
    if obj.tables.get("TRIGGERS") and not include:
        include.append({"status": ["success", "warning", "failed"]})  # Orchestrator: only the exclusions
    return include, exclude


def _condition(book: _Runbook, row: dict[str, str], where: str) -> dict[str, Any] | None:
    data, op = row.get("Data", "").strip(), row.get("Condition", "").strip().casefold()
    guid, dot, field_id = data.partition(".")
    guid = guid.upper()
    if not dot:
        statuses = [s for s in row.get("Value", "").casefold().split("#") if s]
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown or not statuses:
            book.warn(f"{where}: status condition {row.get('Value')!r} not understood: dropped")
            return None
        return {"status": statuses[0] if len(statuses) == 1 else statuses}
    if op not in OPERATORS:
        book.warn(f"{where}: condition operator {row.get('Condition')!r} not known: dropped")
        return None
    source = book.ids.get(guid)
    mapped = book.field_of(guid, field_id) if source is not None and field_id not in JOB_DATA else None
    if source is None or mapped is None:
        book.warn(f"{where}: condition on {data} cannot be read in Interlock: dropped")
        return None
    return {"field": f"{source}.{mapped}", "op": OPERATORS[op],
            "value": book.text(row.get("Value", ""), f"{where}, condition value", f"{where} value")}


def _int(text: str) -> int:
    """A whole number from an export's text; 0 for what is not a number, bounded to ±MAX_NUMBER."""
    try:
        value = float(text)
    except ValueError:
        return 0
    return int(max(-MAX_NUMBER, min(MAX_NUMBER, value))) if math.isfinite(value) else 0
