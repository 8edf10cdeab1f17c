"""The Published Data tab, as in Orchestrator: what the selected activity publishes — each field's title,
name (what a subscription writes), type and description — then the common data every row carries."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.config.registry import Registry
from engine.fielddocs import COMMON_DOCS, FieldDoc
from engine.format.model import Activity, Runbook

from .picker import field_cells

# The title and, under it, the field's name as subscriptions write it: a narrow panel keeps its width
# for the descriptions.
_COLUMNS = ("Published data", "Type", "Description")


def published_of(runbook: Runbook, registry: Registry, activity: Activity) -> tuple[list[FieldDoc], str]:
    """What `activity` publishes (its own fields, then the common data) and a note for the reader."""
    kind = registry.get(activity.type)
    if kind is None:
        return [], f"No installed pack provides {activity.type}: what it publishes is not known."
    seen = {activity.id}
    note = ""
    while kind.kind == "junction":  # a junction passes on the rows of the branch it returns data from
        source = activity.properties.get("republish")
        found = next((a for a in runbook.activities if a.id == source), None)
        if found is None or found.id in seen:
            return [], "Returns no data: the next activity runs once, with no data of this branch."
        seen.add(found.id)
        activity, kind = found, registry.get(found.type)
        note = f'Publishes the data of "{found.name}", the activity it returns data from.'
        if kind is None:
            return [], note
    docs = kind.published_docs(activity.properties)
    if docs is None:
        note = note or "Its own fields are known only when it runs (see the activity's description)."
    elif not docs:
        note = note or "It publishes no fields of its own (yet): only the common data."
    return [*(docs or []), *COMMON_DOCS], note


class PublishedDataView(QWidget):
    """The published fields of one activity, read-only; descriptions wrap in a narrow panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        # Rows as high as their wrapped description, recomputed whenever the widths change.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column in range(len(_COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)

    def show_activity(self, runbook: Runbook, registry: Registry, activity: Activity) -> None:
        docs, note = published_of(runbook, registry, activity)
        self.note.setText(note or "Subscribe to these with the {…} button of a later activity's property, "
                                  "or test them in a link's conditions.")
        grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
        self.table.setRowCount(len(docs))
        for row, doc in enumerate(docs):
            (title, name, type_, about), tip = field_cells(doc.title, doc.name, doc.type, doc.description)
            shown = title if title == name else f"{title}\n{name}"
            for column, text in enumerate((shown, type_, about)):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if doc in COMMON_DOCS:  # the common data, set apart from the activity's own fields
                    item.setForeground(grey)
                self.table.setItem(row, column, item)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """What each row says: title, field name, type, description."""
        rows = []
        for r in range(self.table.rowCount()):
            title, _, name = self.table.item(r, 0).text().partition("\n")
            rows.append((title, name or title, self.table.item(r, 1).text(), self.table.item(r, 2).text()))
        return rows
