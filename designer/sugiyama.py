"""The layered (Sugiyama) drawing behind auto-layout, on plain integers: activities 0..n-1, links as
pairs. No Qt and no runbook here; designer/layout.py turns the result into positions on the canvas.

1. Links that close a cycle are turned round (a depth-first search in authored order), so the rest
   works on a DAG; the validator reports the cycle itself.
2. Layers: longest path from the starts or from the ends (networkx's topological order). A branch (a
   run of activities with one link in and one out) starts next to its fork and ends next to its
   junction; the room it does not need is a straight long link in its middle, on its own row.
3. A link that spans several layers gets a dummy in each layer it passes; barycentre sweeps (down and
   up, the best of several rounds by crossing count) order each layer.
4. Rows: Brandes–Köpf's alignment turned sideways. A long link is one horizontal block from its source
   through its dummies to its target, so it is straight and its row is free of boxes in the layers it
   passes; every other activity lines up with its median predecessor. Blocks are packed into rows in
   the order of step 3 (a branch gets its own row and meets the row it left at its junction), then
   moved towards their neighbours where there is room.
Some long links must change row (two long links into one junction). A few ways of layering and
ordering are tried and the first with no box between the rows of such a link in the layers it passes,
then the smallest, is kept; a box still in the way is moved above or below those rows when that
clears more than it blocks. The same input always gives the same output."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

import networkx as nx

SWEEPS = 8
REPAIRS = 40  # moves tried to clear the way of long links that change row
# Ways to try, the best kept: each activity as early or as late as it can be; lone activities between
# the same fork and junction on one side or by turns; siblings with the same barycentre in the order met,
# or those on long links (which may change row) before or after the others.
ATTEMPTS = [(late, turns, ties) for turns in (False, True) for ties in (0, -1, 1) for late in (False, True)]


def arrange(n: int, links: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The layer (column) and row of each of the n activities, from 0; links as (source, target)."""
    edges = _acyclic(n, list(dict.fromkeys((u, v) for u, v in links if u != v)))
    graph, layers, rows = min((_attempt(n, edges, *attempt) for attempt in ATTEMPTS),
                              key=lambda attempt: _cost(*attempt))
    layers, rows = _repair(graph, layers, rows)
    return graph.layer[:n], rows[:n]


@dataclass
class _Graph:
    """Activities as 0..n-1 (authored order), dummies after them; links run from layer k to k + 1."""
    n: int
    layer: list[int]
    succs: list[list[int]]
    preds: list[list[int]] = field(default_factory=list)
    chains: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # long link -> its items
    owner: dict[int, tuple[int, int]] = field(default_factory=dict)  # dummy -> its long link
    longest_out: dict[int, tuple[int, int]] = field(default_factory=dict)  # source -> its longest link

    def span(self, link: tuple[int, int]) -> int:
        return self.layer[link[1]] - self.layer[link[0]]

    def add(self, layer: int) -> int:
        self.layer.append(layer)
        self.succs.append([])
        self.preds.append([])
        return len(self.layer) - 1


# -- 1. cycles --------------------------------------------------------------------------------------

def _acyclic(n: int, edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The links with those that close a cycle (back edges of a DFS in authored order) turned round."""
    succs: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        succs[u].append(v)
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    back: set[tuple[int, int]] = set()
    for root in range(n):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succs[root]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if state[child] == 1:
                    back.add((node, child))
                elif state[child] == 0:
                    state[child] = 1
                    stack.append((child, iter(succs[child])))
                    break
            else:
                state[node] = 2
                stack.pop()
    turned = [(v, u) if (u, v) in back else (u, v) for u, v in edges]
    return list(dict.fromkeys(turned))


# -- 2. layers and dummies --------------------------------------------------------------------------

def _layers(dag: nx.DiGraph, order: list[int], late: bool, turns: bool) -> list[int]:
    """Longest path from the starts (each activity as early as it can be), or with late, from the ends
    (as late as it can be): a branch shorter than the one beside it then has its slack at its start
    instead of its end. An activity with no link in (early) or out (late) sits next to its neighbour."""
    before, after = (dag.successors, dag.predecessors) if late else (dag.predecessors, dag.successors)
    walk = list(reversed(order)) if late else order
    depth = [0] * dag.number_of_nodes()
    for node in walk:
        depth[node] = max((depth[p] + 1 for p in before(node)), default=0)
    for node in reversed(walk):
        if not any(True for _ in before(node)) and any(True for _ in after(node)):
            depth[node] = min(depth[s] for s in after(node)) - 1
    layer = depth if not late else [max(depth) - d for d in depth]
    _spread_series(dag, layer, late, turns)
    return layer


def _spread_series(dag: nx.DiGraph, layer: list[int], late: bool, turns: bool) -> None:
    """A run of activities with one link in and one out (a branch) starts next to where it leaves and
    ends next to where it arrives; the room it does not need is one long link in its middle, straight
    on the branch's own row. A lone activity takes its room on the attempt's side (or, with turns, lone
    ones between the same two activities take sides in turn)."""
    def series(node: int) -> bool:
        return dag.in_degree(node) == 1 and dag.out_degree(node) == 1

    lone: dict[tuple[int, int], int] = {}  # (fork, join) -> lone activities placed between them
    for first in sorted(dag.nodes):
        fork = next(iter(dag.predecessors(first)), None) if series(first) else None
        if fork is None or series(fork):
            continue
        run = [first]
        while series(nxt := next(iter(dag.successors(run[-1])))) and nxt != first:
            run.append(nxt)
        join = next(iter(dag.successors(run[-1])))
        head = len(run) // 2
        if len(run) == 1:  # with turns, two lone ones between the same pair take opposite sides
            count = lone[(fork, join)] = lone.get((fork, join), -1) + 1 if turns else 0
            head = (count + late) % 2 ^ 1
        for i, node in enumerate(run):
            layer[node] = layer[fork] + 1 + i if i < head else layer[join] - (len(run) - i)


def _layered(n: int, edges: list[tuple[int, int]], late: bool, turns: bool) -> _Graph:
    dag = nx.DiGraph()
    dag.add_nodes_from(range(n))
    dag.add_edges_from(edges)
    layer = _layers(dag, list(nx.lexicographical_topological_sort(dag)), late, turns)
    graph = _Graph(n, layer, [[] for _ in range(n)], [[] for _ in range(n)])
    for u, v in edges:
        previous = u
        chain = [u]
        for k in range(layer[u] + 1, layer[v]):
            dummy = graph.add(k)
            graph.succs[previous].append(dummy)
            graph.preds[dummy].append(previous)
            chain.append(dummy)
            previous = dummy
        graph.succs[previous].append(v)
        graph.preds[v].append(previous)
        if len(chain) > 1:
            graph.chains[(u, v)] = [*chain, v]
            graph.owner.update((dummy, (u, v)) for dummy in chain[1:])
            if graph.span((u, v)) > graph.span(graph.longest_out.get(u, (u, u))):
                graph.longest_out[u] = (u, v)
    return graph


# -- 3. order within layers -------------------------------------------------------------------------

def _ordered(graph: _Graph, ties: int) -> list[list[int]]:
    """Each layer's items top to bottom: depth-first discovery order, then barycentre sweeps."""
    depth = max(graph.layer) + 1
    layers: list[list[int]] = [[] for _ in range(depth)]
    seen = [False] * len(graph.layer)
    for root in sorted(range(graph.n), key=lambda i: (graph.layer[i], i)):
        stack = [root]
        while stack:
            node = stack.pop()
            if seen[node]:
                continue
            seen[node] = True
            layers[graph.layer[node]].append(node)
            stack.extend(reversed(graph.succs[node]))
    def inside_a_branch(node: int) -> bool:
        return len(graph.preds[node]) == 1 and len(graph.succs[node]) == 1

    # Long links that start or end at a fork or junction may have to change row; those inside a branch
    # stay on the branch's row. Ties put the first kind before or after their siblings.
    turning = {link for link in graph.chains if not all(inside_a_branch(end) for end in link)}
    on_long_link = {d for d, link in graph.owner.items() if link in turning} | {
        end for link in turning for end in link}
    rank = [ties if node in on_long_link else 0 for node in range(len(graph.layer))]
    best, best_crossings = [list(layer) for layer in layers], _crossings(graph, layers)
    stale = 0
    for sweep in range(SWEEPS):
        if sweep and (best_crossings == 0 or stale >= 2):
            break
        for k in range(1, depth):
            _sort_by_barycentre(layers[k], layers[k - 1], graph.preds, rank)
        for k in range(depth - 2, -1, -1):
            _sort_by_barycentre(layers[k], layers[k + 1], graph.succs, rank)
        crossings = _crossings(graph, layers)
        stale = 0 if crossings < best_crossings else stale + 1
        if crossings <= best_crossings:  # equal: the sweep's order, where siblings follow their rank
            best, best_crossings = [list(layer) for layer in layers], crossings
    return best


def _sort_by_barycentre(layer: list[int], fixed: list[int], neighbours: list[list[int]],
                        rank: list[int]) -> None:
    where = {node: i for i, node in enumerate(fixed)}

    def key(item: tuple[int, int]) -> tuple[float, int, int]:
        position, node = item
        around = [where[m] for m in neighbours[node]]
        return (sum(around) / len(around) if around else float(position), rank[node], position)

    layer[:] = [node for _, node in sorted(enumerate(layer), key=key)]


def _crossings(graph: _Graph, layers: list[list[int]]) -> int:
    """Link crossings between neighbouring layers (inversions, counted with a Fenwick tree)."""
    total = 0
    for upper, lower in itertools.pairwise(layers):
        where = {node: i for i, node in enumerate(lower)}
        ends = sorted((i, where[s]) for i, node in enumerate(upper) for s in graph.succs[node])
        tree = [0] * (len(lower) + 1)
        for count, (_, end) in enumerate(ends):
            i, below = end + 1, 0
            while i > 0:  # how many earlier links end at or above this one
                below += tree[i]
                i -= i & -i
            total += count - below
            i = end + 1
            while i <= len(lower):
                tree[i] += 1
                i += i & -i
    return total


# -- 4. rows ----------------------------------------------------------------------------------------

def _rows(graph: _Graph, layers: list[list[int]]) -> list[int]:
    position = [0] * len(graph.layer)
    for layer in layers:
        for i, node in enumerate(layer):
            position[node] = i
    right: list[int | None] = [None] * len(graph.layer)
    left: list[int | None] = [None] * len(graph.layer)
    for k in range(1, len(layers)):
        _align(graph, layers[k], position, left, right)
    block = list(range(len(graph.layer)))
    for layer in layers:
        for node in layer:
            if left[node] is not None:
                block[node] = block[left[node]]  # type: ignore[index]
    members: dict[int, list[int]] = {}
    for layer in layers:
        for node in layer:
            members.setdefault(block[node], []).append(node)
    below: dict[int, set[int]] = {root: set() for root in members}
    above: dict[int, set[int]] = {root: set() for root in members}
    for layer in layers:
        for a, b in itertools.pairwise(layer):
            below[block[a]].add(block[b])
            above[block[b]].add(block[a])
    order = _block_order(members, below, above)
    row = {root: 0 for root in members}
    for root in order:  # packed to the top, in the order of the layers
        row[root] = max((row[a] + 1 for a in above[root]), default=0)
    _relax(graph, members, above, below, order, row, block)
    return [row[block[node]] for node in range(len(graph.layer))]


def _align(graph: _Graph, layer: list[int], position: list[int], left: list[int | None],
           right: list[int | None]) -> None:
    """Line each item of a layer up with one in the layer before, without two alignments crossing: long
    links first (they must be straight), then each activity with its median predecessor."""
    def join(upper: int, node: int) -> None:
        right[upper], left[node] = node, upper

    last = -1
    for node in layer:
        dummies = [p for p in graph.preds[node] if p >= graph.n]
        if node >= graph.n:
            upper = graph.preds[node][0]
            if upper < graph.n and graph.longest_out[upper] != graph.owner[node]:
                continue  # the source's row goes on with its longest link; this one changes row
        elif dummies:  # the longest link in is straight: a shorter one crosses fewer layers to reach it
            upper = max(dummies, key=lambda d: (graph.span(graph.owner[d]), -position[d]))
        else:
            continue
        if right[upper] is None and position[upper] > last:
            join(upper, node)
            last = position[upper]
    fixed = [position[left[node]] if left[node] is not None else None for node in layer]  # type: ignore[index]
    ceiling = [len(graph.layer)] * (len(layer) + 1)
    for i in range(len(layer) - 1, -1, -1):
        ceiling[i] = min(ceiling[i + 1], fixed[i] if fixed[i] is not None else len(graph.layer))
    last = -1
    for i, node in enumerate(layer):
        if fixed[i] is not None:
            last = fixed[i]  # type: ignore[assignment]
            continue
        preds = sorted(graph.preds[node], key=position.__getitem__)
        for upper in preds[(len(preds) - 1) // 2:len(preds) // 2 + 1]:
            if right[upper] is None and last < position[upper] < ceiling[i + 1]:
                join(upper, node)
                last = position[upper]
                break


def _block_order(members: dict[int, list[int]], below: dict[int, set[int]],
                 above: dict[int, set[int]]) -> list[int]:
    """Blocks top to bottom (a topological order of "is above"; ties in a fixed order)."""
    waiting = {root: len(above[root]) for root in members}
    ready = [root for root, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        root = heapq.heappop(ready)
        order.append(root)
        for other in below[root]:
            waiting[other] -= 1
            if waiting[other] == 0:
                heapq.heappush(ready, other)
    return order


def _relax(graph: _Graph, members: dict[int, list[int]], above: dict[int, set[int]],
           below: dict[int, set[int]], order: list[int], row: dict[int, int], block: list[int]) -> None:
    """Move each block towards the median row of what it links to, within the room its neighbours leave:
    a branch then sits beside the row it leaves, not at the bottom of the drawing."""
    for _ in range(2):
        for root in reversed(order):
            rows = sorted(row[block[m]] for node in members[root]
                          for m in (*graph.preds[node], *graph.succs[node]) if block[m] != root)
            if not rows:
                continue
            wanted = rows[(len(rows) - 1) // 2]
            floor = max((row[a] + 1 for a in above[root]), default=0)
            ceiling = min((row[b] - 1 for b in below[root]), default=max(wanted, row[root]))
            row[root] = min(max(wanted, floor), ceiling)


# -- trying a few ways -----------------------------------------------------------------------------

def _attempt(n: int, edges: list[tuple[int, int]], late: bool, turns: bool,
             ties: int) -> tuple[_Graph, list[list[int]], list[int]]:
    graph = _layered(n, edges, late, turns)
    layers = _ordered(graph, ties)
    return graph, layers, _rows(graph, layers)


def _cost(graph: _Graph, layers: list[list[int]], rows: list[int]) -> tuple[int, int, int]:
    """Boxes in the way of a long link first, then the drawing's area, then the crossings."""
    return (len(_blocked_links(graph, layers, rows)), (max(rows) - min(rows) + 1) * len(layers),
            _crossings(graph, layers))


def _blocked_links(graph: _Graph, layers: list[list[int]], rows: list[int]) -> list[tuple[int, int, int]]:
    """(source, target, activity) for each activity that sits between the rows of a long link (both
    included) in a layer the link passes: its line or curve could run through that box. A long link
    whose dummies are all on its row keeps that row to itself, so it is not looked at."""
    found = []
    for (u, v), chain in sorted(graph.chains.items()):
        if all(rows[item] == rows[u] for item in chain):
            continue
        low, high = sorted((rows[u], rows[v]))
        for k in range(graph.layer[u] + 1, graph.layer[v]):
            found.extend((u, v, m) for m in layers[k] if m < graph.n and low <= rows[m] <= high)
    return found


def _repair(graph: _Graph, layers: list[list[int]], rows: list[int]) -> tuple[list[list[int]], list[int]]:
    """Move each activity that is in a long link's way above or below the rows the link spans, in its
    layer's order, and lay the rows out again; a move is kept when fewer boxes are in the way."""
    blocked = _blocked_links(graph, layers, rows)
    tried: set[tuple[int, int, int, bool]] = set()
    for _ in range(REPAIRS):
        todo = [(u, v, m, up) for u, v, m in blocked for up in (True, False) if (u, v, m, up) not in tried]
        if not todo:
            break
        u, v, m, up = todo[0]
        tried.add((u, v, m, up))
        low, high = sorted((rows[u], rows[v]))
        layer = [node for node in layers[graph.layer[m]] if node != m]
        at = (next((i for i, node in enumerate(layer) if rows[node] >= low), len(layer)) if up else
              next((i for i in range(len(layer), 0, -1) if rows[layer[i - 1]] <= high), 0))
        changed = [*layers[:graph.layer[m]], [*layer[:at], m, *layer[at:]], *layers[graph.layer[m] + 1:]]
        changed_rows = _rows(graph, changed)
        now = _blocked_links(graph, changed, changed_rows)
        if len(now) < len(blocked):
            layers, rows, blocked = changed, changed_rows, now
    return layers, rows
