"""The designer's side of importing Orchestrator exports (issue 16, item 5): placeholders drawn hatched
with their original type name, their settings shown read-only, and File → Import Orchestrator Export…
which runs the importer, opens what it wrote and shows its report."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gestures import window  # noqa: F401 - a fixture
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QAbstractItemView, QDialogButtonBox, QLineEdit, QProgressDialog, QTreeWidget

from designer import import_dialog
from designer.canvas import style
from designer.main_window import MainWindow
from engine.errors import InterlockError

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


# -- File → Import Orchestrator Export… ------------------------------------------------------------------

class StandInReport:
    """What engine.migrate.import_export returns, for the designer's side (the importer is tested in
    tests/engine/migrate)."""

    def __init__(self, out_dir: Path, paths: list[str]) -> None:
        self.out_dir = str(out_dir)
        self.runbooks = [SimpleNamespace(name=Path(p).stem, path=p) for p in paths]

    def headline(self) -> str:
        return (f"{len(self.runbooks)} runbooks: 3 of 4 activities imported as runnable Interlock "
                "activities, 1 placeholders to replace")

    def markdown(self) -> str:
        rows = "".join(f"| {r.name} | `{r.path}` | 2 | 0 |\n" for r in self.runbooks)
        return (f"# Orchestrator import report\n\n{self.headline()}.\n\n"
                f"## Runbooks\n\n| Runbook | File | Activities | Placeholders |\n|---|---|---|---|\n{rows}")


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The importer replaced: writes two runbooks under the output folder (default: the export's name
    next to it) once `release` is set, and notes the thread it ran on."""
    seen: dict[str, Any] = {"release": threading.Event()}

    def importer(source: Path, out_dir: Path | None) -> StandInReport:
        seen["thread"] = threading.current_thread()
        seen["args"] = (source, out_dir)
        assert seen["release"].wait(10)
        out = out_dir or source.with_suffix("")
        paths = ["Patching/Check Host.json", "Patching/Reboot/Reboot Host.json"]
        for number, relative in enumerate(paths):
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            placeholder_runbook(out / relative)
            data = json.loads((out / relative).read_text(encoding="utf-8"))
            (out / relative).write_text(json.dumps({**data, "name": f"Runbook {number}"}), encoding="utf-8")
        return StandInReport(out, paths)

    monkeypatch.setattr(import_dialog, "run_importer", importer)
    return seen


def test_import_opens_the_folder_the_first_runbook_and_the_report(
        window: MainWindow, qtbot: Any, tmp_path: Path, stand_in: dict[str, Any]) -> None:
    export = tmp_path / "Exports" / "Patching.ois_export"
    export.parent.mkdir()
    export.write_text("<ExportData/>", encoding="utf-8")
    import_dialog.start_import(window, export, None)
    # While it runs: a busy indicator, and the window's thread is free (the importer runs in a worker).
    busy = window.findChild(QProgressDialog)
    qtbot.waitUntil(lambda: "thread" in stand_in, timeout=5000)
    assert busy is not None and busy.isVisible() and busy.maximum() == 0
    assert stand_in["thread"] is not threading.main_thread()
    stand_in["release"].set()
    qtbot.waitUntil(lambda: getattr(window, "import_report", None) is not None, timeout=10000)
    out = (tmp_path / "Exports" / "Patching").resolve()
    assert stand_in["args"] == (export, None)
    assert window.catalogue.root == out and window.docks["catalogue"].isVisible()
    assert set(window.catalogue.items()) == {str(out / "Patching" / "Check Host.json"),
                                             str(out / "Patching" / "Reboot" / "Reboot Host.json")}
    assert window.path == out / "Patching" / "Check Host.json"
    assert window.document.runbook.name == "Runbook 0"
    report = window.import_report
    assert report.isVisible()
    text = report.browser.toPlainText()
    assert "3 of 4 activities imported as runnable Interlock activities" in text
    assert "Reboot Host" in text and "|---|" not in text  # the Markdown table is rendered, not raw
    qtbot.waitUntil(lambda: window.findChild(QProgressDialog) is None, timeout=5000)  # gone when done
    assert window.asked == []


def test_a_bad_export_is_a_clear_message_and_opens_nothing(
        window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def importer(source: Path, out_dir: Path | None) -> None:
        raise InterlockError(f"{source}: not a Runbook Designer export (the root element is <PolicyExports>)")

    monkeypatch.setattr(import_dialog, "run_importer", importer)
    export = tmp_path / "invented.xml"
    export.write_text("<PolicyExports/>", encoding="utf-8")
    import_dialog.start_import(window, export, tmp_path / "out")
    qtbot.waitUntil(lambda: window.asked != [], timeout=10000)
    assert window.asked == [f"{export}: not a Runbook Designer export (the root element is <PolicyExports>)"]
    assert window.catalogue.root is None and window.path is None
    assert getattr(window, "import_report", None) is None


def test_an_importer_bug_is_a_message_not_a_busy_window_for_ever(
        window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_dialog, "run_importer", lambda source, out: {}["no such key"])
    import_dialog.start_import(window, tmp_path / "x.ois_export", None)
    qtbot.waitUntil(lambda: window.asked != [], timeout=10000)
    assert "the importer failed (KeyError" in window.asked[0] and "x.ois_export" in window.asked[0]
    qtbot.waitUntil(lambda: window.findChild(QProgressDialog) is None, timeout=5000)


def test_the_file_menu_asks_for_the_export_and_the_folder(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[Path, Path | None]] = []
    monkeypatch.setattr(import_dialog, "start_import", lambda _w, source, out: started.append((source, out)))
    shown: list[import_dialog.ImportDialog] = []

    def answer(dialog: import_dialog.ImportDialog) -> int:
        shown.append(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled()  # nothing to import yet
        dialog.source_edit.setText(str(tmp_path / "Patching.ois_export"))
        assert ok.isEnabled() and dialog.out_dir() is None  # empty: next to the export
        return 1

    monkeypatch.setattr(import_dialog.ImportDialog, "exec", answer)
    action = next(a for a in window.actions() if a.text() == "&Import Orchestrator Export…")
    assert action.shortcut().toString() == "Ctrl+I"
    action.trigger()
    assert started == [(tmp_path / "Patching.ois_export", None)] and len(shown) == 1


def _sample_exports() -> Any:
    """The importer's own test generator (tests/engine/migrate/exports.py)."""
    path = Path(__file__).resolve().parents[1] / "engine" / "migrate" / "exports.py"
    spec = importlib.util.spec_from_file_location("migrate_exports", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("migrate_exports", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_importing_a_real_export_opens_its_runbooks_and_placeholders(
        window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    exports = _sample_exports()
    export = exports.write_sample(tmp_path)
    import_dialog.start_import(window, export, tmp_path / "imported")
    qtbot.waitUntil(lambda: getattr(window, "import_report", None) is not None or window.asked != [],
                    timeout=30000)
    assert window.asked == []
    out = (tmp_path / "imported").resolve()
    assert window.catalogue.root == out and len(window.catalogue.items()) >= 2
    assert window.path is not None and window.path.is_relative_to(out)
    text = window.import_report.browser.toPlainText()
    assert "activities imported as runnable Interlock activities" in text


def test_a_file_that_is_not_xml_is_refused_by_the_real_importer(
        window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    export = tmp_path / "notes.ois_export"
    export.write_text("these are not the runbooks you are looking for", encoding="utf-8")
    import_dialog.start_import(window, export, None)
    qtbot.waitUntil(lambda: window.asked != [], timeout=10000)
    assert str(export) in window.asked[0] and "Traceback" not in window.asked[0]
    assert not (tmp_path / "notes").exists() and window.path is None
