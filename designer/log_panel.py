"""The run log: every event of the job as a line (the same words as `interlock run` prints), filterable
by activity and level. Lines arrive in batches with the canvas repaints, not one by one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from engine.cli.progress import plain_line
from engine.run.events import Event

COLUMNS = ("Time", "Activity", "Level", "Message")
COLUMN_WIDTHS = (70, 190, 70)  # the message takes the rest
LEVELS = ("info", "warning", "error")
LEVEL_COLORS = {"warning": QColor("#b07d00"), "error": QColor("#d64545")}
Index = QModelIndex | QPersistentModelIndex


def event_line(event: Event, names: dict[str, str]) -> tuple[str, str, str, str]:
    """(time, activity name, level, message) of an event."""
    data: dict[str, Any] = event.__dict__
    activity = data.get("activity") or data.get("from_") or ""
    level = "info"
    if event.kind == "instance_finished":
        level = {"failed": "error", "cancelled": "warning", "warning": "warning"}.get(data["status"], "info")
    elif event.kind == "junction" and data["state"] == "blocked":
        level = "warning"
    elif event.kind == "log":
        level = data["level"] if data["level"] in LEVELS else "info"
    line = plain_line(event, names=names)  # links and log lines by activity name, not id
    return line[:8], names.get(activity, activity), level, line[9:]


class EventLogModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str, str, str]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        line = self.lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return line[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return LEVEL_COLORS.get(line[2])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def append(self, lines: list[tuple[str, str, str, str]]) -> None:
        if not lines:
            return
        start = len(self.lines)
        self.beginInsertRows(QModelIndex(), start, start + len(lines) - 1)
        self.lines.extend(lines)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.lines = []
        self.endResetModel()


class LogFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.activity = ""
        self.min_level = "info"

    def set_filter(self, activity: str, min_level: str) -> None:
        self.beginFilterChange()  # Qt ≥ 6.10; invalidateFilter() is deprecated there
        self.activity, self.min_level = activity, min_level
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        line = self.sourceModel().lines[row]  # type: ignore[attr-defined]
        if self.activity and line[1] != self.activity:
            return False
        return LEVELS.index(line[2]) >= LEVELS.index(self.min_level)


class LogPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventLogModel()
        self.proxy = LogFilter()
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.view.setColumnWidth(column, width)  # room for a whole activity name
        self.view.setWordWrap(False)
        # One line of text a row, as in a terminal: the dock shows a screenful, not two rows.
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.activity = QComboBox()
        self.activity.addItem("All activities", "")
        self.level = QComboBox()
        titles = {"info": "Everything", "warning": "Warnings and errors", "error": "Errors"}
        for level in LEVELS:
            self.level.addItem(titles[level], level)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.activity)
        bar.addWidget(self.level)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self.activity.currentIndexChanged.connect(self._filter)
        self.level.currentIndexChanged.connect(self._filter)

    def start(self, names: list[str]) -> None:
        """A new job: clear the log and offer its activities in the filter."""
        self.model.clear()
        self.activity.blockSignals(True)
        self.activity.clear()
        self.activity.addItem("All activities", "")
        for name in names:
            self.activity.addItem(name, name)
        self.activity.blockSignals(False)
        self._filter()

    def add(self, events: list[Event], names: dict[str, str]) -> None:
        at_bottom = self.view.verticalScrollBar().value() == self.view.verticalScrollBar().maximum()
        self.model.append([event_line(e, names) for e in events])
        if at_bottom:
            self.view.scrollToBottom()

    def _filter(self) -> None:
        self.proxy.set_filter(self.activity.currentData() or "", self.level.currentData() or "info")
