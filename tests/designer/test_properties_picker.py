"""The subscription picker shows each published field's title, type and description, and a search box
filters it as you type (issue 15, item 12)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from forms import form  # noqa: F401 - a fixture
from PySide6.QtCore import Qt

from designer.properties.picker import ScopePicker
from designer.scope import scope_fields
from designer.subscriptions import ScopeField
from engine.config.registry import Registry
from engine.fielddocs import COMMON_DOCS
from engine.format.fileio import load_runbook
from engine.format.validate import COMMON_FIELDS
from nodes.vmm.stop_vm import StopVm

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"
REGISTRY = Registry.from_entry_points()
NAMES = {"custom_start": "Custom Start", "get_vms": "Get VMs in Batch"}


def seed_scope(activity_id: str) -> list[ScopeField]:
    return scope_fields(load_runbook(SEED), REGISTRY, activity_id)


def test_common_fields_are_all_described() -> None:
    assert tuple(d.name for d in COMMON_DOCS) == COMMON_FIELDS
    assert all(d.title and d.type and d.description for d in COMMON_DOCS)


def test_scope_fields_carry_title_type_and_description() -> None:
    fields = {(f.activity_id, f.field): f for f in seed_scope("stop_vm")}
    vm_id = fields["get_vms", "vm_id"]
    assert (vm_id.title, vm_id.type) == ("VM ID", "text") and "id" in vm_id.description
    assert fields["get_vms", "custom_property_1"].title == "Custom property 1"
    status = fields["get_vms", "@status"]
    assert status.title == "Activity status" and "success" in status.description
    batch = fields["custom_start", "Batch Number"]
    assert (batch.title, batch.type) == ("Batch Number", "text")


def rows(picker: ScopePicker) -> list[tuple[str, ...]]:
    """The field rows the picker shows (not hidden by the search): activity, then its columns."""
    shown = []
    for i in range(picker.tree.topLevelItemCount()):
        group = picker.tree.topLevelItem(i)
        for j in range(group.childCount()):
            item = group.child(j)
            if not item.isHidden() and not group.isHidden():
                shown.append((group.text(0), *(item.text(c) for c in range(picker.tree.columnCount()))))
    return shown


def test_the_picker_lists_title_type_and_description_and_search_filters(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {}, seed_scope("stop_vm"), NAMES)
    button = widget.editors["vm_id"].scope_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    picker = button.picker
    assert picker.isVisible()
    assert [picker.tree.headerItem().text(c) for c in range(picker.tree.columnCount())] == \
        ["Published data", "Field", "Type", "Description"]
    shown = rows(picker)
    assert ("Get VMs in Batch", "VM ID", "vm_id", "text", "The VM's id in the VM manager") in shown
    assert not any(r[2].startswith("@") for r in shown)  # the common data on request, as in Orchestrator
    picker.common_box.setChecked(True)
    assert ("Get VMs in Batch", "Activity status", "@status", "text",
            "How the instance ended: success, warning or failed") in rows(picker)
    assert picker.search.hasFocus()  # type straight away

    qtbot.keyClicks(picker.search, "custom property 1")
    assert {r[1] for r in rows(picker)} == {"Custom property 1", "Custom property 10"}
    picker.search.clear()
    qtbot.keyClicks(picker.search, "back-end's own")  # the description is searched too
    assert [r[1] for r in rows(picker)] == ["Raw status"]
    picker.search.clear()
    qtbot.keyClicks(picker.search, "vm name")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # picks the first match
    assert not picker.isVisible()
    assert widget.editors["vm_id"].editor.text() == '{vm_name from "Get VMs in Batch"}'
    assert emitted == [{"vm_id": "{{get_vms.vm_name}}"}]


def test_ctrl_space_in_a_field_opens_its_picker(form: Any, qtbot: Any) -> None:
    widget, _ = form
    widget.show_model(StopVm.Properties, {}, seed_scope("stop_vm"), NAMES)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=2000)  # shortcuts go to the active window
    line = widget.editors["vm_id"].editor
    line.setFocus()
    qtbot.keyClick(line, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert widget.editors["vm_id"].scope_button.picker.isVisible()
    assert not widget.editors["connection"].scope_button.picker.isVisible()


def test_nothing_matches_says_so(form: Any, qtbot: Any) -> None:
    widget, _ = form
    widget.show_model(StopVm.Properties, {}, seed_scope("stop_vm"), NAMES)
    button = widget.editors["vm_id"].scope_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(button.picker.search, "zzzz")
    assert rows(button.picker) == [] and button.picker.empty_label.isVisible()
