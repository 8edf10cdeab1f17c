"""Copy and paste: the clipboard holds the same JSON as a runbook file (activities, the links between
them, notes), so a fragment can be pasted into another runbook or a text editor. Pasting gives every
activity a fresh id and a unique name, and rewrites the subscriptions and link conditions that pointed
inside the fragment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine.format.document import Document
from engine.format.jsonread import loads
from engine.format.model import FORMAT, Activity, Link, Note
from engine.format.templates import rename_references

MIME = "application/x-interlock-fragment"
PASTE_OFFSET = 40


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


def paste_items(document: Document, text: str, offset: tuple[int, int] = (PASTE_OFFSET, PASTE_OFFSET)) \
        -> tuple[list[Activity], list[Link], list[Note]]:
    """The activities, links and notes to add for a pasted fragment; ValueError when it is not one."""
    try:
        data = loads(text)  # a runbook file's rules: limits, no duplicate keys
        activities = [Activity.model_validate(a, by_name=False) for a in data.get("activities", [])]
        links = [Link.model_validate(lk, by_name=False) for lk in data.get("links", [])]
        notes = [Note.model_validate(n) for n in data.get("notes") or []]
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError(f"the clipboard does not hold Interlock activities: {exc}") from None
    new_ids: dict[str, str] = {}
    names: list[str] = []
    pasted: list[Activity] = []
    for activity in activities:
        new_id = document.unique_id(activity.id, taken=new_ids.values())
        new_ids[activity.id] = new_id
        name = document.unique_name(activity.name, taken=names)
        names.append(name)
        pasted.append(activity.model_copy(update={
            "id": new_id, "name": name, "at": (activity.at[0] + offset[0], activity.at[1] + offset[1])}))
    pasted = [a.model_copy(update={"properties": _renamed(a.properties, new_ids)}) if a.properties else a
              for a in pasted]
    kept_links = []
    for link in links:
        if link.from_ not in new_ids or link.to not in new_ids:
            continue  # a link to something outside the fragment is not pasted
        update: dict[str, Any] = {"from_": new_ids[link.from_], "to": new_ids[link.to]}
        for group in ("include", "exclude"):
            conditions = getattr(link, group)
            if conditions:
                update[group] = [_renamed_condition(c, new_ids) for c in conditions]
        kept_links.append(link.model_copy(update=update))
    moved_notes = [n.model_copy(update={"at": (n.at[0] + offset[0], n.at[1] + offset[1])}) for n in notes]
    return pasted, kept_links, moved_notes


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
