"""Build the VM Checkpoint runbook through the designer's own gestures — palette drops, links dragged
from handles, property edits, a link condition, the junctions' "Return data from" — save it, and compare
it with resources/examples/vm-checkpoint.json; then undo it all back to empty and redo it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gestures import drag_link, drop, pick, window  # noqa: F401 - window is a fixture
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

import designer.main_window as main_window_module
from engine.config.registry import Registry
from engine.format.fileio import load_runbook
from engine.format.model import Runbook

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"
REGISTRY = Registry.from_entry_points()

PLAN = [  # seed id, type, name, position
    ("custom_start", "core.initialize_data", "Custom Start", (0, 220)),
    ("get_vms", "vmm.get_vm", "Get VMs in Batch", (220, 220)),
    ("start_maintenance", "monitoring.start_maintenance", "Start Maintenance Mode", (440, 60)),
    ("stop_vm", "vmm.stop_vm", "Stop VM", (660, 60)),
    ("wait_stopped", "core.junction", "Wait for Stopped", (880, 220)),
    ("new_checkpoint", "vmm.new_checkpoint", "New VM Checkpoint", (1100, 220)),
    ("wait_checkpoints", "core.junction", "Wait for Checkpoints", (1320, 60)),
    ("start_vm", "vmm.start_vm", "Start VM", (1540, 60)),
    ("stop_maintenance", "monitoring.stop_maintenance", "Stop Maintenance Mode", (1760, 60)),
]
LINKS = [("custom_start", "get_vms"), ("get_vms", "start_maintenance"), ("start_maintenance", "stop_vm"),
         ("get_vms", "wait_stopped"), ("stop_vm", "wait_stopped"), ("wait_stopped", "new_checkpoint"),
         ("new_checkpoint", "wait_checkpoints"), ("stop_vm", "wait_checkpoints"),
         ("wait_checkpoints", "start_vm"), ("start_vm", "stop_maintenance")]


def semantic(runbook: Runbook) -> dict[str, Any]:
    """What the runbook means, independent of ids, positions, descriptions and unset defaults."""
    by_id = {a.id: a.name for a in runbook.activities}

    def named(text: Any) -> Any:
        dumped = json.dumps(text)
        for activity_id, name in sorted(by_id.items(), key=lambda item: -len(item[0])):
            dumped = dumped.replace("{{" + activity_id + ".", "{{<" + name + ">.")
            dumped = dumped.replace('"' + activity_id + ".", '"<' + name + '>.')
            dumped = dumped.replace('"republish": "' + activity_id + '"', '"republish": "<' + name + '>"')
        return json.loads(dumped)

    activities = {}
    for activity in runbook.activities:
        kind = REGISTRY.get(activity.type)
        assert kind is not None
        properties = kind.Properties.model_validate(activity.properties).model_dump(mode="json")
        activities[activity.name] = {"type": activity.type, "enabled": activity.enabled,
                                     "properties": named(properties)}
    links = {}
    for link in runbook.links:
        dumped = link.model_dump(mode="json", by_alias=True, exclude={"from_", "to"})
        dumped["include"] = [c.model_dump(mode="json") for c in link.include_conditions()]
        links[(by_id[link.from_], by_id[link.to])] = named(dumped)
    return {"activities": activities, "links": links}


def edit_text(qtbot: Any, window: Any, field: str, text: str) -> None:
    editor = window.inspector.property_form.editors[field].editor
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def select(window: Any, activity_id: str) -> None:
    window.scene.select_only([activity_id])
    assert window.inspector.activity_id == activity_id


def build_seed(qtbot: Any, window: Any, monkeypatch: Any) -> dict[str, str]:
    ids: dict[str, str] = {}
    for seed_id, type_name, name, at in PLAN:
        ids[seed_id] = drop(window, type_name, at)
        assert window.inspector.activity_id == ids[seed_id]  # a dropped activity is selected
        window.inspector.tabs.setCurrentIndex(1)
        name_edit = window.inspector.name_edit
        name_edit.selectAll()
        qtbot.keyClicks(name_edit, name)
        qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    for source, target in LINKS:
        drag_link(window, ids[source], ids[target])
    assert {(lk.from_, lk.to) for lk in window.document.links} == {(ids[s], ids[t]) for s, t in LINKS}

    # "Return data from" first: what the activities after a junction can subscribe to depends on it
    junction = window.inspector.junction_editor
    select(window, ids["wait_stopped"])
    junction.republish.setCurrentIndex(junction.republish.findText("Get VMs in Batch"))
    select(window, ids["wait_checkpoints"])
    junction.republish.setCurrentIndex(junction.republish.findText("Stop VM"))

    form = window.inspector.property_form
    select(window, ids["custom_start"])
    parameters = form.editors["parameters"]
    qtbot.mouseClick(parameters.add_button, Qt.MouseButton.LeftButton)
    parameters.table.item(0, 0).setText("Batch Number")

    select(window, ids["get_vms"])
    filters = form.editors["filters"]
    qtbot.mouseClick(filters.add_button, Qt.MouseButton.LeftButton)
    field = filters.table.cellWidget(0, 0)
    field.setCurrentIndex(field.findText("custom_property_1"))
    op = filters.table.cellWidget(0, 1)
    op.setCurrentIndex(op.findText("equals"))
    filters.table.setCurrentCell(0, 2)
    pick(filters.scope_button, "Custom Start", "Batch Number")

    select(window, ids["start_maintenance"])
    pick(form.editors["object"].scope_button, "Get VMs in Batch", "vm_name")
    edit_text(qtbot, window, "comment", 'VM checkpoint of batch {Batch Number from "Custom Start"}')
    select(window, ids["stop_vm"])
    pick(form.editors["vm_id"].scope_button, "Get VMs in Batch", "vm_id")
    select(window, ids["new_checkpoint"])
    pick(form.editors["vm_id"].scope_button, "Get VMs in Batch", "vm_id")
    edit_text(qtbot, window, "name",
              'Batch {Batch Number from "Custom Start"} - {vm_name from "Get VMs in Batch"}')
    edit_text(qtbot, window, "description", "Taken by the VM Checkpoint runbook while the VM was not running")
    select(window, ids["start_vm"])
    pick(form.editors["vm_id"].scope_button, "Stop VM", "vm_id")
    select(window, ids["stop_maintenance"])
    pick(form.editors["object"].scope_button, "Stop VM", "vm_name")

    class ConditionDialog(main_window_module.LinkDialog):
        def exec(self) -> int:  # what the user does in the dialog, then OK
            self.include_table.load([])
            row = self.include_table.add_data()
            row.field.setCurrentIndex(row.field.findText('status from "Get VMs in Batch"'))
            row.op.setCurrentIndex(row.op.findText("equals"))
            qtbot.keyClicks(row.value, "Running")
            qtbot.keyClicks(self.label_edit, "Running VMs")
            self.accept()
            return QDialog.DialogCode.Accepted.value if self.result() else 0

    monkeypatch.setattr(main_window_module, "LinkDialog", ConditionDialog)
    window.scene.select_only(link_keys=[(ids["get_vms"], ids["start_maintenance"])])
    window.scene.edit_requested.emit("link", f'{ids["get_vms"]}->{ids["start_maintenance"]}')
    return ids


def test_build_the_seed_runbook_save_it_undo_and_redo(qtbot, window, monkeypatch, tmp_path):
    build_seed(qtbot, window, monkeypatch)
    expected = semantic(load_runbook(SEED, REGISTRY))
    assert semantic(window.document.runbook) == expected

    saved = tmp_path / "built.json"
    assert window._write(saved)
    assert window.undo_stack.isClean()
    reloaded = load_runbook(saved, REGISTRY)  # valid, through the engine's own loader
    assert semantic(reloaded) == expected
    assert all(isinstance(a.at[0], int) and isinstance(a.at[1], int) for a in reloaded.activities)

    steps = window.undo_stack.count()
    assert steps >= len(PLAN) * 2 + len(LINKS) + 10
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert window.document.activities == [] and window.document.links == []
    assert window.scene.activity_items == {} and window.scene.link_items == {}
    while window.undo_stack.canRedo():
        window.undo_stack.redo()
    assert semantic(window.document.runbook) == expected
    assert window.undo_stack.isClean()  # back where it was saved


def test_refused_links_say_why(qtbot, window, monkeypatch):
    ids = build_seed(qtbot, window, monkeypatch)
    messages: list[str] = []
    window.scene.message.connect(messages.append)
    links = len(window.document.links)
    drag_link(window, ids["stop_vm"], ids["stop_vm"])
    drag_link(window, ids["get_vms"], ids["wait_stopped"])
    drag_link(window, ids["stop_maintenance"], ids["custom_start"])
    assert [m.removeprefix("Link refused: ") for m in messages] == [
        "an activity cannot link to itself", "these activities are already linked",
        "the link would close a cycle (use a loop on an activity to repeat work)"]
    assert len(window.document.links) == links
