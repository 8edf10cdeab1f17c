"""Runbooks with Run Script activities, written and loaded the ordinary way, and an engine with every
installed pack and connection kind."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from engine import Engine, Runbook, load_runbook
from engine.config.registry import Registry
from engine.config.settings import Config, Connection


def start(*names: str) -> dict[str, Any]:
    """An Initialize Data activity with text parameters."""
    return {"id": "start", "type": "core.initialize_data", "name": "Start",
            "properties": {"parameters": [{"name": n, "type": "string"} for n in names]}}


def script(activity_id: str, language: str, text: str, **properties: Any) -> dict[str, Any]:
    return {"id": activity_id, "type": "script.run", "name": activity_id.replace("_", " ").title(),
            "properties": {"language": language, "script": text, **properties}}


def published(*specs: str) -> list[dict[str, Any]]:
    """"name=variable" for a scalar, "name=variable*" for a collection."""
    found = []
    for spec in specs:
        name, _, variable = spec.partition("=")
        found.append({"name": name, "variable": variable.rstrip("*"), "collection": variable.endswith("*")})
    return found


def document(activities: list[dict[str, Any]], links: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if links is None:
        links = [{"from": a["id"], "to": b["id"]} for a, b in itertools.pairwise(activities)]
    return {"format": "interlock.runbook/1", "name": "Scripts", "activities": activities, "links": links}


def write(tmp_path: Path, activities: list[dict[str, Any]], links: list[dict[str, Any]] | None = None,
          name: str = "scripts.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document(activities, links), indent=2), encoding="utf-8")
    return path


def runbook(tmp_path: Path, activities: list[dict[str, Any]],
            links: list[dict[str, Any]] | None = None) -> Runbook:
    return load_runbook(write(tmp_path, activities, links))


def engine(**connections: Connection) -> Engine:
    return Engine(Config(connections=connections), Registry.from_entry_points())


def own(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the common data (@status, ...)."""
    return [{k: v for k, v in row.items() if not k.startswith("@")} for row in rows]


def failure(result: Any, activity_id: str) -> str:
    (instance,) = result.activity(activity_id).instances
    assert instance.status == "failed", instance
    return instance.error or ""
