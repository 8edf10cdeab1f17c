"""Golden runbooks: run a fixture runbook and compare its normalised job result with the expected one.

A fixture is a pair in tests/engine/run/fixtures/:

    <name>.json            the runbook (format 1); child runbooks it invokes sit beside it, without an
                           expected file, so they are not fixtures themselves
    <name>.expected.json   {"description": "...",            what behaviour this pins (DESIGN section)
                            "parameters": {...},              the job's start parameters
                            "load_warnings": ["..."],        validation warnings, located (default none)
                            "order": [["a", "b"]],           every instance of a ended before any of b
                                                              started (optional)
                            "gaps": [{"after": "a", "before": "b", "at_least_s": 0.1}],   (optional)
                            "durations": [{"activity": "a", "at_least_s": 0, "at_most_s": 0.1}],
                                                              each instance of a took that long (optional)
                            "expect": {normalised job result}}

The normalised result keeps what the semantics decide and drops what varies from run to run:
status, parameters, every activity in authored order with its state (and detail when there is one),
its instances as {status, rows, error, attempts} sorted deterministically (concurrent instances finish
in any order; the rows inside one instance keep theirs), junction states and returned data. Timestamps,
durations and job ids go; a UUID anywhere in rows, errors or returned data reads "<uuid>", and the
fixtures directory reads "<fixtures>".
"""

from __future__ import annotations

import asyncio
import difflib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from testpack import PACK as TEST_PACK

from engine import Engine, JobResult, Registry, Runbook, load_runbook
from engine.config.settings import Config
from nodes.core import PACK as CORE_PACK

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED_SUFFIX = ".expected.json"
JOB_TIMEOUT_S = 10  # a golden job takes well under a second; one that never ends fails the test
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EXPECTED_KEYS = {"description", "parameters", "load_warnings", "order", "gaps", "durations", "expect"}


def registry() -> Registry:
    """The core pack plus the test pack."""
    return Registry([CORE_PACK, TEST_PACK])


def fixture_names() -> list[str]:
    return sorted(p.name.removesuffix(EXPECTED_SUFFIX) for p in FIXTURES.glob("*" + EXPECTED_SUFFIX))


def scrub(value: Any) -> Any:
    """Replace what differs between runs or checkouts (job ids, where the fixtures are) by placeholders."""
    if isinstance(value, str):
        return _UUID.sub("<uuid>", value).replace(str(FIXTURES.resolve()), "<fixtures>")
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def _sort_key(instance: dict[str, Any]) -> str:
    return json.dumps(instance, sort_keys=True, ensure_ascii=False)


def normalise(result: JobResult) -> dict[str, Any]:
    document = result.model_dump(mode="json")
    activities = []
    for activity in document["activities"]:
        entry: dict[str, Any] = {"id": activity["id"], "state": activity["state"]}
        if activity.get("detail") is not None:
            entry["detail"] = activity["detail"]
        entry["instances"] = sorted(
            ({"status": i["status"], "rows": scrub(i["rows"]), "error": scrub(i["error"]),
              "attempts": i["attempts"]} for i in activity["instances"]),
            key=_sort_key)
        activities.append(entry)
    return {"status": document["status"], "parameters": document["parameters"], "activities": activities,
            "junctions": document["junctions"], "returned": scrub(document["returned"])}


def canonical(expect: dict[str, Any]) -> dict[str, Any]:
    """An expected document with its instances in the same order normalise() gives, so a fixture may
    list them in whatever order reads best."""
    out = dict(expect)
    out["activities"] = [{**a, "instances": sorted(a.get("instances", []), key=_sort_key)}
                         for a in expect.get("activities", [])]
    return out


def assert_matches(actual: dict[str, Any], expected: dict[str, Any], name: str = "") -> None:
    """Equal documents, or a failure showing a unified diff of the two as indented JSON."""
    if actual == expected:
        return

    def lines(document: dict[str, Any]) -> list[str]:
        return json.dumps(document, indent=1, ensure_ascii=False).splitlines()

    diff = "\n".join(difflib.unified_diff(lines(expected), lines(actual), "expected", "engine",
                                          lineterm=""))
    raise AssertionError(f"{name}: the engine's result differs from the expected one:\n{diff}")


def _seconds(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


def _span(result: JobResult, activity_id: str) -> tuple[float, float]:
    """(first start, last finish) over the instances of one activity."""
    found = result.activity(activity_id)
    assert found is not None and found.instances, f'"{activity_id}" has no instances to time'
    return (min(_seconds(i.started_at) for i in found.instances),
            max(_seconds(i.finished_at) for i in found.instances))


def check_timing(result: JobResult, expected: dict[str, Any]) -> None:
    for before, after in expected.get("order", []):
        finished = _span(result, before)[1]
        started = _span(result, after)[0]
        assert finished <= started, (f'"{after}" started {finished - started:.4f} s before '
                                     f'"{before}" finished')
    for gap in expected.get("gaps", []):
        finished = _span(result, gap["after"])[1]
        started = _span(result, gap["before"])[0]
        assert started - finished >= gap["at_least_s"], (
            f'"{gap["before"]}" started {started - finished:.4f} s after "{gap["after"]}" finished; '
            f'expected at least {gap["at_least_s"]} s')
    for bound in expected.get("durations", []):
        found = result.activity(bound["activity"])
        assert found is not None and found.instances, f'"{bound["activity"]}" has no instances to time'
        for instance in found.instances:
            took = _seconds(instance.finished_at) - _seconds(instance.started_at)
            assert bound.get("at_least_s", 0) <= took <= bound.get("at_most_s", float("inf")), (
                f'an instance of "{bound["activity"]}" took {took:.4f} s, expected {bound}')


def load_expected(name: str) -> dict[str, Any]:
    expected = json.loads((FIXTURES / (name + EXPECTED_SUFFIX)).read_text(encoding="utf-8"))
    unknown = set(expected) - _EXPECTED_KEYS
    assert not unknown, f"{name}{EXPECTED_SUFFIX}: unknown keys {sorted(unknown)}"
    assert "expect" in expected, f"{name}{EXPECTED_SUFFIX}: no \"expect\""
    return expected


def load_fixture(name: str) -> Runbook:
    return load_runbook(FIXTURES / f"{name}.json", registry())


def warnings_of(runbook: Runbook) -> list[str]:
    """Validation warnings located but without the file name (which depends on the checkout)."""
    return [f"{w.where()}: {w.message}" for w in runbook.warnings]


async def run_fixture(name: str, config: Config | None = None) -> tuple[dict[str, Any], JobResult]:
    """Run one golden runbook; returns (expected file, result)."""
    expected = load_expected(name)
    runbook = load_fixture(name)
    assert warnings_of(runbook) == expected.get("load_warnings", [])
    engine = Engine(config or Config(), registry())
    handle = engine.start(runbook, expected.get("parameters", {}))
    try:
        # a job that never ends must fail this test, not hang the run
        result = await asyncio.wait_for(handle.wait(), JOB_TIMEOUT_S)
    except TimeoutError:
        handle.cancel()
        raise AssertionError(f"{name}: the job did not end within {JOB_TIMEOUT_S} s") from None
    return expected, result


def write_runbook(directory: Path, document: dict[str, Any], name: str = "runbook.json") -> Runbook:
    """Write a runbook document to a file and load it the ordinary way (for non-golden tests)."""
    path = directory / name
    path.write_text(json.dumps({"format": "interlock.runbook/1", **document}, indent=2), encoding="utf-8")
    return load_runbook(path, registry())
