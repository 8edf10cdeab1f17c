"""Placeholders of an Orchestrator import (DESIGN §6.2): an activity with no Interlock counterpart yet is
imported as `orchestrator.unsupported`, disabled, keeping its original type name and every setting. The
designer draws it hatched with that type name and shows its settings read-only: it is there to be
replaced, not edited."""

from __future__ import annotations

from typing import Any

PLACEHOLDER_TYPE = "orchestrator.unsupported"


def original_type(activity_type: str, properties: dict[str, Any]) -> str | None:
    """The Orchestrator type a placeholder stands for (None for any other activity)."""
    if activity_type != PLACEHOLDER_TYPE:
        return None
    name = properties.get("type_name")
    return name if isinstance(name, str) and name else "unknown Orchestrator activity"


def replace_hint(type_name: str) -> str:
    """What a person must do with a placeholder, in the words the canvas and the panel use."""
    return (f'Imported from Orchestrator: "{type_name}" has no Interlock activity yet. It is kept disabled '
            "with its original settings; replace it with an Interlock activity that does the same.")
