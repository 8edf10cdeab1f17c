"""Designer test support: a main window fixture with its own settings, and gestures a user makes
on it (drops from the palette, links dragged from a handle, picks from a subscription menu)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.canvas.view import ACTIVITY_MIME
from designer.main_window import MainWindow


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    # A modal question would wait forever offscreen: tests answer it (and see what was asked).
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: (
        asked.append(str(args[2])), QMessageBox.StandardButton.Discard)[1])
    monkeypatch.setattr(QMessageBox, "critical", lambda *args, **kw: asked.append(str(args[2])))
    settings = QSettings(str(tmp_path / "designer.ini"), QSettings.Format.IniFormat)
    main = MainWindow(settings=settings)
    qtbot.addWidget(main)
    main.resize(1600, 1000)
    main.show()
    qtbot.waitExposed(main)
    main.undo_stack.setClean()
    main.asked = asked  # type: ignore[attr-defined]
    yield main
    main.undo_stack.setClean()  # closing must not stop at the "unsaved changes" question
    main.close()


def view_point(window: MainWindow, scene_point: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_point)


def drop(window: MainWindow, type_name: str, at: tuple[int, int]) -> str:
    """Drag an activity type from the palette and drop it on the canvas at a scene position."""
    mime = QMimeData()
    mime.setData(ACTIVITY_MIME, type_name.encode())
    window.view.centerOn(QPointF(*at))
    pos = QPointF(view_point(window, QPointF(*at)))
    viewport = window.view.viewport()
    before = {a.id for a in window.document.activities}
    for event in (QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier),
                  QDragMoveEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier),
                  QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier)):
        QApplication.sendEvent(viewport, event)
    [added] = {a.id for a in window.document.activities} - before
    return added


def drag_link(window: MainWindow, source: str, target: str) -> None:
    """Press on the source's output handle, drag to the target, release."""
    window.view.fit_all()
    source_item = window.scene.activity_items[source]
    target_item = window.scene.activity_items[target]
    start = view_point(window, source_item.mapToScene(source_item.handle_center()))
    end = view_point(window, target_item.mapToScene(target_item.box().center()))
    viewport = window.view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def pick(scope_button: Any, activity: str, field: str) -> None:
    """Open a "{…}" subscription picker, search for the field and choose it under the activity."""
    QTest.mouseClick(scope_button, Qt.MouseButton.LeftButton)
    picker = scope_button.picker
    QTest.keyClicks(picker.search, field)
    picker.tree.setCurrentItem(picker.item_for(activity, field))
    QTest.keyClick(picker.search, Qt.Key.Key_Return)


def click_item(window: MainWindow, activity_id: str) -> None:
    """A plain left click in the middle of an activity's box (press and release, no movement)."""
    item = window.scene.activity_items[activity_id]
    window.view.ensureVisible(item)
    at = view_point(window, item.mapToScene(item.box().center()))
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)


def drag_item(window: MainWindow, activity_id: str, by: tuple[float, float]) -> None:
    """Press in an activity's box, move in small steps by `by` (scene units), release."""
    item = window.scene.activity_items[activity_id]
    window.view.ensureVisible(item)
    viewport = window.view.viewport()
    start_scene = item.mapToScene(item.box().center())
    start = view_point(window, start_scene)
    end = view_point(window, start_scene + QPointF(*by))
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(viewport, start + (end - start) * step / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def on_screen(window: MainWindow) -> QImage:
    """What the screen shows of the canvas now, without repainting it (stale paint stays visible),
    unlike widget.grab() which paints everything afresh."""
    for _ in range(5):
        QApplication.processEvents()
    viewport = window.view.viewport()
    top = viewport.mapTo(window, viewport.rect().topLeft())
    pixmap = window.screen().grabWindow(window.winId(), top.x(), top.y(), viewport.width(), viewport.height())
    return pixmap.toImage().convertToFormat(QImage.Format.Format_RGB32)


def repainted(window: MainWindow) -> QImage:
    """The canvas painted afresh: what on_screen() must equal when nothing is left half drawn."""
    return window.view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def opened_copy(window: MainWindow, tmp_path: Path) -> Path:
    """The seed runbook copied to tmp_path and opened, so a test may save it."""
    path = tmp_path / "vm-checkpoint.json"
    shutil.copyfile(SEED, path)
    assert window.open_file(path)
    return path
