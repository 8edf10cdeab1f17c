"""Auto-layout (Ctrl+L) as a user sees it: activities in layers along the links, branches on their own
rows with the junction where they meet, no link drawn through a box, every link label readable, the
same file every time, one undo step, and fast on a large runbook."""

from __future__ import annotations

import random
import time
from pathlib import Path

from gestures import window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from designer.canvas import style
from designer.canvas.link_item import curve
from designer.commands import AutoLayout
from designer.layout import layered_positions, layout_moves
from engine.format.document import Document
from engine.format.fileio import load_runbook
from engine.format.model import Activity, Link, Note, Runbook

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"
Positions = dict[str, tuple[int, int]]


def box(at: tuple[int, int]) -> QRectF:
    return QRectF(at[0], at[1], style.NODE_WIDTH, style.NODE_HEIGHT)


def drawn_points(source: tuple[int, int], target: tuple[int, int]) -> list[QPointF]:
    """Points along the link as the canvas draws it and along the straight line between its ends."""
    start = QPointF(source[0] + style.NODE_WIDTH, source[1] + style.NODE_HEIGHT / 2)
    end = QPointF(target[0], target[1] + style.NODE_HEIGHT / 2)
    path = curve(start, end)
    steps = 120
    return ([path.pointAtPercent(i / steps) for i in range(steps + 1)]
            + [start + (end - start) * (i / steps) for i in range(steps + 1)])


def links_through_boxes(runbook: Runbook, at: Positions) -> list[str]:
    """Every (link, activity) where the link's line or curve passes inside a box that is not its end."""
    boxes = {activity_id: box(position) for activity_id, position in at.items()}
    found = []
    for link in runbook.links:
        points = drawn_points(at[link.from_], at[link.to])
        reach = QRectF(points[0], points[-1]).normalized().adjusted(-1, -60, 1, 60)
        for activity_id, rect in boxes.items():
            if activity_id in (link.from_, link.to) or not rect.intersects(reach):
                continue
            if any(rect.contains(p) for p in points):
                found.append(f"{link.from_} -> {link.to} crosses {activity_id}")
    return found


def overlapping_boxes(at: Positions) -> list[tuple[str, str]]:
    rects = sorted((position, activity_id) for activity_id, position in at.items())
    return [(a, b) for i, (pa, a) in enumerate(rects) for pb, b in rects[i + 1:i + 40]
            if box(pa).intersects(box(pb))]


def on_grid(at: Positions) -> bool:
    return all(isinstance(v, int) and v % style.GRID == 0 for xy in at.values() for v in xy)


def test_seed_no_link_runs_through_a_box():
    runbook = load_runbook(SEED)
    at = layered_positions(runbook)
    assert links_through_boxes(runbook, at) == []
    assert overlapping_boxes(at) == []
    assert on_grid(at)


def test_seed_branches_have_their_own_rows_and_meet_at_the_junction():
    at = layered_positions(load_runbook(SEED))
    x = {k: v[0] for k, v in at.items()}
    y = {k: v[1] for k, v in at.items()}
    # Running VMs go through maintenance and are stopped; the other branch goes straight to the junction.
    assert y["start_maintenance"] == y["stop_vm"]
    assert y["stop_vm"] != y["get_vms"]
    assert x["get_vms"] < x["start_maintenance"] < x["stop_vm"] < x["wait_stopped"]
    assert y["wait_stopped"] in (y["get_vms"], y["stop_vm"])
    # Stop VM's stopped VMs bypass the checkpoint row and meet it at Wait for Checkpoints.
    assert y["new_checkpoint"] != y["stop_vm"]
    assert x["new_checkpoint"] < x["wait_checkpoints"]
    assert y["wait_checkpoints"] in (y["new_checkpoint"], y["stop_vm"])
    # In flow order from left to right, one layer each.
    order = ["custom_start", "get_vms", "start_maintenance", "stop_vm", "wait_stopped", "new_checkpoint",
             "wait_checkpoints", "start_vm", "stop_maintenance"]
    assert [x[i] for i in order] == sorted(x[i] for i in order)


def test_ctrl_l_on_the_seed_shows_every_label_and_undoes_in_one_step(window, tmp_path):
    path = tmp_path / "vm-checkpoint.json"
    path.write_bytes(SEED.read_bytes())
    assert window.open_file(path)
    before = {a.id: a.at for a in window.document.activities}
    steps = window.undo_stack.count()
    QTest.keyClick(window.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    after = {a.id: a.at for a in window.document.activities}
    assert after != before and on_grid(after)
    assert window.undo_stack.count() == steps + 1
    assert window.undo_stack.undoText() == "Auto-layout"
    # Every label is where the link is seen: not under any box, the link's ends included.
    boxes = [item.sceneBoundingRect() for item in window.scene.activity_items.values()]
    labels = [(text, rect) for item in window.scene.link_items.values()
              for text, rect in zip(item.texts(), item.text_rects(), strict=True)]
    assert "Running VMs" in [text for text, _ in labels]
    for text, rect in labels:
        assert not any(rect.intersects(b) for b in boxes), f"{text!r} is under a box"
    window.undo_stack.undo()
    assert {a.id: a.at for a in window.document.activities} == before
    assert window.undo_stack.isClean()


def test_layout_is_deterministic_and_a_second_ctrl_l_changes_nothing():
    runbook = load_runbook(SEED)
    first = layered_positions(runbook)
    assert all(layered_positions(load_runbook(SEED)) == first for _ in range(3))
    generated = runbook_like(150, seed=7)
    assert layered_positions(generated) == layered_positions(runbook_like(150, seed=7))
    document = Document(runbook)
    AutoLayout(document, *layout_moves(document)).redo()
    assert {a.id: a.at for a in document.activities} == first
    assert layout_moves(document) == ({}, {})


def test_one_undo_puts_back_every_activity_and_the_note_a_box_would_cover(qtbot):
    runbook = wide(4)
    runbook.notes = [Note(text="under the start", at=(0, 0), size=(300, 100)),
                     Note(text="far away", at=(4000, 4000), size=(200, 100))]
    document = Document(runbook)
    before = ({a.id: a.at for a in document.activities}, [n.at for n in document.notes])
    stack = QUndoStack()
    moves, note_moves = layout_moves(document)
    stack.push(AutoLayout(document, moves, note_moves))
    assert stack.count() == 1 and stack.undoText() == "Auto-layout"
    at = {a.id: a.at for a in document.activities}
    assert list(note_moves) == [0]  # only the covered note moves, below every box
    assert document.notes[0].at[1] >= max(y for _, y in at.values()) + style.NODE_HEIGHT
    assert document.notes[1].at == (4000, 4000)
    stack.undo()
    assert ({a.id: a.at for a in document.activities}, [n.at for n in document.notes]) == before


# -- generated runbooks ------------------------------------------------------------------------------

def make_runbook(edges: list[tuple[str, str]], nodes: list[str]) -> Runbook:
    return Runbook(name="Generated",
                   activities=[Activity(id=n, type="core.junction", name=n.upper()) for n in nodes],
                   links=[Link.model_validate({"from": a, "to": b}) for a, b in edges])


def runbook_like(size: int, seed: int) -> Runbook:
    """A runbook as people build them: a flow that forks into branches of different lengths, which end
    or meet again at a junction; branches fork again inside; a few failure routes skip ahead."""
    rng = random.Random(seed)
    nodes: list[str] = []
    edges: list[tuple[str, str]] = []

    def new() -> str:
        nodes.append(f"a{len(nodes)}")
        return nodes[-1]

    def flow(start: str, budget: int, depth: int) -> str:
        last = start
        while budget > 0:
            if depth < 3 and budget > 6 and rng.random() < 0.3:
                made = len(nodes)
                ends = []
                for _ in range(rng.randint(2, 4)):
                    first = new()
                    edges.append((last, first))
                    ends.append(flow(first, rng.randint(0, budget // 3), depth + 1))
                junction = new()
                edges.extend((end, junction) for end in ends)
                if rng.random() < 0.3:  # an error route that leaves the fork for the junction
                    edges.append((last, junction))
                budget -= len(nodes) - made
                last = junction
            else:
                nxt = new()
                edges.append((last, nxt))
                last = nxt
                budget -= 1
        return last

    last = new()
    while len(nodes) < size:
        last = flow(last, size - len(nodes), 0)
    return make_runbook(list(dict.fromkeys(edges)), nodes)


def wide(branches: int) -> Runbook:
    nodes = ["start", *(f"b{i}" for i in range(branches)), "join"]
    edges = [("start", f"b{i}") for i in range(branches)] + [(f"b{i}", "join") for i in range(branches)]
    edges.append(("start", "join"))  # the branch with no activity: a straight line past all the others
    return make_runbook(edges, nodes)


def test_generated_wide_and_deep_runbooks_keep_links_off_the_boxes():
    for runbook in (wide(30), runbook_like(60, seed=1), runbook_like(120, seed=2), runbook_like(200, seed=3)):
        at = layered_positions(runbook)
        assert set(at) == {a.id for a in runbook.activities}
        assert links_through_boxes(runbook, at) == [], f"{len(runbook.activities)} activities"
        assert overlapping_boxes(at) == []
        assert on_grid(at)


def cross_linked(size: int, seed: int) -> Runbook:
    """Not how runbooks are built, a harder case: each activity linked from one or two of the six
    before it, so links skip layers everywhere and several long links meet at one activity."""
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(size)]
    edges = [(nodes[rng.randrange(max(0, i - 6), i)], nodes[i])
             for i in range(1, size) for _ in range(1 + (rng.random() < 0.3))]
    return make_runbook(list(dict.fromkeys(edges)), nodes)


def test_cross_linked_runbooks_keep_links_off_the_boxes():
    for size in (10, 20):
        for seed in range(40):
            runbook = cross_linked(size, seed)
            at = layered_positions(runbook)
            assert links_through_boxes(runbook, at) == [], f"{size} activities, seed {seed}"
            assert overlapping_boxes(at) == []


def test_a_cycle_or_an_unlinked_activity_still_gets_a_free_place():
    runbook = make_runbook([("a", "b"), ("b", "c"), ("c", "a")], ["a", "b", "c", "alone"])
    at = layered_positions(runbook)
    assert set(at) == {"a", "b", "c", "alone"} and overlapping_boxes(at) == [] and on_grid(at)


def test_five_hundred_activities_lay_out_well_under_a_second():
    runbook = runbook_like(500, seed=11)
    assert len(runbook.activities) >= 500
    started = time.process_time()
    at = layered_positions(runbook)
    spent = time.process_time() - started
    assert len(at) == len(runbook.activities)
    assert spent < 1.0, f"{spent:.2f} s"
