"""Runbook ▸ Connections…: the connections runs use, each with its kind, where it goes and whether its
keys are right, and a Test button that opens it and does one cheap read (Orchestrator's connection
dialog has the same). Tests run in a worker thread, so a slow or unreachable server never freezes the
window; each result lands in its row."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.config.connections import Connections, test_connection
from engine.config.settings import Config
from engine.errors import ConfigError, InterlockError

COLUMNS = ("Connection", "Kind", "Where", "Test")
OK, FAILED = QColor("#2e7d32"), QColor("#c62828")


class _Results(QObject):
    """Carries a worker thread's result to the GUI thread (a queued signal)."""

    finished = Signal(str, bool, str)


class ConnectionsDialog(QDialog):
    def __init__(self, config_loader: Callable[[], Config], kinds: dict, choose_config: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connections")
        self.resize(860, 320)
        self._load_config = config_loader
        self._kinds = kinds
        self._choose_config = choose_config
        self._results = _Results()
        self._results.finished.connect(self._show_result)
        self.connections: Connections | None = None

        self.source = QLabel()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.test_button = QPushButton("&Test Selected")
        self.test_all_button = QPushButton("Test &All")
        config_button = QPushButton("Config &File…")
        for button, role in ((self.test_button, QDialogButtonBox.ButtonRole.ActionRole),
                             (self.test_all_button, QDialogButtonBox.ButtonRole.ActionRole),
                             (config_button, QDialogButtonBox.ButtonRole.ResetRole)):
            buttons.addButton(button, role)
        self.test_button.clicked.connect(lambda: self.test(self.selected_names()))
        self.test_all_button.clicked.connect(lambda: self.test(self.names()))
        config_button.clicked.connect(self._pick_config)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.reload()

    # -- contents ------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the config again and list its connections (a broken file is shown, not raised)."""
        self.table.setRowCount(0)
        try:
            config = self._load_config()
        except InterlockError as exc:
            self.connections = None
            self.source.setText(f"<b>The config cannot be read:</b> {exc}")
            return
        self.connections = Connections(config, self._kinds)
        self.source.setText(f"From {config.source or 'no config file: the built-in simulated lab only'}")
        for name in self.connections.names():
            self._add_row(name)
        for column in range(3):
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column) + 12, 320))

    def _add_row(self, name: str) -> None:
        assert self.connections is not None
        described = self.connections.describe(name)
        where = self.connections.destination(name)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate((name, described.kind, where, "")):
            self.table.setItem(row, column, QTableWidgetItem(text))
        try:
            self.connections.check(name)
            self._set_test(row, "not tested", None)
        except ConfigError as exc:
            self._set_test(row, f"config problem: {exc}", FAILED)

    def names(self) -> list[str]:
        return [self.table.item(row, 0).text() for row in range(self.table.rowCount())]

    def selected_names(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.table.item(row, 0).text() for row in rows]

    def test_text(self, name: str) -> str:
        return self.table.item(self.names().index(name), 3).text()

    def _set_test(self, row: int, text: str, color: QColor | None) -> None:
        item = self.table.item(row, 3)
        item.setText(text)
        item.setToolTip(text)
        if color is not None:
            item.setForeground(color)
        self.table.resizeRowToContents(row)

    # -- testing -------------------------------------------------------------------------------------

    def test(self, names: list[str]) -> None:
        """Test each connection in a worker thread; results arrive through `_show_result`."""
        if self.connections is None:
            return
        connections = self.connections
        for name in names:
            self._set_test(self.names().index(name), "testing…", None)
            threading.Thread(target=self._run_test, args=(connections, name), daemon=True,
                             name=f"test connection {name}").start()

    def _run_test(self, connections: Connections, name: str) -> None:
        ok, message = asyncio.run(test_connection(connections, name))
        self._results.finished.emit(name, ok, message)

    def _show_result(self, name: str, ok: bool, message: str) -> None:
        if name in self.names():
            self._set_test(self.names().index(name), ("ok: " if ok else "failed: ") + message,
                           OK if ok else FAILED)

    def _pick_config(self) -> None:
        self._choose_config()
        self.reload()
