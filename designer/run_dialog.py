"""The parameters of a run, asked for in a dialog generated from the runbook's start activity
(Initialize Data): one field per parameter with its type and default; required ones are marked. The
form starts with the values given last time (kept per open runbook), else the defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from engine.errors import ParameterError
from engine.parameters import Parameter, check_parameters


class ParametersDialog(QDialog):
    def __init__(self, runbook_name: str, parameters: list[Parameter], parent: QWidget | None = None,
                 given: Mapping[str, Any] | None = None, action: str = "Run") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Run {runbook_name}" if action == "Run" else f"Parameters of {runbook_name}")
        given = given or {}
        self.runbook_name = runbook_name
        self.parameters = parameters
        self.editors: dict[str, QLineEdit | QCheckBox] = {}
        form = QFormLayout(self)
        if not parameters:
            form.addRow(QLabel("This runbook takes no parameters."))
        for parameter in parameters:
            value = given.get(parameter.name, parameter.default)
            if parameter.type == "boolean":
                editor: QLineEdit | QCheckBox = QCheckBox()
                editor.setChecked(bool(value))
            else:
                editor = QLineEdit("" if value is None else str(value))
                editor.setPlaceholderText("required" if parameter.required else "optional")
            label = parameter.name + (" *" if parameter.required and parameter.default is None else "")
            form.addRow(label, editor)
            self.editors[parameter.name] = editor
        self.error = QLabel()
        self.error.setStyleSheet("color: #d64545")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok | cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(action)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def given(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif editor.text() != "":
                values[name] = editor.text()
        return values

    def values(self) -> dict[str, Any]:
        """The checked and converted values; ParameterError names the parameter."""
        return check_parameters(self.parameters, self.given(), self.runbook_name)

    def accept(self) -> None:
        try:
            self.values()
        except ParameterError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


def parameters_text(given: Mapping[str, Any]) -> str:
    """A one-line summary of given parameters for the toolbar: `Batch Number = 1, Force = yes`."""
    if not given:
        return "asked at the run"
    shown = {True: "yes", False: "no"}
    return ", ".join(f"{name} = {shown.get(value, value) if isinstance(value, bool) else value}"
                     for name, value in given.items())
