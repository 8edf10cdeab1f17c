"""The palette: every installed activity type, grouped by pack, with its icon and description, a
search box, and drag-and-drop onto the canvas (or double-click to add at the centre)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDrag, QIcon
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from engine.config.registry import Registry

from .canvas import style
from .canvas.view import ACTIVITY_MIME

TYPE_ROLE = Qt.ItemDataRole.UserRole


class PaletteTree(QTreeWidget):
    def startDrag(self, actions: Qt.DropAction) -> None:
        item = self.currentItem()
        type_name = item.data(0, TYPE_ROLE) if item else None
        if not type_name:
            return
        mime = QMimeData()
        mime.setData(ACTIVITY_MIME, type_name.encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(item.icon(0).pixmap(32, 32))
        drag.exec(Qt.DropAction.CopyAction)


class Palette(QWidget):
    activated = Signal(str)  # a type name, double-clicked or Enter: add it at the view's centre

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search activities…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setIndentation(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        for pack in registry.packs:
            group = QTreeWidgetItem(self.tree, [pack.title])
            group.setToolTip(0, pack.description)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for cls in pack.activities:
                kind = registry.get(cls.type_name)
                if kind is None:
                    continue
                item = QTreeWidgetItem(group, [kind.display_name])
                item.setData(0, TYPE_ROLE, kind.type_name)
                item.setIcon(0, QIcon(style.icon_pixmap(kind.icon, kind.color, 32)))
                item.setToolTip(0, f"<b>{kind.display_name}</b> <i>({kind.type_name})</i><br>"
                                   f"{kind.description}")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
        self.tree.expandAll()
        self.search.textChanged.connect(self.filter)
        self.tree.itemActivated.connect(self._activated)

    def filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                child = group.child(j)
                haystack = f"{child.text(0)} {child.data(0, TYPE_ROLE)} {child.toolTip(0)}".casefold()
                hidden = bool(needle) and needle not in haystack
                child.setHidden(hidden)
                shown += not hidden
            group.setHidden(shown == 0)

    def _activated(self, item: QTreeWidgetItem) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.activated.emit(type_name)
