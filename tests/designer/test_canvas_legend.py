"""One colour per run state — the frame, its count badge and the legend agree — and View → Legend
lists them."""

from __future__ import annotations

from pathlib import Path

from gestures import window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel, QStyleOptionGraphicsItem

from designer.canvas import style
from engine.run.progress import ProgressCounts

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def rendered(item) -> tuple[QImage, QRectF]:
    bounds = item.boundingRect()
    image = QImage(int(bounds.width()), int(bounds.height()), QImage.Format.Format_ARGB32)
    image.fill(style.BACKGROUND)
    painter = QPainter(image)
    painter.translate(-bounds.left(), -bounds.top())
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return image, bounds


def count(image: QImage, color: QColor, area: QRectF) -> int:
    r = area.toRect().intersected(image.rect())
    return sum(QColor(image.pixel(x, y)) == color for x in range(r.left(), r.right() + 1)
               for y in range(r.top(), r.bottom() + 1))


def test_cancelled_instances_are_purple_in_the_frame_and_the_badge(window):
    assert window.open_file(SEED)
    counts = ProgressCounts(window.document.runbook, set())
    act = counts.activities["stop_vm"]
    act.first_start, act.done, act.failed, act.cancelled = 1.0, 1, 2, 2
    window.scene.show_run(counts)
    item = window.scene.activity_items["stop_vm"]
    assert item.overlay["state"] == "cancelled"
    image, bounds = rendered(item)
    badges = QRectF(0, style.NODE_HEIGHT - 8 - bounds.top(), image.width(), 20)
    failed, cancelled = QColor("#d64545"), QColor("#a24bc2")
    assert count(image, failed, badges) == 0, "a red badge on a cancelled activity"
    assert count(image, cancelled, badges) > 40
    assert (style.STATE_COLORS["failed"], style.STATE_COLORS["cancelled"]) == (failed, cancelled)
    assert [state for _text, state in item.badges()] == ["success", "cancelled"]
    # an activity with real failures as well shows both, each in its own colour
    act.failed = 3
    window.scene.show_run(counts)
    assert item.badges() == [("1", "success"), ("1", "failed"), ("2", "cancelled")]


def test_view_legend_lists_each_state_in_its_canvas_colour(window):
    action = next(a for menu in window.menuBar().actions() if menu.text() == "&View"
                  for a in menu.menu().actions() if a.text().replace("&", "") == "Legend")
    action.trigger()
    legend = window.findChild(QLabel, "legend-running").window()
    assert legend.isVisible()
    for state, color in style.STATE_COLORS.items():
        swatch = window.findChild(QLabel, f"legend-{state}")
        assert swatch is not None, state
        assert color.name() in swatch.styleSheet()
    words = " ".join(label.text() for label in legend.findChildren(QLabel))
    for word in ("Waiting", "Running", "Succeeded", "Warning", "Failed", "Cancelled", "fired", "blocked",
                 "not reached"):
        assert word in words
    action.trigger()
    assert not legend.isVisible()
