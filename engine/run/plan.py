"""The run plan of one job: runtime nodes and links built from the compiled graph.

Each node carries the counters the executor needs: how many tokens it holds (queued, running or in
flight on a delayed link) and, for junctions, how many are still held by any ancestor. A junction is
released the moment that count reaches zero, with no polling (DESIGN §3.5).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ..activity import ActivityType
from ..config.registry import Registry
from ..format.graph import CompiledGraph, bits_of
from ..format.model import Activity, DataCondition, Flatten, Link, RunBehaviour, StatusCondition
from ..format.templates import Reference, compile_properties, has_template
from .datapath import PathContext
from .result import InstanceResult

Condition = StatusCondition | DataCondition


@dataclass(eq=False)
class PlanLink:
    link: Link
    source: PlanNode
    target: PlanNode
    include: tuple[Condition, ...]
    exclude: tuple[Condition, ...]
    delay_s: float
    data_conditions: bool  # any condition that reads data (else status alone decides)
    # Status-only links (most of them): the statuses that pass, so routing a token is one set lookup.
    statuses: frozenset[str] | None = None


@dataclass(eq=False)
class PlanNode:
    activity: Activity
    impl: ActivityType
    position: int  # topological position: junctions released together go upstream first
    is_junction: bool
    behaviour: RunBehaviour | None
    flatten: Flatten | None
    max_parallel: int
    static_properties: BaseModel | None  # validated once when no property subscribes
    # Renders the properties for one instance when some do subscribe (templates parsed once per job).
    render_properties: Callable[[Callable[[Reference], Any]], dict[str, Any]] | None = None
    blocking: bool = False  # run() is plain blocking code: call it in a worker thread
    out_links: list[PlanLink] = field(default_factory=list)
    junctions_below: list[PlanNode] = field(default_factory=list)
    # counters and state of the job
    pending: int = 0
    upstream_pending: int = 0  # junctions: tokens held by any ancestor
    running: int = 0
    started: int = 0
    queue: deque[PathContext | None] = field(default_factory=deque)
    instances: list[InstanceResult] = field(default_factory=list)
    arrived: dict[str, list[PathContext]] = field(default_factory=dict)  # junctions: per source
    junction_state: str | None = None
    junction_detail: str = ""
    republish: str | None = None
    require: str = "settled"

    # Copied from the activity (read several times per instance; a property call each time cost more).
    id: str = field(init=False)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.activity.id
        self.name = self.activity.name


def build_plan(compiled: CompiledGraph, registry: Registry, default_parallel: int) \
        -> tuple[list[PlanNode], dict[str, PlanNode]]:
    """Runtime nodes for the enabled activities, in authored order, and by id."""
    runbook = compiled.runbook
    position = {i: p for p, i in enumerate(compiled.order)}
    nodes: dict[str, PlanNode] = {}
    for i, activity in enumerate(runbook.activities):
        if not activity.enabled:
            continue
        impl = registry.get(activity.type)
        assert impl is not None, activity.type  # validation guarantees it
        static, renderer = None, None
        if not has_template(activity.properties):
            static = impl.Properties.model_validate(activity.properties)
        else:
            renderer = compile_properties(activity.properties, impl.code_properties)
        behaviour = activity.run
        node = PlanNode(
            activity=activity, impl=impl, position=position[i], is_junction=impl.kind == "junction",
            behaviour=behaviour, flatten=activity.flatten,
            max_parallel=(behaviour.max_parallel if behaviour and behaviour.max_parallel
                          else default_parallel),
            static_properties=static, render_properties=renderer,
            blocking=impl.kind != "junction" and impl.is_blocking())
        if node.is_junction:
            node.republish = activity.properties.get("republish")
            node.require = activity.properties.get("require", "settled")
            node.arrived = {p: [] for p in compiled.predecessors(activity.id)}
        nodes[activity.id] = node
    for link in runbook.links:
        source, target = nodes.get(link.from_), nodes.get(link.to)
        if source is None or target is None or not link.enabled:
            continue  # a disabled link or activity passes nothing
        include, exclude = link.include_conditions(), tuple(link.exclude)
        data_conditions = any(isinstance(c, DataCondition) for c in (*include, *exclude))
        source.out_links.append(PlanLink(
            link, source, target, include, exclude, float(link.delay_s), data_conditions,
            None if data_conditions else _passing_statuses(include, exclude)))
    _wire_junctions(compiled, nodes)
    return [n for n in (nodes.get(a.id) for a in runbook.activities) if n is not None], nodes


def _passing_statuses(include: tuple[Condition, ...], exclude: tuple[Condition, ...]) -> frozenset[str]:
    """What filtering.passes decides for status-only conditions: some include holds, no exclude does."""
    def statuses(conditions: tuple[Condition, ...]) -> set[str]:
        found: set[str] = set()
        for condition in conditions:
            assert isinstance(condition, StatusCondition)
            found.update([condition.status] if isinstance(condition.status, str) else condition.status)
        return found

    return frozenset(statuses(include) - statuses(exclude))


def _wire_junctions(compiled: CompiledGraph, nodes: dict[str, PlanNode]) -> None:
    """Tell every node which junctions wait for it (those it is an ancestor of, over enabled links)."""
    junctions = [n for n in nodes.values() if n.is_junction]
    if not junctions:
        return
    index = compiled.index
    ancestors: dict[str, int] = {}
    preds: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for node in nodes.values():
        for link in node.out_links:
            preds[link.target.id].append(node.id)
    for i in compiled.order:
        node_id = compiled.ids[i]
        if node_id not in nodes:
            continue
        mask = 0
        for p in preds[node_id]:
            mask |= ancestors[p] | (1 << index[p])
        ancestors[node_id] = mask
    for junction in junctions:
        for i in bits_of(ancestors[junction.id]):
            ancestor = nodes.get(compiled.ids[i])
            if ancestor is not None:
                ancestor.junctions_below.append(junction)


def describe(node: PlanNode) -> dict[str, Any]:
    return {"id": node.id, "name": node.name, "type": node.activity.type}
