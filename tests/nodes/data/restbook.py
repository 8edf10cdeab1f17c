"""Runbooks of Invoke REST Service activities for the tests, run by the real engine with `http`
connections to the test's server."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

from engine import Engine, JobResult, load_runbook
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from engine.run.events import EventSink
from nodes.backends.http import HttpEndpoint

REGISTRY = Registry.from_entry_points()


def rest(id_: str, **properties: Any) -> dict[str, Any]:
    """An Invoke REST Service activity."""
    return {"id": id_, "type": "data.invoke_rest", "name": id_.replace("_", " ").title(),
            "properties": properties}


def save(folder: Path, *activities: dict[str, Any], links: list[dict[str, Any]] | None = None) -> Path:
    """A runbook file running the activities one after the other (or along `links`)."""
    path = folder / "rest.json"
    if links is None:
        links = [{"from": a["id"], "to": b["id"]} for a, b in pairwise(activities)]
    document = {"format": "interlock.runbook/1", "name": "REST test", "activities": list(activities),
                "links": links}
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def http(base_url: str, **options: Any) -> Connection:
    return Connection(kind="http", base_url=base_url, **options)


async def run(folder: Path, *activities: dict[str, Any], connections: dict[str, Connection] | None = None,
              sinks: list[EventSink] | None = None, links: list[dict[str, Any]] | None = None,
              source: Path | None = None) -> JobResult:
    config = Config(connections=connections or {}, source=source)
    engine = Engine(config, REGISTRY)
    runbook = load_runbook(save(folder, *activities, links=links), REGISTRY)
    engine.check_connections(runbook)
    try:
        return await engine.run(runbook, {}, sinks=sinks or [])
    finally:  # close the pooled clients now, not when the engine happens to be collected
        for name in connections or {}:
            endpoint = engine.connections.get(name)
            if isinstance(endpoint, HttpEndpoint):
                await endpoint.aclose()


def error_of(result: JobResult, activity_id: str) -> str:
    """The error of the activity's only instance (which must have failed)."""
    found = result.activity(activity_id)
    assert found is not None and len(found.instances) == 1, found
    instance = found.instances[0]
    assert instance.status == "failed", instance
    return str(instance.error)
