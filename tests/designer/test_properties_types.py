"""A property keeps its declared type (issue 15, item 4): what is typed into a text field is saved as
text, a number field saves a number, a parameter's default follows the parameter's type — through the
form's own editors, and down to the saved file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from forms import form, type_into, type_into_cell  # noqa: F401 - form is a fixture
from gestures import window  # noqa: F401 - window is a fixture
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field
from PySide6.QtWidgets import QDoubleSpinBox

from designer.properties.tables import EditTable, Naming, classify, text_of, value_of
from designer.subscriptions import ScopeField
from nodes.core.compare_values import CompareValues
from nodes.core.initialize_data import InitializeData
from nodes.core.invoke_runbook import InvokeRunbook
from nodes.core.return_data import ReturnData
from nodes.vmm.get_vm import GetVm

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = {"custom_start": "Custom Start"}
SCOPE = [ScopeField("custom_start", "Custom Start", "Batch Number")]


@pytest.mark.parametrize(("typed", "stored"), [
    ("42", "42"), ("true", "true"), ("null", "null"), ("4.5", "4.5"), ('"quoted"', '"quoted"'),
    ("abc", "abc"), ("[1, 5]", [1, 5]),  # a JSON list: [low, high] for between
    ('{Batch Number from "Custom Start"}', "{{custom_start.Batch Number}}"),
])
def test_compare_values_right_saves_text_as_text(form: Any, qtbot: Any, typed: str, stored: Any) -> None:
    widget, emitted = form
    widget.show_model(CompareValues.Properties, {"left": "x"}, SCOPE, NAMES)
    type_into(qtbot, widget.editors["right"].editor, typed)
    assert emitted == [{"left": "x", "right": stored}]
    widget.clear()  # and it reads back as typed
    widget.show_model(CompareValues.Properties, emitted[-1], SCOPE, NAMES)
    assert widget.editors["right"].editor.text() == typed


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.sampled_from(["42", "[1, 2]", '"[1, 2]"', '""[1]""', "{}", '"{}"', "true"]),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                              lambda inner: st.lists(inner, max_size=3)
                              | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=6)
                 .map(json.dumps)))
def test_any_text_reads_back_as_the_same_value(text: str) -> None:
    """Whatever string a file holds in an `Any` field, the form shows it so that it reads back as the
    same string (a string that would read as a list is shown quoted)."""
    kind, naming = classify(Any), Naming(NAMES, SCOPE)
    assert value_of(kind, text_of(kind, text, naming), naming) == text


@pytest.mark.parametrize(("kind", "typed", "stored"), [
    ("string", "42", "42"), ("string", "true", "true"),
    ("number", "42", 42), ("number", "2.5", 2.5), ("number", "many", "many"),
    ("boolean", "true", True), ("boolean", "no", False),
])
def test_a_parameter_default_takes_the_parameter_type(form: Any, qtbot: Any, kind: str, typed: str,
                                                      stored: Any) -> None:
    widget, emitted = form
    widget.show_model(InitializeData.Properties, {"parameters": [{"name": "Batch", "type": kind}]}, [], {})
    table = widget.editors["parameters"]
    assert isinstance(table, EditTable)
    type_into_cell(qtbot, widget, table, 0, 2, typed)
    assert emitted[-1] == {"parameters": [{"name": "Batch", "type": kind, "default": stored}]}


def test_changing_a_parameter_type_retypes_its_default(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(InitializeData.Properties, {"parameters": [{"name": "Count", "default": "42"}]}, [], {})
    table = widget.editors["parameters"]
    combo = table.table.cellWidget(0, 1)
    combo.setCurrentIndex(combo.findText("number"))
    assert emitted[-1] == {"parameters": [{"name": "Count", "type": "number", "default": 42}]}
    combo.setCurrentIndex(combo.findText("string"))
    assert emitted[-1] == {"parameters": [{"name": "Count", "type": "string", "default": "42"}]}


@pytest.mark.parametrize(("activity", "field", "prefill", "col"), [
    (GetVm, "filters", {"filters": [{"field": "status", "op": "equals"}]}, 2),
    (ReturnData, "data", {"data": {"count": ""}}, 1),
    (InvokeRunbook, "parameters", {"path": "c.json", "parameters": {"Count": ""}}, 1),
])
def test_table_values_of_any_type_save_text(form: Any, qtbot: Any, activity: Any, field: str,
                                            prefill: dict[str, Any], col: int) -> None:
    widget, emitted = form
    widget.show_model(activity.Properties, prefill, SCOPE, NAMES)
    table = widget.editors[field]
    type_into_cell(qtbot, widget, table, 0, col, "7")
    saved = emitted[-1][field]
    value = saved[0]["value"] if isinstance(saved, list) else next(iter(saved.values()))
    assert value == "7"


def test_typed_text_reaches_the_saved_file(window: Any, qtbot: Any, tmp_path: Path) -> None:
    """Through the main window: select the Compare Values, type 42, save: the file holds "42"."""
    path = tmp_path / "compare.json"
    path.write_text(json.dumps({
        "format": "interlock.runbook/1", "name": "Compare",
        "activities": [{"id": "compare", "type": "core.compare_values", "name": "Compare", "at": [0, 0],
                        "properties": {"left": "41", "op": "less_than"}}],
        "links": []}), encoding="utf-8")
    assert window.open_file(path)
    window.scene.activity_items["compare"].setSelected(True)
    form = window.inspector.property_form
    type_into(qtbot, form.editors["right"].editor, "42")
    assert window.save()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["activities"][0]["properties"] == {"left": "41", "op": "less_than", "right": "42"}


class _Unions(BaseModel):
    amount: int | float = Field(1, description="A number, whole or not")
    tag: str | int = Field("", description="Text or a number")


def test_union_fields_keep_their_types(form: Any, qtbot: Any) -> None:
    """`int | float` is a number field (a spin box), a union with str takes text as text."""
    widget, emitted = form
    widget.show_model(_Unions, {}, [], {})
    amount = widget.editors["amount"].editor
    assert isinstance(amount, QDoubleSpinBox)
    amount.setValue(3)
    amount.editingFinished.emit()
    amount.setValue(2.5)
    amount.editingFinished.emit()
    type_into(qtbot, widget.editors["tag"].editor, "42")
    assert emitted == [{"amount": 3}, {"amount": 2.5}, {"amount": 2.5, "tag": "42"}]
    assert type(emitted[0]["amount"]) is int
