"""Links in words (summary), the link dialog and the junction editor, driven through their own widgets."""

from __future__ import annotations

import os
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

from designer.links.editor import EMPTY_INCLUDE, JunctionEditor, LinkDialog
from designer.links.rows import DataRow, StatusRow
from designer.links.summary import OPERATOR_WORDS, condition_text, link_kind, link_summary
from engine.format.model import DataCondition, Link, StatusCondition

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = {"custom_start": "Custom Start", "get_vms": "Get VMs in Batch",
         "start_maintenance": "Start Maintenance Mode", "stop_vm": "Stop VM"}
FIELDS = [("custom_start", "Custom Start", "Batch Number")] + [
    ("get_vms", "Get VMs in Batch", field) for field in ("vm_id", "vm_name", "status", "host")]
RUNNING = {"field": "get_vms.status", "op": "equals", "value": "Running"}


def link(**keys: Any) -> Link:
    """A link as the file writes it, get_vms -> start_maintenance unless said otherwise."""
    return Link.model_validate({"from": "get_vms", "to": "start_maintenance", **keys}, by_name=False)


def on_disk(value: Link) -> dict[str, Any]:
    """What the runbook file would hold for this link (engine.fileio saves with exclude_unset)."""
    return value.model_dump(mode="json", by_alias=True, exclude_unset=True)


# -- summary -------------------------------------------------------------------------------------------

def test_the_seed_link_reads_as_its_condition_or_its_label() -> None:
    assert link_summary(link(include=[RUNNING]), NAMES) == "Status equals Running"
    assert link_summary(link(include=[RUNNING], label="Running VMs"), NAMES) == "Running VMs"
    assert condition_text(RUNNING, NAMES) == "Status equals Running"
    assert condition_text(DataCondition.model_validate(RUNNING), NAMES) == "Status equals Running"


def test_the_default_link_says_nothing() -> None:
    assert link_summary(link(), NAMES) == ""


@pytest.mark.parametrize(("statuses", "text"), [
    ("success", "Succeeded"), ("failed", "Failed"), ("warning", "Warning"), ("cancelled", "Cancelled"),
    (["warning", "failed"], "Warning or failed"),
    (["success", "warning", "failed"], "Succeeded, warning or failed"),
])
def test_status_conditions_read_as_words(statuses: str | list[str], text: str) -> None:
    assert condition_text({"status": statuses}, NAMES) == text
    assert condition_text(StatusCondition(status=statuses), NAMES) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(("op", "value", "text"), [
    ("equals", "Running", "Status equals Running"),
    ("not_equals", "Running", "Status does not equal Running"),
    ("contains", "Run", "Status contains Run"),
    ("not_contains", "Run", "Status does not contain Run"),
    ("starts_with", "Ru", "Status starts with Ru"),
    ("ends_with", "ing", "Status ends with ing"),
    ("matches", "^R.*g$", "Status matches ^R.*g$"),
    ("not_matches", "^S", "Status does not match ^S"),
    ("less_than", 3, "Status is less than 3"),
    ("greater_than", 3, "Status is greater than 3"),
    ("at_most", 2.5, "Status is at most 2.5"),
    ("at_least", 3, "Status is at least 3"),
    ("between", [1, 5], "Status is between 1 and 5"),
    ("is_empty", None, "Status is empty"),
    ("is_not_empty", None, "Status is not empty"),
    ("equals", "", 'Status equals ""'),
])
def test_every_operator_reads_as_words(op: str, value: Any, text: str) -> None:
    assert op in OPERATOR_WORDS
    assert condition_text({"field": "get_vms.status", "op": op, "value": value}, NAMES) == text


def test_subscriptions_in_values_show_the_activity_by_name() -> None:
    condition = {"field": "get_vms.custom_property_1", "op": "equals",
                 "value": "{{custom_start.Batch Number}}"}
    assert condition_text(condition, NAMES) == 'Custom_property_1 equals {Batch Number from "Custom Start"}'
    mixed = {"field": "get_vms.vm_name", "op": "starts_with", "value": "b{{custom_start.Batch Number}}-"}
    assert condition_text(mixed, NAMES) == 'Vm_name starts with b{Batch Number from "Custom Start"}-'
    unknown = {"field": "get_vms.host", "op": "between", "value": ["{{gone.low}}", 9]}
    assert condition_text(unknown, NAMES) == 'Host is between {low from "gone"} and 9'


def test_includes_are_or_ed_and_excludes_follow_except() -> None:
    assert link_summary(link(include=[{"status": ["warning", "failed"]}, RUNNING]), NAMES) == \
        "Warning or failed or Status equals Running"
    assert link_summary(link(exclude=[{"field": "get_vms.vm_name", "op": "starts_with", "value": "test"},
                                      {"status": "warning"}]), NAMES) == \
        "Succeeded except Vm_name starts with test or Warning"


def test_long_summaries_are_cut_to_sixty_characters() -> None:
    long = link(include=[{"field": "get_vms.vm_name", "op": "contains", "value": "x" * 80}])
    summary = link_summary(long, NAMES)
    assert len(summary) == 60 and summary.endswith("…") and summary.startswith("Vm_name contains xxx")
    assert len(link_summary(link(label="L" * 70), NAMES)) == 60


@pytest.mark.parametrize(("keys", "kind"), [
    ({}, "success"),
    ({"include": [{"status": "success"}]}, "success"),
    ({"include": [{"status": "failed"}]}, "failure"),
    ({"include": [{"status": ["warning", "failed"]}]}, "failure"),
    ({"include": [{"status": ["success", "failed"]}]}, "success"),
    ({"include": [RUNNING]}, "data"),
    ({"include": [{"status": "failed"}, RUNNING]}, "data"),
    ({"exclude": [RUNNING]}, "data"),
    ({"include": [{"status": "failed"}], "exclude": [RUNNING]}, "failure"),
    ({"exclude": [{"status": "warning"}]}, "success"),
])
def test_link_kinds_for_colouring(keys: dict[str, Any], kind: str) -> None:
    assert link_kind(link(**keys)) == kind


# -- link dialog --------------------------------------------------------------------------------------

@pytest.fixture
def open_dialog(qtbot: Any) -> Any:
    def make(value: Link) -> LinkDialog:
        dialog = LinkDialog(value, FIELDS, NAMES)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog
    return make


def button(dialog: LinkDialog, name: str) -> QPushButton:
    found = dialog.findChild(QPushButton, name)
    assert found is not None, name
    return found


def press_ok(qtbot: Any, dialog: LinkDialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("keys", [
    {},
    {"include": [RUNNING], "label": "Running VMs"},
    {"include": [{"status": ["failed"]}], "exclude": [{"field": "get_vms.host", "op": "between",
                                                      "value": [1, 5]}],
     "color": "#cc0000", "delay_s": 5, "enabled": False},
    {"delay_s": 0.125, "label": " spaced "},
    {"include": [{"field": "get_vms.host", "op": "at_least", "value": "3"}], "delay_s": 1.5},
    {"include": [{"field": "get_vms.host", "op": "at_least", "value": "abc"}]},  # odd, but the file's
    {"include": [{"status": "success"}]},
    {"include": [{"field": "get_vms.vm_name", "op": "is_empty"}], "label": ""},
])
def test_an_untouched_link_comes_back_unchanged(qtbot: Any, open_dialog: Any, keys: dict[str, Any]) -> None:
    original = link(**keys)
    dialog = open_dialog(original)
    press_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    result = dialog.result_link()
    assert result == original
    assert on_disk(result) == on_disk(original)  # the same keys, so the file saves byte-identical
    if not keys:
        assert result.include is None


def test_adding_a_data_condition_through_the_widgets(qtbot: Any, open_dialog: Any) -> None:
    dialog = open_dialog(link())
    table = dialog.include_table
    assert [type(row) for row in table.rows] == [StatusRow]
    qtbot.mouseClick(table.rows[0].boxes["success"], Qt.MouseButton.LeftButton)  # focus the row...
    qtbot.mouseClick(table.rows[0].boxes["success"], Qt.MouseButton.LeftButton)  # ...and leave it ticked
    qtbot.mouseClick(button(dialog, "include_remove"), Qt.MouseButton.LeftButton)
    assert table.rows == []

    qtbot.mouseClick(button(dialog, "include_add_data_condition"), Qt.MouseButton.LeftButton)
    row = table.rows[0]
    assert isinstance(row, DataRow)
    assert row.field.currentText() == 'vm_id from "Get VMs in Batch"'  # the source's own fields first
    row.field.setCurrentIndex(row.field.findText('status from "Get VMs in Batch"'))
    row.op.setCurrentIndex(row.op.findText("does not equal"))
    qtbot.keyClicks(row.value, "Stopped")

    dialog.tabs.setCurrentIndex(dialog.tabs.indexOf(dialog.exclude_table.parentWidget()))
    qtbot.mouseClick(button(dialog, "exclude_add_data_condition"), Qt.MouseButton.LeftButton)
    between = dialog.exclude_table.rows[0]
    assert isinstance(between, DataRow)
    between.field.lineEdit().clear()
    qtbot.keyClicks(between.field.lineEdit(), "get_vms.@attempts")
    between.op.setCurrentIndex(between.op.findText("is between"))
    assert between.high.isVisibleTo(dialog) and not between.value.isHidden()
    qtbot.keyClicks(between.value, "2")
    qtbot.keyClicks(between.high, "4.5")
    qtbot.mouseClick(button(dialog, "exclude_add_status_condition"), Qt.MouseButton.LeftButton)
    status = dialog.exclude_table.rows[1]
    assert isinstance(status, StatusRow)
    for name in ("success", "cancelled", "warning"):
        qtbot.mouseClick(status.boxes[name], Qt.MouseButton.LeftButton)

    qtbot.keyClicks(dialog.label_edit, "Not stopped")
    dialog.delay.setValue(2.5)
    dialog.set_color("#336699")
    qtbot.mouseClick(dialog.enabled, Qt.MouseButton.LeftButton, pos=QPoint(8, dialog.enabled.height() // 2))
    press_ok(qtbot, dialog)

    assert dialog.error_text() == ""
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_link() == link(
        include=[{"field": "get_vms.status", "op": "not_equals", "value": "Stopped"}],
        exclude=[{"field": "get_vms.@attempts", "op": "between", "value": [2, 4.5]},
                 {"status": ["warning", "cancelled"]}],
        label="Not stopped", color="#336699", delay_s=2.5, enabled=False)
    assert list(on_disk(dialog.result_link())) == ["from", "to", "include", "exclude", "label", "color",
                                                   "delay_s", "enabled"]


def test_remove_acts_on_the_row_the_user_clicked_into(qtbot: Any, open_dialog: Any) -> None:
    dialog = open_dialog(link(include=[RUNNING, {"status": "failed"}]))
    table = dialog.include_table
    assert table.currentRow() == 1
    first = table.rows[0]
    assert isinstance(first, DataRow)
    qtbot.mouseClick(first.value, Qt.MouseButton.LeftButton)
    assert table.currentRow() == 0
    qtbot.mouseClick(button(dialog, "include_remove"), Qt.MouseButton.LeftButton)
    assert dialog.result_link().include == [StatusCondition(status="failed")]


def test_a_value_can_subscribe_through_the_picker(qtbot: Any, open_dialog: Any) -> None:
    dialog = open_dialog(link(include=[RUNNING]))
    row = dialog.include_table.rows[0]
    assert isinstance(row, DataRow)
    row.value.clear()
    qtbot.keyClicks(row.value, "VM ")
    action = next(a for a in row.pick.menu().actions() if a.text() == 'Batch Number from "Custom Start"')
    action.trigger()
    assert dialog.result_link().include == [
        DataCondition(field="get_vms.status", op="equals", value="VM {{custom_start.Batch Number}}")]


def test_an_emptied_include_is_refused_inline(qtbot: Any, open_dialog: Any) -> None:
    dialog = open_dialog(link(include=[RUNNING]))
    dialog.include_table.setCurrentCell(0, 0)
    qtbot.mouseClick(button(dialog, "include_remove"), Qt.MouseButton.LeftButton)
    press_ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_text() == EMPTY_INCLUDE
    with pytest.raises(ValueError, match="at least one include condition"):
        dialog.result_link()
    qtbot.mouseClick(button(dialog, "include_add_status_condition"), Qt.MouseButton.LeftButton)
    assert dialog.error_text() == ""  # the message goes once the user acts on it
    press_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_link().include is None  # back to the default


@pytest.mark.parametrize(("field", "op", "value", "message"), [
    ("status", "equals", "x", "Include row 1: the field must read activity_id.field, e.g. get_vms.status"),
    ("get_vms.size", "less_than", "big",
     'Include row 1: "big" is not a number (is less than compares numbers)'),
    ("", "equals", "x", "Include row 1: choose a field"),
    ("get_vms.size", "at_most", "nan", 'Include row 1: "nan" is not a number (is at most compares numbers)'),
])
def test_mistakes_are_shown_inline(qtbot: Any, open_dialog: Any, field: str, op: str, value: str,
                                   message: str) -> None:
    dialog = open_dialog(link(include=[RUNNING]))
    row = dialog.include_table.rows[0]
    assert isinstance(row, DataRow)
    row.field.lineEdit().clear()
    qtbot.keyClicks(row.field.lineEdit(), field)
    row.op.setCurrentIndex(row.op.findData(op))
    row.value.clear()
    qtbot.keyClicks(row.value, value)
    press_ok(qtbot, dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_text() == message


def test_unticking_every_status_is_refused(qtbot: Any, open_dialog: Any) -> None:
    dialog = open_dialog(link())
    qtbot.mouseClick(dialog.include_table.rows[0].boxes["success"], Qt.MouseButton.LeftButton)
    press_ok(qtbot, dialog)
    assert dialog.error_text() == "Include row 1: tick at least one status"


def test_a_subscription_passes_the_number_check(qtbot: Any, open_dialog: Any) -> None:
    dialog = open_dialog(link(include=[{"field": "get_vms.host", "op": "at_least",
                                        "value": "{{custom_start.Batch Number}}"}]))
    row = dialog.include_table.rows[0]
    assert isinstance(row, DataRow)
    qtbot.keyClicks(row.value, "0")
    assert dialog.result_link().include == [DataCondition(field="get_vms.host", op="at_least",
                                                          value="{{custom_start.Batch Number}}0")]


# -- junction editor ----------------------------------------------------------------------------------

PREDECESSORS = [("get_vms", "Get VMs in Batch"), ("stop_vm", "Stop VM")]


def test_junction_editor_lists_predecessors_and_emits_edits(qtbot: Any) -> None:
    editor = JunctionEditor()
    qtbot.addWidget(editor)
    emitted: list[dict[str, Any]] = []
    editor.edited.connect(emitted.append)
    editor.set_junction({"republish": "get_vms"}, PREDECESSORS)
    assert emitted == []  # showing a junction is not an edit
    assert [editor.republish.itemText(i) for i in range(editor.republish.count())] == \
        ["<None>", "Get VMs in Batch", "Stop VM"]
    assert editor.republish.currentText() == "Get VMs in Batch"
    assert editor.require.currentText() == "Settled"
    assert editor.require_help.text() == "Settled: fire when every branch is done, even ones that never ran"

    editor.republish.setCurrentIndex(editor.republish.findText("<None>"))
    assert emitted[-1] == {"republish": None}  # require was absent and stays absent
    editor.republish.setCurrentIndex(editor.republish.findText("Stop VM"))
    assert emitted[-1] == {"republish": "stop_vm"}
    editor.require.setCurrentIndex(editor.require.findText("All"))
    assert emitted[-1] == {"republish": "stop_vm", "require": "all"}
    assert editor.require_help.text() == "All: also need data from every incoming link"
    assert len(emitted) == 3


def test_junction_editor_keeps_a_written_require_and_an_odd_republish(qtbot: Any) -> None:
    editor = JunctionEditor()
    qtbot.addWidget(editor)
    emitted: list[dict[str, Any]] = []
    editor.edited.connect(emitted.append)
    editor.set_junction({"republish": None, "require": "settled"}, PREDECESSORS)
    editor.republish.setCurrentIndex(editor.republish.findData("get_vms"))
    assert emitted == [{"republish": "get_vms", "require": "settled"}]

    editor.set_junction({"republish": "custom_start"}, PREDECESSORS)
    assert editor.republish.currentText() == "custom_start (not a direct predecessor)"
    assert editor.properties() == {"republish": "custom_start"}
    assert len(emitted) == 1
