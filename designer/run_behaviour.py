"""The Run behaviour tab: timeout, retry, loop, max_parallel (DESIGN §3.6) and flatten (§3.3), as
checkable groups; an unchecked group means the key is not in the file."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.links.rows import ConditionTable
from designer.links.summary import condition_text
from engine.format.model import Flatten, RunBehaviour


def _seconds(maximum: float = 86400.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox(decimals=2, maximum=maximum, suffix=" s")
    box.setKeyboardTracking(False)
    return box


class LoopConditionsDialog(QDialog):
    """Exit and continue conditions of a loop, edited like a link's include and exclude."""

    def __init__(self, exit_: list[dict[str, Any]], continue_: list[dict[str, Any]],
                 fields: list[tuple[str, str, str]], names: dict[str, str], source: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Loop conditions")
        self.resize(720, 360)
        tabs = QTabWidget()
        self.tables: dict[str, ConditionTable] = {}
        groups = (("exit", "Exit when", exit_), ("continue", "Continue while", continue_))
        for key, title, conditions in groups:
            table = ConditionTable(fields, names, source)
            table.load(conditions)
            page = QWidget()
            layout = QVBoxLayout(page)
            layout.addWidget(table)
            buttons = QHBoxLayout()
            actions = (("Add data condition", table.add_data), ("Add status condition", table.add_status),
                       ("Remove", table.remove_current))
            for label, slot in actions:
                button = QPushButton(label)
                button.clicked.connect(lambda _=False, s=slot: s())
                buttons.addWidget(button)
            buttons.addStretch()
            layout.addLayout(buttons)
            tabs.addTab(page, title)
            self.tables[key] = table
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The activity runs again with the same input until an exit condition holds "
                                "and no continue condition does (conditions may use @attempts)."))
        layout.addWidget(tabs)
        layout.addWidget(box)

    def conditions(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return self.tables["exit"].conditions(), self.tables["continue"].conditions()


class RunBehaviourForm(QWidget):
    edited = Signal(object, object)  # the new `run` dict (or None) and `flatten` dict (or None)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self._loop_conditions: tuple[list[dict[str, Any]], list[dict[str, Any]]] = (
            [{"status": "success"}], [])
        self._scope: tuple[list[tuple[str, str, str]], dict[str, str], str] = ([], {}, "")
        self.timeout = _seconds()
        self.timeout.setSpecialValueText("no timeout")
        self.on_timeout = QComboBox()
        self.on_timeout.addItems(["fail", "warn"])
        self.max_parallel = QSpinBox(maximum=10000)
        self.max_parallel.setSpecialValueText("engine default")
        general = QFormLayout()
        general.addRow("Timeout", self.timeout)
        general.addRow("On timeout", self.on_timeout)
        general.addRow("Max parallel", self.max_parallel)

        self.retry = QGroupBox("Retry on failure", checkable=True)
        self.retry_attempts = QSpinBox(minimum=1, maximum=1000, value=3)
        self.retry_delay = _seconds()
        self.retry_backoff = QDoubleSpinBox(minimum=1.0, maximum=100.0, decimals=2, value=1.0)
        form = QFormLayout(self.retry)
        form.addRow("Attempts", self.retry_attempts)
        form.addRow("Delay", self.retry_delay)
        form.addRow("Backoff ×", self.retry_backoff)

        self.loop = QGroupBox("Loop", checkable=True)
        self.loop_attempts = QSpinBox(minimum=1, maximum=100000, value=100)
        self.loop_delay = _seconds()
        self.loop_summary = QLabel()
        self.loop_summary.setWordWrap(True)
        edit_conditions = QPushButton("Edit conditions…")
        edit_conditions.clicked.connect(self._edit_loop_conditions)
        form = QFormLayout(self.loop)
        form.addRow("Max attempts", self.loop_attempts)
        form.addRow("Delay", self.loop_delay)
        form.addRow(self.loop_summary)
        form.addRow(edit_conditions)

        self.flatten = QGroupBox("Flatten rows into one", checkable=True)
        self.flatten_mode = QComboBox()
        self.flatten_mode.addItems(["lines", "separator", "csv"])
        self.flatten_separator = QLineEdit(",")
        form = QFormLayout(self.flatten)
        form.addRow("Mode", self.flatten_mode)
        form.addRow("Separator", self.flatten_separator)

        self.error = QLabel()
        self.error.setStyleSheet("color: #d64545")
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(general)
        for group in (self.retry, self.loop, self.flatten):
            layout.addWidget(group)
        layout.addWidget(self.error)
        layout.addStretch()
        for box in (self.timeout, self.retry_delay, self.retry_backoff, self.loop_delay):
            box.valueChanged.connect(self._changed)
        for spin in (self.max_parallel, self.retry_attempts, self.loop_attempts):
            spin.valueChanged.connect(self._changed)
        for combo in (self.on_timeout, self.flatten_mode):
            combo.currentIndexChanged.connect(self._changed)
        for group in (self.retry, self.loop, self.flatten):
            group.toggled.connect(self._changed)
        self.flatten_separator.editingFinished.connect(self._changed)

    def show_behaviour(self, run: RunBehaviour | None, flatten: Flatten | None,
                       fields: list[tuple[str, str, str]], names: dict[str, str], activity_id: str) -> None:
        self._filling = True
        self._scope = (fields, names, activity_id)
        run = run or RunBehaviour()
        self.timeout.setValue(float(run.timeout_s or 0))
        self.on_timeout.setCurrentText(run.on_timeout)
        self.max_parallel.setValue(run.max_parallel or 0)
        self.retry.setChecked(run.retry is not None)
        if run.retry is not None:
            self.retry_attempts.setValue(run.retry.max_attempts)
            self.retry_delay.setValue(float(run.retry.delay_s))
            self.retry_backoff.setValue(float(run.retry.backoff))
        self.loop.setChecked(run.loop is not None)
        if run.loop is not None:
            self.loop_attempts.setValue(run.loop.max_attempts)
            self.loop_delay.setValue(float(run.loop.delay_s))
            dumped = run.loop.model_dump(mode="json", by_alias=True)
            self._loop_conditions = (dumped["exit"], dumped["continue"])
        self.flatten.setChecked(flatten is not None)
        if flatten is not None:
            self.flatten_mode.setCurrentText(flatten.mode)
            self.flatten_separator.setText(flatten.separator)
        self._show_loop_summary()
        self.error.clear()
        self._filling = False

    def _show_loop_summary(self) -> None:
        names = self._scope[1]
        exit_, continue_ = self._loop_conditions
        text = "Exit when " + (" or ".join(condition_text(c, names) for c in exit_) or "—")
        if continue_:
            text += "; continue while " + " or ".join(condition_text(c, names) for c in continue_)
        self.loop_summary.setText(text)

    def _edit_loop_conditions(self) -> None:
        dialog = LoopConditionsDialog(*self._loop_conditions, *self._scope, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._loop_conditions = dialog.conditions()
            self._show_loop_summary()
            self._changed()

    def values(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        run: dict[str, Any] = {}
        if self.timeout.value() > 0:
            run["timeout_s"] = self.timeout.value()
            if self.on_timeout.currentText() != "fail":
                run["on_timeout"] = self.on_timeout.currentText()
        if self.max_parallel.value() > 0:
            run["max_parallel"] = self.max_parallel.value()
        if self.retry.isChecked():
            run["retry"] = {"max_attempts": self.retry_attempts.value(), "delay_s": self.retry_delay.value(),
                            "backoff": self.retry_backoff.value()}
        if self.loop.isChecked():
            exit_, continue_ = self._loop_conditions
            run["loop"] = {"max_attempts": self.loop_attempts.value(), "delay_s": self.loop_delay.value(),
                           "exit": exit_, **({"continue": continue_} if continue_ else {})}
        flatten = None
        if self.flatten.isChecked():
            flatten = {"mode": self.flatten_mode.currentText()}
            if flatten["mode"] == "separator":
                flatten["separator"] = self.flatten_separator.text()
        return (run or None), flatten

    def _changed(self, *_: Any) -> None:
        if self._filling:
            return
        run, flatten = self.values()
        try:
            if run is not None:
                RunBehaviour.model_validate(run, by_name=False)
            if flatten is not None:
                Flatten.model_validate(flatten)
        except ValidationError as exc:
            self.error.setText("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
            return
        self.error.clear()
        self.edited.emit(run, flatten)
