"""What an activity may subscribe to: the published fields of its data scope (DESIGN §3.5: ancestors,
cut at junctions), for the property form's picker and the condition editors."""

from __future__ import annotations

from engine.config.registry import Registry
from engine.fielddocs import COMMON_DOCS, FieldDoc
from engine.format.graph import compiled_for
from engine.format.model import Runbook

from .subscriptions import ScopeField


def junction_types(registry: Registry) -> frozenset[str]:
    return frozenset(n for n, t in registry.types().items() if t.kind == "junction") or frozenset(
        {"core.junction"})


def scope_fields(runbook: Runbook, registry: Registry, activity_id: str, *, leaving: bool = False,
                 common: bool = True) -> list[ScopeField]:
    """Fields an activity's properties can subscribe to; with leaving=True, the fields on the tokens it
    emits (what its outgoing links' conditions can test)."""
    compiled = compiled_for(runbook, junction_types(registry))
    if compiled.cycle or activity_id not in compiled.index:
        return []
    index = compiled.index[activity_id]
    scope = (compiled.scope_out if leaving else compiled.scope_in)[index]
    fields = []
    for ancestor_id in compiled.ids_in(scope.may):
        activity = compiled.activity(ancestor_id)
        docs = published_docs(registry, activity.type, activity.properties)
        docs += COMMON_DOCS if common else ()
        fields += [ScopeField(ancestor_id, activity.name, d.name, d.title, d.type, d.description)
                   for d in docs]
    return fields


def published_docs(registry: Registry, type_name: str, properties: dict) -> list[FieldDoc]:
    """An activity's own published fields as a person reads them (none when unknown before a run)."""
    kind = registry.get(type_name)
    return (kind.published_docs(properties) if kind else None) or []


def as_tuples(fields: list[ScopeField]) -> list[tuple[str, str, str]]:
    return [(f.activity_id, f.activity_name, f.field) for f in fields]
