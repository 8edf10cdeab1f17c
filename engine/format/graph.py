"""Graph compile: start point, order, ancestors, and the data scope of every activity.

The compile itself walks plain adjacency lists (building a networkx DiGraph costs ~100 ms for 10,000
activities); networkx names the cycle when there is one and is offered as `graph` for layout and
export. Scopes are bitsets (Python ints, one bit per activity) so a 10,000-activity runbook compiles in
milliseconds: `may` is every activity whose data can be on a token reaching an activity, `must` the
ones that are on every such token. A junction cuts scope: what leaves it carries only its republished
branch (DESIGN §3.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx

from .model import Activity, Link, Runbook


def bits_of(mask: int) -> list[int]:
    """Indices of the set bits, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


@dataclass
class Scope:
    may: int = 0
    must: int = 0


@dataclass
class CompiledGraph:
    """The shape of a runbook as the validator, the designer and the executor need it."""

    runbook: Runbook
    ids: list[str]  # index -> activity id, authored order
    index: dict[str, int]
    preds: dict[str, list[str]]  # every activity and link, enabled or not; authored link order
    succs: dict[str, list[str]]
    junction_types: frozenset[str]
    cycle: list[tuple[str, str]] | None = None
    order: list[int] = field(default_factory=list)  # topological; empty when cyclic
    starts: list[str] = field(default_factory=list)
    scope_in: list[Scope] = field(default_factory=list)  # data that can reach an activity's input
    scope_out: list[Scope] = field(default_factory=list)  # data on the tokens it emits

    def activity(self, activity_id: str) -> Activity:
        return self.runbook.activities[self.index[activity_id]]

    def is_junction(self, activity: Activity) -> bool:
        return activity.type in self.junction_types

    def predecessors(self, activity_id: str) -> list[str]:
        return list(self.preds[activity_id])

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The same graph as networkx, for layout and export."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.ids)
        graph.add_edges_from((p, s) for s, ps in self.preds.items() for p in ps)
        return graph

    def ids_in(self, mask: int) -> list[str]:
        return [self.ids[i] for i in bits_of(mask)]

    def in_scope(self, activity_id: str, *, strict: bool = False) -> list[str]:
        """Activities whose data an activity may subscribe to (its data scope), authored order."""
        scope = self.scope_in[self.index[activity_id]]
        return self.ids_in(scope.must if strict else scope.may)

    def bit(self, activity_id: str) -> int:
        return 1 << self.index[activity_id]


def _republished(activity: Activity) -> str | None:
    value = activity.properties.get("republish")
    return value if isinstance(value, str) else None


def _shape(runbook: Runbook, junction_types: frozenset[str]) -> tuple[Any, ...]:
    """Everything the compiled graph depends on, to tell whether a cached compile still fits."""
    return (junction_types,
            [(a.id, a.type, a.enabled, a.properties.get("republish") if a.type in junction_types else None)
             for a in runbook.activities],
            [(link.from_, link.to) for link in runbook.links])


def compiled_for(runbook: Runbook, junction_types: frozenset[str] = frozenset({"core.junction"})) \
        -> CompiledGraph:
    """The runbook's compiled graph, reused while its shape is unchanged (validation compiles it on
    load; the executor then needs the same graph)."""
    shape = _shape(runbook, junction_types)
    cached = runbook._compiled
    if cached is not None and cached[0] == shape:
        return cached[1]
    compiled = compile_graph(runbook, junction_types)
    runbook._compiled = (shape, compiled)
    return compiled


def compile_graph(runbook: Runbook, junction_types: frozenset[str] = frozenset({"core.junction"})) \
        -> CompiledGraph:
    """Build the graph; on a cycle `cycle` is set and order/scopes stay empty."""
    ids = [a.id for a in runbook.activities]
    index = {activity_id: i for i, activity_id in enumerate(ids)}
    preds: dict[str, list[str]] = {activity_id: [] for activity_id in ids}
    succs: dict[str, list[str]] = {activity_id: [] for activity_id in ids}
    seen: set[tuple[str, str]] = set()
    for link in runbook.links:
        ends = (link.from_, link.to)
        if link.from_ in index and link.to in index and ends not in seen:  # duplicates: reported elsewhere
            seen.add(ends)
            preds[link.to].append(link.from_)
            succs[link.from_].append(link.to)
    compiled = CompiledGraph(runbook, ids, index, preds, succs, junction_types)
    compiled.starts = [a.id for a in runbook.activities if a.enabled and not preds[a.id]]
    order = _topological_order(ids, index, preds, succs)
    if order is None:
        compiled.cycle = list(nx.find_cycle(compiled.graph))
        return compiled
    compiled.order = order
    _compute_scopes(compiled)
    return compiled


def _topological_order(ids: list[str], index: dict[str, int], preds: dict[str, list[str]],
                       succs: dict[str, list[str]]) -> list[int] | None:
    """Kahn's algorithm over the distinct ids (a duplicate id is reported by validation); None when
    the links form a cycle."""
    waiting = {i: len(preds[activity_id]) for activity_id, i in index.items()}
    ready = [i for i, count in waiting.items() if count == 0]
    order: list[int] = []
    while ready:
        i = ready.pop()
        order.append(i)
        for successor in succs[ids[i]]:
            j = index[successor]
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    return order if len(order) == len(index) else None


def _compute_scopes(compiled: CompiledGraph) -> None:
    activities = compiled.runbook.activities
    index = compiled.index
    n = len(activities)
    unset = Scope()  # every slot is filled in topological order below
    scope_in = [unset] * n
    scope_out = [unset] * n
    preds = compiled.preds
    for i in compiled.order:
        activity = activities[i]
        incoming = [index[p] for p in preds[activity.id]]
        may, must = 0, None
        for p in incoming:
            may |= scope_out[p].may
            must = scope_out[p].must if must is None else must & scope_out[p].must
        scope_in[i] = Scope(may, must or 0)
        own = 1 << i
        if activity.type in compiled.junction_types:
            source = _republished(activity)
            if source in index and source in preds[activity.id]:
                through = scope_out[index[source]]
                scope_out[i] = Scope(own | through.may, own | through.must)
            else:
                scope_out[i] = Scope(own, own)
        else:
            scope_out[i] = Scope(own | may, own | (must or 0))
    compiled.scope_in = scope_in
    compiled.scope_out = scope_out


def link_key(link: Link) -> tuple[str, str]:
    return (link.from_, link.to)
