"""The compiled graph is reused while a runbook's shape is unchanged, and redone when it changes:
validation compiles on load, the executor must never run on a stale graph."""

from __future__ import annotations

import gc

import pytest

import nodes.core
from engine import Engine, Registry
from engine.format.model import Activity, Link, Runbook
from engine.gcpolicy import paused_gc

REGISTRY = Registry([nodes.core.PACK])


def book() -> Runbook:
    return Runbook(name="Shape", activities=[
        Activity(id="start", type="core.initialize_data", name="Start"),
        Activity(id="a", type="core.delay", name="A", properties={"seconds": 0}),
        Activity(id="b", type="core.delay", name="B", properties={"seconds": 0}),
        Activity(id="join", type="core.junction", name="Join", properties={"republish": "a"}),
    ], links=[Link(from_="start", to="a"), Link(from_="start", to="b"), Link(from_="a", to="join"),
              Link(from_="b", to="join")])


def test_unchanged_runbook_reuses_its_compile():
    engine = Engine(registry=REGISTRY)
    runbook = book()
    assert engine.compile(runbook) is engine.compile(runbook)


def test_a_new_link_gives_a_new_graph():
    engine = Engine(registry=REGISTRY)
    runbook = book()
    before = engine.compile(runbook)
    assert before.in_scope("b") == ["start"]
    runbook.links.append(Link(from_="a", to="b"))
    after = engine.compile(runbook)
    assert after is not before
    assert after.in_scope("b") == ["start", "a"]
    assert after.predecessors("b") == ["start", "a"]


def test_a_changed_republish_changes_the_junction_scope():
    engine = Engine(registry=REGISTRY)
    runbook = book()
    runbook.activities.append(Activity(id="after", type="core.delay", name="After",
                                       properties={"seconds": 0}))
    runbook.links.append(Link(from_="join", to="after"))
    assert engine.compile(runbook).in_scope("after") == ["start", "a", "join"]
    runbook.activities[3].properties["republish"] = "b"
    assert engine.compile(runbook).in_scope("after") == ["start", "b", "join"]


def test_paused_gc_resumes_even_when_the_block_fails():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
