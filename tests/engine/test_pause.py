"""The pause hook the runbook tester uses: awaited before every instance runs, with its inputs as
resolved; holding it holds exactly that instance."""

from __future__ import annotations

import asyncio

import nodes.core
from engine import Engine, Registry
from engine.job import PausePoint
from engine.model import Runbook

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
