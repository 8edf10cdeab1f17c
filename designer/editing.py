"""What the Edit menu and the canvas's gestures do to the current tab's runbook: add, link, delete,
copy and paste, notes, auto-layout, link conditions. Every change is one command on the tab's undo
stack. A mixin of the main window, which gives it the current tab's parts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QDockWidget, QInputDialog

from engine.config.registry import Registry
from engine.format.document import Document
from engine.format.model import Activity, Link, Note

from . import clipboard, commands
from .canvas.scene import RunbookScene
from .canvas.view import RunbookView
from .inspector import Inspector
from .layout import layout_moves
from .runbook_tab import RunbookTab


class EditingMixin:
    registry: Registry
    document: Document
    undo_stack: QUndoStack
    scene: RunbookScene
    view: RunbookView
    inspector: Inspector
    paste_placement: clipboard.Placement
    docks: dict[str, QDockWidget]
    snap_to_grid: bool

    if TYPE_CHECKING:  # given by the main window
        def open_tabs(self) -> list[RunbookTab]: ...
        def statusBar(self) -> Any: ...

    def add_activity(self, type_name: str, at: QPointF) -> str | None:
        kind = self.registry.get(type_name)
        if kind is None:
            return None
        name = self.document.unique_name(kind.display_name)
        activity = Activity(id=self.document.unique_id(name), type=type_name, name=name,
                            at=(int(round(at.x() / 20) * 20), int(round(at.y() / 20) * 20)))
        self.undo_stack.push(commands.AddItems(self.document, f"Add {name}", activities=[activity]))
        self.scene.select_only([activity.id])
        return activity.id

    def add_link(self, source: str, target: str) -> None:
        refusal = self.document.link_refusal(source, target)
        if refusal:
            self.statusBar().showMessage(f"Link refused: {refusal}", 6000)
            return
        link = Link(from_=source, to=target)
        self.undo_stack.push(commands.AddItems(self.document, "Add link", links=[link]))

    def add_note(self) -> None:
        center = self.view.mapToScene(self.view.viewport().rect().center())
        note = Note(text="Note", at=(int(center.x()), int(center.y())))
        self.undo_stack.push(commands.AddItems(self.document, "Add note", notes=[note]))

    def delete_selection(self) -> None:
        ids = self.scene.selected_activity_ids()
        keys = [k for k in self.scene.selected_link_keys() if k[0] not in ids and k[1] not in ids]
        notes = self.scene.selected_note_indices()
        if ids or keys or notes:
            self.undo_stack.push(commands.RemoveItems(self.document, ids, keys, notes))

    def select_all(self) -> None:
        for item in self.scene.items():
            item.setSelected(True)

    def copy(self) -> None:
        ids = self.scene.selected_activity_ids()
        notes = self.scene.selected_note_indices()
        if ids or notes:
            QApplication.clipboard().setText(clipboard.fragment(self.document, ids, notes))

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self, text: str | None = None) -> None:
        text = QApplication.clipboard().text() if text is None else text
        try:
            at, repeat = self.paste_placement.next(text, self.view.mouse_scene_pos())
            step = clipboard.PASTE_OFFSET * repeat
            activities, links, notes = clipboard.paste_items(self.document, text, (step, step), at=at,
                                                             registry=self.registry)
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return
        if activities or notes:
            self.undo_stack.push(commands.AddItems(self.document, f"Paste {len(activities)} activities",
                                                   activities, links, notes))
            self.scene.select_only([a.id for a in activities])

    def duplicate(self) -> None:
        ids = self.scene.selected_activity_ids()
        if ids:
            self.paste(clipboard.fragment(self.document, ids, self.scene.selected_note_indices()))

    def auto_layout(self) -> None:
        moves, note_moves = layout_moves(self.document)
        if moves or note_moves:
            self.undo_stack.push(commands.AutoLayout(self.document, moves, note_moves))
            self.view.show_runbook()  # readable, as a runbook opens: never fitted below 75 %

    def edit_note(self, index: int, text: str | None = None) -> None:
        """Change a sticky note's text (asked for in a dialog unless given)."""
        note = self.document.notes[index]
        if text is None:
            text, ok = QInputDialog.getMultiLineText(self, "Note", "Text of the note:", note.text)
            if not ok:
                return
        if text != note.text:
            self.undo_stack.push(commands.ReplaceNote(self.document, index, note,
                                                      note.model_copy(update={"text": text})))

    def _toggle_snap(self) -> None:
        self.snap_to_grid = not self.snap_to_grid
        for tab in self.open_tabs():
            tab.scene.snap_to_grid = self.snap_to_grid

    def _show_runbook_properties(self) -> None:
        self.scene.clearSelection()
        self.inspector.show_runbook()
        self.docks["properties"].show()
