"""Links as the user sees them on the rendered canvas: a link to a missing activity is a dangling arrow
in the error colour with its marker; nothing is left half drawn after delete and undo; every item paints
inside its bounds; a link shows its own label and the run counts, both where the link is visible."""

from __future__ import annotations

import json
from pathlib import Path

from gestures import on_screen, repainted, window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from designer.canvas import style
from designer.canvas.activity_item import ActivityItem
from designer.canvas.link_item import LinkItem
from engine.run.progress import ProgressCounts

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"
DANGLING = ("custom_start", "nowhere")


def open_with_dangling_link(window, qtbot, tmp_path: Path) -> LinkItem:
    data = json.loads(SEED.read_text())
    data["links"].append({"from": "custom_start", "to": "nowhere", "label": "to nowhere"})
    path = tmp_path / "dangling.json"
    path.write_text(json.dumps(data))
    assert window.open_file(path)
    item = window.scene.link_items[DANGLING]
    qtbot.waitUntil(lambda: bool(item.errors), timeout=3000)
    window.view.set_zoom(1.0)
    window.view.centerOn(QPointF(200, 150))
    return item


def near(color: int, wanted: QColor, tolerance: int = 40) -> bool:
    c = QColor(color)
    return abs(c.red() - wanted.red()) + abs(c.green() - wanted.green()) + abs(c.blue() - wanted.blue()) \
        < tolerance


def colored_pixels(image: QImage, rect: QRectF, wanted: QColor) -> int:
    r = rect.toRect().intersected(image.rect())
    return sum(near(image.pixel(x, y), wanted) for x in range(r.left(), r.right() + 1)
               for y in range(r.top(), r.bottom() + 1))


def test_a_link_to_a_missing_activity_is_a_dangling_error_arrow_from_its_source(window, qtbot, tmp_path):
    item = open_with_dangling_link(window, qtbot, tmp_path)
    source = window.scene.activity_items["custom_start"]
    start = source.output_point()
    assert item.path().pointAtPercent(0.0) == start  # drawn from the source's handle
    assert item.path().length() > 40
    assert item.color() == style.ERROR
    # Its label and marker sit by the dangling arrow, not floating at the scene's origin.
    assert QRectF(start.x() - 150, start.y() - 150, 300, 300).contains(item.boundingRect())
    # Its line is clear of the boxes (not hidden under Get VMs, 34 px away) and red on the screen.
    path = item.path()
    assert all(not box.contains(path.pointAtPercent(t / 10)) for t in range(2, 11) for box in boxes(window))
    image = on_screen(window)
    view = window.view
    red = 0
    for t in range(3, 10):
        at = view.mapFromScene(path.pointAtPercent(t / 10)).toPointF()
        red += colored_pixels(image, QRectF(at.x() - 3, at.y() - 3, 7, 7), style.ERROR)
    assert red > 20, "no red line from Custom Start"
    marker = QRectF(view.mapFromScene(item.marker_center() - QPointF(6, 6)).toPointF(),
                    view.mapFromScene(item.marker_center() + QPointF(6, 6)).toPointF())
    assert colored_pixels(image, marker, style.ERROR) > 30, "no problem marker on the dangling link"


def test_deleting_and_undoing_a_link_leaves_nothing_half_drawn(window, qtbot, tmp_path):
    open_with_dangling_link(window, qtbot, tmp_path)
    assert on_screen(window) == repainted(window)
    for step in ("delete", "undo", "redo", "undo"):
        if step == "delete":
            window.scene.select_only(link_keys=[DANGLING])
            window.delete_selection()
        else:
            getattr(window.undo_stack, step)()
        assert on_screen(window) == repainted(window), f"stale paint after {step}"


def painted_outside_bounds(item) -> int:
    """Pixels the item paints outside its boundingRect (the view repaints only inside it)."""
    bounds = item.boundingRect()
    margin = 200
    image = QImage(int(bounds.width()) + 2 * margin, int(bounds.height()) + 2 * margin,
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.translate(margin - bounds.left(), margin - bounds.top())
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    inside = QRectF(margin - 1, margin - 1, bounds.width() + 2, bounds.height() + 2)
    return sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
               if QColor.fromRgba(image.pixel(x, y)).alpha() and not inside.contains(x, y))


def seed_counts(window) -> ProgressCounts:
    counts = ProgressCounts(window.document.runbook, {"wait_stopped", "wait_checkpoints"})
    for key in counts.activities:
        counts.activities[key].done = 12
        counts.activities[key].first_start = 1.0
    counts.activities["stop_vm"].cancelled = counts.activities["stop_vm"].failed = 2
    counts.links = {(lk.from_, lk.to): (2, 3) for lk in window.document.links}
    return counts


def test_every_item_paints_inside_its_bounds_during_a_run(window, qtbot, tmp_path):
    open_with_dangling_link(window, qtbot, tmp_path)
    window.scene.show_run(seed_counts(window))
    items = [*window.scene.activity_items.values(), *window.scene.link_items.values(),
             *window.scene.note_items]
    outside = {getattr(i, "activity_id", getattr(i, "key", i)): painted_outside_bounds(i) for i in items}
    assert {k: v for k, v in outside.items() if v} == {}


def boxes(window) -> list[QRectF]:
    return [i.mapRectToScene(i.box()) for i in window.scene.items() if isinstance(i, ActivityItem)]


def test_a_link_shows_its_label_and_the_run_counts_where_it_is_visible(window):
    assert window.open_file(SEED)
    window.scene.show_run(seed_counts(window))
    running = window.scene.link_items[("get_vms", "start_maintenance")]
    assert running.texts() == ["Running VMs", "2 passed · 3 filtered"]
    for key, item in window.scene.link_items.items():
        assert item.texts()[-1] == "2 passed · 3 filtered", key
        for rect in item.text_rects():
            covered = [b for b in boxes(window) if b.intersects(rect)]
            assert not covered, f"label of {key} under a box"
    # a short link (44 px between the boxes) too
    short = window.scene.link_items[("start_maintenance", "stop_vm")]
    assert short.text_rects()
    window.scene.show_run(None)
    assert running.texts() == ["Running VMs"]


def test_a_link_from_a_missing_activity_dangles_into_its_target(window, qtbot, tmp_path):
    data = json.loads(SEED.read_text())
    data["links"].append({"from": "gone", "to": "stop_maintenance"})
    path = tmp_path / "from-nowhere.json"
    path.write_text(json.dumps(data))
    assert window.open_file(path)
    item = window.scene.link_items[("gone", "stop_maintenance")]
    end = window.scene.activity_items["stop_maintenance"].input_point()
    assert item.dangling == "source" and item.color() == style.ERROR
    assert item.path().pointAtPercent(1.0) == end and item.path().length() > 40
    assert 'no activity "gone"' in item.toolTip()
    assert painted_outside_bounds(item) == 0
