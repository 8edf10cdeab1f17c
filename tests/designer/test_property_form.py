"""Subscriptions shown the Opalis way, and the property form driven through its own widgets."""

from __future__ import annotations

import os
from typing import Any

import gestures
import pytest
from forms import form  # noqa: F401 - a fixture
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from designer.properties.form import PropertyForm
from designer.properties.tables import EditTable
from designer.subscriptions import ScopeField, from_display, reference_text, to_display
from nodes.core.compare_values import CompareValues
from nodes.core.initialize_data import InitializeData
from nodes.core.return_data import ReturnData
from nodes.core.run_program import RunProgram
from nodes.monitoring.start_maintenance import StartMaintenance
from nodes.vmm.get_checkpoint import GetCheckpoint
from nodes.vmm.get_vm import GetVm
from nodes.vmm.stop_vm import StopVm

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = {"custom_start": "Custom Start", "get_vms": "Get VMs in Batch", "odd": "Odd, (name) #1!"}
IDS = {name: activity_id for activity_id, name in NAMES.items()}
SCOPE = [ScopeField("custom_start", "Custom Start", "Batch Number"),
         ScopeField("get_vms", "Get VMs in Batch", "vm_id"),
         ScopeField("get_vms", "Get VMs in Batch", "vm_name")]


# -- shown and stored subscriptions --------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "shown"), [
    ("", ""),
    ("plain text", "plain text"),
    ("{{custom_start.Batch Number}}", '{Batch Number from "Custom Start"}'),
    ("VM {{get_vms.vm_name}} on {{get_vms.host}}.",
     'VM {vm_name from "Get VMs in Batch"} on {host from "Get VMs in Batch"}.'),
    ("{{odd.x}}", '{x from "Odd, (name) #1!"}'),
    ("\\{{custom_start.Batch Number}} stays", "\\{{custom_start.Batch Number}} stays"),
    ("{{unknown.field}} and {{get_vms.vm_id}}", '{{unknown.field}} and {vm_id from "Get VMs in Batch"}'),
    ("{not a reference}", "{not a reference}"),
    # Literal text that reads like a shown subscription is marked, so it does not become one.
    ('{x from "Custom Start"}', '\\{x from "Custom Start"}'),
    ('\\{x from "Custom Start"}', '\\\\{x from "Custom Start"}'),
    ('{x from "Nobody"}', '{x from "Nobody"}'),
])
def test_stored_text_shows_names_and_reads_back(stored: str, shown: str) -> None:
    assert to_display(stored, NAMES) == shown
    assert from_display(shown, IDS) == stored


def test_typed_names_match_case_insensitively_and_unknown_names_stay() -> None:
    assert from_display('{Batch Number from "custom START"}-x', IDS) == "{{custom_start.Batch Number}}-x"
    assert from_display('{Batch Number from "No Such"}', IDS) == '{Batch Number from "No Such"}'
    assert from_display('{{get_vms.vm_id}}', IDS) == "{{get_vms.vm_id}}"


def test_reference_text_is_the_stored_form() -> None:
    assert reference_text(SCOPE[0]) == "{{custom_start.Batch Number}}"


_PIECES = st.one_of(
    st.text(alphabet='ab {}\\"."from', max_size=8),
    st.sampled_from(['{x from "Custom Start"}', "\\{{", "\\", '"}', " from ", "{{", "}}"]),
    st.builds(lambda i, f: f"{{{{{i}.{f}}}}}", st.sampled_from([*NAMES, "nope"]),
              st.sampled_from(["vm_id", "Batch Number", "a b.c"])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=6).map("".join))
def test_round_trip_holds_for_text_and_references(stored: str) -> None:
    assert from_display(to_display(stored, NAMES), IDS) == stored


# -- the form ------------------------------------------------------------------------------------------

def editor(form: PropertyForm, name: str) -> QWidget:
    """The widget a user types into for a scalar field."""
    return form.editors[name].editor  # type: ignore[attr-defined]


def pick(form: PropertyForm, name: str, activity: str, field: str) -> None:
    """Choose activity -> field from the field's "{…}" picker."""
    gestures.pick(form.editors[name].scope_button, activity, field)


def test_filling_the_form_emits_nothing_and_shows_defaults_unstored(form: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {"vm_id": "{{get_vms.vm_id}}"}, SCOPE, NAMES)
    assert emitted == []
    assert editor(widget, "vm_id").text() == '{vm_id from "Get VMs in Batch"}'
    connection = editor(widget, "connection")
    assert connection.text() == "" and connection.placeholderText() == "default"
    mode = editor(widget, "mode")
    assert isinstance(mode, QComboBox) and mode.currentText() == "shutdown" and mode.font().italic()
    assert "guest shuts down" in mode.toolTip()


def test_typing_a_vm_id_emits_the_whole_dict_once(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {"mode": "save"}, SCOPE, NAMES)
    vm_id = editor(widget, "vm_id")
    qtbot.keyClicks(vm_id, "web01")
    assert emitted == []  # no signal per keystroke
    qtbot.keyClick(vm_id, Qt.Key.Key_Return)
    vm_id.editingFinished.emit()  # focus leaving without a change commits nothing more
    assert emitted == [{"mode": "save", "vm_id": "web01"}]


def test_picking_a_scope_field_inserts_it_at_the_cursor(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {"vm_id": "vm-"}, SCOPE, NAMES)
    vm_id = editor(widget, "vm_id")
    vm_id.setCursorPosition(3)
    pick(widget, "vm_id", "Get VMs in Batch", "vm_name")
    assert vm_id.text() == 'vm-{vm_name from "Get VMs in Batch"}'
    assert emitted == [{"vm_id": "vm-{{get_vms.vm_name}}"}]


def test_a_typed_subscription_is_stored_by_id(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {}, SCOPE, NAMES)
    vm_id = editor(widget, "vm_id")
    qtbot.keyClicks(vm_id, '{vm_id from "get vms in batch"}')
    qtbot.keyClick(vm_id, Qt.Key.Key_Return)
    assert emitted == [{"vm_id": "{{get_vms.vm_id}}"}]


def test_changing_the_mode_combo(form: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {"vm_id": "web01"}, SCOPE, NAMES)
    mode = editor(widget, "mode")
    mode.setCurrentIndex(mode.findText("turn_off"))
    assert emitted == [{"vm_id": "web01", "mode": "turn_off"}]
    assert not mode.font().italic()


def test_clearing_a_defaulted_text_field_removes_its_key(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {"vm_id": "web01", "connection": "lab2"}, SCOPE, NAMES)
    connection = editor(widget, "connection")
    connection.clear()
    qtbot.keyClick(connection, Qt.Key.Key_Return)
    assert emitted == [{"vm_id": "web01"}]


def test_toggling_most_recent(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(GetCheckpoint.Properties, {"vm_id": "web01"}, SCOPE, NAMES)
    most_recent = editor(widget, "most_recent")
    assert isinstance(most_recent, QCheckBox) and not most_recent.isChecked()
    qtbot.mouseClick(most_recent, Qt.MouseButton.LeftButton)
    most_recent.setChecked(False)
    assert emitted == [{"vm_id": "web01", "most_recent": True}, {"vm_id": "web01", "most_recent": False}]
    assert list(emitted[0]) == ["vm_id", "most_recent"]  # the file's key order is kept, new keys last


def test_an_int_field_uses_the_model_bounds(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StartMaintenance.Properties, {"object": "web01"}, SCOPE, NAMES)
    duration = editor(widget, "duration_min")
    assert isinstance(duration, QSpinBox) and duration.minimum() == 5 and duration.value() == 60
    duration.editingFinished.emit()  # leaving the untouched default writes nothing
    assert emitted == []
    duration.setValue(90)
    duration.editingFinished.emit()
    assert emitted == [{"object": "web01", "duration_min": 90}]
    assert type(emitted[0]["duration_min"]) is int


def test_a_subscribed_int_shows_as_text_and_a_pick_turns_a_number_into_text(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StartMaintenance.Properties, {"object": "web01", "duration_min": "{{get_vms.vm_id}}"},
                      SCOPE, NAMES)
    duration = editor(widget, "duration_min")
    assert isinstance(duration, QLineEdit) and duration.text() == '{vm_id from "Get VMs in Batch"}'
    duration.setText("45")
    duration.editingFinished.emit()
    assert emitted == [{"object": "web01", "duration_min": 45}]

    widget.show_model(StopVm.Properties, {"vm_id": "a"}, SCOPE, NAMES)
    pick(widget, "mode", "Custom Start", "Batch Number")
    assert isinstance(editor(widget, "mode"), QLineEdit)
    assert emitted[-1] == {"vm_id": "a", "mode": "{{custom_start.Batch Number}}"}


def test_an_optional_float_can_go_back_to_none(form: Any) -> None:
    widget, emitted = form
    widget.show_model(RunProgram.Properties, {"argv": ["ping"], "timeout_s": 5}, SCOPE, NAMES)
    timeout = editor(widget, "timeout_s")
    assert isinstance(timeout, QDoubleSpinBox) and timeout.value() == 5
    timeout.setValue(2.5)
    timeout.editingFinished.emit()
    timeout.setValue(timeout.minimum())
    timeout.editingFinished.emit()
    assert emitted == [{"argv": ["ping"], "timeout_s": 2.5}, {"argv": ["ping"]}]
    assert timeout.text() == "none"


def filters_table(widget: PropertyForm, name: str = "filters") -> EditTable:
    table = widget.editors[name]
    assert isinstance(table, EditTable)
    return table


def test_editing_a_get_vm_filter_cell(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    row = {"field": "custom_property_1", "op": "equals", "value": "{{custom_start.Batch Number}}"}
    widget.show_model(GetVm.Properties, {"filters": [row]}, SCOPE, NAMES)
    table = filters_table(widget).table
    assert table.item(0, 2).text() == '{Batch Number from "Custom Start"}'
    table.setCurrentCell(0, 2)
    table.editItem(table.item(0, 2))
    cell = table.findChild(QLineEdit)
    cell.selectAll()
    qtbot.keyClicks(cell, "7")
    with qtbot.waitSignal(widget.edited, timeout=2000):  # the delegate commits on a queued call
        qtbot.keyClick(cell, Qt.Key.Key_Return)
    assert emitted == [{"filters": [{"field": "custom_property_1", "op": "equals", "value": "7"}]}]
    table.cellWidget(0, 1).setCurrentIndex(table.cellWidget(0, 1).findText("contains"))
    assert emitted[-1] == {"filters": [{"field": "custom_property_1", "op": "contains", "value": "7"}]}


def test_adding_filling_and_removing_filter_rows(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(GetVm.Properties, {}, SCOPE, NAMES)
    editor_ = filters_table(widget)
    qtbot.mouseClick(editor_.add_button, Qt.MouseButton.LeftButton)
    assert emitted == []  # an empty row is not an entry yet
    field = editor_.table.cellWidget(0, 0)
    field.setCurrentIndex(field.findText("status"))
    editor_.table.setCurrentCell(0, 2)
    gestures.pick(editor_.scope_button, "Get VMs in Batch", "vm_name")
    assert emitted == [{"filters": [{"field": "status"}]},
                       {"filters": [{"field": "status", "value": "{{get_vms.vm_name}}"}]}]
    editor_.table.selectRow(0)
    qtbot.mouseClick(editor_.remove_button, Qt.MouseButton.LeftButton)
    assert emitted[-1] == {"filters": []}


def test_parameter_rows_keep_types_and_leave_unset_cells_out(form: Any) -> None:
    widget, emitted = form
    widget.show_model(InitializeData.Properties, {"parameters": [{"name": "Batch Number"}]}, [], {})
    table = filters_table(widget, "parameters").table
    assert table.item(0, 3).checkState() == Qt.CheckState.Checked  # the default, shown
    table.item(0, 3).setCheckState(Qt.CheckState.Unchecked)
    table.cellWidget(0, 1).setCurrentIndex(table.cellWidget(0, 1).findText("number"))
    table.item(0, 2).setText("3")
    assert emitted == [
        {"parameters": [{"name": "Batch Number", "required": False}]},
        {"parameters": [{"name": "Batch Number", "type": "number", "required": False}]},
        {"parameters": [{"name": "Batch Number", "type": "number", "default": 3, "required": False}]},
    ]


def test_dict_and_list_tables(form: Any) -> None:
    widget, emitted = form
    widget.show_model(ReturnData.Properties, {}, SCOPE, NAMES)
    data = filters_table(widget, "data")
    data.add_row()
    data.table.item(0, 1).setText('{vm_name from "Get VMs in Batch"}')
    data.table.item(0, 0).setText("vm")
    assert emitted == [{"data": {"vm": "{{get_vms.vm_name}}"}}]

    emitted.clear()
    widget.show_model(RunProgram.Properties, {"argv": ["ping"]}, SCOPE, NAMES)
    argv = filters_table(widget, "argv")
    argv.add_row()
    argv.table.item(1, 0).setText("-c 1")
    assert emitted == [{"argv": ["ping", "-c 1"]}]


@pytest.mark.parametrize(("typed", "stored"), [
    ("5", "5"), ('"5"', '"5"'), ("abc", "abc"), ("[1, 2]", [1, 2]), ("true", "true"), ('"[1]"', "[1]"),
    ('{Batch Number from "Custom Start"}', "{{custom_start.Batch Number}}"),
    ('["{Batch Number from \\"Custom Start\\"}"]', ["{{custom_start.Batch Number}}"]),
])
def test_any_fields_take_text_or_a_json_list(form: Any, typed: str, stored: Any) -> None:
    widget, emitted = form
    widget.show_model(CompareValues.Properties, {}, SCOPE, NAMES)
    left = editor(widget, "left")
    left.setText(typed)
    left.editingFinished.emit()
    assert emitted == [{"left": stored}]
    widget.clear()
    widget.show_model(CompareValues.Properties, {"left": stored}, SCOPE, NAMES)
    assert editor(widget, "left").text() == typed


def test_a_value_of_the_wrong_shape_is_kept_as_json(form: Any) -> None:
    widget, emitted = form
    widget.show_model(GetVm.Properties, {"filters": "{{get_vms.vm_id}}"}, SCOPE, NAMES)
    filters = editor(widget, "filters")
    assert isinstance(filters, QLineEdit) and filters.text() == '{vm_id from "Get VMs in Batch"}'
    filters.setText('[{"field": "status", "op": "equals", "value": "Running"}]')
    filters.editingFinished.emit()
    assert emitted == [{"filters": [{"field": "status", "op": "equals", "value": "Running"}]}]


def test_showing_what_the_form_emitted_keeps_the_editors(form: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {"vm_id": "a"}, SCOPE, NAMES)
    mode = editor(widget, "mode")
    mode.setCurrentIndex(mode.findText("save"))
    widget.show_model(StopVm.Properties, emitted[-1], SCOPE, NAMES)
    assert editor(widget, "mode") is mode
    widget.show_model(StopVm.Properties, {"vm_id": "b"}, SCOPE, NAMES)
    assert editor(widget, "vm_id").text() == "b"
    widget.clear()
    assert widget.editors == {}
