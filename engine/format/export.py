"""Text renderings of a runbook's graph: Graphviz DOT and Mermaid (`interlock export`).

Activities are nodes labelled with their names, junctions a diamond, links edges labelled with their
label or a short summary of their conditions; disabled activities and links are dashed. PNG and SVG
need the designer's scene and are reached through the `interlock.exporters` entry-point group instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..config.registry import Registry
from .model import Activity, DataCondition, Link, Runbook, StatusCondition

TEXT_FORMATS = ("dot", "mermaid")
LABEL_WIDTH = 48

_OPS = {
    "equals": "=", "not_equals": "≠", "less_than": "<", "greater_than": ">", "at_most": "≤",
    "at_least": "≥", "contains": "contains", "not_contains": "not contains", "starts_with": "starts with",
    "ends_with": "ends with", "matches": "matches", "not_matches": "not matches",
}
# Words that end or restructure a Mermaid flowchart when used as a node id.
_MERMAID_RESERVED = {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click",
                     "linkstyle", "direction", "default"}


_SAFE_COLOR = re.compile(r"^#?[A-Za-z0-9]+$")  # anything else could break out of a style line


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def condition_text(condition: StatusCondition | DataCondition) -> str:
    """`status = Running`, `@status in warning, failed`: the field without its activity id."""
    if isinstance(condition, StatusCondition):
        statuses = sorted(condition.statuses())
        return f"@status = {statuses[0]}" if len(statuses) == 1 else f"@status in {', '.join(statuses)}"
    field = condition.field.split(".", 1)[1]
    if condition.op in ("is_empty", "is_not_empty"):
        return f"{field} {condition.op.replace('_', ' ')}"
    if condition.op == "between" and isinstance(condition.value, list | tuple) and len(condition.value) == 2:
        low, high = condition.value
        return f"{field} between {_value(low)} and {_value(high)}"
    return f"{field} {_OPS.get(condition.op, condition.op)} {_value(condition.value)}"


def link_text(link: Link) -> str:
    """The edge label: the link's own label, else its conditions (nothing for the default link)."""
    if link.label:
        text = link.label
    else:
        parts = [] if link.include is None else [" or ".join(condition_text(c) for c in link.include)]
        if link.exclude:
            parts.append("not " + " or ".join(condition_text(c) for c in link.exclude))
        text = ", ".join(parts)
    if link.delay_s:
        text = f"{text} (after {link.delay_s:g}s)" if text else f"after {link.delay_s:g}s"
    return text if len(text) <= LABEL_WIDTH else text[: LABEL_WIDTH - 1] + "…"


def _junctions(runbook: Runbook, registry: Registry | None) -> set[str]:
    def is_junction(activity: Activity) -> bool:
        found = registry.get(activity.type) if registry else None
        return found.kind == "junction" if found else activity.type == "core.junction"
    return {a.id for a in runbook.activities if is_junction(a)}


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(runbook: Runbook, registry: Registry | None = None) -> str:
    """Graphviz DOT text (`dot -Tsvg` draws it)."""
    junctions = _junctions(runbook, registry)
    lines = [f"digraph {_dot_string(runbook.name)} {{",
             "  rankdir=LR;",
             '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for activity in runbook.activities:
        attrs = [f"label={_dot_string(activity.name)}"]
        if activity.id in junctions:
            attrs.append("shape=diamond")
        if not activity.enabled:
            attrs += ['style="rounded,dashed"', "color=gray", "fontcolor=gray"]
        lines.append(f"  {_dot_string(activity.id)} [{', '.join(attrs)}];")
    for link in runbook.links:
        attrs = []
        text = link_text(link)
        if text:
            attrs.append(f"label={_dot_string(text)}")
        if link.color:
            attrs.append(f"color={_dot_string(link.color)}")
        if not link.enabled:
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {_dot_string(link.from_)} -> {_dot_string(link.to)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(activity_id: str) -> str:
    # Activity ids start with a letter, so an underscore prefix can never collide with another id.
    return f"_{activity_id}" if activity_id in _MERMAID_RESERVED else activity_id


def _mermaid_text(text: str) -> str:
    escaped = text.replace("&", "#amp;").replace('"', "#quot;").replace("\n", " ").replace("|", "#124;")
    return escaped.replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(runbook: Runbook, registry: Registry | None = None) -> str:
    """Mermaid flowchart text (renders in GitHub and GitLab markdown)."""
    junctions = _junctions(runbook, registry)
    lines = ["flowchart LR"]
    disabled = []
    for activity in runbook.activities:
        node = _mermaid_id(activity.id)
        label = _mermaid_text(activity.name)
        lines.append(f'  {node}{{"{label}"}}' if activity.id in junctions else f'  {node}["{label}"]')
        if not activity.enabled:
            disabled.append(node)
    styles = []
    for index, link in enumerate(runbook.links):
        arrow = "-->" if link.enabled else "-.->"
        text = link_text(link)
        label = f'|"{_mermaid_text(text)}"|' if text else ""
        lines.append(f"  {_mermaid_id(link.from_)} {arrow}{label} {_mermaid_id(link.to)}")
        if _SAFE_COLOR.match(link.color):
            styles.append(f"  linkStyle {index} stroke:{link.color}")
    lines += styles
    if disabled:
        lines.append("  classDef disabled stroke-dasharray: 5 5,color:#888")
        lines.append(f"  class {','.join(disabled)} disabled")
    return "\n".join(lines) + "\n"


def render_text(runbook: Runbook, fmt: str, registry: Registry | None = None) -> str:
    if fmt == "dot":
        return to_dot(runbook, registry)
    if fmt == "mermaid":
        return to_mermaid(runbook, registry)
    raise ValueError(f"not a text export format: {fmt}")
