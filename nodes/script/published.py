"""From a script's published variables to rows (Orchestrator's Run .Net Script): every scalar field is
on every row; a collection gives one row per item, several collections are zipped to the longest (a
shorter one's missing items are empty). A script with no collection publishes one row; one whose
collections are all empty publishes none, so nothing downstream runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from nodes.backends.winrm.script import as_list


class PublishedSpec(Protocol):
    name: str
    variable: str
    collection: bool


def rows_of(published: Sequence[PublishedSpec], variables: dict[str, Any],
            output: str) -> list[dict[str, Any]]:
    common: dict[str, Any] = {"output": output}  # a published field named `output` replaces it
    collections: dict[str, list[Any]] = {}
    for spec in published:
        value = variables.get(spec.variable)
        if spec.collection:
            collections[spec.name] = as_list(value)
        else:
            common[spec.name] = value
    if not collections:
        return [common]
    count = max(len(items) for items in collections.values())
    return [{**common, **{name: items[i] if i < len(items) else "" for name, items in collections.items()}}
            for i in range(count)]
