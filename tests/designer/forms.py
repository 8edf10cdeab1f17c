"""Property form test support: a shown form that records what it emits, and typing as a user does."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from designer.properties.form import PropertyForm
from designer.properties.tables import EditTable


@pytest.fixture
def form(qtbot: Any) -> tuple[PropertyForm, list[dict[str, Any]]]:
    """A shown form and the list of dicts it emitted."""
    widget = PropertyForm()
    qtbot.addWidget(widget)
    widget.show()
    emitted: list[dict[str, Any]] = []
    widget.edited.connect(emitted.append)
    return widget, emitted


def type_into(qtbot: Any, line: QLineEdit, text: str) -> None:
    """Select what the field holds, type over it and press Return."""
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def type_into_cell(qtbot: Any, form: PropertyForm, table: EditTable, row: int, col: int, text: str) -> None:
    """Open a table cell's editor, type over what it holds and press Return."""
    table.table.setCurrentCell(row, col)
    table.table.editItem(table.table.item(row, col))
    cell = table.table.findChild(QLineEdit)
    cell.selectAll()
    qtbot.keyClicks(cell, text)
    with qtbot.waitSignal(form.edited, timeout=2000):  # the delegate commits on a queued call
        qtbot.keyClick(cell, Qt.Key.Key_Return)
