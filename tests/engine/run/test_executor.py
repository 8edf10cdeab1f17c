"""The executor beyond single results: parallelism limits, cancellation, the event stream and start
parameters (DESIGN §3.6, §3.7, §3.8, §5)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from golden import load_fixture, registry, write_runbook
from testpack import tracker

from engine import Engine, Event, ParameterError
from engine.config.settings import Config, EngineSettings


def _engine(config: Config | None = None) -> Engine:
    return Engine(config or Config(), registry())


def _rows(count: int) -> list[dict[str, Any]]:
    return [{"i": i} for i in range(count)]


def _fan_out_to_tracker(key: str, rows: int, run: dict[str, Any] | None = None) -> dict[str, Any]:
    work: dict[str, Any] = {"id": "work", "type": "test.track", "name": "Work",
                            "properties": {"key": key, "seconds": 0.03}}
    if run is not None:
        work["run"] = run
    return {"name": "Parallel", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": _rows(rows)}},
        work,
    ], "links": [{"from": "start", "to": "work"}]}


# -- max_parallel -----------------------------------------------------------------------------------

def link_counts(events: list[Event]) -> dict[tuple[str, str], list[int]]:
    """[passed, filtered] per link, summed over every link event of a run."""
    links: dict[tuple[str, str], list[int]] = {}
    for e in events:
        if e.kind == "link":
            counts = links.setdefault((e.from_, e.to), [0, 0])  # type: ignore[attr-defined]
            counts[0] += e.passed  # type: ignore[attr-defined]
            counts[1] += e.filtered  # type: ignore[attr-defined]
    return links


async def test_max_parallel_peak_is_the_limit(tmp_path: Path) -> None:
    key = str(uuid.uuid4())
    runbook = write_runbook(tmp_path, _fan_out_to_tracker(key, 30, {"max_parallel": 5}))
    result = await _engine().run(runbook)
    assert result.status == "success"
    work = result.activity("work")
    assert work is not None and len(work.instances) == 30
    assert all(i.status == "success" for i in work.instances)
    # never more than the limit, and the limit is actually used (queued instances start as others end)
    assert tracker(key).peak == 5
    assert tracker(key).finished == 30


async def test_default_max_parallel_comes_from_config(tmp_path: Path) -> None:
    key = str(uuid.uuid4())
    runbook = write_runbook(tmp_path, _fan_out_to_tracker(key, 10))
    result = await _engine(Config(engine=EngineSettings(max_parallel=3))).run(runbook)
    assert result.status == "success"
    assert tracker(key).peak == 3
    assert tracker(key).finished == 10


async def test_max_parallel_is_per_activity_not_per_job(tmp_path: Path) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    runbook = write_runbook(tmp_path, {"name": "Two limits", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": _rows(8)}},
        {"id": "one", "type": "test.track", "name": "One", "properties": {"key": first, "seconds": 0.03},
         "run": {"max_parallel": 2}},
        {"id": "two", "type": "test.track", "name": "Two", "properties": {"key": second, "seconds": 0.03},
         "run": {"max_parallel": 4}},
    ], "links": [{"from": "start", "to": "one"}, {"from": "start", "to": "two"}]})
    result = await _engine().run(runbook)
    assert result.status == "success"
    assert (tracker(first).peak, tracker(second).peak) == (2, 4)


# -- cancellation -----------------------------------------------------------------------------------

def _slow_runbook(tmp_path: Path) -> Any:
    return write_runbook(tmp_path, {"name": "Slow", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": _rows(3)}},
        {"id": "slow", "type": "test.sleep", "name": "Slow", "properties": {"seconds": 30},
         "run": {"max_parallel": 2}},
        {"id": "after", "type": "test.echo", "name": "After", "properties": {"value": "{{start.i}}"}},
        {"id": "join", "type": "core.junction", "name": "Join", "properties": {"republish": None}},
        {"id": "report", "type": "test.echo", "name": "Report", "properties": {"value": "done"}},
    ], "links": [
        {"from": "start", "to": "slow"},
        {"from": "slow", "to": "after"},
        {"from": "slow", "to": "join"},
        {"from": "join", "to": "report"},
    ]})


async def test_cancel_mid_run(tmp_path: Path) -> None:
    runbook = _slow_runbook(tmp_path)
    events: list[Event] = []
    both_running = asyncio.Event()

    def sink(event: Event) -> None:
        events.append(event)
        started = [e for e in events if e.kind == "instance_started" and e.activity == "slow"]
        if len(started) == 2:
            both_running.set()

    handle = _engine().start(runbook, {}, [sink])
    await asyncio.wait_for(both_running.wait(), 5)
    assert not handle.done
    handle.cancel()
    result = await asyncio.wait_for(handle.wait(), 5)  # far less than the 30 s the instances sleep

    assert result.status == "cancelled"
    slow = result.activity("slow")
    assert slow is not None
    # the two running instances were cancelled; the queued third never started
    assert [i.status for i in slow.instances] == ["cancelled", "cancelled"]
    assert [e.activity for e in events if e.kind == "instance_started"] == ["start", "slow", "slow"]
    for downstream in ("after", "report"):
        found = result.activity(downstream)
        assert found is not None and found.instances == []
    assert result.junctions == {"join": "not reached"}
    assert not any(e.kind == "link" and e.from_ == "slow" for e in events)  # type: ignore[attr-defined]
    assert events[-1].kind == "job_finished" and events[-1].status == "cancelled"  # type: ignore[attr-defined]


async def test_cancel_between_two_queued_instances_ends_the_job(tmp_path: Path) -> None:
    """A slot of max_parallel runs its queued instances in turn; a cancel that lands between two of
    them (after one ends, before the next begins) must still end the job, with the rest not run."""
    runbook = write_runbook(tmp_path, {"name": "Queue", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": _rows(4)}},
        {"id": "each", "type": "test.echo", "name": "Each", "properties": {"value": "{{start.i}}"},
         "run": {"max_parallel": 1}},
    ], "links": [{"from": "start", "to": "each"}]})
    handle: Any = None

    def sink(event: Event) -> None:
        if event.kind == "instance_finished" and event.activity == "each":  # type: ignore[attr-defined]
            # Runs after the slot has finished this instance and yielded before the next one.
            asyncio.get_running_loop().call_soon(handle.cancel)

    handle = _engine().start(runbook, {}, [sink])
    result = await asyncio.wait_for(handle.wait(), 5)
    assert result.status == "cancelled"
    each = result.activity("each")
    assert each is not None and [i.status for i in each.instances] == ["success"]


async def test_a_slot_starts_its_next_instance_before_the_ended_one_is_passed_on(tmp_path: Path) -> None:
    """The critical path first: when an instance ends, its slot's next queued instance starts before
    the ended one's rows go down the link (they follow two loop turns later), and the result still
    holds every instance in the order they ended."""
    runbook = write_runbook(tmp_path, {"name": "Order", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": _rows(2)}},
        {"id": "first", "type": "test.echo", "name": "First", "properties": {"value": "{{start.i}}"},
         "run": {"max_parallel": 1}},
        {"id": "second", "type": "test.echo", "name": "Second", "properties": {"value": "{{first.value}}"}},
    ], "links": [{"from": "start", "to": "first"}, {"from": "first", "to": "second"}]})
    events: list[Event] = []
    result = await _engine().run(runbook, {}, [events.append])
    assert result.status == "success"
    started = [(e.activity, e.instance) for e in events if e.kind == "instance_started"]  # type: ignore[attr-defined]
    assert started.index(("first", 1)) < started.index(("second", 0))
    second = result.activity("second")
    assert second is not None and [i.rows[0]["value"] for i in second.instances] == [0, 1]


async def test_cancelling_the_awaiting_task_cancels_the_job(tmp_path: Path) -> None:
    runbook = _slow_runbook(tmp_path)
    events: list[Event] = []
    running = asyncio.Event()

    def sink(event: Event) -> None:
        events.append(event)
        if event.kind == "instance_started" and event.activity == "slow":  # type: ignore[attr-defined]
            running.set()

    task = asyncio.create_task(_engine().run(runbook, {}, [sink]))
    await asyncio.wait_for(running.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    finished = [e for e in events if e.kind == "job_finished"]
    assert len(finished) == 1 and finished[0].status == "cancelled"  # type: ignore[attr-defined]


async def test_cancel_drops_tokens_held_on_a_delayed_link(tmp_path: Path) -> None:
    runbook = write_runbook(tmp_path, {"name": "Held", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": _rows(2)}},
        {"id": "later", "type": "test.echo", "name": "Later", "properties": {"value": "{{start.i}}"}},
    ], "links": [{"from": "start", "to": "later", "delay_s": 30}]})
    events: list[Event] = []
    held = asyncio.Event()

    def sink(event: Event) -> None:
        events.append(event)
        if event.kind == "link":
            held.set()

    handle = _engine().start(runbook, {}, [sink])
    await asyncio.wait_for(held.wait(), 5)
    handle.cancel()
    result = await asyncio.wait_for(handle.wait(), 5)
    assert result.status == "cancelled"
    assert result.activity("later").instances == []  # type: ignore[union-attr]
    assert [e.activity for e in events if e.kind == "instance_started"] == ["start"]  # type: ignore[attr-defined]


async def test_cancel_reaches_an_invoked_child(tmp_path: Path) -> None:
    (tmp_path / "child.json").write_text(json.dumps({
        "format": "interlock.runbook/1", "name": "Slow child", "activities": [
            {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": [{"x": 1}]}},
            {"id": "wait", "type": "test.sleep", "name": "Wait", "properties": {"seconds": 30}},
        ], "links": [{"from": "start", "to": "wait"}]}), encoding="utf-8")
    runbook = write_runbook(tmp_path, {"name": "Parent", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": [{"x": 1}]}},
        {"id": "call", "type": "core.invoke_runbook", "name": "Call", "properties": {"path": "child.json"}},
    ], "links": [{"from": "start", "to": "call"}]})
    events: list[Event] = []
    child_running = asyncio.Event()

    def sink(event: Event) -> None:
        events.append(event)
        if event.kind == "instance_started" and event.activity == "wait":  # type: ignore[attr-defined]
            child_running.set()

    handle = _engine().start(runbook, {}, [sink])
    await asyncio.wait_for(child_running.wait(), 5)
    handle.cancel()
    result = await asyncio.wait_for(handle.wait(), 5)
    assert result.status == "cancelled"
    finished = {e.job_id: e.status for e in events if e.kind == "job_finished"}  # type: ignore[attr-defined]
    assert len(finished) == 2, "both the parent and the child job must end"
    assert set(finished.values()) == {"cancelled"}


# -- events -----------------------------------------------------------------------------------------

def _key(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, sort_keys=True)


async def test_event_stream_matches_the_result() -> None:
    runbook = load_fixture("junction_republish_per_row")
    events: list[Event] = []
    result = await _engine().run(runbook, {}, [events.append])

    kinds = [e.kind for e in events]
    assert kinds[0] == "job_started" and kinds[-1] == "job_finished"
    assert kinds.count("job_started") == kinds.count("job_finished") == 1
    assert {e.job_id for e in events} == {result.job_id}
    assert events[-1].status == result.status == "success"  # type: ignore[attr-defined]

    # one instance_finished per instance, carrying that instance's rows; each after its start
    for activity in result.activities:
        if activity.id == "join":
            continue
        finished = [e for e in events if e.kind == "instance_finished" and e.activity == activity.id]  # type: ignore[attr-defined]
        started = [e for e in events if e.kind == "instance_started" and e.activity == activity.id]  # type: ignore[attr-defined]
        assert len(finished) == len(started) == len(activity.instances), activity.id
        assert sorted(_key(e.rows) for e in finished) == sorted(_key(i.rows) for i in activity.instances)  # type: ignore[attr-defined]
        assert sorted(e.instance for e in finished) == list(range(len(finished)))  # type: ignore[attr-defined]
        for end in finished:
            begin = next(e for e in started if e.instance == end.instance)  # type: ignore[attr-defined]
            assert events.index(begin) < events.index(end)

    # link events: per link, passed + filtered is every token its source sent; passed is what arrived
    links = link_counts(events)
    assert links == {
        ("start", "vms"): [1, 0],
        ("vms", "stop"): [2, 1],
        ("vms", "join"): [3, 0],
        ("stop", "join"): [2, 0],
        ("join", "checkpoint"): [3, 0],
    }
    for (source, _target), (passed, filtered) in links.items():
        assert passed + filtered == len(result.rows(source))
    for target in ("vms", "stop", "checkpoint"):
        into = sum(p for (_s, t), (p, _f) in links.items() if t == target)
        assert into == len(result.activity(target).instances)  # type: ignore[union-attr]

    junction = [e for e in events if e.kind == "junction"]
    assert len(junction) == 1
    assert (junction[0].activity, junction[0].state, junction[0].rows) == ("join", "fired", 3)  # type: ignore[attr-defined]
    # the junction fired after the last stop ended and before the first checkpoint started
    position = events.index(junction[0])
    stops = [i for i, e in enumerate(events) if e.kind == "instance_finished" and e.activity == "stop"]  # type: ignore[attr-defined]
    checkpoints = [i for i, e in enumerate(events)
                   if e.kind == "instance_started" and e.activity == "checkpoint"]  # type: ignore[attr-defined]
    assert max(stops) < position < min(checkpoints)
    # every event serialises to one JSON object (the form --events writes)
    for event in events:
        assert json.loads(event.to_json())["kind"] == event.kind


async def test_link_counts_include_error_tokens() -> None:
    events: list[Event] = []
    result = await _engine().run(load_fixture("default_link_skips_failed"), {}, [events.append])
    assert result.status == "failed"
    links = link_counts(events)
    # step: two successes with a row each, one failure without rows that still sends one token
    assert links == {
        ("start", "step"): [3, 0],
        ("step", "next"): [2, 1],
        ("step", "by_data"): [2, 1],
        ("step", "on_error"): [1, 2],
    }
    failed = [e for e in events if e.kind == "instance_finished" and e.status == "failed"]  # type: ignore[attr-defined]
    assert [(e.activity, e.error, e.rows) for e in failed] == [("step", "step 2 broke", [])]  # type: ignore[attr-defined]


async def test_condition_on_a_non_number_logs_why() -> None:
    runbook = load_fixture("operators_all")
    events: list[Event] = []
    result = await _engine().run(runbook, {}, [events.append])
    assert result.status == "success"
    logged = [e for e in events if e.kind == "log" and "'abc' is not a number" in e.message]  # type: ignore[attr-defined]
    assert logged, "a numeric condition on a value that is not a number must log why it is false"
    assert all(e.level == "warning" for e in logged)  # type: ignore[attr-defined]
    # once per link and reason, not once per token
    assert len(logged) == len({e.message for e in logged}) == 5  # type: ignore[attr-defined]


async def test_blocked_junction_is_an_event() -> None:
    events: list[Event] = []
    result = await _engine().run(load_fixture("junction_require_all_blocked"), {}, [events.append])
    junction = [e for e in events if e.kind == "junction"]
    assert [(e.state, e.detail) for e in junction] == [("blocked", "no token on stop -> join")]  # type: ignore[attr-defined]
    assert result.status == "warning"


# -- parameters -------------------------------------------------------------------------------------

def _parameter_runbook(tmp_path: Path, key: str) -> Any:
    return write_runbook(tmp_path, {"name": "Parameters", "activities": [
        {"id": "start", "type": "core.initialize_data", "name": "Start", "properties": {"parameters": [
            {"name": "Batch", "type": "string"},
            {"name": "Count", "type": "number"},
            {"name": "Force", "type": "boolean", "required": False},
        ]}},
        {"id": "work", "type": "test.track", "name": "Work", "properties": {"key": key, "seconds": 0}},
    ], "links": [{"from": "start", "to": "work"}]})


@pytest.mark.parametrize(("given", "names"), [
    ({"Batch": "1"}, ["missing", '"Count"']),
    ({"Batch": "1", "Count": 2, "Colour": "red"}, ["unknown", "'Colour'"]),
    ({"Batch": "1", "Count": "many"}, ['"Count"', "number", "'many'"]),
    ({"Batch": "1", "Count": 2, "Force": "maybe"}, ['"Force"', "true or false"]),
    ({"Batch": ["1"], "Count": 2}, ['"Batch"', "text"]),
])
async def test_bad_parameters_raise_before_anything_runs(tmp_path: Path, given: dict[str, Any],
                                                         names: list[str]) -> None:
    key = str(uuid.uuid4())
    runbook = _parameter_runbook(tmp_path, key)
    events: list[Event] = []
    engine = _engine()
    with pytest.raises(ParameterError) as raised:
        engine.start(runbook, given, [events.append])
    for name in names:
        assert name in str(raised.value)
    with pytest.raises(ParameterError):
        await engine.run(runbook, given, [events.append])
    await asyncio.sleep(0.01)  # anything started by mistake would have run by now
    assert events == []
    assert tracker(key).finished == 0


async def test_good_parameters_are_coerced(tmp_path: Path) -> None:
    key = str(uuid.uuid4())
    given = {"Batch": 7, "Count": "3", "Force": "yes"}
    result = await _engine().run(_parameter_runbook(tmp_path, key), given)
    assert result.status == "success"
    assert result.parameters == {"Batch": "7", "Count": 3, "Force": True}
    assert result.rows("start") == [{"Batch": "7", "Count": 3, "Force": True}]
    assert tracker(key).finished == 1


async def test_a_runbook_without_parameters_refuses_one(tmp_path: Path) -> None:
    runbook = write_runbook(tmp_path, {"name": "No parameters", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": [{"x": 1}]}},
    ], "links": []})
    with pytest.raises(ParameterError, match="unknown parameter"):
        await _engine().run(runbook, {"Batch": "1"})
    assert (await _engine().run(runbook)).status == "success"

