"""Every edit the user makes is one of these QUndoCommands on the document (STYLE.md: edits as
commands). redo() does the change, undo() its exact inverse; the canvas repaints from the document's
change events, so neither needs to know about views."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.format.document import Document, LinkKey
from engine.format.model import Activity, Link, Note

Position = tuple[int, int]


class AddItems(QUndoCommand):
    """Add activities, then the links between them (a drop, a paste, a new link)."""

    def __init__(self, document: Document, text: str, activities: list[Activity] = (),  # type: ignore[assignment]
                 links: list[Link] = (), notes: list[Note] = ()) -> None:  # type: ignore[assignment]
        super().__init__(text)
        self.document = document
        self.activities, self.links, self.notes = list(activities), list(links), list(notes)
        self._note_indices: list[int] = []

    def redo(self) -> None:
        for activity in self.activities:
            self.document.add_activity(activity)
        for link in self.links:
            self.document.add_link(link)
        self._note_indices = [self.document.add_note(note) for note in self.notes]

    def undo(self) -> None:
        for index in reversed(self._note_indices):
            self.document.remove_note(index)
        for link in reversed(self.links):
            self.document.remove_link(link.from_, link.to)
        for activity in reversed(self.activities):
            self.document.remove_activity(activity.id)


class RemoveItems(QUndoCommand):
    """Delete activities (with their links), links and notes; undo puts each back where it was."""

    def __init__(self, document: Document, activity_ids: list[str], link_keys: list[LinkKey],
                 note_indices: list[int]) -> None:
        count = len(activity_ids) + len(link_keys) + len(note_indices)
        super().__init__(f"Delete {count} item{'s' if count != 1 else ''}")
        self.document = document
        self.activity_ids, self.link_keys, self.note_indices = activity_ids, link_keys, note_indices
        self._done: list[tuple[str, Any]] = []

    def redo(self) -> None:
        self._done = []
        for key in self.link_keys:
            if self.document.link(*key) is not None:
                self._done.append(("link", self.document.remove_link(*key)))
        for activity_id in self.activity_ids:
            self._done.append(("activity", self.document.remove_activity(activity_id)))
        for index in sorted(self.note_indices, reverse=True):
            self._done.append(("note", (index, self.document.remove_note(index))))

    def undo(self) -> None:
        for kind, data in reversed(self._done):
            if kind == "link":
                index, link = data
                self.document.add_link(link, index)
            elif kind == "activity":
                index, activity, links = data
                self.document.add_activity(activity, index)
                for link_index, link in links:
                    self.document.add_link(link, link_index)
            else:
                index, note = data
                self.document.add_note(note, index)


class MoveItems(QUndoCommand):
    def __init__(self, document: Document, moves: dict[str, tuple[Position, Position]],
                 note_moves: dict[int, tuple[Position, Position]]) -> None:
        count = len(moves) + len(note_moves)
        super().__init__(f"Move {count} item{'s' if count != 1 else ''}")
        self.document, self.moves, self.note_moves = document, moves, note_moves

    def _apply(self, which: int) -> None:
        for activity_id, positions in self.moves.items():
            self.document.update_activity(activity_id, at=positions[which])
        for index, positions in self.note_moves.items():
            note = self.document.notes[index]
            self.document.replace_note(index, note.model_copy(update={"at": positions[which]}))

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class AutoLayout(MoveItems):
    """Ctrl+L: every activity to its laid-out place (designer.layout.layout_moves), and a note a box
    would cover below the drawing; one undo step puts every position back."""

    def __init__(self, document: Document, moves: dict[str, tuple[Position, Position]],
                 note_moves: dict[int, tuple[Position, Position]]) -> None:
        super().__init__(document, moves, note_moves)
        self.setText("Auto-layout")


class ReplaceActivity(QUndoCommand):
    """Any change to one activity: properties, name, run behaviour, enabled, ..."""

    def __init__(self, document: Document, old: Activity, new: Activity, text: str) -> None:
        super().__init__(text)
        self.document, self.old, self.new = document, old, new

    def redo(self) -> None:
        self.document.replace_activity(self.new)

    def undo(self) -> None:
        self.document.replace_activity(self.old)


class ReplaceLink(QUndoCommand):
    def __init__(self, document: Document, old: Link, new: Link, text: str = "Edit link") -> None:
        super().__init__(text)
        self.document, self.old, self.new = document, old, new

    def redo(self) -> None:
        self.document.replace_link(self.new)

    def undo(self) -> None:
        self.document.replace_link(self.old)


class ReplaceNote(QUndoCommand):
    def __init__(self, document: Document, index: int, old: Note, new: Note) -> None:
        super().__init__("Edit note")
        self.document, self.index, self.old, self.new = document, index, old, new

    def redo(self) -> None:
        self.document.replace_note(self.index, self.new)

    def undo(self) -> None:
        self.document.replace_note(self.index, self.old)


class SetMeta(QUndoCommand):
    def __init__(self, document: Document, name: str, description: str) -> None:
        super().__init__("Edit runbook name and description")
        self.document = document
        self.new = (name, description)
        self.old = (document.runbook.name, document.runbook.description)

    def redo(self) -> None:
        self.document.set_meta(*self.new)

    def undo(self) -> None:
        self.document.set_meta(*self.old)
