"""The view a runbook opens in: readable at first sight (100 %, or fitted but never below 75 %),
centred on the start activity as far as the runbook allows, refitted when the window is resized until
the user zooms or pans."""

from __future__ import annotations

from pathlib import Path

from gestures import window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtTest import QTest

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def visible(window) -> QRectF:
    return window.view.mapToScene(window.view.viewport().rect()).boundingRect()


def start_box(window) -> QRectF:
    item = window.scene.activity_items["custom_start"]
    return item.mapRectToScene(item.box())


def settle(qtbot) -> None:
    for _ in range(5):
        QTest.qWait(10)


def test_the_seed_opens_readable_with_its_start_in_view(window, qtbot):
    assert window.open_file(SEED)
    settle(qtbot)
    assert 0.75 <= window.view.zoom() <= 1.0
    assert visible(window).contains(start_box(window))
    assert visible(window).left() > start_box(window).left() - 100  # no empty canvas left of the start
    assert window.status_zoom.text() == f"{window.view.zoom() * 100:.0f}%"


def test_a_small_runbook_opens_at_100_percent_and_whole(window, qtbot, tmp_path):
    path = tmp_path / "small.json"
    path.write_text('{"format": "interlock.runbook/1", "name": "Small", "activities": ['
                    '{"id": "a", "type": "core.initialize_data", "name": "A", "at": [400, 300]},'
                    '{"id": "b", "type": "core.junction", "name": "B", "at": [640, 300]}],'
                    '"links": [{"from": "a", "to": "b"}]}')
    assert window.open_file(path)
    settle(qtbot)
    assert window.view.zoom() == 1.0
    for item in window.scene.activity_items.values():
        assert visible(window).contains(item.mapRectToScene(item.box()))


def test_resizing_refits_until_the_user_zooms(window, qtbot):
    assert window.open_file(SEED)
    settle(qtbot)
    window.resize(2400, 1100)  # wide enough for the whole runbook at 100 % or close
    settle(qtbot)
    wide = window.view.zoom()
    bounds = window.scene.itemsBoundingRect()
    assert visible(window).contains(bounds) or wide == 1.0
    window.resize(1000, 800)
    settle(qtbot)
    assert window.view.zoom() == 0.75 and visible(window).contains(start_box(window))
    viewport = window.view.viewport()
    QTest.mouseMove(viewport, viewport.rect().center())
    wheel_at = QPointF(viewport.rect().center())
    from PySide6.QtGui import QWheelEvent
    event = QWheelEvent(wheel_at, QPointF(viewport.mapToGlobal(viewport.rect().center())), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    window.view.wheelEvent(event)
    zoomed = window.view.zoom()
    assert zoomed > 0.75
    window.resize(1500, 900)
    settle(qtbot)
    assert window.view.zoom() == zoomed  # the user's zoom is kept


def test_panning_stops_the_refit(window, qtbot):
    assert window.open_file(SEED)
    settle(qtbot)
    window.view.horizontalScrollBar().triggerAction(window.view.horizontalScrollBar().SliderAction.SliderPageStepAdd)
    where = visible(window)
    window.resize(1300, 950)
    settle(qtbot)
    assert visible(window).left() == where.left()
