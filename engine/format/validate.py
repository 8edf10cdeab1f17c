"""Validation of a runbook document (DESIGN §2): every problem at once, each located.

Items are checked one by one, so a bad activity does not hide a cycle or a bad link elsewhere; the
graph checks then run on every item that parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..config.registry import Registry
from ..errors import Problem
from ..limits import beyond_limits
from .graph import CompiledGraph, compiled_for
from .model import FORMAT, FORMAT_PREFIX, FORMAT_VERSION, Activity, DataCondition, Link, Runbook
from .templates import (
    JOB,
    JOB_FIELDS,
    RESERVED_IDS,
    VAR,
    Reference,
    Template,
    has_template,
    join_key,
    references_in,
    templates_in,
)

COMMON_FIELDS = ("@name", "@type", "@status", "@started_at", "@finished_at", "@duration_s", "@error",
                 "@attempts")
_TOP_KEYS = ("format", "name", "description", "activities", "links", "notes")


_UNION_PARTS = ("status", "data")  # tags of the Condition union; never keys of the file themselves


def _union_noise(loc: tuple[Any, ...], i: int) -> bool:
    """Parts of a pydantic location that name a union's tag or member, not a key of the file."""
    part = loc[i]
    if not isinstance(part, str):
        return False
    if part in _UNION_PARTS and i > 0 and isinstance(loc[i - 1], int) and i + 1 < len(loc):
        return True
    return part.startswith(("literal[", "list[", "union[", "function-", "tagged-union["))


def key_path(loc: tuple[Any, ...]) -> str:
    loc = tuple(part for i, part in enumerate(loc) if not _union_noise(loc, i))
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def describe_error(error: dict[str, Any]) -> str:
    """A pydantic error in the user's words."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    if kind.startswith(("literal_", "string_pattern", "int_", "float_", "bool_", "greater", "less",
                        "string_too", "too_", "list_", "dict_", "string_type", "enum")):
        return f"{message} (got {error.get('input')!r})"
    return message


def model_problems(model: type[BaseModel], data: Any, *, file: str, activity: str | None = None,
                   link: tuple[str, str] | None = None, prefix: tuple[Any, ...] = (),
                   tolerate_templates: bool = False) -> tuple[Any, list[Problem]]:
    """Validate data with a model; return (instance or None, located problems).

    With tolerate_templates, an error on a value holding a subscription is not a problem: its type is
    only known once the subscription is resolved at run time.
    """
    try:
        # by_name=False: a file uses the keys "from" and "continue"; "from_" is an unknown key there
        return model.model_validate(data, by_name=False), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if tolerate_templates and has_template(error.get("input")):
                continue
            loc = tuple(prefix) + tuple(error["loc"])
            problem = Problem(describe_error(error), file=file, activity=activity, link=link,
                              key=key_path(loc))
            if not any(p.key == problem.key for p in problems):  # union members repeat one mistake
                problems.append(problem)
        return None, problems


def check_format(data: Any, file: str) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem("a runbook file holds one JSON object", file=file)]
    fmt = data.get("format")
    if fmt is None:
        return [Problem(f'missing "format": this does not look like an Interlock runbook (expected '
                        f'"{FORMAT}")', file=file, key="format")]
    if isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX):
        version = fmt.removeprefix(FORMAT_PREFIX)
        if version.isdigit() and int(version) > FORMAT_VERSION:
            return [Problem(f"written in format {version} by a newer Interlock; this version reads "
                            f"format {FORMAT_VERSION} only: upgrade Interlock to open it", file=file,
                            key="format")]
    if fmt != FORMAT:
        return [Problem(f'unknown format {fmt!r} (expected "{FORMAT}")', file=file, key="format")]
    return []


def check_document(data: Any, file: str, registry: Registry, *, limits_checked: bool = False) \
        -> tuple[Runbook | None, list[Problem]]:
    """Check a parsed JSON document; the Runbook is returned only when there is no error.
    limits_checked: the reader (jsonread.loads) has already held the data to engine.limits."""
    beyond = None if limits_checked else beyond_limits(data)  # before any other walk of it
    if beyond is not None:
        return None, [Problem(beyond[1], file=file, key=beyond[0] or None)]
    problems = check_format(data, file)
    if problems:
        return None, problems
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem("unknown key", file=file, key=key))
    if not isinstance(data.get("name"), str) or not data.get("name"):
        problems.append(Problem("the runbook needs a name (text)", file=file, key="name"))
    whole = _whole_document(data)
    if whole is not None:  # the common case: one validation pass over the whole file
        problems += check_runbook(whole, registry, file)
        return (None if any(p.severity == "error" for p in problems) else whole), problems
    activities: list[Activity] = []
    broken: set[str] = set()  # ids of activities that failed their model: graph checks only
    raw_activities = data.get("activities", [])
    if not isinstance(raw_activities, list):
        problems.append(Problem("must be a list", file=file, key="activities"))
        raw_activities = []
    for i, raw in enumerate(raw_activities):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        where = raw_id if isinstance(raw_id, str) and raw_id else f"#{i + 1}"  # "" locates nothing
        activity, found = model_problems(Activity, raw, file=file, activity=where)
        problems += found
        if activity is not None:
            activities.append(activity)
        elif isinstance(raw_id, str) and raw_id:
            # keep a broken activity in the graph, so its links and neighbours are not reported too
            activities.append(Activity.model_construct(
                id=raw_id, type="", name=str(raw.get("name") or raw_id), properties={},
                enabled=raw.get("enabled") is not False))
            broken.add(raw_id)
    links: list[Link] = []
    raw_links = data.get("links", [])
    if not isinstance(raw_links, list):
        problems.append(Problem("must be a list", file=file, key="links"))
        raw_links = []
    for raw in raw_links:
        ends = (str(raw.get("from")), str(raw.get("to"))) if isinstance(raw, dict) else ("?", "?")
        link, found = model_problems(Link, raw, file=file, link=ends)
        problems += found
        if link is not None:
            links.append(link)
        elif isinstance(raw, dict) and isinstance(raw.get("from"), str) and isinstance(raw.get("to"), str):
            links.append(Link.model_construct(from_=raw["from"], to=raw["to"],
                                              enabled=raw.get("enabled") is not False))
    notes = None
    if data.get("notes") is not None:
        parsed, found = model_problems(Runbook, {"name": "x", "notes": data["notes"]}, file=file)
        problems += found
        notes = parsed.notes if parsed is not None else None
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem("must be text", file=file, key="description"))
    runbook = Runbook.model_construct(format=FORMAT, name=str(data.get("name", "")),
                                      activities=activities, links=links)
    problems += check_runbook(runbook, registry, file, broken=broken)
    if any(p.severity == "error" for p in problems):
        return None, problems
    # Every part is validated already: assemble without a second pass over a large file.
    return Runbook.model_construct(
        _fields_set={k for k in data if k in _TOP_KEYS}, format=FORMAT, name=data["name"],
        description=description, activities=activities, links=links, notes=notes), problems


def _whole_document(data: dict[str, Any]) -> Runbook | None:
    """The runbook when the whole document fits the model; None sends it through the per-item checks,
    which locate every mistake."""
    try:
        return Runbook.model_validate(data, by_name=False)
    except ValidationError:
        return None


def check_runbook(runbook: Runbook, registry: Registry, file: str = "",
                  compiled: CompiledGraph | None = None, broken: set[str] | frozenset[str] = frozenset()) \
        -> list[Problem]:
    """Graph and type checks of a runbook model (the designer calls this as the user edits)."""
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    seen_names: dict[str, str] = {}
    for activity in runbook.activities:
        if activity.id in seen_ids:
            problems.append(Problem("duplicate activity id", file=file, activity=activity.id, key="id"))
        if activity.id in RESERVED_IDS:
            problems.append(Problem(f'the id "{activity.id}" is reserved ({{{{job.…}}}} reads job data, '
                                    f"{{{{var.…}}}} global variables): choose another id", file=file,
                                    activity=activity.id, key="id"))
        seen_ids.add(activity.id)
        folded = activity.name.casefold()
        if folded in seen_names:
            problems.append(Problem(f'name "{activity.name}" is already used by activity '
                                    f'"{seen_names[folded]}"', file=file, activity=activity.id, key="name"))
        seen_names.setdefault(folded, activity.id)
    seen_links: set[tuple[str, str]] = set()
    for link in runbook.links:
        ends = (link.from_, link.to)
        for key, end in (("from", link.from_), ("to", link.to)):
            if end not in seen_ids:
                problems.append(Problem(f'no activity with id "{end}"', file=file, link=ends, key=key))
        if link.from_ == link.to:
            problems.append(Problem("a link cannot connect an activity to itself", file=file, link=ends))
        if ends in seen_links:
            problems.append(Problem("duplicate link: at most one link per pair of activities",
                                    file=file, link=ends))
        seen_links.add(ends)
    junction_types = frozenset(name for name, t in registry.types().items() if t.kind == "junction")
    compiled = compiled or compiled_for(runbook, junction_types or frozenset({"core.junction"}))
    if compiled.cycle:
        path = " -> ".join([compiled.cycle[0][0]] + [edge[1] for edge in compiled.cycle])
        problems.append(Problem(f"the links form a cycle: {path} (use a loop on an activity to "
                                f"repeat work)", file=file, link=compiled.cycle[0]))
    if runbook.activities and not compiled.starts and not compiled.cycle:
        problems.append(Problem("no start point: every activity has an incoming link", file=file))
    if len(compiled.starts) > 1:
        names = ", ".join(f'"{s}"' for s in compiled.starts)
        for start in compiled.starts:
            problems.append(Problem(f"more than one start point ({names}): a runbook starts at one "
                                    f"activity; link the others from it", file=file, activity=start))
    checked = _properties_valid_in_bulk(runbook.activities, registry)
    for activity in runbook.activities:
        if activity.id not in broken:
            problems += _check_activity(activity, compiled, registry, file,
                                        properties_checked=id(activity) in checked)
    for link in runbook.links:
        problems += _check_link(link, compiled, registry, file)
    return problems


@lru_cache(maxsize=256)
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _properties_valid_in_bulk(activities: list[Activity], registry: Registry) -> set[int]:
    """ids (id()) of the activities whose properties pass their type's model, checked one validation
    call per type; a type whose batch fails is left to the per-activity check, which locates errors."""
    by_type: dict[str, list[Activity]] = {}
    for activity in activities:
        by_type.setdefault(activity.type, []).append(activity)
    valid: set[int] = set()
    for type_name, group in by_type.items():
        kind = registry.get(type_name)
        if kind is None:
            continue
        try:
            _list_adapter(kind.Properties).validate_python([a.properties for a in group], by_name=False)
        except ValidationError:
            continue
        valid.update(id(a) for a in group)
    return valid


def _check_activity(activity: Activity, compiled: CompiledGraph, registry: Registry,
                    file: str, properties_checked: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    kind = registry.get(activity.type)
    if kind is None:
        pack = activity.type.split(".")[0]
        known = sorted({p.name for p in registry.packs})
        problems.append(Problem(f'unknown activity type "{activity.type}" (is the "{pack}" pack '
                                f'installed? installed packs: {", ".join(known) or "none"})',
                                file=file, activity=activity.id, key="type"))
    else:
        if activity.version > kind.version:
            problems.append(Problem(f"version {activity.version} of {activity.type} is newer than this "
                                    f"Interlock runs (up to {kind.version}): upgrade Interlock",
                                    file=file, activity=activity.id, key="version"))
        if not properties_checked:
            _, found = model_problems(kind.Properties, activity.properties, file=file,
                                      activity=activity.id, prefix=("properties",), tolerate_templates=True)
            problems += found
    templates = list(templates_in(activity.properties))  # one walk serves syntax and references
    problems += _template_problems(templates, "properties", file, activity=activity.id)
    for key, condition in _loop_conditions(activity):
        problems += _syntax_problems(condition.value, f"{key}.value", file, activity=activity.id)
    if compiled.cycle or activity.id not in compiled.index:
        return problems
    if kind is not None and kind.trigger and activity.enabled and activity.id not in compiled.starts:
        problems.append(Problem(f'"{activity.name}" is a monitor ({activity.type}): a monitor starts its '
                                f"runbook, so it must be the first activity (no incoming links)",
                                file=file, activity=activity.id, key="type"))
    if kind is not None and kind.kind == "junction":
        republish = activity.properties.get("republish")
        preds = compiled.predecessors(activity.id)
        if republish is not None and republish not in preds:
            problems.append(Problem(f'republish "{republish}" is not a direct predecessor of this '
                                    f'junction (its predecessors: {", ".join(preds) or "none"})',
                                    file=file, activity=activity.id, key="properties.republish"))
    scope = compiled.scope_in[compiled.index[activity.id]]
    for key, ref in ((key, ref) for key, template in templates for ref in template.references):
        problems += _check_reference(ref, scope.may, scope.must, compiled, file, registry,
                                     activity=activity.id, key=join_key("properties", key))
    own = compiled.bit(activity.id)  # loop conditions see this activity's own data too
    for key, condition in _loop_conditions(activity):
        problems += _check_condition(condition, scope.may | own, scope.must | own, compiled, file,
                                     registry, activity=activity.id, key=key)
    return problems


def _loop_conditions(activity: Activity) -> Iterator[tuple[str, DataCondition]]:
    loop = activity.run.loop if activity.run else None
    if loop is not None:
        yield from _data_conditions((("run.loop.exit", loop.exit), ("run.loop.continue", loop.continue_)))


def _link_conditions(link: Link) -> Iterator[tuple[str, DataCondition]]:
    yield from _data_conditions((("include", link.include or []), ("exclude", link.exclude)))


def _data_conditions(groups: Iterable[tuple[str, list[Any]]]) -> Iterator[tuple[str, DataCondition]]:
    """(key, condition) of every data condition of the groups, e.g. ("include[2]", ...)."""
    for group, conditions in groups:
        for i, condition in enumerate(conditions):
            if isinstance(condition, DataCondition):
                yield f"{group}[{i}]", condition


def _syntax_problems(value: Any, prefix: str, file: str, **where: Any) -> list[Problem]:
    """A malformed `{{...}}` anywhere in the value: reported whatever else is wrong (a cycle, a
    missing activity), as it is a mistake of this text alone."""
    return _template_problems(templates_in(value), prefix, file, **where)


def _template_problems(templates: Iterable[tuple[str, Template]], prefix: str, file: str,
                       **where: Any) -> list[Problem]:
    return [Problem(error, file=file, key=join_key(prefix, key), **where)
            for key, template in templates for error in template.errors]


def _check_link(link: Link, compiled: CompiledGraph, registry: Registry, file: str) -> list[Problem]:
    ends = (link.from_, link.to)
    problems: list[Problem] = []
    for key, condition in _link_conditions(link):
        problems += _syntax_problems(condition.value, f"{key}.value", file, link=ends)
    if compiled.cycle or link.from_ not in compiled.index or link.to not in compiled.index:
        return problems
    scope = compiled.scope_out[compiled.index[link.from_]]
    for key, condition in _link_conditions(link):
        problems += _check_condition(condition, scope.may, scope.must, compiled, file, registry, link=ends,
                                     key=key)
    return problems


def _check_condition(condition: DataCondition, may: int, must: int, compiled: CompiledGraph, file: str,
                     registry: Registry | None, **where: Any) -> list[Problem]:
    problems: list[Problem] = []
    activity_id, _, field_name = condition.field.partition(".")
    problems += _check_reference(Reference(activity_id, field_name), may, must, compiled, file, registry,
                                 **{**where, "key": f"{where['key']}.field"})
    for key, ref in references_in(condition.value):
        problems += _check_reference(ref, may, must, compiled, file, registry,
                                     **{**where, "key": join_key(f"{where['key']}.value", key)})
    if condition.op == "between" and not (isinstance(condition.value, list) and len(condition.value) == 2):
        problems.append(Problem("between needs a value [low, high]", file=file,
                                **{**where, "key": f"{where['key']}.value"}))
    if condition.op in ("matches", "not_matches") and isinstance(condition.value, str) \
            and not has_template(condition.value):
        try:
            re.compile(condition.value)
        except re.error as exc:
            problems.append(Problem(f"bad regular expression: {exc}", file=file,
                                    **{**where, "key": f"{where['key']}.value"}))
    return problems


def _check_reference(ref: Reference, may: int, must: int, compiled: CompiledGraph, file: str,
                     registry: Registry | None, **where: Any) -> list[Problem]:
    if ref.activity in RESERVED_IDS:  # a variable is checked against the config (undefined_variables)
        if ref.activity == JOB and ref.field not in JOB_FIELDS:
            return [Problem(f'unknown job field "{ref.field}" in {ref} (job data: {", ".join(JOB_FIELDS)})',
                            file=file, **where)]
        return []
    if ref.activity not in compiled.index:
        return [Problem(f'subscribes to {ref} but there is no activity "{ref.activity}"', file=file,
                        **where)]
    bit = compiled.bit(ref.activity)
    if not may & bit:
        return [Problem(f"subscribes to {ref}, but data of \"{ref.activity}\" cannot be on this path "
                        f"(only ancestors can be subscribed to, and a junction passes on only the branch "
                        f"it republishes)", file=file, **where)]
    problems = []
    if not must & bit:
        problems.append(Problem(f"subscribes to {ref}, which is on some incoming paths but not all: "
                                f"an instance reached another way will fail", file=file,
                                severity="warning", **where))
    if ref.field.startswith("@"):
        if ref.field not in COMMON_FIELDS:
            problems.append(Problem(f'unknown common field "{ref.field}" (common data: '
                                    f'{", ".join(COMMON_FIELDS)})', file=file, **where))
        return problems
    kind = registry.get(compiled.activity(ref.activity).type) if registry else None
    if kind is not None:
        fields = _known_fields(kind, compiled.activity(ref.activity).properties)
        if fields is not None and ref.field not in fields:
            problems.append(Problem(f'"{ref.activity}" publishes no field "{ref.field}" (it publishes: '
                                    f'{", ".join(fields) or "nothing"})', file=file, **where))
    return problems


def _known_fields(kind: Any, properties: dict[str, Any]) -> list[str] | None:
    """The fields an activity publishes; None when not known, which is also the answer for properties
    that fail the type's model (reported on their own): a pack's published_fields expects valid ones."""
    try:
        fields = kind.published_fields(properties)
    except (TypeError, ValueError, AttributeError, KeyError):
        return None
    if fields is None or not all(isinstance(f, str) for f in fields):
        return None
    return fields


# -- job data and global variables (DESIGN §6.1) ---------------------------------------------------------

Where = dict[str, Any]  # Problem's location keywords: activity or link, and key


def global_references(runbook: Runbook, *, enabled_only: bool = False) -> list[tuple[Where, Reference]]:
    """Every `{{job.…}}` and `{{var.…}}` of the runbook (properties, loop and link conditions), located.
    enabled_only: what a job runs (enabled activities, and enabled links between them)."""
    found: list[tuple[Where, Reference]] = []
    enabled = {a.id for a in runbook.activities if a.enabled}
    for activity in runbook.activities:
        if enabled_only and activity.id not in enabled:
            continue
        where: Where = {"activity": activity.id}
        found += [({**where, "key": join_key("properties", key)}, ref)
                  for key, ref in references_in(activity.properties) if ref.activity in RESERVED_IDS]
        for key, condition in _loop_conditions(activity):
            found += _condition_globals(condition, key, where)
    for link in runbook.links:
        if enabled_only and not (link.enabled and link.from_ in enabled and link.to in enabled):
            continue
        for key, condition in _link_conditions(link):
            found += _condition_globals(condition, key, {"link": (link.from_, link.to)})
    return found


def _condition_globals(condition: DataCondition, key: str, where: Where) -> list[tuple[Where, Reference]]:
    activity_id, _, field_name = condition.field.partition(".")
    refs = [({**where, "key": f"{key}.field"}, Reference(activity_id, field_name))]
    refs += [({**where, "key": join_key(f"{key}.value", k)}, ref)
             for k, ref in references_in(condition.value)]
    return [(w, ref) for w, ref in refs if ref.activity in RESERVED_IDS]


def undefined_variables(found: Iterable[tuple[Where, Reference]], defined: Iterable[str], file: str,
                        define_in: str, severity: Literal["error", "warning"]) -> list[Problem]:
    """A problem for every `{{var.NAME}}` the config does not define; define_in says where to add it."""
    defined = set(defined)
    folded = {name.casefold(): name for name in defined}
    problems = []
    for where, ref in found:
        if ref.activity != VAR or ref.field in defined:
            continue
        near = folded.get(ref.field.casefold())
        hint = f' (did you mean "{near}"?)' if near else ""
        problems.append(Problem(f'variable "{ref.field}" is not defined{hint}: add it under [variables] in '
                                f"{define_in}", file=file, severity=severity, **where))
    return problems
