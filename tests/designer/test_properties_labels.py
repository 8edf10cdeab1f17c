"""Property labels read as titles with their descriptions, choices are combo boxes, and tables show their
content (issue 15, item 11)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from forms import form  # noqa: F401 - a fixture
from PySide6.QtWidgets import QComboBox

from designer.properties.tables import EditTable
from designer.subscriptions import ScopeField
from engine.config.registry import Registry
from engine.fielddocs import readable_title
from engine.run.conditions import OPERATORS
from nodes.core.compare_values import CompareValues
from nodes.vmm.get_vm import GetVm
from nodes.vmm.stop_vm import StopVm

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REGISTRY = Registry.from_entry_points()


@pytest.mark.parametrize(("name", "title"), [
    ("vm_id", "VM ID"), ("custom_property_1", "Custom property 1"), ("vm_name", "VM name"),
    ("duration_min", "Duration (minutes)"), ("timeout_s", "Timeout (s)"), ("scom_server", "SCOM server"),
    ("ip", "IP"), ("os_url", "OS URL"), ("cpu_count", "CPU count"), ("scvmm_host", "SCVMM host"),
    ("Batch Number", "Batch Number"), ("@status", "Status"), ("s", "S"),
])
def test_titles_made_from_names(name: str, title: str) -> None:
    assert readable_title(name) == title


def test_labels_are_titles_with_the_description_as_tooltip(form: Any) -> None:
    widget, _ = form
    widget.show_model(StopVm.Properties, {}, [], {})
    label = widget.labels["vm_id"]
    assert label.text() == "VM ID"
    assert "The VM's id" in label.toolTip() and "vm_id" in label.toolTip()  # the file's key, for hand edits


@pytest.mark.parametrize("type_name", sorted(REGISTRY.types()))
def test_no_property_label_is_a_raw_name(form: Any, type_name: str) -> None:
    kind = REGISTRY.get(type_name)
    if kind.kind == "junction":
        return
    widget, _ = form
    widget.show_model(kind.Properties, {}, [], {})
    for name, label in widget.labels.items():
        assert "_" not in label.text() and label.text()[:1].isupper(), (type_name, name, label.text())
        assert label.toolTip(), (type_name, name)
    for editor in widget.editors.values():
        if isinstance(editor, EditTable):
            for col in range(editor.table.columnCount()):
                header = editor.table.horizontalHeaderItem(col)
                assert "_" not in header.text() and header.text()[:1].isupper(), (type_name, header.text())


def test_compare_values_op_is_a_combo_of_the_operators(form: Any) -> None:
    widget, emitted = form
    widget.show_model(CompareValues.Properties, {"left": "a"}, [], {})
    op = widget.editors["op"].editor
    assert isinstance(op, QComboBox)
    assert [op.itemText(i) for i in range(op.count())] == list(OPERATORS)
    assert op.currentText() == "equals" and op.font().italic()  # the default, not stored
    op.setCurrentIndex(op.findText("between"))
    assert emitted == [{"left": "a", "op": "between"}]


def test_an_unknown_op_in_the_file_stays_editable_as_text(form: Any) -> None:
    widget, _ = form
    widget.show_model(CompareValues.Properties, {"op": "sounds_like"}, [], {})
    assert widget.editors["op"].editor.text() == "sounds_like"


def test_filter_table_columns_fit_their_content(form: Any, qtbot: Any) -> None:
    """Get VM's filter value reads whole in a dock-sized panel, and the table has no empty area below
    its rows."""
    widget, _ = form
    widget.resize(420, 600)
    value = '{Batch Number from "Custom Start"}'
    rows = [{"field": "custom_property_1", "op": "equals", "value": "{{custom_start.Batch Number}}"}]
    scope = [ScopeField("custom_start", "Custom Start", "Batch Number")]
    widget.show_model(GetVm.Properties, {"filters": rows}, scope, {"custom_start": "Custom Start"})
    qtbot.wait(50)
    table = widget.editors["filters"].table
    assert table.item(0, 2).text() == value
    needed = table.fontMetrics().horizontalAdvance(value)
    assert table.columnWidth(2) >= needed
    # the value column is visible: inside the viewport, or reachable by scrolling
    assert table.columnViewportPosition(2) + table.columnWidth(2) <= table.viewport().width() \
        or table.horizontalScrollBar().maximum() > 0
    used = table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(table.rowCount()))
    assert table.height() - used < 2.5 * table.verticalHeader().defaultSectionSize()
