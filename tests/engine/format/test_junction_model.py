"""Junctions and fan-out on random runbooks, checked against a small reference model (DESIGN §3.2–3.5).

Hypothesis draws a DAG — one start activity, activities that publish a chosen number of rows with a
chosen status, junctions with random `republish` and `require`, links with filters that pass always,
never, on success, on failure or on rows only, some delayed or disabled — and runs it on the real
Engine. The reference model counts tokens in topological order, which is all the semantics needs:
every instance of an activity emits the same tokens, and a junction sees every token of its ancestors.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

import nodes.core
from engine import ActivityError, Config, Engine, Registry, RunContext, dumps_runbook
from engine.activity import ActivityType, Pack
from engine.format.validate import check_document

# -- a test-only pack: instant activities that publish what they are told ----------------------------


class EmitProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: int = Field(1, ge=0)
    status: Literal["success", "warning", "failed"] = "success"


class EmitRow(BaseModel):
    n: int


class Emit(ActivityType):
    type_name = "hyp.emit"
    display_name = "Emit"
    Properties = EmitProperties
    Published = EmitRow

    async def run(self, properties: EmitProperties, context: RunContext) -> list[dict[str, Any]]:
        if properties.status == "failed":
            raise ActivityError("told to fail")
        if properties.status == "warning":
            context.warn("told to warn")
        return [{"n": i} for i in range(properties.rows)]


HYP = Pack(name="hyp", title="Hypothesis", activities=[Emit])
REGISTRY = Registry([nodes.core.PACK, HYP])
STATUSES = ("success", "warning", "failed")

# -- the reference model ------------------------------------------------------------------------------

# A token as the filters see it: the status of the instance that sent it, and whether it carries a row
# with the field `n` (an error token carries common data only; a junction's token carries the
# republished row, or nothing for republish null).
Token = tuple[str, bool]

FILTERS: dict[str, Any] = {
    # name: (extra link keys given the source id, does a token pass)
    "default": (lambda src: {}, lambda t: t[0] == "success"),
    "always": (lambda src: {"include": [{"status": list(STATUSES)}]}, lambda t: True),
    "never": (lambda src: {"include": [{"field": f"{src}.n", "op": "less_than", "value": 0}]},
              lambda t: False),
    "failed": (lambda src: {"include": [{"status": "failed"}]}, lambda t: t[0] == "failed"),
    "rows": (lambda src: {"include": [{"field": f"{src}.n", "op": "at_least", "value": 0}],
                          "exclude": [{"status": "cancelled"}]}, lambda t: t[1]),
    "disabled": (lambda src: {"enabled": False}, lambda t: False),
}


@dataclass
class Node:
    id: str
    junction: bool
    preds: list[int]
    rows: int = 1
    status: str = "success"
    republish: int | None = None  # index into preds
    require: str = "settled"
    enabled: bool = True


@dataclass
class Case:
    nodes: list[Node]
    filters: dict[tuple[int, int], str]  # (from, to) -> filter name
    delayed: set[tuple[int, int]] = field(default_factory=set)

    def document(self) -> dict[str, Any]:
        activities = []
        for i, node in enumerate(self.nodes):
            if node.junction:
                republish = None if node.republish is None else self.nodes[node.preds[node.republish]].id
                properties: dict[str, Any] = {"republish": republish, "require": node.require}
                activity = {"id": node.id, "type": "core.junction", "name": f"Node {i}",
                            "properties": properties}
            else:
                activity = {"id": node.id, "type": "hyp.emit", "name": f"Node {i}",
                            "properties": {"rows": node.rows, "status": node.status}}
            if not node.enabled:
                activity["enabled"] = False
            activities.append(activity)
        links = []
        for (source, target), name in self.filters.items():
            extra = FILTERS[name][0](self.nodes[source].id)
            if (source, target) in self.delayed:
                extra["delay_s"] = 0.001
            links.append({"from": self.nodes[source].id, "to": self.nodes[target].id, **extra})
        return {"format": "interlock.runbook/1", "name": "Hypothesis", "activities": activities,
                "links": links}


@dataclass
class Expected:
    instances: dict[str, int]  # activity id -> instances (non-junctions)
    junctions: dict[str, tuple[str, int]]  # junction id -> (state, rows)
    status: str


def reference(case: Case) -> Expected:
    """What DESIGN §3 says the job does, computed by counting tokens in topological order."""
    out: list[list[Token]] = []
    instances: dict[str, int] = {}
    junctions: dict[str, tuple[str, int]] = {}
    failed = warned = False
    for i, node in enumerate(case.nodes):
        arrived: list[list[Token]] = []
        for p in node.preds:
            passes = FILTERS[case.filters[(p, i)]][1]
            arrived.append([t for t in out[p] if passes(t)])
        if not node.enabled:
            out.append([])
            continue
        if node.junction:
            if not any(arrived):
                state, tokens = "not reached", []
            elif node.require == "all" and not all(arrived):
                state, tokens = "blocked", []
            elif node.republish is None:
                state, tokens = "fired", [("success", False)]
            else:
                state, tokens = "fired", [("success", has_row) for _, has_row in arrived[node.republish]]
            junctions[node.id] = (state, len(tokens))
            warned |= state == "blocked"
            out.append(tokens)
            continue
        count = 1 if i == 0 else sum(len(a) for a in arrived)
        instances[node.id] = count
        if node.status == "failed":
            each = [("failed", False)]
        elif node.rows:
            each = [(node.status, True)] * node.rows
        else:
            each = [("warning", False)] if node.status == "warning" else []
        failed |= count > 0 and node.status == "failed"
        warned |= count > 0 and node.status == "warning"
        out.append(each * count)
    status = "failed" if failed else "warning" if warned else "success"
    return Expected(instances, junctions, status)


# -- the strategy --------------------------------------------------------------------------------------

FILTER_CHOICES = ["default", "default", "always", "never", "failed", "rows", "disabled"]

# One activity after the start, drawn independently of its position so that hypothesis can shrink a
# failing runbook by deleting activities. Predecessor picks are taken modulo the position.
node_specs = st.fixed_dictionaries({
    "junction": st.booleans(),
    "preds": st.lists(st.integers(0, 8), max_size=3),
    "republish": st.none() | st.integers(0, 2),
    "require": st.sampled_from(["settled", "all"]),
    "rows": st.sampled_from([0, 1, 1, 2]),
    "status": st.sampled_from(["success", "success", "warning", "failed"]),
    "disabled": st.integers(0, 9).map(lambda n: n == 9),
    "filters": st.lists(st.sampled_from(FILTER_CHOICES), min_size=3, max_size=3),
    "delayed": st.lists(st.integers(0, 7).map(lambda n: n == 7), min_size=3, max_size=3),
})


@st.composite
def cases(draw: st.DrawFn) -> Case:
    nodes = [Node("n0", junction=False, preds=[], rows=draw(st.integers(1, 3)))]
    filters: dict[tuple[int, int], str] = {}
    delayed: set[tuple[int, int]] = set()
    for i, spec in enumerate(draw(st.lists(node_specs, min_size=1, max_size=8)), start=1):
        # no predecessor picked: hang it under the start activity, the only start point
        preds = sorted({p % i for p in spec["preds"]}) or [0]
        node = Node(f"n{i}", junction=spec["junction"], preds=preds, enabled=not spec["disabled"])
        if node.junction:
            node.republish = None if spec["republish"] is None else spec["republish"] % len(preds)
            node.require = spec["require"]
        else:
            node.rows, node.status = spec["rows"], spec["status"]
        nodes.append(node)
        for k, p in enumerate(preds):
            filters[(p, i)] = spec["filters"][k]
            if spec["delayed"][k]:
                delayed.add((p, i))
    return Case(nodes, filters, delayed)


# -- running it ----------------------------------------------------------------------------------------

TIMEOUT_S = 10  # a job of these instant activities ends in milliseconds
IDLE_S = 0.1


class JobHung(AssertionError):
    pass


async def run_case(document: dict[str, Any]) -> Any:
    """Run a generated runbook; a job that can no longer make progress fails fast as JobHung."""
    runbook, problems = check_document(document, "hypothesis.json", REGISTRY)
    assert runbook is not None, [str(p) for p in problems]
    engine = Engine(Config(), REGISTRY)
    job = asyncio.ensure_future(engine.run(runbook, {}))
    # not asyncio.wait_for: cancelling a job that cannot end would wait for it forever
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT_S
    idle_since = None
    while not job.done():
        await asyncio.wait({job}, timeout=0.01)
        # engine.run waits on the job's own task; any further task is an instance or a delayed token.
        # With none left for a while, nothing can ever end the job.
        working = [t for t in asyncio.all_tasks() if t is not job and t is not asyncio.current_task()
                   and not t.done()]
        idle_since = (idle_since or loop.time()) if len(working) <= 1 else None
        if idle_since is not None and loop.time() - idle_since > IDLE_S:
            raise JobHung("the job did not end: nothing is running any more, yet it waits")
        if loop.time() > deadline:
            raise JobHung(f"the job did not end within {TIMEOUT_S} s")
    return job.result()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_junctions_and_fan_out_match_the_reference_model(case: Case) -> None:
    expected = reference(case)
    assume(sum(expected.instances.values()) <= 1500)
    document = case.document()
    # the generated file is valid and round-trips: what runs is what a saved file holds
    assert json.loads(dumps_runbook(check_document(document, "h.json", REGISTRY)[0])) == document
    where = f"\nrunbook: {json.dumps(document)}"
    result = asyncio.run(run_case(document))
    got_junctions = {
        a.id: (a.state, sum(len(i.rows) for i in a.instances)) for a in result.activities
        if a.id in expected.junctions}
    assert got_junctions == expected.junctions, where
    assert result.junctions == {j: state for j, (state, _) in expected.junctions.items()}, where
    got_instances = {a.id: len(a.instances) for a in result.activities if a.id in expected.instances}
    assert got_instances == expected.instances, where
    for activity in result.activities:
        if activity.id in expected.instances:
            assert activity.state == ("ran" if expected.instances[activity.id] else "not run"), where
        elif activity.id not in expected.junctions:  # disabled
            assert activity.state == "not run" and activity.instances == [], where
    assert result.status == expected.status, where


# -- the reference model itself, on cases worked out by hand ------------------------------------------

def _case(nodes: list[Node], filters: dict[tuple[int, int], str]) -> Case:
    return Case(nodes, filters)


def test_reference_model_dead_branch_does_not_block_settled_but_blocks_all():
    # n0 (2 rows) -> n1 (1 row each), n0 -never-> n2; n1, n2 -> junction n3
    for require, state in (("settled", ("fired", 2)), ("all", ("blocked", 0))):
        case = _case([Node("n0", False, [], rows=2), Node("n1", False, [0]), Node("n2", False, [0]),
                      Node("n3", True, [1, 2], republish=0, require=require)],
                     {(0, 1): "default", (0, 2): "never", (1, 3): "default", (2, 3): "default"})
        expected = reference(case)
        assert expected.instances == {"n0": 1, "n1": 2, "n2": 0}
        assert expected.junctions == {"n3": state}
        assert expected.status == ("success" if require == "settled" else "warning")


def test_reference_model_failure_routes_one_error_token():
    case = _case([Node("n0", False, [], rows=3), Node("n1", False, [0], status="failed"),
                  Node("n2", False, [1]), Node("n3", True, [1], republish=None)],
                 {(0, 1): "default", (1, 2): "failed", (1, 3): "rows"})
    expected = reference(case)
    assert expected.instances == {"n0": 1, "n1": 3, "n2": 3}
    assert expected.junctions == {"n3": ("not reached", 0)}
    assert expected.status == "failed"


def test_the_engine_agrees_on_a_hand_written_case():
    # n0 (3 rows) -> n1 (2 rows each) -> junction n3 republishing n1; n0 -never-> n2 -> n3; n3 -> n4
    case = _case([Node("n0", False, [], rows=3), Node("n1", False, [0], rows=2), Node("n2", False, [0]),
                  Node("n3", True, [1, 2], republish=0), Node("n4", False, [3])],
                 {(0, 1): "default", (0, 2): "never", (1, 3): "default", (2, 3): "default",
                  (3, 4): "default"})
    result = asyncio.run(run_case(case.document()))
    assert result.junctions == {"n3": "fired"}
    assert [len(a.instances) for a in result.activities] == [1, 3, 0, 1, 6]
    assert len(result.rows("n3")) == 6
    assert result.status == "success"
