"""The scene mirrors an engine.document.Document: one item per activity, link and note, rebuilt or
updated from the document's change events. User gestures (moving, drawing a link, double-clicking) are
reported as signals; the main window turns them into undoable commands on the document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QGraphicsSceneMouseEvent

from designer.links.summary import link_kind, link_summary
from designer.placeholders import original_type
from engine.config.registry import Registry
from engine.errors import Problem
from engine.format.document import Change, Document
from engine.run.progress import ActivityCounts, ProgressCounts
from engine.schedule.monitors import waiting_text

from . import style
from .activity_item import ActivityItem
from .link_item import LinkItem, curve
from .note_item import NoteItem
from .overview import OverviewItem

LinkKey = tuple[str, str]


def run_state(act: ActivityCounts) -> str:
    """waiting, running, success, warning, failed or cancelled: an activity's colour during a run."""
    if act.running:
        return "running"
    if act.first_start is None:
        return "waiting"
    if act.failed:
        return "cancelled" if act.cancelled == act.failed else "failed"
    return "warning" if act.warned else "success"
Moves = dict[str, tuple[tuple[int, int], tuple[int, int]]]


class RunbookScene(QGraphicsScene):
    edit_requested = Signal(str, str)  # ("activity", id) | ("link", "from->to") | ("note", index)
    link_requested = Signal(str, str)  # the user drew a link that may be added
    # object, not dict: a dict signal becomes a QVariantMap, which drops the int-keyed note moves
    moved = Signal(object, object)  # {activity id: (old at, new at)}, {note index: (old at, new at)}
    message = Signal(str)  # for the status bar: why a link was refused, ...

    def __init__(self, document: Document, registry: Registry) -> None:
        super().__init__()
        self.document = document
        self.registry = registry
        self.snap_to_grid = True
        self.activity_items: dict[str, ActivityItem] = {}
        self.link_items: dict[LinkKey, LinkItem] = {}
        self.note_items: list[NoteItem] = []
        self.linking = False
        self.overview_mode = False  # far away: one overview picture instead of every item
        self._overview: OverviewItem | None = None
        self._overview_stale = True
        self._names: dict[str, str] | None = None  # activity id -> name, for link summaries
        self._link_source: ActivityItem | None = None
        self._rubber_link: QGraphicsPathItem | None = None
        self._drag_start: dict[ActivityItem | NoteItem, QPointF] = {}
        self.setBackgroundBrush(style.BACKGROUND)
        document.subscribe(self._on_change)
        self.rebuild()

    # -- from the document -------------------------------------------------------------------------

    def rebuild(self) -> None:
        self.clear()
        self.activity_items.clear()
        self.link_items.clear()
        self.note_items = []
        self._drag_start = {}
        self._rubber_link = None
        self._overview = None
        self._overview_stale = True
        for activity in self.document.activities:
            self._add_activity_item(activity.id)
        for link in self.document.links:
            self._add_link_item((link.from_, link.to))
        self._rebuild_notes()

    def _on_change(self, change: Change) -> None:
        kind, key = change.kind, change.key
        if kind.startswith("activity_") or kind == "reset":
            self._names = None
        if not self._overview_stale and self.overview_mode:
            QTimer.singleShot(0, self._refresh_overview)  # once, after a burst of changes
        self._overview_stale = True
        if kind == "reset":
            self.rebuild()
            self.set_overview(self.overview_mode, force=True)
        elif kind == "activity_added":
            self._add_activity_item(str(key))
            self._replace_labels_under(str(key))
        elif kind == "activity_removed":
            item = self.activity_items.pop(str(key), None)
            if item is not None:
                self.removeItem(item)
        elif kind == "activity_changed":
            self.refresh_activity(str(key))
            self._replace_labels_under(str(key))
            self._refresh_link_texts()  # names appear in link summaries
        elif kind == "link_added":
            self._add_link_item(key)  # type: ignore[arg-type]
        elif kind == "link_removed":
            link_item = self.link_items.pop(key, None)  # type: ignore[arg-type]
            if link_item is not None:
                self.removeItem(link_item)
        elif kind == "link_changed":
            self.refresh_link(key)  # type: ignore[arg-type]
        elif kind.startswith("note_"):
            self._rebuild_notes()

    def _add_activity_item(self, activity_id: str) -> None:
        item = ActivityItem(activity_id)
        item.setVisible(not self.overview_mode)
        self.activity_items[activity_id] = item
        self.addItem(item)
        self.refresh_activity(activity_id)

    def refresh_activity(self, activity_id: str) -> None:
        item = self.activity_items.get(activity_id)
        if item is None:
            return
        activity = self.document.activity(activity_id)
        kind = self.registry.get(activity.type)
        type_label = kind.display_name if kind else f"{activity.type} (unknown)"
        item.set_info(name=activity.name, type_label=type_label,
                      icon=kind.icon if kind else "", color=kind.color if kind else "#9aa3ad",
                      enabled=activity.enabled, junction=bool(kind and kind.kind == "junction"),
                      description=activity.description,
                      placeholder=original_type(activity.type, activity.properties),
                      monitor=waiting_text(kind, activity.properties))
        if (item.pos().x(), item.pos().y()) != activity.at:
            item.setPos(QPointF(*activity.at))
        self.update_links_of(activity_id)

    def _add_link_item(self, key: LinkKey) -> None:
        item = LinkItem(*key)
        item.setVisible(not self.overview_mode)
        self.link_items[key] = item
        self.addItem(item)
        self.refresh_link(key)

    def refresh_link(self, key: LinkKey) -> None:
        item = self.link_items.get(key)
        link = self.document.link(*key)
        if item is None or link is None:
            return
        item.set_info(summary=link_summary(link, self.names()), kind=link_kind(link), enabled=link.enabled,
                      color=link.color)
        self._place_link(item)

    def _refresh_link_texts(self) -> None:
        for key in self.link_items:
            self.refresh_link(key)

    def _place_link(self, item: LinkItem) -> None:
        source = self.activity_items.get(item.source)
        target = self.activity_items.get(item.target)
        item.set_ends(source.output_point() if source is not None else None,
                      target.input_point() if target is not None else None, self._boxes_in)

    def _boxes_in(self, rect: QRectF) -> list[QRectF]:
        """The activity boxes (with their run badges) a link's texts would cover at `rect`."""
        return [item.mapRectToScene(item.boundingRect()) for item in self.items(
            rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect) if isinstance(item, ActivityItem)]

    def update_links_of(self, activity_id: str) -> None:
        for (source, target), item in self.link_items.items():
            if activity_id in (source, target):
                self._place_link(item)

    def _replace_labels_under(self, activity_id: str) -> None:
        """Other links whose texts an activity now covers find a new place for them."""
        item = self.activity_items.get(activity_id)
        if item is None:
            return
        box = item.mapRectToScene(item.boundingRect())
        for other in self.items(box, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if isinstance(other, LinkItem) and activity_id not in other.key \
                    and any(rect.intersects(box) for rect in other.text_rects()):
                self._place_link(other)

    def _rebuild_notes(self) -> None:
        for item in self.note_items:
            self.removeItem(item)
        self.note_items = []
        for index, note in enumerate(self.document.runbook.notes or []):
            item = NoteItem(index)
            item.set_info(note.text, note.size)
            item.setPos(QPointF(*note.at))
            self.addItem(item)
            self.note_items.append(item)

    def set_overview(self, on: bool, force: bool = False) -> None:
        """Far away (the view says when), show one cached overview picture instead of every item."""
        if on == self.overview_mode and not force and not (on and self._overview_stale):
            return
        self.overview_mode = on
        for item in (*self.activity_items.values(), *self.link_items.values()):
            item.setVisible(not on)
        if on:
            if self._overview is None:
                self._overview = OverviewItem()
                self.addItem(self._overview)
            if self._overview_stale:
                self._overview.rebuild(self)
                self._overview_stale = False
            self._overview.setVisible(True)
        elif self._overview is not None:
            self._overview.setVisible(False)

    def _refresh_overview(self) -> None:
        if self.overview_mode and self._overview_stale and self._overview is not None:
            self._overview.rebuild(self)
            self._overview_stale = False

    def start_rect(self) -> QRectF:
        """The box of the start activity (enabled, no incoming link; the first such), where a runbook
        opens; an empty rect when there is none."""
        targets = {link.to for link in self.document.links}
        for activity in self.document.activities:
            item = self.activity_items.get(activity.id)
            if item is not None and activity.enabled and activity.id not in targets:
                return item.mapRectToScene(item.box())
        return QRectF()

    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = {a.id: a.name for a in self.document.activities}
        return self._names

    # -- run state -----------------------------------------------------------------------------------

    def show_run(self, counts: ProgressCounts | None) -> None:
        """Paint a job's progress on the items (None: back to plain editing)."""
        for activity_id, item in self.activity_items.items():
            act = counts.activities.get(activity_id) if counts is not None else None
            if act is None:
                overlay: dict[str, Any] = {}
            elif activity_id in counts.junctions:  # type: ignore[union-attr]
                overlay = {"state": act.junction or "waiting", "detail": act.detail}
            else:
                overlay = {"state": run_state(act), "running": act.running, "done": act.done,
                           "warned": act.warned, "failed": act.failed, "cancelled": act.cancelled}
            if overlay != item.overlay:
                item.overlay = overlay
                item.update()
        for key, link_item in self.link_items.items():
            passed, filtered = counts.links.get(key, (0, 0)) if counts is not None else (0, 0)
            text = f"{passed} passed" + (f" · {filtered} filtered" if filtered else "") \
                if counts is not None and (passed or filtered) else ""
            link_item.set_counts(text)

    # -- validation markers --------------------------------------------------------------------------

    def show_problems(self, problems: list[Problem]) -> None:
        per_activity: dict[str, tuple[list[str], list[str]]] = {}
        per_link: dict[LinkKey, tuple[list[str], list[str]]] = {}
        for problem in problems:
            text = f"{problem.key}: {problem.message}" if problem.key else problem.message
            if problem.link is not None:
                bucket = per_link.setdefault(problem.link, ([], []))
            elif problem.activity is not None:
                bucket = per_activity.setdefault(problem.activity, ([], []))
            else:
                continue
            bucket[0 if problem.severity == "error" else 1].append(text)
        for activity_id, item in self.activity_items.items():
            item.set_problems(*per_activity.get(activity_id, ([], [])))
        for key, link_item in self.link_items.items():
            link_item.set_problems(*per_link.get(key, ([], [])))

    # -- selection -----------------------------------------------------------------------------------

    def selected_activity_ids(self) -> list[str]:
        return [i.activity_id for i in self.selectedItems() if isinstance(i, ActivityItem)]

    def selected_link_keys(self) -> list[LinkKey]:
        return [i.key for i in self.selectedItems() if isinstance(i, LinkItem)]

    def selected_note_indices(self) -> list[int]:
        return sorted(i.index for i in self.selectedItems() if isinstance(i, NoteItem))

    def select_only(self, activity_ids: Iterable[str] = (), link_keys: Iterable[LinkKey] = ()) -> None:
        self.clearSelection()
        for activity_id in activity_ids:
            if activity_id in self.activity_items:
                self.activity_items[activity_id].setSelected(True)
        for key in link_keys:
            if key in self.link_items:
                self.link_items[key].setSelected(True)

    # -- gestures ------------------------------------------------------------------------------------

    def activity_moved_live(self, activity_id: str) -> None:
        self.update_links_of(activity_id)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mousePressEvent(event)
        # What a drag may move: the movable items selected once the press has been handled. Only these
        # are snapped and reported at the release, and only if they really moved.
        self._drag_start = {item: item.pos() for item in self.selectedItems()
                            if isinstance(item, (ActivityItem, NoteItem)) and item.isVisible()}

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        dragged = [item for item, start in self._drag_start.items() if item.pos() != start]
        self._drag_start = {}
        if dragged and not self.linking:
            self._report_moves(dragged)

    def _report_moves(self, dragged: Iterable[ActivityItem | NoteItem]) -> None:
        """After a drag, snap what was dragged and report old and new positions (one undoable move).
        A click, or an item that was not dragged, is never moved, even if it sits off the grid."""
        moves: Moves = {}
        note_moves = {}
        notes = self.document.runbook.notes or []
        for item in dragged:
            new = (style.snap(item.x(), self.snap_to_grid), style.snap(item.y(), self.snap_to_grid))
            if isinstance(item, ActivityItem) and self.document.has_activity(item.activity_id):
                old = self.document.activity(item.activity_id).at
                if new != old:
                    moves[item.activity_id] = (old, new)
                else:
                    item.setPos(QPointF(*old))  # back where the file has it, exactly
            elif isinstance(item, NoteItem) and item.index < len(notes):
                old = notes[item.index].at
                if new != old:
                    note_moves[item.index] = (old, new)
                else:
                    item.setPos(QPointF(*old))
        if moves or note_moves:
            self.moved.emit(moves, note_moves)

    def begin_link(self, source: ActivityItem, at: QPointF) -> None:
        self.linking = True
        self._link_source = source
        self._rubber_link = QGraphicsPathItem()
        pen = QPen(style.SELECTED, 1.6)
        pen.setDashPattern([4, 3])
        self._rubber_link.setPen(pen)
        self._rubber_link.setZValue(5)
        self.addItem(self._rubber_link)
        self.drag_link(at)

    def drag_link(self, at: QPointF) -> None:
        if self._rubber_link is not None and self._link_source is not None:
            self._rubber_link.setPath(curve(self._link_source.output_point(), at))

    def end_link(self, at: QPointF) -> None:
        source = self._link_source
        self.linking = False
        self._link_source = None
        if self._rubber_link is not None:
            self.removeItem(self._rubber_link)
            self._rubber_link = None
        target = self.activity_at(at)
        if source is None or target is None:
            return
        refusal = self.document.link_refusal(source.activity_id, target.activity_id)
        if refusal:
            self.message.emit(f"Link refused: {refusal}")
            return
        self.link_requested.emit(source.activity_id, target.activity_id)

    def activity_at(self, at: QPointF) -> ActivityItem | None:
        for item in self.items(at):
            if isinstance(item, ActivityItem):
                return item
        return None
