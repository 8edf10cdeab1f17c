"""File → Open Folder: the runbooks under a folder (the catalogue, as it is kept in git) as a tree of
folders and runbook files. Only *.json files that are runbooks are listed; other files, hidden folders
and .git are left out. Activating a runbook opens it in a tab."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

FORMAT_PREFIX = "interlock.runbook/"
MAX_PEEK_BYTES = 5_000_000  # larger JSON files are data, not runbooks: never read them whole here
PATH_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Entry:
    path: Path
    name: str  # the runbook's name, or its file name when the file names none


def runbook_name(path: Path) -> str | None:
    """The runbook's name if the file is an Interlock runbook (any format version), else None."""
    try:
        if path.stat().st_size > MAX_PEEK_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not str(data.get("format", "")).startswith(FORMAT_PREFIX):
        return None
    name = data.get("name")
    return name if isinstance(name, str) and name else path.stem


def runbooks_under(root: Path) -> list[Entry]:
    """Every runbook file under `root`, sorted by path; hidden folders (.git among them) skipped."""
    found: list[Entry] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(files):
            if file.startswith(".") or not file.lower().endswith(".json"):
                continue
            path = Path(folder) / file
            name = runbook_name(path)
            if name is not None:
                found.append(Entry(path, name))
    return found


class CataloguePanel(QWidget):
    """The Runbooks dock: the folder's tree; double-click (or Enter) opens a runbook."""

    runbook_activated = Signal(str)  # a file path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root: Path | None = None
        self.where = QLabel("File → Open Folder… shows the runbooks of a folder here.")
        self.where.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.setToolTip("Read the folder again (files added, renamed or removed)")
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)  # one column of names; the file is in each tooltip
        bar = QHBoxLayout()
        bar.addWidget(self.where, 1)
        bar.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.tree)
        refresh.clicked.connect(self.refresh)
        self.tree.itemActivated.connect(self._activated)

    def show_folder(self, root: Path) -> None:
        self.root = root.resolve()
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        if self.root is None:
            return
        entries = runbooks_under(self.root)
        self.where.setText(f"<b>{self.root.name or self.root}</b>: {len(entries)} runbook"
                           f"{'s' * (len(entries) != 1)}")
        self.where.setToolTip(str(self.root))
        folders: dict[Path, QTreeWidgetItem] = {}
        for entry in entries:
            parent = self._folder_item(entry.path.parent.relative_to(self.root), folders)
            item = QTreeWidgetItem([entry.name])
            item.setData(0, PATH_ROLE, str(entry.path))
            item.setToolTip(0, f"{entry.path.relative_to(self.root)}\nDouble-click to open it in a tab")
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
        self.tree.expandAll()

    def _folder_item(self, relative: Path, folders: dict[Path, QTreeWidgetItem]) -> QTreeWidgetItem | None:
        if relative == Path("."):
            return None
        if relative not in folders:
            parent = self._folder_item(relative.parent, folders)
            item = QTreeWidgetItem([relative.name])
            item.setIcon(0, self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            folders[relative] = item
        return folders[relative]

    def items(self) -> dict[str, QTreeWidgetItem]:
        """Runbook items by file path (for tests and for selecting the open tab's file)."""
        found: dict[str, QTreeWidgetItem] = {}
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            path = item.data(0, PATH_ROLE)
            if path:
                found[path] = item
            stack.extend(item.child(i) for i in range(item.childCount()))
        return found

    def _activated(self, item: QTreeWidgetItem) -> None:
        path = item.data(0, PATH_ROLE)
        if path:
            self.runbook_activated.emit(path)
