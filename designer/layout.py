"""Auto-layout: activities in layers from left to right by their place in the flow (networkx's
topological generations), ordered within a layer by where their predecessors are, to keep links short
and uncrossed. Pure Python; the main window applies the result as one undoable move."""

from __future__ import annotations

import networkx as nx

from engine.format.model import Runbook

COLUMN = 220  # room for a node (168) and its links
ROW = 100


def layered_positions(runbook: Runbook, origin: tuple[int, int] = (0, 0)) -> dict[str, tuple[int, int]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(a.id for a in runbook.activities)
    graph.add_edges_from((lk.from_, lk.to) for lk in runbook.links
                         if graph.has_node(lk.from_) and graph.has_node(lk.to))
    if not nx.is_directed_acyclic_graph(graph):
        graph = nx.DiGraph(e for e in graph.edges if e not in nx.find_cycle(graph)) if graph.edges else graph
    authored = {a.id: i for i, a in enumerate(runbook.activities)}
    rows: dict[str, float] = {}
    positions: dict[str, tuple[int, int]] = {}
    try:
        layers = list(nx.topological_generations(graph))
    except nx.NetworkXUnfeasible:  # a cycle: keep authored order in one row
        layers = [[a.id for a in runbook.activities]]
    for column, layer in enumerate(layers):
        def barycentre(node: str) -> tuple[float, int]:
            above = [rows[p] for p in graph.predecessors(node) if p in rows]
            return (sum(above) / len(above) if above else float(authored[node]), authored[node])

        for row, node in enumerate(sorted(layer, key=barycentre)):
            rows[node] = row
            positions[node] = (origin[0] + column * COLUMN, origin[1] + row * ROW)
    for activity in runbook.activities:  # anything the graph missed keeps a place
        positions.setdefault(activity.id, activity.at)
    return positions
