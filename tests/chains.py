"""Small runbooks in tests: activities linked one after the other, run through the engine (with the run
history's counters of the test's INTERLOCK_HOME) or through `interlock run --json --config FILE`."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

from engine import Engine, JobResult, load_runbook
from engine.cli.main import main
from engine.config.registry import Registry
from engine.config.settings import Config
from engine.history import open_counters
from engine.run.events import Event


def step(id_: str, type_: str, **properties: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "name": id_.replace("_", " ").title(), "properties": properties}


def chain_file(folder: Path, *activities: dict[str, Any], name: str = "chain.json") -> Path:
    links = [{"from": a["id"], "to": b["id"]} for a, b in pairwise(activities)]
    path = folder / name
    document = {"format": "interlock.runbook/1", "name": "Chain", "activities": list(activities),
                "links": links}
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


async def run_chain(folder: Path, *activities: dict[str, Any], config: Config | None = None,
                    events: list[Event] | None = None) -> JobResult:
    """Run the chain on an engine that keeps counters where `interlock run` does."""
    runbook = load_runbook(chain_file(folder, *activities))
    engine = Engine(config or Config(), Registry.from_entry_points(), counters=open_counters())
    sinks = [events.append] if events is not None else []
    return await engine.run(runbook, sinks=sinks)


def error(result: JobResult, activity_id: str) -> str:
    found = result.activity(activity_id)
    assert found is not None and found.instances, f"{activity_id} did not run: {result}"
    return found.instances[0].error or ""


def cli_run(folder: Path, capsys: Any, *activities: dict[str, Any], config_text: str = "",
            extra: tuple[str, ...] = ()) -> tuple[int, str, str]:
    """`interlock run CHAIN --config interlock.toml [extra]`: exit code, stdout, stderr."""
    config = folder / "interlock.toml"
    config.write_text(config_text, encoding="utf-8")
    capsys.readouterr()
    code = main(["run", str(chain_file(folder, *activities)), "--config", str(config), *extra])
    out, err = capsys.readouterr()
    return code, out, err
