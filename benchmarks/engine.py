"""Engine speed, measured in one run and printed as figures and ratios (issue: engine core).

    python benchmarks/engine.py            # all four measurements
    python benchmarks/engine.py --quick    # smaller sizes, for a smoke run

1. cost per activity instance: 10,000 zero-latency instances (fan-out of one source) — median of runs;
2. 1,000 rows through 3 activities sleeping 50 ms each, max_parallel 50, vs a bare asyncio pipeline
   (gather + one Semaphore(50) per stage) doing the same sleeps in the same process;
3. junction release: time from the last upstream instance's end to the junction firing — median;
4. load + validate + compile of a generated 10,000-activity runbook, next to the floor of the stack
   (json.loads + one pydantic validation of the same file, nothing else).

Measurements 1-3 run the way `interlock run` runs a job: after engine.gcpolicy.settle_for_jobs().
Figure 2 alternates engine and baseline three times and reports the median ratio: on a shared VM the
baseline alone varies by 10 % from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path and its name would shadow the engine
# package: drop it, and load the benchmark pack by path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from engine import Engine, Runbook, load_runbook  # noqa: E402
from engine.config.registry import Registry  # noqa: E402
from engine.gcpolicy import paused_gc, settle_for_jobs  # noqa: E402
from nodes.core import PACK as CORE_PACK  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_pack", HERE / "bench_pack.py")
assert _spec and _spec.loader
bench_pack = importlib.util.module_from_spec(_spec)
sys.modules["bench_pack"] = bench_pack  # pydantic resolves the models' annotations through it
_spec.loader.exec_module(bench_pack)
REGISTRY = Registry([CORE_PACK, bench_pack.PACK])


def runbook(activities: list[dict[str, Any]], links: list[dict[str, Any]]) -> Runbook:
    return Runbook.model_validate({"format": "interlock.runbook/1", "name": "bench",
                                   "activities": activities, "links": links})


def fan_out(rows: int, stages: int, seconds: float, max_parallel: int) -> Runbook:
    activities = [{"id": "source", "type": "bench.rows", "name": "Source", "properties": {"count": rows}}]
    links = []
    previous = "source"
    for s in range(stages):
        stage = f"stage{s}"
        activities.append({"id": stage, "type": "bench.sleep", "name": stage,
                           "properties": {"seconds": seconds, "value": "{{source.n}}"},
                           "run": {"max_parallel": max_parallel}})
        links.append({"from": previous, "to": stage})
        previous = stage
    return runbook(activities, links)


async def per_instance_cost(instances: int, repeats: int, with_sink: bool) -> float:
    engine = Engine(registry=REGISTRY)
    book = fan_out(instances, 1, 0.0, instances)
    costs = []
    for _ in range(repeats):
        events: list[Any] = []
        sinks = [events.append] if with_sink else []
        started = time.perf_counter()
        result = await engine.run(book, sinks=sinks)
        elapsed = time.perf_counter() - started
        assert result.status == "success" and len(result.activity("stage0").instances) == instances
        costs.append(elapsed / (instances + 1))
    return statistics.median(costs)


async def pipeline_baseline(rows: int, stages: int, seconds: float, limit: int) -> float:
    semaphores = [asyncio.Semaphore(limit) for _ in range(stages)]

    async def one_row(n: int) -> None:
        for semaphore in semaphores:
            async with semaphore:
                await asyncio.sleep(seconds)

    started = time.perf_counter()
    await asyncio.gather(*(one_row(n) for n in range(rows)))
    return time.perf_counter() - started


async def pipeline_engine(rows: int, stages: int, seconds: float, limit: int) -> float:
    engine = Engine(registry=REGISTRY)
    book = fan_out(rows, stages, seconds, limit)
    started = time.perf_counter()
    result = await engine.run(book)
    elapsed = time.perf_counter() - started
    assert result.status == "success"
    return elapsed


async def junction_release(branches: int, repeats: int) -> float:
    activities = [{"id": "start", "type": "bench.rows", "name": "Start", "properties": {"count": 1}},
                  {"id": "join", "type": "core.junction", "name": "Join", "properties": {"republish": None}}]
    links = []
    for b in range(branches):
        activities.append({"id": f"b{b}", "type": "bench.sleep", "name": f"B{b}",
                           "properties": {"seconds": 0.001 * (b % 3)}})
        links += [{"from": "start", "to": f"b{b}"}, {"from": f"b{b}", "to": "join"}]
    book = runbook(activities, links)
    engine = Engine(registry=REGISTRY)
    delays = []
    for _ in range(repeats):
        last_finish = 0.0
        fired = 0.0

        def sink(event: Any) -> None:
            nonlocal last_finish, fired
            if event.kind == "instance_finished" and event.activity.startswith("b"):
                last_finish = time.perf_counter()
            elif event.kind == "junction":
                fired = time.perf_counter()

        result = await engine.run(book, sinks=[sink])
        assert result.junctions["join"] == "fired"
        delays.append(fired - last_finish)
    return statistics.median(delays)


def generated_runbook(size: int) -> dict[str, Any]:
    """A wide, layered runbook: initialize data, then layers of 100 activities, junctions between."""
    activities = [{"id": "start", "type": "core.initialize_data", "name": "Start", "at": [0, 0],
                   "properties": {"parameters": [{"name": "Batch", "type": "string"}]}}]
    links = []
    previous = ["start"]
    layer = 0
    while len(activities) < size:
        layer += 1
        if layer % 10 == 0:  # a junction gathering the previous layer
            jid = f"j{layer}"
            activities.append({"id": jid, "type": "core.junction", "name": f"Join {layer}",
                               "at": [layer * 200, 0], "properties": {"republish": previous[0]}})
            links += [{"from": p, "to": jid} for p in previous]
            previous = [jid]
            continue
        current = []
        for k in range(min(100, size - len(activities))):
            aid = f"a{layer}_{k}"
            parent = previous[k % len(previous)]
            activities.append({"id": aid, "type": "core.compare_values", "name": f"Compare {layer}.{k}",
                               "at": [layer * 200, k * 80],
                               "properties": {"left": "{{start.Batch}}", "op": "equals", "right": str(k)}})
            links.append({"from": parent, "to": aid,
                          "include": [{"field": "start.Batch", "op": "equals", "value": "1"}]})
            current.append(aid)
        previous = current
    return {"format": "interlock.runbook/1", "name": "Generated", "activities": activities, "links": links}


def load_validate_compile(size: int, repeats: int) -> tuple[float, int]:
    engine = Engine(registry=REGISTRY)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.json"
        path.write_text(json.dumps(generated_runbook(size), indent=2))
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            book = load_runbook(path, REGISTRY)
            engine.compile(book)
            times.append(time.perf_counter() - started)
        return statistics.median(times), len(book.activities)


def stack_floor(size: int, repeats: int) -> float:
    """json.loads + one Runbook validation of the same file: what the stack costs before any check."""
    text = json.dumps(generated_runbook(size), indent=2)
    times = []
    for _ in range(repeats):
        with paused_gc():
            started = time.perf_counter()
            Runbook.model_validate(json.loads(text), by_name=False)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main_async(quick: bool) -> None:
    instances = 2_000 if quick else 10_000
    rows = 200 if quick else 1_000
    cost = await per_instance_cost(instances, 3 if quick else 5, with_sink=False)
    cost_sink = await per_instance_cost(instances, 3 if quick else 5, with_sink=True)
    print(f"1. cost per instance ({instances:,} zero-latency instances, median of runs): "
          f"{cost * 1e6:.1f} µs without subscribers, {cost_sink * 1e6:.1f} µs with an event sink "
          f"(goal ≤ 100 µs)")

    pairs = []
    for _ in range(3):
        pairs.append((await pipeline_engine(rows, 3, 0.05, 50), await pipeline_baseline(rows, 3, 0.05, 50)))
    engine_time, baseline = sorted(pairs, key=lambda pair: pair[0] / pair[1])[1]  # the median pair
    print(f"2. {rows:,} rows x 3 activities sleeping 50 ms, max_parallel 50 (median of 3 pairs): engine "
          f"{engine_time:.3f} s, bare asyncio {baseline:.3f} s, ratio {engine_time / baseline:.3f} "
          f"(goal ≤ 1.05)")

    release = await junction_release(20, 50 if quick else 300)
    print(f"3. junction release after the last upstream instance: median {release * 1e3:.3f} ms "
          f"(goal ≤ 1 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}")
    settle_for_jobs()
    asyncio.run(main_async(args.quick))
    size = 2_000 if args.quick else 10_000
    elapsed, count = load_validate_compile(size, 3 if args.quick else 5)
    floor = stack_floor(size, 3 if args.quick else 5)
    print(f"4. load + validate + compile a generated {count:,}-activity runbook: {elapsed * 1e3:.1f} ms "
          f"(goal ≤ 100 ms); floor of the stack (json.loads + one pydantic validation): "
          f"{floor * 1e3:.1f} ms, ratio {elapsed / floor:.2f}")


if __name__ == "__main__":
    main()
