"""The core pack ("core"): found through its installed entry point, and each activity run through the
real engine from a runbook file."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from importlib.metadata import EntryPoint
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import engine
import engine.config.registry
from engine.config.registry import Registry
from engine.errors import PackError, RunbookError
from engine.run.events import Event

CORE_TYPES = {
    "core.initialize_data", "core.junction", "core.return_data", "core.invoke_runbook",
    "core.compare_values", "core.delay", "core.split", "core.run_program", "core.wait", "core.get_counter",
    "core.modify_counter",
}


# -- helpers ------------------------------------------------------------------------------------------

def save(directory: Path, activities: list[dict[str, Any]], links: list[dict[str, Any]] | None = None,
         name: str = "runbook.json", title: str = "Test runbook") -> Path:
    """Write a runbook document as JSON; returns its path."""
    path = directory / name
    document = {"format": "interlock.runbook/1", "name": title, "activities": activities,
                "links": links or []}
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def chain(*activities: dict[str, Any]) -> list[dict[str, Any]]:
    """Links running the activities one after the other."""
    return [{"from": a["id"], "to": b["id"]} for a, b in pairwise(activities)]


def act(id_: str, type_: str, **properties: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "name": id_.title(), "properties": properties}


async def run(directory: Path, activities: list[dict[str, Any]], links: list[dict[str, Any]] | None = None,
              parameters: dict[str, Any] | None = None) -> engine.JobResult:
    runbook = engine.load_runbook(save(directory, activities, links))
    return await engine.Engine().run(runbook, parameters)


def only_instance(result: engine.JobResult, activity_id: str) -> Any:
    found = result.activity(activity_id)
    assert found is not None, f"no activity {activity_id!r} in the result"
    assert len(found.instances) == 1, f"{activity_id}: {len(found.instances)} instances"
    return found.instances[0]


# -- (a) the installed pack --------------------------------------------------------------------------

def test_entry_point_registers_exactly_the_core_types() -> None:
    registry = Registry.from_entry_points()
    types = {name: kind for name, kind in registry.types().items() if name.startswith("core.")}
    assert set(types) == CORE_TYPES
    assert "core" in [p.name for p in registry.packs]
    for name, kind in types.items():
        assert kind.type_name == name
        assert kind.display_name.strip(), name
        assert kind.description.strip(), name
        assert isinstance(kind.Properties, type) and issubclass(kind.Properties, BaseModel), name
    assert types["core.junction"].kind == "junction"
    assert {n for n, t in types.items() if t.kind == "junction"} == {"core.junction"}
    assert all(t.kind == "activity" for n, t in types.items() if n != "core.junction")


# -- (b) a broken pack names itself -------------------------------------------------------------------

@pytest.fixture
def fresh_registry_cache():
    engine.config.registry._installed.cache_clear()
    yield
    engine.config.registry._installed.cache_clear()


def test_broken_pack_is_reported_by_name(monkeypatch: pytest.MonkeyPatch, fresh_registry_cache: None) -> None:
    fake = [
        EntryPoint(name="core", value="nodes.core:PACK", group=engine.config.registry.GROUP),
        EntryPoint(name="brokenpack", value="interlock_no_such_module_xyz:PACK",
                   group=engine.config.registry.GROUP),
    ]

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        return [ep for ep in fake if ep.group == group]

    monkeypatch.setattr(engine.config.registry, "entry_points", fake_entry_points)
    with pytest.raises(PackError) as caught:
        Registry.from_entry_points()
    message = str(caught.value)
    assert '"brokenpack"' in message
    assert "interlock_no_such_module_xyz" in message
    assert "failed to load" in message


def test_entry_point_that_is_not_a_pack_is_reported(monkeypatch: pytest.MonkeyPatch,
                                                    fresh_registry_cache: None) -> None:
    # a plain string: loads fine, but is neither a Pack nor a callable returning one
    fake = [EntryPoint(name="notapack", value="engine.config.registry:GROUP",
                       group=engine.config.registry.GROUP)]
    monkeypatch.setattr(engine.config.registry, "entry_points", lambda *, group: fake)
    with pytest.raises(PackError, match=r'activity pack "notapack" .*is not an engine\.activity\.Pack'):
        Registry.from_entry_points()


# -- (c) each activity through the engine ---------------------------------------------------------------

async def test_split_trims_and_drops_empty_items(tmp_path: Path) -> None:
    split = act("split", "core.split", text=" alpha ,, beta,  ,gamma ", separator=",")
    result = await run(tmp_path, [split])
    assert result.status == "success"
    instance = only_instance(result, "split")
    assert instance.status == "success"
    assert instance.rows == [{"item": "alpha", "index": 0}, {"item": "beta", "index": 1},
                             {"item": "gamma", "index": 2}]


async def test_split_default_separator_is_new_lines(tmp_path: Path) -> None:
    split = act("split", "core.split", text="one\r\ntwo\n\n three \n")
    result = await run(tmp_path, [split])
    assert result.rows("split") == [{"item": "one", "index": 0}, {"item": "two", "index": 1},
                                    {"item": "three", "index": 2}]


async def test_split_without_trim_keeps_white_space(tmp_path: Path) -> None:
    split = act("split", "core.split", text=" a ,,b ", separator=",", trim=False)
    result = await run(tmp_path, [split])
    assert result.status == "success"
    # only truly empty items go; white space around the others stays
    assert result.rows("split") == [{"item": " a ", "index": 0}, {"item": "b ", "index": 1}]


async def test_compare_values_unknown_operator_through_subscription_fails_instance(tmp_path: Path) -> None:
    start = act("start", "core.initialize_data",
                parameters=[{"name": "Op", "type": "string"}])
    compare = act("compare", "core.compare_values", left="a", op="{{start.Op}}", right="b")
    result = await run(tmp_path, [start, compare], chain(start, compare), {"Op": "looks_like"})
    assert result.status == "failed"
    instance = only_instance(result, "compare")
    assert instance.status == "failed"
    assert instance.rows == []
    assert "unknown operator" in instance.error
    assert "looks_like" in instance.error


async def test_compare_values_known_operator_publishes_result(tmp_path: Path) -> None:
    start = act("start", "core.initialize_data", parameters=[{"name": "Op", "type": "string"}])
    compare = act("compare", "core.compare_values", left="web01", op="{{start.Op}}", right="web")
    result = await run(tmp_path, [start, compare], chain(start, compare), {"Op": "starts_with"})
    assert result.status == "success"
    assert result.rows("compare") == [{"result": True}]


async def test_run_program_missing_program_fails(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-program-here")
    program = act("program", "core.run_program", argv=[missing, "--help"])
    result = await run(tmp_path, [program])
    assert result.status == "failed"
    instance = only_instance(result, "program")
    assert instance.status == "failed"
    assert instance.error.startswith("program not found")
    assert missing in instance.error


async def test_run_program_timeout_kills_the_program(tmp_path: Path) -> None:
    program = act("program", "core.run_program",
                  argv=[sys.executable, "-c", "import time; time.sleep(5)"], timeout_s=0.5)
    began = time.monotonic()
    result = await run(tmp_path, [program])
    took = time.monotonic() - began
    assert took < 3.5, f"the job took {took:.2f} s: the program was not killed at its timeout"
    assert result.status == "failed"
    instance = only_instance(result, "program")
    assert instance.status == "failed"
    assert "killed after 0.5 s" in instance.error


async def test_run_program_one_row_by_default(tmp_path: Path) -> None:
    program = act("program", "core.run_program",
                  argv=[sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"])
    result = await run(tmp_path, [program])
    assert result.status == "success"
    [row] = result.rows("program")
    assert row["exit_code"] == 0
    assert row["stdout"].strip() == "out"
    assert row["stderr"].strip() == "err"


async def test_run_program_rows_lines(tmp_path: Path) -> None:
    program = act("program", "core.run_program",
                  argv=[sys.executable, "-c", "print('first'); print('second'); print('third')"],
                  rows="lines")
    result = await run(tmp_path, [program])
    assert result.status == "success"
    rows = result.rows("program")
    assert [(r["line"], r["index"], r["exit_code"]) for r in rows] == [
        ("first", 0, 0), ("second", 1, 0), ("third", 2, 0)]


async def test_run_program_env_adds_a_variable(tmp_path: Path) -> None:
    program = act("program", "core.run_program",
                  argv=[sys.executable, "-c", "import os;print(os.environ['X'])"],
                  env={"X": "from-the-runbook"})
    result = await run(tmp_path, [program])
    assert result.status == "success"
    [row] = result.rows("program")
    assert row["stdout"].strip() == "from-the-runbook"


async def test_run_program_non_zero_exit_fails_with_its_code(tmp_path: Path) -> None:
    program = act("program", "core.run_program",
                  argv=[sys.executable, "-c", "import sys; print('bad thing', file=sys.stderr); sys.exit(3)"])
    result = await run(tmp_path, [program])
    instance = only_instance(result, "program")
    assert instance.status == "failed"
    assert "exited with code 3" in instance.error
    assert "bad thing" in instance.error


def test_delay_negative_seconds_is_a_validation_error(tmp_path: Path) -> None:
    path = save(tmp_path, [act("wait", "core.delay", seconds=-1)])
    with pytest.raises(RunbookError) as caught:
        engine.load_runbook(path)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert any(p.activity == "wait" and p.key == "properties.seconds" for p in errors), errors
    assert 'activity "wait"' in str(caught.value)
    assert 'key "properties.seconds"' in str(caught.value)


async def test_delay_waits_and_publishes_seconds(tmp_path: Path) -> None:
    began = time.monotonic()
    result = await run(tmp_path, [act("wait", "core.delay", seconds=0.1)])
    assert time.monotonic() - began >= 0.1
    assert result.status == "success"
    assert result.rows("wait") == [{"seconds": 0.1}]


def test_initialize_data_duplicate_parameter_names_is_a_validation_error(tmp_path: Path) -> None:
    start = act("start", "core.initialize_data",
                parameters=[{"name": "Host", "type": "string"}, {"name": "host", "type": "string"}])
    path = save(tmp_path, [start])
    with pytest.raises(RunbookError) as caught:
        engine.load_runbook(path)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert any(p.activity == "start" and (p.key or "").startswith("properties.parameters")
               and "unique" in p.message for p in errors), errors


async def test_initialize_data_publishes_the_parameters(tmp_path: Path) -> None:
    start = act("start", "core.initialize_data",
                parameters=[{"name": "Host", "type": "string"}, {"name": "Count", "type": "number"}])
    result = await run(tmp_path, [start], parameters={"Host": "web01", "Count": "2"})
    assert result.status == "success"
    [row] = result.rows("start")
    assert row["Host"] == "web01"
    assert row["Count"] == 2


async def test_return_data_sets_the_jobs_returned_data(tmp_path: Path) -> None:
    start = act("start", "core.initialize_data", parameters=[{"name": "Who", "type": "string"}])
    answer = act("answer", "core.return_data", data={"greeting": "hello {{start.Who}}", "fixed": "x"})
    result = await run(tmp_path, [start, answer], chain(start, answer), {"Who": "ops"})
    assert result.status == "success"
    assert result.returned == {"greeting": "hello ops", "fixed": "x"}
    assert result.rows("answer") == [{"greeting": "hello ops", "fixed": "x"}]


async def test_invoke_runbook_without_wait_returns_at_once_and_child_runs_to_the_end(tmp_path: Path) -> None:
    child_start = act("start", "core.initialize_data", parameters=[{"name": "Who", "type": "string"}])
    pause = act("pause", "core.delay", seconds=0.3)
    answer = act("answer", "core.return_data", data={"greeting": "hello {{start.Who}}"})
    save(tmp_path, [child_start, pause, answer], chain(child_start, pause, answer),
         name="child.json", title="Child")

    fire = act("fire", "core.invoke_runbook", path="child.json", parameters={"Who": "nobody"}, wait=False)
    parent_path = save(tmp_path, [fire], title="Parent")
    runbook = engine.load_runbook(parent_path)

    events: list[Event] = []
    began = time.monotonic()
    result = await engine.Engine().run(runbook, sinks=[events.append])
    took = time.monotonic() - began

    assert result.status == "success"
    instance = only_instance(result, "fire")
    assert instance.status == "success"
    [row] = instance.rows
    assert row["status"] == "running"
    child_id = row["job_id"]
    assert child_id and child_id != result.job_id
    assert "greeting" not in row  # it did not wait for the child's returned data
    # the invoke itself returned long before the child's delay was over
    assert _duration(instance) < 0.25

    # the parent job waited for its child, which ran to its end
    assert took >= 0.3
    finished = {e.job_id: e for e in events if e.kind == "job_finished"}
    assert finished[child_id].status == "success"
    started = [e for e in events if e.kind == "job_started" and e.job_id == child_id]
    assert started and started[0].parent_job_id == result.job_id
    order = [e.job_id for e in events if e.kind == "job_finished"]
    assert order == [child_id, result.job_id]
    child_instances = [e for e in events if e.kind == "instance_finished" and e.job_id == child_id]
    assert {e.activity for e in child_instances} == {"start", "pause", "answer"}


async def test_invoke_runbook_with_wait_publishes_the_childs_returned_data(tmp_path: Path) -> None:
    answer = act("answer", "core.return_data", data={"greeting": "hi"})
    save(tmp_path, [answer], name="child.json", title="Child")
    call = act("call", "core.invoke_runbook", path="child.json")
    result = await run(tmp_path, [call])
    assert result.status == "success"
    [row] = result.rows("call")
    assert row["status"] == "success"
    assert row["greeting"] == "hi"


def _duration(instance: Any) -> float:
    return (datetime.fromisoformat(instance.finished_at) - datetime.fromisoformat(instance.started_at)) \
        .total_seconds()
