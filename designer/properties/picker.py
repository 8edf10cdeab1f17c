"""The subscription picker: the published data a property may subscribe to, one group per ancestor
activity, then the job data and the config's variables, each field with its title, name, type and
description, and a search box that filters as you type. The "{…}" button beside a property opens it;
Return or a double-click inserts the field."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.subscriptions import ScopeField
from engine.fielddocs import readable_title

COLUMNS = ("Published data", "Field", "Type", "Description")
_FIELD = Qt.ItemDataRole.UserRole + 1  # the ScopeField of a row


def field_tree(parent: QWidget | None = None) -> QTreeWidget:
    """A read-only tree with the columns of a published field; the description takes the spare width."""
    tree = QTreeWidget(parent)
    tree.setColumnCount(len(COLUMNS))
    tree.setHeaderLabels(list(COLUMNS))
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setUniformRowHeights(True)
    tree.setAlternatingRowColors(True)
    header = tree.header()
    header.setStretchLastSection(True)
    for column in range(len(COLUMNS) - 1):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return tree


def field_cells(title: str, name: str, type_: str, description: str) -> tuple[list[str], str]:
    """The cells of one published field under COLUMNS, and the tooltip that says the whole of it."""
    title, type_ = title or readable_title(name), type_ or "any"
    tip = (f"<b>{html.escape(title)}</b> ({html.escape(type_)})<br>{html.escape(description)}"
           f"<br>Field: <code>{html.escape(name)}</code>")
    return [title, name, type_, description], tip


def field_item(title: str, name: str, type_: str, description: str) -> QTreeWidgetItem:
    """One row of a field tree."""
    cells, tip = field_cells(title, name, type_, description)
    item = QTreeWidgetItem(cells)
    for column in range(len(COLUMNS)):
        item.setToolTip(column, tip)
    return item


def _matches(words: list[str], field: ScopeField) -> bool:
    text = " ".join((field.title, field.field, field.type, field.description, field.activity_name)).casefold()
    return all(word in text for word in words)


class ScopePicker(QFrame):
    """A popup listing `scope`; `picked` carries the chosen ScopeField."""

    picked = Signal(object)

    def __init__(self, scope: Sequence[ScopeField], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search published data, job data and variables: title, field, type or "
                                       "description")
        self.search.setClearButtonEnabled(True)
        self.tree = field_tree(self)
        # As in Orchestrator, the common data (@status, @error, ...) of every activity shows on request.
        self.common_box = QCheckBox("Show common published data (@status, @error, ...)", self)
        self.empty_label = QLabel("No published data matches.", self)
        self.empty_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.search, self.common_box, self.tree, self.empty_label):
            layout.addWidget(widget)
        bold = QFont(self.font())
        bold.setBold(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for field in scope:
            group = groups.get(field.activity_id)
            if group is None:
                group = groups[field.activity_id] = QTreeWidgetItem(self.tree, [field.activity_name])
                group.setFont(0, bold)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setFirstColumnSpanned(True)
            item = field_item(field.title, field.field, field.type, field.description)
            item.setData(0, _FIELD, field)
            group.addChild(item)
        self.tree.expandAll()
        self.resize(720, 380)
        self._filter("")
        self.search.textChanged.connect(self._filter)
        self.common_box.toggled.connect(lambda _on: self._filter(self.search.text()))
        self.search.installEventFilter(self)
        self.tree.itemActivated.connect(self._activated)

    def popup(self, at: QPoint) -> None:
        """Show at a global position (kept on the screen), the search box empty and focused."""
        self.search.clear()
        screen = self.screen().availableGeometry()
        x = max(screen.left(), min(at.x(), screen.right() - self.width()))
        y = at.y() if at.y() + self.height() <= screen.bottom() else max(screen.top(), at.y() - self.height())
        self.move(x, y)
        self.show()
        self.search.setFocus()

    def visible_fields(self) -> list[ScopeField]:
        """The fields the search leaves shown, in order."""
        return [item.data(0, _FIELD) for item in self._leaves() if not item.isHidden()]

    def item_for(self, activity_name: str, field: str) -> QTreeWidgetItem:
        """The row of one field of one activity."""
        return next(item for item in self._leaves() if item.data(0, _FIELD).field == field
                    and item.data(0, _FIELD).activity_name == activity_name)

    def _leaves(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i).child(j) for i in range(self.tree.topLevelItemCount())
                for j in range(self.tree.topLevelItem(i).childCount())]

    def _filter(self, text: str) -> None:
        words, common = text.casefold().split(), self.common_box.isChecked()
        first: QTreeWidgetItem | None = None
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                field = item.data(0, _FIELD)
                hit = _matches(words, field) and (common or not field.field.startswith("@"))
                item.setHidden(not hit)
                shown += hit
                if hit and first is None:
                    first = item
            group.setHidden(shown == 0)
        self.tree.setCurrentItem(first)
        self.empty_label.setVisible(first is None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # In the search box: Return picks the current (or first shown) field, Down moves into the list.
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                current = self.tree.currentItem()
                fields = self.visible_fields()
                if current is not None and not current.isHidden() and current.data(0, _FIELD):
                    self._activated(current)
                elif fields:
                    self._choose(fields[0])
                return True
            if event.key() == Qt.Key.Key_Down:
                self.tree.setFocus()
                return False
        return super().eventFilter(watched, event)

    def _activated(self, item: QTreeWidgetItem) -> None:
        field = item.data(0, _FIELD)
        if isinstance(field, ScopeField):
            self._choose(field)

    def _choose(self, field: ScopeField) -> None:
        self.hide()
        self.picked.emit(field)


class ScopeButton(QToolButton):
    """The "{…}" button: opens the picker under itself."""

    def __init__(self, parent: QWidget, scope: Sequence[ScopeField],
                 pick: Callable[[ScopeField], None]) -> None:
        super().__init__(parent)
        self.setText("{…}")
        self.picker = ScopePicker(scope, self)
        self.picker.picked.connect(pick)
        self.setEnabled(bool(scope))
        self.setToolTip("Subscribe to published data of an earlier activity, job data or a variable "
                        "(Ctrl+Space)")
        self.clicked.connect(lambda: self.picker.popup(self.mapToGlobal(QPoint(0, self.height()))))
        # From the keyboard: Ctrl+Space anywhere in the field (or table) the button belongs to.
        shortcut = QShortcut(QKeySequence("Ctrl+Space"), parent)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.click)
