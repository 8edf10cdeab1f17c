"""The designer's side of importing Orchestrator exports (issue 16, item 5): placeholders drawn hatched
with their original type name, their settings shown read-only, and File → Import Orchestrator Export…
which runs the importer, opens what it wrote and shows its report."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gestures import window  # noqa: F401 - a fixture
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget

from designer.canvas import style
from designer.main_window import MainWindow

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SETTINGS = {"Filters": "<Filters><Filter><Name>Sam Account Name</Name><Value>jdoe</Value></Filter></Filters>",
            "Properties": {"Display Name": "John Doe", "Groups": ["Admins", "Users"]},
            "ASW_ObjectTimeout": 0}


def placeholder_runbook(path: Path) -> Path:
    """A runbook as the importer writes one: a placeholder beside an ordinary disabled activity."""
    runbook = {
        "format": "interlock.runbook/1", "name": "Imported",
        "activities": [
            {"id": "start", "type": "core.initialize_data", "name": "Start", "at": [0, 0],
             "properties": {"parameters": []}},
            {"id": "get_user", "type": "orchestrator.unsupported", "name": "Get User", "at": [260, 0],
             "enabled": False,
             "properties": {"type_name": "Get User", "type_guid": "{0F8A1A6E-0000-4000-8000-000000000001}",
                            "settings": SETTINGS, "publishes": ["Distinguished Name"]}},
            {"id": "waiting", "type": "core.run_program", "name": "Off for now", "at": [520, 0],
             "enabled": False, "properties": {"argv": ["true"]}},
        ],
        "links": [{"from": "start", "to": "get_user"}, {"from": "get_user", "to": "waiting"}],
    }
    path.write_text(json.dumps(runbook, indent=2), encoding="utf-8")
    return path


def rendered(window: MainWindow, activity_id: str) -> QImage:
    """The activity's box as the canvas paints it, at 100 %."""
    item = window.scene.activity_items[activity_id]
    box = item.mapRectToScene(item.box())
    image = QImage(int(box.width()), int(box.height()), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    window.scene.clearSelection()
    window.scene.render(painter, QRectF(image.rect()), box)
    painter.end()
    return image


def hatch_pixels(image: QImage) -> int:
    """Pixels of the placeholder hatch colour right of the icon band (where text seldom reaches)."""
    hatch = QColor(style.PLACEHOLDER_HATCH)
    count = 0
    for x in range(50, image.width() - 12):
        for y in range(2, image.height() - 2):
            pixel = image.pixelColor(x, y)
            if (abs(pixel.red() - hatch.red()) + abs(pixel.green() - hatch.green())
                    + abs(pixel.blue() - hatch.blue())) < 40:
                count += 1
    return count


def test_a_placeholder_is_drawn_hatched_with_its_original_type(window: MainWindow, tmp_path: Path) -> None:
    assert window.open_file(placeholder_runbook(tmp_path / "imported.json"))
    item = window.scene.activity_items["get_user"]
    assert item.subtitle() == "Get User"  # the Orchestrator type, not "orchestrator.unsupported"
    assert "replace it" in item.toolTip() and "Get User" in item.toolTip()
    hatched, plain = hatch_pixels(rendered(window, "get_user")), hatch_pixels(rendered(window, "waiting"))
    assert plain == 0 and hatched > 150, (hatched, plain)


def test_a_placeholders_settings_are_shown_read_only(window: MainWindow, tmp_path: Path) -> None:
    assert window.open_file(placeholder_runbook(tmp_path / "imported.json"))
    window.scene.select_only(["get_user"])
    form = window.inspector.property_form
    tree = form.findChild(QTreeWidget, "placeholder-settings")
    assert tree is not None and tree.isVisibleTo(window.inspector)
    assert tree.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    top = {tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(tree.topLevelItemCount())}
    assert top["Filters"].text(1) == SETTINGS["Filters"]
    nested = {top["Properties"].child(i).text(0): top["Properties"].child(i)
              for i in range(top["Properties"].childCount())}
    assert nested["Display Name"].text(1) == "John Doe"
    assert [nested["Groups"].child(i).text(1) for i in range(2)] == ["Admins", "Users"]
    assert "Get User" in form.placeholder_label.text() and "replace" in form.placeholder_label.text()
    # Nothing to type into: no editor, no line edit, and the document is as it was.
    assert form.editors == {} and form.findChildren(QLineEdit) == []
    tree.setCurrentItem(top["Filters"], 1)
    tree.editItem(top["Filters"], 1)
    assert tree.findChild(QLineEdit) is None
    assert window.undo_stack.count() == 0


def test_selecting_another_activity_brings_the_form_back(window: MainWindow, tmp_path: Path) -> None:
    assert window.open_file(placeholder_runbook(tmp_path / "imported.json"))
    window.scene.select_only(["get_user"])
    window.scene.select_only(["waiting"])
    form = window.inspector.property_form
    assert "argv" in form.editors
    assert form.findChild(QTreeWidget, "placeholder-settings") is None or \
        not form.findChild(QTreeWidget, "placeholder-settings").isVisibleTo(window.inspector)
