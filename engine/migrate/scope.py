"""After mapping: a subscription Orchestrator itself could never resolve (to an activity that is not
upstream, or cut off by a junction) becomes literal text, and a link condition on it is dropped, each
named in the report, so the runbook validates (DESIGN §6.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..format.graph import compile_graph
from ..format.model import Runbook
from ..format.templates import Reference, parse
from .markers import escape

Keep = Callable[[Reference], bool]
Note = Callable[[str], None]


def _rewrite(text: str, keep: Keep, note: Note) -> str:
    template = parse(text)
    if template is None:
        return text
    for error in template.errors:  # e.g. "${" right before a subscription: "{{{" cannot be written
        excerpt = text if len(text) <= 60 else text[:60] + "…"
        note(f'"{excerpt}" cannot be written in Interlock as it was ({error.split(" in ")[0]}): kept as '
             f"literal text, fix it by hand")
    out = []
    for part in template.parts:
        if isinstance(part, Reference):
            out.append(str(part) if keep(part) else "\\" + str(part))
        else:
            out.append(escape(part))
    return "".join(out)


def _walk(value: Any, keep: Keep, note: Note) -> Any:
    if isinstance(value, str):
        return _rewrite(value, keep, note)
    if isinstance(value, list):
        return [_walk(v, keep, note) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, keep, note) for k, v in value.items()}
    return value


def cut_unreachable(runbook: Runbook, warnings: list[str]) -> None:
    compiled = compile_graph(runbook)
    if compiled.cycle:
        warnings.append("the links form a cycle, which Interlock refuses: break it with a loop on an "
                        "activity")
        return
    ids = set(compiled.index)

    def notes(where: str) -> Note:
        return lambda text: warnings.append(f"{where}: {text}")

    def reachable(mask: int, where: str) -> Keep:
        def keep(ref: Reference) -> bool:
            if ref.activity not in ids or mask & compiled.bit(ref.activity):
                return True
            warnings.append(f"{where}: subscribes to {ref}, which Orchestrator could not resolve either (not "
                            f"upstream, or cut off by a junction): kept as text")
            return False
        return keep

    for activity in runbook.activities:
        republish = activity.properties.get("republish") if activity.type == "core.junction" else None
        if republish is not None and republish not in compiled.preds[activity.id]:
            warnings.append(f'activity "{activity.name}": returns data from "{republish}", which is not '
                            f"linked to it directly: imported as <None>")
            activity.properties["republish"] = None
            compiled = compile_graph(runbook)
        mask = compiled.scope_in[compiled.index[activity.id]].may
        where = f'activity "{activity.name}"'
        activity.properties = _walk(activity.properties, reachable(mask, where), notes(where))
    for link in runbook.links:
        mask = compiled.scope_out[compiled.index[link.from_]].may
        where = f"link {link.from_} -> {link.to}"
        for tab in ("include", "exclude"):
            conditions = getattr(link, tab)
            if not conditions:
                continue
            kept = []
            for condition in conditions:
                field = getattr(condition, "field", None)
                source = field.partition(".")[0] if field else None
                if source in ids and not mask & compiled.bit(source):
                    warnings.append(f"{where}: condition on {field} cannot be on this path: dropped")
                    continue
                if hasattr(condition, "value"):
                    condition.value = _walk(condition.value, reachable(mask, where), notes(where))
                kept.append(condition)
            if len(kept) != len(conditions):
                setattr(link, tab, kept or ([] if tab == "exclude" else None))
