"""The designer's form for Run Script: the script is edited as text (a code property is text in the
file and the form), a subscription in it shows the Opalis way and is stored as written."""

from __future__ import annotations

import os
from typing import Any

from forms import form, type_into  # noqa: F401 - form is a fixture
from PySide6.QtWidgets import QComboBox, QLineEdit

from designer.properties.form import PropertyForm
from designer.properties.tables import EditTable
from designer.subscriptions import ScopeField
from nodes.script.run_script import RunScript

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = {"start": "Start"}
SCOPE = [ScopeField("start", "Start", "Text")]


def line(widget: PropertyForm, name: str) -> Any:
    return widget.editors[name].editor  # type: ignore[attr-defined]


def test_the_script_is_a_text_field_and_keeps_subscriptions_as_written(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(RunScript.Properties, {"language": "python", "script": "print({{start.Text}})"},
                      SCOPE, NAMES)
    script = line(widget, "script")
    assert isinstance(script, QLineEdit) and script.text() == 'print({Text from "Start"})'
    assert isinstance(line(widget, "language"), QComboBox)
    assert isinstance(widget.editors["published"], EditTable)
    assert isinstance(widget.editors["inputs"], EditTable)
    type_into(qtbot, script, 'x = {Text from "Start"}')
    assert emitted[-1]["script"] == "x = {{start.Text}}"
