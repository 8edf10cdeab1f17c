"""An editable runbook: the one model the designer's views and undo commands work on.

The document owns the truth; views subscribe to its changes and repaint from them, so an undo needs no
special repaint code (STYLE.md: a core that knows no screen). Every edit is a small method whose
return value is what its inverse needs. No Qt here: the designer wraps these edits in QUndoCommands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import networkx as nx
from pydantic import BaseModel

from .model import Activity, Link, Note, Runbook
from .templates import RESERVED_IDS

ChangeKind = Literal["reset", "meta", "activity_added", "activity_removed", "activity_changed",
                     "link_added", "link_removed", "link_changed", "note_added", "note_removed",
                     "note_changed"]
LinkKey = tuple[str, str]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    key: str | LinkKey | int | None = None  # activity id, (from, to), or note index


Listener = Callable[[Change], None]


def changed_copy(model: M, **changes: Any) -> M:
    """A copy with some fields changed. A field set back to None (its "absent" value) is no longer
    marked as set, so the saved file drops the key instead of writing null."""
    copy = model.model_copy(update=changes)
    for key, value in changes.items():
        if value is None and model_field_default_is_none(type(model), key):
            copy.__pydantic_fields_set__.discard(key)
    return copy


def model_field_default_is_none(cls: type[BaseModel], key: str) -> bool:
    field = cls.model_fields.get(key)
    return field is not None and field.default is None and field.default_factory is None


def slug(name: str) -> str:
    """An activity id from its name: "Get VMs in Batch" -> "get_vms_in_batch"."""
    text = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")
    if not text:
        return "activity"
    return text if text[0].isalpha() else f"a_{text}"


class Document:
    def __init__(self, runbook: Runbook | None = None) -> None:
        self.runbook = runbook if runbook is not None else Runbook(name="New Runbook")
        self._listeners: list[Listener] = []
        # Lookups by id and by link ends, rebuilt after any change: views ask once per item, and a
        # scan each time made opening a large runbook quadratic. Edit through the methods below.
        self._activity_index: dict[str, Activity] | None = None
        self._link_index: dict[LinkKey, Link] | None = None

    # -- subscribers ---------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _emit(self, kind: ChangeKind, key: str | LinkKey | int | None = None) -> None:
        self._activity_index = None
        self._link_index = None
        change = Change(kind, key)
        for listener in list(self._listeners):
            listener(change)

    def _mark_set(self, key: str) -> None:
        """An edited list is saved even when the runbook was made empty (exclude_unset)."""
        self.runbook.model_fields_set.add(key)

    def reset(self, runbook: Runbook) -> None:
        """Show another runbook (open, new): listeners rebuild everything."""
        self.runbook = runbook
        self._emit("reset")

    # -- queries -------------------------------------------------------------------------------------

    @property
    def activities(self) -> list[Activity]:
        return self.runbook.activities

    @property
    def links(self) -> list[Link]:
        return self.runbook.links

    @property
    def notes(self) -> list[Note]:
        if self.runbook.notes is None:
            self.runbook.notes = []
        return self.runbook.notes

    def _activities_by_id(self) -> dict[str, Activity]:
        if self._activity_index is None:
            self._activity_index = {a.id: a for a in self.runbook.activities}
        return self._activity_index

    def activity(self, activity_id: str) -> Activity:
        return self._activities_by_id()[activity_id]

    def has_activity(self, activity_id: str) -> bool:
        return activity_id in self._activities_by_id()

    def link(self, source: str, target: str) -> Link | None:
        if self._link_index is None:
            self._link_index = {(lk.from_, lk.to): lk for lk in self.runbook.links}
        return self._link_index.get((source, target))

    def links_of(self, activity_id: str) -> list[Link]:
        return [lk for lk in self.runbook.links if activity_id in (lk.from_, lk.to)]

    def unique_id(self, name: str, taken: Iterable[str] = ()) -> str:
        used = {a.id for a in self.runbook.activities} | set(taken) | set(RESERVED_IDS)
        base = slug(name)
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        return candidate

    def unique_name(self, name: str, taken: Iterable[str] = ()) -> str:
        used = {a.name.casefold() for a in self.runbook.activities} | {t.casefold() for t in taken}
        base = re.sub(r" \(\d+\)$", "", name)
        candidate, n = name, 2
        while candidate.casefold() in used:
            candidate, n = f"{base} ({n})", n + 1
        return candidate

    def link_refusal(self, source: str, target: str) -> str | None:
        """Why a link from source to target cannot be drawn, or None when it can."""
        if source == target:
            return "an activity cannot link to itself"
        if not self.has_activity(source) or not self.has_activity(target):
            return "both ends must be activities"
        if self.link(source, target) is not None:
            return "these activities are already linked"
        graph = nx.DiGraph((lk.from_, lk.to) for lk in self.runbook.links)
        if target in graph and source in graph and nx.has_path(graph, target, source):
            return "the link would close a cycle (use a loop on an activity to repeat work)"
        return None

    # -- activities ----------------------------------------------------------------------------------

    def add_activity(self, activity: Activity, index: int | None = None) -> None:
        if self.has_activity(activity.id):
            raise ValueError(f'an activity with id "{activity.id}" already exists')
        where = len(self.runbook.activities) if index is None else index
        self.runbook.activities.insert(where, activity)
        self._mark_set("activities")
        self._emit("activity_added", activity.id)

    def remove_activity(self, activity_id: str) -> tuple[int, Activity, list[tuple[int, Link]]]:
        """Remove an activity and its links; returns what add_activity/add_link need to put them back."""
        removed_links = []
        for index in reversed(range(len(self.runbook.links))):
            link = self.runbook.links[index]
            if activity_id in (link.from_, link.to):
                removed_links.append(self._remove_link_at(index))
        index = next(i for i, a in enumerate(self.runbook.activities) if a.id == activity_id)
        activity = self.runbook.activities.pop(index)
        self._emit("activity_removed", activity_id)
        return index, activity, sorted(removed_links, key=lambda pair: pair[0])

    def replace_activity(self, activity: Activity) -> Activity:
        """Put a changed copy of an activity (same id) in place; returns the old one."""
        for index, old in enumerate(self.runbook.activities):
            if old.id == activity.id:
                self.runbook.activities[index] = activity
                self._emit("activity_changed", activity.id)
                return old
        raise KeyError(activity.id)

    def update_activity(self, activity_id: str, **changes: Any) -> Activity:
        """Change some fields of an activity (marked as set, so they are saved); returns the old one."""
        old = self.activity(activity_id)
        return self.replace_activity(changed_copy(old, **changes))

    # -- links ---------------------------------------------------------------------------------------

    def add_link(self, link: Link, index: int | None = None) -> None:
        where = len(self.runbook.links) if index is None else index
        self.runbook.links.insert(where, link)
        self._mark_set("links")
        self._emit("link_added", (link.from_, link.to))

    def _remove_link_at(self, index: int) -> tuple[int, Link]:
        link = self.runbook.links.pop(index)
        self._emit("link_removed", (link.from_, link.to))
        return index, link

    def remove_link(self, source: str, target: str) -> tuple[int, Link]:
        index = next(i for i, lk in enumerate(self.runbook.links) if lk.from_ == source and lk.to == target)
        return self._remove_link_at(index)

    def replace_link(self, link: Link) -> Link:
        for index, old in enumerate(self.runbook.links):
            if old.from_ == link.from_ and old.to == link.to:
                self.runbook.links[index] = link
                self._emit("link_changed", (link.from_, link.to))
                return old
        raise KeyError((link.from_, link.to))

    # -- notes ---------------------------------------------------------------------------------------

    def add_note(self, note: Note, index: int | None = None) -> int:
        notes = self.notes
        where = len(notes) if index is None else index
        notes.insert(where, note)
        self._mark_set("notes")
        self._emit("note_added", where)
        return where

    def remove_note(self, index: int) -> Note:
        note = self.notes.pop(index)
        self._emit("note_removed", index)
        return note

    def replace_note(self, index: int, note: Note) -> Note:
        old = self.notes[index]
        self.notes[index] = note
        self._emit("note_changed", index)
        return old

    # -- the runbook itself --------------------------------------------------------------------------

    def set_meta(self, name: str, description: str) -> tuple[str, str]:
        old = (self.runbook.name, self.runbook.description)
        self.runbook.name = name
        self.runbook.description = description
        self.runbook.model_fields_set.update({"name"} | ({"description"} if description else set()))
        self._emit("meta")
        return old
