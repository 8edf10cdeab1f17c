"""The counters a runbook uses, checked against the config's `[counters]` (DESIGN §6.1).

An activity type says which counters an activity names (ActivityType.counter_names); a name chosen at
run time by a subscription is checked when the activity runs instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ..config.registry import Registry
from ..errors import Problem
from .model import Runbook


def counter_references(runbook: Runbook, registry: Registry, *,
                       enabled_only: bool = False) -> list[tuple[str, str, str]]:
    """(activity id, property, counter name) of every counter the runbook's activities name literally."""
    found = []
    for activity in runbook.activities:
        kind = registry.get(activity.type)
        if kind is None or (enabled_only and not activity.enabled):
            continue
        try:
            names = kind.counter_names(activity.properties)
        except (TypeError, ValueError, AttributeError, KeyError):  # a pack's mistake hides nothing else
            continue
        found += [(activity.id, key, name) for key, name in names.items()
                  if isinstance(name, str) and "{{" not in name]
    return found


def undefined_counters(runbook: Runbook, registry: Registry, defined: Iterable[str], file: str,
                       define_in: str, severity: Literal["error", "warning"], *,
                       enabled_only: bool = False) -> list[Problem]:
    """A problem for every counter the runbook names that the config does not define."""
    defined = set(defined)
    folded = {name.casefold(): name for name in defined}
    problems = []
    for activity, key, name in counter_references(runbook, registry, enabled_only=enabled_only):
        if name in defined:
            continue
        near = folded.get(name.casefold())
        hint = f' (did you mean "{near}"?)' if near else ""
        problems.append(Problem(f'counter "{name}" is not defined{hint}: add it under [counters] in '
                                f"{define_in}", file=file, severity=severity, activity=activity,
                                key=f"properties.{key}"))
    return problems
