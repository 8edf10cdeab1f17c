"""Running small runbooks with the net pack's activities in the tests: through the engine, with
connections given as keys, or through the CLI (`interlock run --json`) with a TOML config file."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import engine
from engine.cli.main import main
from engine.config.registry import Registry
from engine.config.settings import Config, Connection


def act(id_: str, type_: str, **properties: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "name": id_.replace("_", " ").title(), "properties": properties}


def save(folder: Path, *activities: dict[str, Any], name: str = "runbook.json") -> Path:
    """The activities, linked one after the other, as a runbook file."""
    links = [{"from": a["id"], "to": b["id"]} for a, b in pairwise(activities)]
    path = folder / name
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Net test",
                                "activities": list(activities), "links": links}), encoding="utf-8")
    return path


async def run(folder: Path, *activities: dict[str, Any], **connections: dict[str, Any]) -> engine.JobResult:
    """Run the activities in a chain, with these connections (name -> keys, `kind` included)."""
    config = Config(connections={name: Connection(**keys) for name, keys in connections.items()})
    runbook = engine.load_runbook(save(folder, *activities))
    return await engine.Engine(config, Registry.from_entry_points()).run(runbook)


def instance(result: engine.JobResult, activity_id: str, index: int = 0) -> Any:
    found = result.activity(activity_id)
    assert found is not None, f"no activity {activity_id!r}: {result}"
    return found.instances[index]


def toml_value(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def write_config(folder: Path, **connections: dict[str, Any]) -> Path:
    """folder/interlock.toml with a [connections.NAME] table per connection."""
    lines = []
    for name, keys in connections.items():
        lines.append(f"[connections.{name}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in keys.items()]
    config = folder / "interlock.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def cli_run(runbook: Path, config: Path, capsys: Any, *options: str) -> tuple[int, dict[str, Any]]:
    """`interlock run RUNBOOK --json --config CONFIG [options]`: the exit code and the printed result."""
    capsys.readouterr()
    code = main(["run", str(runbook), "--json", "--config", str(config), *options])
    return code, json.loads(capsys.readouterr().out)


def run_cli(folder: Path, capsys: Any, *activities: dict[str, Any],
            **connections: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The activities in a chain, run by the CLI with these connections."""
    return cli_run(save(folder, *activities), write_config(folder, **connections), capsys)
