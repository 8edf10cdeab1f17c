"""The rows of the link dialog's Include and Exclude tables: one status row or data row per condition.

A row keeps the condition it was loaded from and gives it back unchanged when the user left it
semantically the same, so that `"status": ["failed"]` does not become `"status": "failed"` (or 5 become
5.0) just because the dialog was opened and closed: a runbook saved unchanged must give the same bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableWidget,
    QToolButton,
    QWidget,
)

from engine.format.model import STATUSES, StatusCondition
from engine.format.templates import as_text, parse

from .summary import NO_VALUE_OPS, OPERATOR_WORDS, STATUS_WORDS

NUMERIC_OPS = frozenset({"less_than", "greater_than", "at_most", "at_least", "between"})
Field = tuple[str, str, str]  # (activity_id, activity display name, field)
_DISPLAY_FIELD = re.compile(r'^(?P<field>.+?) from "(?P<name>.*)"$')


def field_display(field: str, names: Mapping[str, str]) -> str:
    """`status from "Get VMs in Batch"` for `get_vms.status`; an unknown activity shows by its id."""
    activity, _, name = field.partition(".")
    return f'{name} from "{names.get(activity, activity)}"' if name else field


def _typed(text: str, numeric: bool) -> Any:
    """A typed value: numbers stay numbers for numeric operators, everything else is text."""
    if numeric and parse(text) is None:
        for convert in (int, float):
            try:
                number = convert(text.strip())
            except ValueError:
                continue
            if math.isfinite(number):  # "nan" and "inf" are not numbers a runbook file can hold
                return number
    return text


def _cell(*widgets: QWidget, stretch_last: bool = False) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(4, 1, 4, 1)
    layout.setSpacing(6)
    for widget in widgets:
        layout.addWidget(widget)
    if not stretch_last:
        layout.addStretch(1)
    return holder


class StatusRow:
    """A status condition: which statuses of the source instance pass."""

    def __init__(self, original: Mapping[str, Any] | None = None) -> None:
        self.original = dict(original) if original is not None else None
        chosen = StatusCondition.model_validate(original).statuses() if original else {"success"}
        self.boxes = {status: QCheckBox(STATUS_WORDS[status].capitalize()) for status in STATUSES}
        for status, box in self.boxes.items():
            box.setChecked(status in chosen)
            box.setObjectName(f"status_{status}")
        # Two cells: the ticks span Operator and Value, where they have room for their words.
        self.cells: list[QWidget] = [_cell(QLabel("Source status is one of")), _cell(*self.boxes.values())]

    def problem(self) -> str | None:
        return None if self.checked() else "tick at least one status"

    def checked(self) -> list[str]:
        return [status for status, box in self.boxes.items() if box.isChecked()]

    def condition(self) -> dict[str, Any]:
        checked = self.checked()
        original = self.original
        if original is not None and StatusCondition.model_validate(original).statuses() == set(checked):
            return original
        return {"status": checked[0] if len(checked) == 1 else checked}


class DataRow:
    """A data condition: a published field, an operator and a value (two for between, none for empty)."""

    def __init__(self, fields: Sequence[Field], names: Mapping[str, str],
                 original: Mapping[str, Any] | None = None) -> None:
        self.original = dict(original) if original is not None else None
        self.names = names
        self.field = QComboBox()
        self.field.setEditable(True)
        self.field.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.field.setMinimumContentsLength(22)
        self.field.setToolTip("A published field of an activity before this link, or type activity_id.field")
        for activity, name, field in fields:
            self.field.addItem(f'{field} from "{name}"', f"{activity}.{field}")
        self.op = QComboBox()
        for op, words in OPERATOR_WORDS.items():
            self.op.addItem(words, op)
        self.value = QLineEdit()
        self.value.setPlaceholderText("value")
        self.high = QLineEdit()
        self.high.setPlaceholderText("high")
        self.and_label = QLabel("and")
        self.pick = QToolButton()
        self.pick.setText("{…}")
        self.pick.setToolTip("Insert published data: the value then comes from that field at run time")
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.pick)
        for activity, name, field in fields:
            action = menu.addAction(f'{field} from "{name}"')
            reference = f"{{{{{activity}.{field}}}}}"
            action.triggered.connect(lambda _=False, ref=reference: self.value.insert(ref))
        self.pick.setMenu(menu)
        self.pick.setEnabled(bool(fields))
        values = _cell(self.value, self.and_label, self.high, self.pick, stretch_last=True)
        self.cells: list[QWidget] = [_cell(self.field, stretch_last=True), _cell(self.op, stretch_last=True),
                                     values]
        self.op.currentIndexChanged.connect(self._show_values)
        self._load(original)

    def _load(self, original: Mapping[str, Any] | None) -> None:
        if original is not None:
            field = str(original.get("field", ""))
            index = self.field.findData(field)
            if index < 0:  # not among the offered fields (another ancestor, common data): keep it
                self.field.insertItem(0, field_display(field, self.names), field)
                index = 0
            self.field.setCurrentIndex(index)
            self.op.setCurrentIndex(max(0, self.op.findData(original.get("op"))))
            value = original.get("value")
            if isinstance(value, list | tuple) and len(value) == 2 and original.get("op") == "between":
                self.value.setText(as_text(value[0]))
                self.high.setText(as_text(value[1]))
            elif value is not None:
                self.value.setText(as_text(value))
        self._show_values()
        self._loaded = self._state()

    def _show_values(self) -> None:
        op = self.current_op()
        self.value.setVisible(op not in NO_VALUE_OPS)
        self.pick.setVisible(op not in NO_VALUE_OPS)
        self.value.setPlaceholderText("low" if op == "between" else "value")
        for widget in (self.and_label, self.high):
            widget.setVisible(op == "between")

    def current_op(self) -> str:
        return str(self.op.currentData())

    def current_field(self) -> str:
        """The field key: a listed entry's id, `x from "Name"` typed out, or activity_id.field as typed."""
        text = self.field.currentText().strip()
        index = self.field.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            return str(self.field.itemData(index))
        match = _DISPLAY_FIELD.match(text)
        if match:
            ids = [activity for activity, name in self.names.items() if name == match["name"]]
            if len(ids) == 1:
                return f"{ids[0]}.{match['field']}"
        return text

    def problem(self) -> str | None:
        if not self.current_field():
            return "choose a field"
        op = self.current_op()
        if op in NUMERIC_OPS and not (self.original is not None and self._state() == self._loaded):
            edits = (self.value, self.high) if op == "between" else (self.value,)
            for edit in edits:
                if isinstance(_typed(edit.text(), True), str) and parse(edit.text()) is None:
                    return f'"{edit.text()}" is not a number ({OPERATOR_WORDS[op]} compares numbers)'
        return None

    def condition(self) -> dict[str, Any]:
        op = self.current_op()
        condition: dict[str, Any] = {"field": self.current_field(), "op": op}
        if op == "between":
            condition["value"] = [_typed(self.value.text(), True), _typed(self.high.text(), True)]
        elif op not in NO_VALUE_OPS:
            condition["value"] = _typed(self.value.text(), op in NUMERIC_OPS)
        if self.original is not None and self._state() == self._loaded:
            return self.original  # as the file wrote it: "3" stays text, 3 stays a number
        return condition

    def _state(self) -> tuple[str, str, str, str]:
        op = self.current_op()
        return (self.current_field(), op, "" if op in NO_VALUE_OPS else self.value.text(),
                self.high.text() if op == "between" else "")


Row = StatusRow | DataRow
RowT = TypeVar("RowT", StatusRow, DataRow)


class ConditionTable(QTableWidget):
    """One tab's conditions. Clicking into any of a row's widgets makes it the current row, so Remove
    acts on the row the user was just working in."""

    rows_changed = Signal()

    def __init__(self, fields: Sequence[Field], names: Mapping[str, str], source: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        # The link source's own fields first: that is what a new data condition is most often about.
        self.fields = sorted(fields, key=lambda entry: entry[0] != source)
        self.names = names
        self.rows: list[Row] = []
        self.setHorizontalHeaderLabels(["Field", "Operator", "Value"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(0, 250)
        self.verticalHeader().setDefaultSectionSize(34)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def load(self, conditions: Sequence[Mapping[str, Any]]) -> None:
        self.setRowCount(0)
        self.rows = []
        for condition in conditions:
            if "status" in condition:
                self.add_status(condition)
            else:
                self.add_data(condition)

    def add_status(self, original: Mapping[str, Any] | None = None) -> StatusRow:
        return self._append(StatusRow(original))

    def add_data(self, original: Mapping[str, Any] | None = None) -> DataRow:
        return self._append(DataRow(self.fields, self.names, original))

    def _append(self, row: RowT) -> RowT:
        index = self.rowCount()
        self.insertRow(index)
        for column, cell in enumerate(row.cells):
            self.setCellWidget(index, column, cell)
        if len(row.cells) < self.columnCount():
            self.setSpan(index, len(row.cells) - 1, 1, self.columnCount() - len(row.cells) + 1)
        for cell in row.cells:
            for widget in (cell, *cell.findChildren(QWidget)):
                widget.installEventFilter(self)
        self.rows.append(row)
        self.setCurrentCell(index, 0)
        self.rows_changed.emit()
        return row

    def remove_current(self) -> None:
        index = self.currentRow()
        if 0 <= index < len(self.rows):
            self.removeRow(index)
            del self.rows[index]
            self.rows_changed.emit()

    def conditions(self) -> list[dict[str, Any]]:
        return [row.condition() for row in self.rows]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress):
            for index, row in enumerate(self.rows):
                if any(watched is cell or cell.isAncestorOf(watched) for cell in row.cells
                       if isinstance(watched, QWidget)):
                    if index != self.currentRow():
                        self.setCurrentCell(index, 0)
                    break
        return super().eventFilter(watched, event)
