"""The pause hook the runbook tester uses: awaited before every instance runs, with its inputs as
resolved; holding it holds exactly that instance."""

from __future__ import annotations

import asyncio

import nodes.core
from engine import Engine, Registry
from engine.format.model import Runbook
from engine.run.job import PausePoint

REGISTRY = Registry([nodes.core.PACK])


def book() -> Runbook:
    return Runbook.model_validate({"name": "Pause", "activities": [
        {"id": "start", "type": "core.initialize_data", "name": "Start",
         "properties": {"parameters": [{"name": "Items", "type": "string"}]}},
        {"id": "split", "type": "core.split", "name": "Split", "properties": {"text": "{{start.Items}}",
                                                                           "separator": ","}},
        {"id": "wait", "type": "core.delay", "name": "Wait", "properties": {"seconds": 0}},
    ], "links": [{"from": "start", "to": "split"}, {"from": "split", "to": "wait"}]}, by_name=False)


async def test_each_instance_waits_for_the_hook_and_sees_its_resolved_inputs():
    seen: list[PausePoint] = []
    gate = asyncio.Event()
    held: list[asyncio.Event] = []

    async def before(point: PausePoint) -> None:
        seen.append(point)
        if point.activity == "split":
            event = asyncio.Event()
            held.append(event)
            gate.set()
            await event.wait()

    handle = Engine(registry=REGISTRY).start(book(), {"Items": "a,b,c"}, before_instance=before)
    await asyncio.wait_for(gate.wait(), 5)
    await asyncio.sleep(0.05)
    assert [p.activity for p in seen] == ["start", "split"]  # held before Split: nothing after it ran
    assert seen[1].inputs["text"] == "a,b,c"  # {{start.Items}} as resolved
    assert not handle.done
    held[0].set()
    result = await asyncio.wait_for(handle.wait(), 5)
    assert result.status == "success"
    assert [p.activity for p in seen] == ["start", "split", "wait", "wait", "wait"]
    assert sorted(p.instance for p in seen if p.activity == "wait") == [0, 1, 2]


def fan_out_book(count: int) -> Runbook:
    return Runbook.model_validate({"name": "Wide", "activities": [
        {"id": "start", "type": "core.initialize_data", "name": "Start",
         "properties": {"parameters": [{"name": "Items", "type": "string"}]}},
        {"id": "split", "type": "core.split", "name": "Split", "properties": {"text": "{{start.Items}}",
                                                                           "separator": ","}},
        {"id": "join", "type": "core.junction", "name": "Join", "properties": {"republish": "split"}},
        {"id": "wait", "type": "core.delay", "name": "Wait", "properties": {"seconds": 0}},
    ], "links": [{"from": "start", "to": "split"}, {"from": "split", "to": "join"},
                 {"from": "join", "to": "wait"}]}, by_name=False)


async def test_a_large_fan_out_is_routed_in_chunks_with_nothing_lost_or_early():
    events: list = []
    items = ",".join(str(n) for n in range(1000))
    result = await Engine(registry=REGISTRY).run(fan_out_book(1000), {"Items": items}, sinks=[events.append])
    assert result.status == "success" and result.junctions == {"join": "fired"}
    assert len(result.activity("wait").instances) == 1000  # every row, once
    passed: dict[tuple[str, str], int] = {}
    for event in events:
        if event.kind == "link":
            passed[(event.from_, event.to)] = passed.get((event.from_, event.to), 0) + event.passed
    assert passed[("split", "join")] == 1000 and passed[("join", "wait")] == 1000
    fired = [e for e in events if e.kind == "junction"]
    routed_to_join = [i for i, e in enumerate(events) if e.kind == "link" and e.to == "join"]
    assert len(fired) == 1 and events.index(fired[0]) > routed_to_join[-1]  # after the last chunk


async def test_cancelling_between_chunks_ends_the_job():
    handles: list = []

    def cancel_after_first_chunk(event) -> None:
        if event.kind == "link" and event.to == "join" and handles:
            handles[0].cancel()  # the first 200 tokens are routed; the rest wait for the loop

    handle = Engine(registry=REGISTRY).start(fan_out_book(1000), {"Items": ",".join(map(str, range(1000)))},
                                             sinks=[cancel_after_first_chunk])
    handles.append(handle)
    result = await asyncio.wait_for(handle.wait(), 10)  # ends: no chunk left holding the job open
    assert result.status == "cancelled"
    assert result.activity("wait").instances == []
    assert result.junctions["join"] == "not reached"
