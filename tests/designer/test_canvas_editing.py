"""Editing on the canvas as a user does it: copy/paste, delete and undo, validation markers, opening
and saving files, auto-layout, exporting a picture, and the PySide6 reference-count guard."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gestures import drag_link, drop, opened_copy, window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from designer.commands import MoveItems
from designer.export import MARGIN, PNG_SCALE, render_image
from engine.format.fileio import load_runbook

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def test_open_then_save_unchanged_gives_the_same_bytes(window, tmp_path):
    path = opened_copy(window, tmp_path)
    assert window.windowTitle().startswith("VM Checkpoint — ")
    assert window.save()
    assert path.read_bytes() == SEED.read_bytes()


def test_a_move_undone_saves_the_same_bytes_and_positions_are_integers(window, tmp_path):
    path = opened_copy(window, tmp_path)
    item = window.scene.activity_items["stop_vm"]
    item.setPos(QPointF(713.4, 91.7))
    window.scene._report_moves([item])  # what releasing the mouse after a drag does
    assert window.document.activity("stop_vm").at == (720, 100)  # snapped to the grid, integers
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert window.save()
    assert path.read_bytes() == SEED.read_bytes()


def test_copy_paste_remaps_ids_and_keeps_inner_and_incoming_links(window, tmp_path):
    opened_copy(window, tmp_path)
    window.scene.select_only(["get_vms", "start_maintenance", "stop_vm"])
    window.copy()
    window.paste()
    pasted = window.scene.selected_activity_ids()
    assert sorted(pasted) == ["get_vms_2", "start_maintenance_2", "stop_vm_2"]
    names = {window.document.activity(i).name for i in pasted}
    assert names == {"Get VMs in Batch (2)", "Start Maintenance Mode (2)", "Stop VM (2)"}
    inner = {(lk.from_, lk.to) for lk in window.document.links if lk.to in pasted or lk.from_ in pasted}
    # the links between the copies, and the copy's incoming link from outside (no second start point)
    assert inner == {("get_vms_2", "start_maintenance_2"), ("start_maintenance_2", "stop_vm_2"),
                     ("custom_start", "get_vms_2")}
    condition = window.document.link("get_vms_2", "start_maintenance_2").include[0]
    assert condition.field == "get_vms_2.status"
    assert window.document.activity("stop_vm_2").properties["vm_id"] == "{{get_vms_2.vm_id}}"
    # a subscription to something outside the copy keeps pointing at it
    comment = window.document.activity("start_maintenance_2").properties["comment"]
    assert "{{custom_start.Batch Number}}" in comment
    window.undo_stack.undo()
    assert not any(a.id.endswith("_2") for a in window.document.activities)


def test_delete_key_removes_the_selection_with_its_links_and_undo_restores(window, qtbot, tmp_path):
    opened_copy(window, tmp_path)
    before = json.dumps(window.document.runbook.model_dump(mode="json"))
    window.scene.select_only(["stop_vm"])
    window.view.setFocus()
    qtbot.keySequence(window, QKeySequence(QKeySequence.StandardKey.Delete)) if hasattr(
        qtbot, "keySequence") else qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert not window.document.has_activity("stop_vm")
    assert all("stop_vm" not in (lk.from_, lk.to) for lk in window.document.links)
    window.undo_stack.undo()
    assert json.dumps(window.document.runbook.model_dump(mode="json")) == before


def test_validation_markers_appear_on_the_item_and_clear(window, qtbot):
    stop = drop(window, "vmm.stop_vm", (200, 100))
    item = window.scene.activity_items[stop]
    qtbot.waitUntil(lambda: any("vm_id" in e for e in item.errors), timeout=3000)
    assert any(p.activity == stop and p.key == "properties.vm_id" for p in window.validator.problems)
    assert window.problems.topLevelItemCount() >= 1
    window.problems.setCurrentItem(window.problems.topLevelItem(0))
    window.problems.itemClicked.emit(window.problems.topLevelItem(0), 0)
    assert window.scene.selected_activity_ids() == [stop]  # clicking a problem selects its item
    editor = window.inspector.property_form.editors["vm_id"].editor
    qtbot.keyClicks(editor, "web01")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not item.errors, timeout=3000)
    assert "vm_id" in item.toolTip() or item.toolTip()


def test_a_runbook_with_mistakes_opens_with_its_markers(window, qtbot, tmp_path):
    data = json.loads(SEED.read_text())
    data["activities"][3]["properties"]["vm_id"] = "{{nowhere.vm_id}}"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    assert window.open_file(path)
    item = window.scene.activity_items["stop_vm"]
    qtbot.waitUntil(lambda: bool(item.errors), timeout=3000)
    assert 'no activity "nowhere"' in " ".join(item.errors)


def test_a_file_that_is_not_a_runbook_is_refused_with_its_problems(window, tmp_path):
    path = tmp_path / "junk.json"
    path.write_text('{"format": "interlock.runbook/1", "name": "x", "activities": [{"id": 3}]}')
    assert not window.open_file(path)
    assert "activities" in window.asked[-1] or "#1" in window.asked[-1]
    assert window.document.runbook.name == "New Runbook"


def test_auto_layout_is_one_undoable_step_in_flow_order(window, tmp_path):
    opened_copy(window, tmp_path)
    before = {a.id: a.at for a in window.document.activities}
    window.auto_layout()
    after = {a.id: a.at for a in window.document.activities}
    assert after != before
    order = ["custom_start", "get_vms", "start_maintenance", "stop_vm", "wait_stopped", "new_checkpoint",
             "wait_checkpoints", "start_vm", "stop_maintenance"]
    xs = [after[i][0] for i in order]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    window.undo_stack.undo()
    assert {a.id: a.at for a in window.document.activities} == before


def test_export_png_has_the_scene_size_and_is_not_blank(window, tmp_path):
    runbook = load_runbook(SEED)
    data = render_image(runbook, "png")
    image = QImage.fromData(data, "PNG")
    assert not image.isNull()
    window.open_file(SEED)
    rect = window.scene.itemsBoundingRect()
    assert abs(image.width() - (rect.width() + 2 * MARGIN) * PNG_SCALE) <= 2
    assert abs(image.height() - (rect.height() + 2 * MARGIN) * PNG_SCALE) <= 2
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # boxes, icons and text, not an empty background
    svg = render_image(runbook, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_cli_export_png_draws_through_the_designer(tmp_path, capsys):
    from engine.cli.main import main

    out = tmp_path / "seed.png"
    assert main(["export", str(SEED), "--format", "png", "-o", str(out)]) == 0
    assert QImage(str(out)).width() > 1000


def test_qt_calls_do_not_drop_references_to_none(window):
    """The PySide6 6.12 + CPython 3.11 crash ("none_dealloc") shows as a falling refcount of None."""
    item = window.scene.activity_items.get(drop(window, "core.delay", (0, 0)))
    before = sys.getrefcount(None)
    for n in range(3000):
        item.setPos(QPointF(n % 50, n % 30))  # Qt calls returning nothing
        item.update()
        window.view.viewport().update()
    QApplication.processEvents()
    assert sys.getrefcount(None) >= before - 50


def test_recent_files_are_remembered(window, tmp_path):
    path = opened_copy(window, tmp_path)
    assert window._recent()[0] == str(path.resolve())
    assert window.recent_menu.actions()[0].text() == str(path.resolve())


def test_drawing_a_link_by_dragging_from_the_handle(window):
    a = drop(window, "core.delay", (0, 0))
    b = drop(window, "core.delay", (300, 0))
    drag_link(window, a, b)
    assert [(lk.from_, lk.to) for lk in window.document.links] == [(a, b)]
    assert window.scene.link_items[(a, b)].summary == ""  # the default link says nothing


def test_sticky_notes_are_added_edited_and_undone(window):
    window.add_note()
    assert [n.text for n in window.document.notes] == ["Note"]
    window.edit_note(0, "Runs every night")
    assert window.scene.note_items[0].text == "Runs every night"
    window.undo_stack.undo()
    assert window.scene.note_items[0].text == "Note"
    window.undo_stack.undo()
    assert window.document.notes == [] and window.scene.note_items == []


def test_export_dialog_writes_each_format(window, tmp_path, monkeypatch):
    import designer.main_window as main_window_module

    window.open_file(SEED)
    for name, check in (("seed.png", lambda p: QImage(str(p)).width() > 0),
                        ("seed.svg", lambda p: "<svg" in p.read_text()),
                        ("seed.dot", lambda p: p.read_text().startswith("digraph")),
                        ("seed.mmd", lambda p: p.read_text().startswith("flowchart"))):
        target = tmp_path / name
        monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName",
                            lambda *args, t=target, **kw: (str(t), ""))
        window.export_image()
        assert check(target), name


def test_far_away_the_canvas_shows_one_overview_and_follows_edits(window, qtbot, tmp_path):
    opened_copy(window, tmp_path)
    window.view.set_zoom(0.1)
    assert window.scene.overview_mode
    assert not any(item.isVisible() for item in window.scene.activity_items.values())
    overview = window.scene._overview
    assert overview is not None and overview.isVisible()
    before = overview.boundingRect()
    window.scene.select_only(["stop_maintenance"])
    window.undo_stack.push(MoveItems(window.document, {"stop_maintenance": ((1760, 60), (3000, 60))}, {}))
    qtbot.waitUntil(lambda: overview.boundingRect().right() > before.right(), timeout=2000)
    window.view.set_zoom(1.0)
    assert not window.scene.overview_mode
    assert all(item.isVisible() for item in window.scene.activity_items.values())
    assert not overview.isVisible()


def test_the_runbook_panel_shows_its_schedules(window, tmp_path):
    path = opened_copy(window, tmp_path)
    (tmp_path / "schedules.toml").write_text(
        '[[schedule]]\nname = "nightly"\nrunbook = "vm-checkpoint.json"\ncron = "0 2 * * *"\n'
        'timezone = "Europe/Berlin"\n\n[[schedule]]\nname = "other"\nrunbook = "elsewhere.json"\n'
        'interval = "1h"\n')
    window.settings.setValue("config", str(tmp_path / "interlock.toml"))  # schedules.toml beside it
    assert window.open_file(path)
    window._show_runbook_properties()
    text = window.inspector.schedules_label.text()
    assert "nightly" in text and "0 2 * * *" in text and "next:" in text
    assert "other" not in text
