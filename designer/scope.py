"""What an activity may subscribe to: the published fields of its data scope (DESIGN §3.5: ancestors,
cut at junctions), for the property form's picker and the condition editors; and, for properties, the
job data and the config's global variables (DESIGN §6.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.config.registry import Registry
from engine.fielddocs import COMMON_DOCS, FieldDoc, readable_title
from engine.format.graph import compiled_for
from engine.format.model import Runbook

from .subscriptions import ScopeField

try:
    from engine.format.templates import JOB_FIELDS
except ImportError:  # until the engine's job data lands (issue 16); removed once it has
    JOB_FIELDS = {"runbook": "The runbook's name", "job_id": "The job's id",
                  "server": "The host name of the machine running the job",
                  "started_at": "When the job started",
                  "parent_job_id": "The parent job's id (empty at top level)"}

JOB_GROUP, VARIABLES_GROUP = "Job data", "Variables"


def junction_types(registry: Registry) -> frozenset[str]:
    return frozenset(n for n, t in registry.types().items() if t.kind == "junction") or frozenset(
        {"core.junction"})


def scope_fields(runbook: Runbook, registry: Registry, activity_id: str, *, leaving: bool = False,
                 common: bool = True) -> list[ScopeField]:
    """Fields an activity's properties can subscribe to; with leaving=True, the fields on the tokens it
    emits (what its outgoing links' conditions can test). Job data and variables: global_fields()."""
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


def global_fields(variables: Mapping[str, Any]) -> list[ScopeField]:
    """Job data and the config's variables, which every activity's properties may read: `{{job.FIELD}}`,
    `{{var.NAME}}`. A secret variable shows where its value comes from, never the value."""
    fields = [ScopeField("job", JOB_GROUP, name, readable_title(name), "text", about)
              for name, about in JOB_FIELDS.items()]
    for name, variable in sorted(variables.items(), key=lambda item: item[0].casefold()):
        secret = bool(getattr(variable, "secret", False))
        fields.append(ScopeField("var", VARIABLES_GROUP, name, name, "secret" if secret else "text",
                                 variable_source(variable)))
    return fields


def variable_source(variable: Any) -> str:
    """Where a variable's value comes from, as a person reads it; a secret's value is never shown."""
    if getattr(variable, "env", None):
        return f"Secret: the environment variable {variable.env} (shown ***)"
    if getattr(variable, "keyring", None):
        return f"Secret: the keyring entry {variable.keyring} (shown ***)"
    if getattr(variable, "secret", False):
        return "Secret (shown ***)"
    return f"Value: {getattr(variable, 'value', '')}"


def published_docs(registry: Registry, type_name: str, properties: dict) -> list[FieldDoc]:
    """An activity's own published fields as a person reads them (none when unknown before a run)."""
    kind = registry.get(type_name)
    return (kind.published_docs(properties) if kind else None) or []


def as_tuples(fields: list[ScopeField]) -> list[tuple[str, str, str]]:
    return [(f.activity_id, f.activity_name, f.field) for f in fields]
