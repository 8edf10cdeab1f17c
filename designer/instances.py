"""The instance inspector: for the selected activity, each instance of the current run — status,
duration, attempts, error — and for the chosen one its inputs as resolved and its published rows as a
table. Copy puts the instance on the clipboard as JSON."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.run.events import InstanceFinished
from engine.run.job import PausePoint


def _cell(value: Any) -> QTableWidgetItem:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    return item


class InstancesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Run a runbook (F5), then select an activity to see its instances.")
        self.instances = QTableWidget(0, 5)
        self.instances.setHorizontalHeaderLabels(["#", "Status", "Duration", "Attempts", "Error"])
        self.instances.horizontalHeader().setStretchLastSection(True)
        self.instances.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.instances.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.inputs = QTableWidget(0, 2)
        self.inputs.setHorizontalHeaderLabels(["Input", "Value (as resolved)"])
        self.inputs.horizontalHeader().setStretchLastSection(True)
        self.rows = QTableWidget(0, 0)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        details = QSplitter()
        details.addWidget(self.inputs)
        details.addWidget(self.rows)
        split = QSplitter()
        split.addWidget(self.instances)
        split.addWidget(details)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(split)
        self._events: list[InstanceFinished] = []
        self.instances.currentCellChanged.connect(lambda row, *_: self._show_instance(row))

    def show_instances(self, name: str, events: list[InstanceFinished]) -> None:
        self._events = sorted(events, key=lambda e: e.instance)
        self.title.setText(f"<b>{name}</b>: {len(events)} instance{'s' * (len(events) != 1)} finished")
        self.instances.setRowCount(len(self._events))
        for row, event in enumerate(self._events):
            values = [str(event.instance), event.status, f"{event.duration_s:.3f} s", str(event.attempts),
                      event.error or ""]
            for column, value in enumerate(values):
                self.instances.setItem(row, column, _cell(value))
        self._show_instance(0 if self._events else -1)
        if self._events:
            self.instances.selectRow(0)

    def _show_instance(self, row: int) -> None:
        event = self._events[row] if 0 <= row < len(self._events) else None
        inputs = event.inputs if event else {}
        self.inputs.setRowCount(len(inputs))
        for index, (key, value) in enumerate(inputs.items()):
            self.inputs.setItem(index, 0, _cell(key))
            self.inputs.setItem(index, 1, _cell(value))
        rows = event.rows if event else []
        columns = list(dict.fromkeys(k for r in rows for k in r if not k.startswith("@")))
        self.rows.setColumnCount(len(columns))
        self.rows.setHorizontalHeaderLabels(columns)
        self.rows.setRowCount(len(rows))
        for index, published in enumerate(rows):
            for column, key in enumerate(columns):
                self.rows.setItem(index, column, _cell(published.get(key, "")))

    def show_paused(self, point: PausePoint) -> None:
        """Where the tester holds the job: the next instance, its inputs as resolved, no rows yet."""
        self._events = []
        self.instances.setRowCount(0)
        state = f" — its inputs cannot be resolved: {point.error}" if point.error else ""
        self.title.setText(f"<b>Paused before {point.name} [{point.instance}]</b>{state}")
        self.inputs.setRowCount(len(point.inputs))
        for index, (key, value) in enumerate(point.inputs.items()):
            self.inputs.setItem(index, 0, _cell(key))
            self.inputs.setItem(index, 1, _cell(value))
        self.rows.setRowCount(0)
        self.rows.setColumnCount(0)

    def current(self) -> InstanceFinished | None:
        row = self.instances.currentRow()
        return self._events[row] if 0 <= row < len(self._events) else None

    def copy(self) -> None:
        event = self.current()
        if event is not None:
            data = {"instance": event.instance, "status": event.status, "started_at": event.started_at,
                    "finished_at": event.finished_at, "attempts": event.attempts, "error": event.error,
                    "inputs": event.inputs, "rows": event.rows}
            QApplication.clipboard().setText(json.dumps(data, indent=2, ensure_ascii=False))
