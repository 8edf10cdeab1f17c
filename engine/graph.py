"""Graph compile (networkx): start point, order, ancestors, and the data scope of every activity.

Scopes are bitsets (Python ints, one bit per activity) so a 10,000-activity runbook compiles in
milliseconds: `may` is every activity whose data can be on a token reaching an activity, `must` the
ones that are on every such token. A junction cuts scope: what leaves it carries only its republished
branch (DESIGN §3.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    graph: nx.DiGraph  # every activity and link, enabled or not
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
        return list(self.graph.predecessors(activity_id))

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


def compile_graph(runbook: Runbook, junction_types: frozenset[str] = frozenset({"core.junction"})) \
        -> CompiledGraph:
    """Build the graph; on a cycle `cycle` is set and order/scopes stay empty."""
    ids = [a.id for a in runbook.activities]
    index = {activity_id: i for i, activity_id in enumerate(ids)}
    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((link.from_, link.to) for link in runbook.links
                         if link.from_ in index and link.to in index)
    compiled = CompiledGraph(runbook, ids, index, graph, junction_types)
    compiled.starts = [a.id for a in runbook.activities if a.enabled and graph.in_degree(a.id) == 0]
    try:
        compiled.order = [index[n] for n in nx.topological_sort(graph)]
    except nx.NetworkXUnfeasible:
        compiled.cycle = list(nx.find_cycle(graph))
        compiled.order = []
        return compiled
    _compute_scopes(compiled)
    return compiled


def _compute_scopes(compiled: CompiledGraph) -> None:
    activities = compiled.runbook.activities
    index = compiled.index
    n = len(activities)
    scope_in = [Scope() for _ in range(n)]
    scope_out = [Scope() for _ in range(n)]
    preds = compiled.graph.pred
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
