"""The parameters of a run, asked for in a dialog generated from the runbook's start activity
(Initialize Data): one field per parameter with its type and default; required ones are marked."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from engine.errors import ParameterError
from engine.parameters import Parameter, check_parameters


class ParametersDialog(QDialog):
    def __init__(self, runbook_name: str, parameters: list[Parameter], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Run {runbook_name}")
        self.runbook_name = runbook_name
        self.parameters = parameters
        self.editors: dict[str, QLineEdit | QCheckBox] = {}
        form = QFormLayout(self)
        if not parameters:
            form.addRow(QLabel("This runbook takes no parameters."))
        for parameter in parameters:
            if parameter.type == "boolean":
                editor: QLineEdit | QCheckBox = QCheckBox()
                editor.setChecked(bool(parameter.default))
            else:
                editor = QLineEdit("" if parameter.default is None else str(parameter.default))
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
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Run")
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
