"""A read-only tree of settings (nested tables and lists as branches): how a placeholder of an
Orchestrator import shows what the original activity was configured with, to be read, not edited."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget


def settings_tree(settings: Any, parent: QWidget | None = None) -> QTreeWidget:
    """A tree with one row per setting; a table or a list opens into its entries."""
    tree = QTreeWidget(parent)
    tree.setHeaderLabels(["Setting", "Value"])
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    tree.header().setStretchLastSection(True)
    for key, value in _entries(settings):
        tree.addTopLevelItem(_item(key, value))
    tree.expandAll()
    return tree


def _entries(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list):
        return [(f"[{i}]", v) for i, v in enumerate(value)]
    return []


def _item(key: str, value: Any) -> QTreeWidgetItem:
    branch = isinstance(value, dict | list)
    text = "" if branch else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    item = QTreeWidgetItem([key, text])
    item.setToolTip(1, text)  # long values (filter XML, scripts) are read whole in the tooltip
    for child_key, child in _entries(value):
        item.addChild(_item(child_key, child))
    return item
