"""Copy and paste: the clipboard holds the same JSON as a runbook file (activities, the links between
them, notes), so a fragment can be pasted into another runbook or a text editor.

Pasting gives every activity a fresh id and a unique name and makes the pasted group valid as pasted:
subscriptions, link conditions, link ends and a junction's `republish` that pointed inside the fragment
point at the copies; an activity pasted into the runbook it was copied from keeps its incoming links
from activities outside the fragment (so it is no second start point, and its subscriptions to those
activities still hold). Links from the fragment to outside are not pasted: a paste never changes what
the rest of the runbook does."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine.config.registry import Registry
from engine.format.document import Document
from engine.format.jsonread import loads
from engine.format.model import FORMAT, Activity, Link, Note
from engine.format.templates import rename_references

MIME = "application/x-interlock-fragment"
PASTE_OFFSET = 40
GRID = 20
Point = tuple[int, int]


def fragment(document: Document, activity_ids: list[str], note_indices: Sequence[int] = ()) -> str:
    chosen = set(activity_ids)
    activities = [a for a in document.activities if a.id in chosen]
    links = [lk for lk in document.links if lk.from_ in chosen and lk.to in chosen]
    notes = [n for i, n in enumerate(document.runbook.notes or []) if i in set(note_indices)]
    data: dict[str, Any] = {
        "format": FORMAT, "name": "Fragment",
        "activities": [a.model_dump(mode="json", by_alias=True, exclude_unset=True) for a in activities],
        "links": [lk.model_dump(mode="json", by_alias=True, exclude_unset=True) for lk in links],
    }
    if notes:
        data["notes"] = [n.model_dump(mode="json", exclude_unset=True) for n in notes]
    return json.dumps(data, indent=2)


class Placement:
    """Where the next paste goes: at the mouse (on the grid) when it is over the canvas, and 40 px
    further down and right for each paste of the same text at the same spot (or with no mouse)."""

    def __init__(self) -> None:
        self._last: tuple[str, Point | None] | None = None
        self._repeat = 0

    def next(self, text: str, mouse: Point | None) -> tuple[Point | None, int]:
        """(where the fragment's top-left goes, or None: where it was copied from; extra steps)."""
        if (text, mouse) == self._last:
            self._repeat += 1
        else:
            self._last, self._repeat = (text, mouse), (0 if mouse is not None else 1)
        at = (round(mouse[0] / GRID) * GRID, round(mouse[1] / GRID) * GRID) if mouse is not None else None
        return at, self._repeat


def _origin(activities: list[Activity], notes: list[Note]) -> Point:
    points = [a.at for a in activities] + [n.at for n in notes]
    return (min(p[0] for p in points), min(p[1] for p in points)) if points else (0, 0)


def paste_items(document: Document, text: str, offset: Point = (PASTE_OFFSET, PASTE_OFFSET), *,
                at: Point | None = None, registry: Registry | None = None) \
        -> tuple[list[Activity], list[Link], list[Note]]:
    """The activities, links and notes to add for a pasted fragment; ValueError when it is not one.
    `at`: where the fragment's top-left goes (then `offset` is added to that); `registry` tells
    junctions apart, whose `republish` follows the copies."""
    try:
        data = loads(text)  # a runbook file's rules: limits, no duplicate keys
        activities = [Activity.model_validate(a, by_name=False) for a in data.get("activities", [])]
        links = [Link.model_validate(lk, by_name=False) for lk in data.get("links", [])]
        notes = [Note.model_validate(n) for n in data.get("notes") or []]
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError(f"the clipboard does not hold Interlock activities: {exc}") from None
    if at is not None:
        origin = _origin(activities, notes)
        offset = (at[0] - origin[0] + offset[0], at[1] - origin[1] + offset[1])
    new_ids: dict[str, str] = {}
    names: list[str] = []
    for activity in activities:
        new_ids[activity.id] = document.unique_id(activity.id, taken=new_ids.values())
        names.append(document.unique_name(activity.name, taken=names))
    kept_links = [_renamed_link(link, new_ids) for link in links
                  if link.from_ in new_ids and link.to in new_ids]  # links leaving the fragment stay out
    kept_links += _incoming_from_outside(document, activities, new_ids)
    predecessors: dict[str, set[str]] = {}
    for link in kept_links:
        predecessors.setdefault(link.to, set()).add(link.from_)
    pasted = []
    for activity, name in zip(activities, names, strict=True):
        new_id = new_ids[activity.id]
        properties = _renamed(activity.properties, new_ids) if activity.properties else activity.properties
        kind = registry.get(activity.type) if registry is not None else None
        if kind is not None and kind.kind == "junction" and isinstance(properties, dict):
            properties = _republished(properties, new_ids, predecessors.get(new_id, set()))
        pasted.append(activity.model_copy(update={
            "id": new_id, "name": name, "properties": properties,
            "at": (activity.at[0] + offset[0], activity.at[1] + offset[1])}))
    moved_notes = [n.model_copy(update={"at": (n.at[0] + offset[0], n.at[1] + offset[1])}) for n in notes]
    return pasted, kept_links, moved_notes


def _incoming_from_outside(document: Document, activities: list[Activity], new_ids: dict[str, str]) \
        -> list[Link]:
    """The links into each copied activity from outside the fragment, when pasting into the runbook it
    was copied from (the original is still there, unchanged, and so is the link's source)."""
    links = []
    for activity in activities:
        if not document.has_activity(activity.id) or document.activity(activity.id) != activity:
            continue
        for link in document.links:
            if link.to == activity.id and link.from_ not in new_ids:
                links.append(link.model_copy(update={"to": new_ids[activity.id]}))
    return links


def _republished(properties: dict[str, Any], new_ids: dict[str, str], predecessors: set[str]) \
        -> dict[str, Any]:
    """A junction returns data from the copy of its branch; from nothing (null) when that branch is
    not one of the pasted junction's direct predecessors, which would be an error."""
    republish = properties.get("republish")
    if not isinstance(republish, str):
        return properties
    republish = new_ids.get(republish, republish)
    return {**properties, "republish": republish if republish in predecessors else None}


def _renamed_link(link: Link, new_ids: dict[str, str]) -> Link:
    update: dict[str, Any] = {"from_": new_ids[link.from_], "to": new_ids[link.to]}
    for group in ("include", "exclude"):
        conditions = getattr(link, group)
        if conditions:
            update[group] = [_renamed_condition(c, new_ids) for c in conditions]
    return link.model_copy(update=update)


def _renamed(value: Any, new_ids: dict[str, str]) -> Any:
    return rename_references(value, new_ids)


def _renamed_condition(condition: Any, new_ids: dict[str, str]) -> Any:
    field = getattr(condition, "field", None)
    if field is None:
        return condition
    activity, _, rest = field.partition(".")
    update: dict[str, Any] = {"value": _renamed(condition.value, new_ids)}
    if activity in new_ids:
        update["field"] = f"{new_ids[activity]}.{rest}"
    return condition.model_copy(update=update)
