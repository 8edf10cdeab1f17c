"""The VM Checkpoint runbook at scale: the engine vs a hand-written asyncio script, in one run.

    python benchmarks/checkpoint.py            # a 1,000-VM lab
    python benchmarks/checkpoint.py --quick    # a 200-VM lab, for a smoke run
    python benchmarks/checkpoint.py --cpu      # CPU per operation, engine vs hand-written, no latency
    python benchmarks/checkpoint.py --phases   # each stretch between the barriers, each side
    python benchmarks/checkpoint.py --instructions   # instructions on the event loop, by valgrind

resources/examples/vm-checkpoint.json runs on a generated simulated lab: every VM in batch 1 (custom
property 1 = "1"), half Running and half Stopped, 50 ms per operation, no faults. The baseline calls the
same back-end class (SimulatedBackend) directly in the runbook's shape: one Semaphore(max_parallel) per
activity, maintenance then stop pipelined per running VM, a gather for each junction ("Wait for
Stopped", "Wait for Checkpoints"), then start and end of maintenance pipelined per stopped VM. What is
left between the two is the engine's own cost: tokens, templates, property validation, published rows,
bookkeeping.

Each run gets a fresh copy of the lab, and the lab is checked afterwards (one checkpoint per VM, taken
while it was stopped; the running VMs running again) so both did the same work; so do the operation
counts, which must be equal. Runs go baseline, engine, three times over, and the median pair by ratio is
reported: on a shared VM one side alone varies by 10 % from run to run.

The process is set up the way `interlock run` runs a job: everything is loaded, then
engine.gcpolicy.settle_for_jobs() is called once before the first run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

# Run as a script, this file's folder comes first on sys.path and benchmarks/engine.py would shadow the
# engine package: drop it.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from engine import Config, Connection, Engine, Registry, Runbook, load_runbook  # noqa: E402
from engine.config.settings import EngineSettings  # noqa: E402
from engine.gcpolicy import settle_for_jobs  # noqa: E402
from nodes.backends.interface import VmRecord  # noqa: E402
from nodes.backends.simulated import lab as lab_module  # noqa: E402
from nodes.backends.simulated.backend import SimulatedBackend  # noqa: E402
from nodes.backends.simulated.lab import Lab, LabVm, Latency, dump_lab  # noqa: E402

RUNBOOK = HERE.parent / "resources" / "examples" / "vm-checkpoint.json"
BATCH = "1"
LATENCY_S = 0.05  # every operation: get, start, stop, checkpoint, maintenance
MAX_PARALLEL = 50  # the engine's default; the baseline's per-activity semaphores
PAIRS = 3
# What the runbook's templates render to for batch 1, so the baseline writes the same data.
COMMENT = f"VM checkpoint of batch {BATCH}"
CHECKPOINT_DESCRIPTION = "Taken by the VM Checkpoint runbook while the VM was not running"
# The runbook's activities that call the back-end (one operation per instance).
BACKEND_PACKS = ("vmm.", "monitoring.")
T = TypeVar("T")


def generated_lab(vms: int) -> Lab:
    """`vms` VMs of batch 1 on hosts hv01..hv10, alternately Running and Stopped."""
    machines = [LabVm(id=f"vm-{n:05d}", name=f"bench-vm-{n:05d}",
                      status="Running" if n % 2 == 0 else "Stopped", host=f"hv{n % 10 + 1:02d}",
                      custom_properties={"1": BATCH})
                for n in range(vms)]
    latency = Latency(get=LATENCY_S, start=LATENCY_S, stop=LATENCY_S, checkpoint=LATENCY_S,
                      maintenance=LATENCY_S)
    return Lab(vms=machines, latency_s=latency, time_scale=1.0)


def check_lab(path: Path, before: Lab) -> None:
    """The run did the whole job: each VM has one checkpoint, taken while it was stopped, is back in
    its first state, and each running VM had one maintenance window, now ended."""
    after = Lab.model_validate_json(path.read_text(encoding="utf-8"))
    first = {vm.id: vm.status for vm in before.vms}
    assert len(after.vms) == len(before.vms)
    for vm in after.vms:
        assert vm.status == first[vm.id], f"{vm.name} is {vm.status}, was {first[vm.id]}"
        assert len(vm.checkpoints) == 1, f"{vm.name} has {len(vm.checkpoints)} checkpoints"
        assert vm.checkpoints[0].vm_status == "Stopped", f"{vm.name} was checkpointed while running"
    running = sorted(vm.name for vm in before.vms if vm.status == "Running")
    assert sorted(w.object for w in after.maintenance) == running
    ended = datetime.now(UTC).isoformat(timespec="milliseconds")
    assert all(w.end <= ended for w in after.maintenance), "a maintenance window is still active"


async def with_fresh_lab(lab: Lab, run: Callable[[Path], Awaitable[tuple[float, int]]]) -> tuple[float, int]:
    """Write the lab to a new folder, run on it, check what the run left: (seconds, operations)."""
    with tempfile.TemporaryDirectory(prefix="interlock-bench-") as folder:
        path = Path(folder) / "lab.json"
        path.write_text(dump_lab(lab), encoding="utf-8")
        outcome = await run(path)
        check_lab(path, lab)
        return outcome


async def engine_run(path: Path, registry: Registry, book: Runbook, vms: int,
                     running: int) -> tuple[float, int]:
    config = Config(engine=EngineSettings(max_parallel=MAX_PARALLEL),
                    connections={"default": Connection(kind="simulated", lab=str(path))})
    engine = Engine(config, registry)
    started = time.perf_counter()
    result = await engine.run(book, {"Batch Number": BATCH})
    elapsed = time.perf_counter() - started

    errors = [f"{a.id}: {i.error}" for a in result.activities for i in a.instances if i.error]
    assert result.status == "success", f"engine run {result.status}: {errors[:3]}"
    expected = {"get_vms": 1, "start_maintenance": running, "stop_vm": running, "new_checkpoint": vms,
                "start_vm": running, "stop_maintenance": running}
    for activity_id, count in expected.items():
        found = result.activity(activity_id)
        assert found is not None and len(found.instances) == count, (activity_id, found and found.state)
    assert result.junctions == {"wait_stopped": "fired", "wait_checkpoints": "fired"}, result.junctions
    calling = {a.id for a in book.activities if a.type.startswith(BACKEND_PACKS)}
    operations = sum(len(a.instances) for a in result.activities if a.id in calling)
    return elapsed, operations


async def hand_written(backend: SimulatedBackend, limit: int) -> int:
    """The runbook written out by hand on the same back-end; returns the operations it did."""
    limits = {name: asyncio.Semaphore(limit) for name in
              ("get_vms", "start_maintenance", "stop_vm", "new_checkpoint", "start_vm", "stop_maintenance")}
    operations = 0

    async def call(activity: str, operation: Awaitable[T]) -> T:
        # `operation` is a coroutine not started yet: it runs once the activity's semaphore lets it.
        nonlocal operations
        async with limits[activity]:
            done = await operation
        operations += 1
        return done

    everything = await call("get_vms", backend.list_vms())
    batch = [vm for vm in everything if vm.custom_properties.get(1) == BATCH]

    async def quiesce(vm: VmRecord) -> VmRecord:
        # One VM's row goes on to Stop VM as soon as its maintenance starts, as the engine's token does.
        await call("start_maintenance", backend.start_maintenance(vm.vm_name, "PlannedOther", 60, COMMENT))
        return await call("stop_vm", backend.stop_vm(vm.vm_id, "shutdown"))

    # "Wait for Stopped": every running VM is stopped before any checkpoint.
    stopped = await asyncio.gather(*(quiesce(vm) for vm in batch if vm.status == "Running"))
    # "Wait for Checkpoints": every VM of the batch is checkpointed before any VM starts again.
    await asyncio.gather(*(call("new_checkpoint", backend.new_checkpoint(
        vm.vm_id, f"Batch {BATCH} - {vm.vm_name}", CHECKPOINT_DESCRIPTION)) for vm in batch))

    async def resume(vm: VmRecord) -> None:
        await call("start_vm", backend.start_vm(vm.vm_id))
        await call("stop_maintenance", backend.stop_maintenance(vm.vm_name))

    await asyncio.gather(*(resume(vm) for vm in stopped))
    return operations


async def baseline_run(path: Path) -> tuple[float, int]:
    backend = SimulatedBackend("default", path)
    started = time.perf_counter()
    operations = await hand_written(backend, MAX_PARALLEL)
    return time.perf_counter() - started, operations


async def main_async(vms: int, registry: Registry, book: Runbook) -> None:
    lab = generated_lab(vms)
    running = sum(vm.status == "Running" for vm in lab.vms)
    pairs: list[tuple[float, float, int]] = []
    for _ in range(PAIRS):
        baseline, baseline_ops = await with_fresh_lab(lab, baseline_run)
        engine_time, engine_ops = await with_fresh_lab(
            lab, lambda path: engine_run(path, registry, book, vms, running))
        assert engine_ops == baseline_ops, f"engine did {engine_ops} operations, baseline {baseline_ops}"
        pairs.append((engine_time, baseline, engine_ops))
    engine_time, baseline, operations = sorted(pairs, key=lambda pair: pair[0] / pair[1])[PAIRS // 2]
    print(f"checkpoint runbook on a {vms:,}-VM lab ({LATENCY_S * 1e3:.0f} ms per operation, max_parallel "
          f"{MAX_PARALLEL}, median of {PAIRS} pairs): engine {engine_time:.3f} s, hand-written asyncio "
          f"{baseline:.3f} s, ratio {engine_time / baseline:.3f} (goal ≤ 1.05); "
          f"operations: {operations:,} each")
    print("all pairs, in the order they ran (engine / hand-written): "
          + ", ".join(f"{e:.3f} / {b:.3f} s" for e, b, _ in pairs))


# The runbook's three stretches between barriers: (first operation called, last operation returned).
PHASES = {"maintenance and stop": ("start_maintenance", "stop_vm"),
          "checkpoints": ("new_checkpoint", "new_checkpoint"),
          "start and end of maintenance": ("start_vm", "stop_maintenance")}


@contextmanager
def timed_operations() -> Iterator[dict[str, list[tuple[float, float]]]]:
    """While inside, each SimulatedBackend call of an operation in PHASES records its (start, end)."""
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    originals = {name: getattr(SimulatedBackend, name) for pair in PHASES.values() for name in pair}

    def timed(name: str, original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(self: SimulatedBackend, *args: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(self, *args)
            finally:
                spans[name].append((started, time.perf_counter()))
        return call

    for name, original in originals.items():
        setattr(SimulatedBackend, name, timed(name, original))
    try:
        yield spans
    finally:
        for name, original in originals.items():
            setattr(SimulatedBackend, name, original)


def wave_period(spans: list[tuple[float, float]]) -> float:
    """The median time from one wave's end to the next: calls that end together (the lab writes a
    wave at once) are one wave, and waves end 50 ms apart or more."""
    ends = sorted(end for _, end in spans)
    wave_ends = [ends[0]] + [b for a, b in pairwise(ends) if b - a > 0.01]
    return statistics.median(b - a for a, b in pairwise(wave_ends))


async def phases_async(vms: int, registry: Registry, book: Runbook) -> None:
    """How long each stretch between the runbook's barriers takes on each side, and the period of the
    checkpoint waves (one activity, vms / max_parallel waves): where the engine's time goes."""
    lab = generated_lab(vms)
    running = sum(vm.status == "Running" for vm in lab.vms)
    sides = ("engine", "hand-written")
    measured: dict[str, dict[str, list[float]]] = {side: defaultdict(list) for side in sides}
    for _ in range(PAIRS):
        for side, run in (("hand-written", baseline_run),
                          ("engine", lambda path: engine_run(path, registry, book, vms, running))):
            with timed_operations() as spans, counted_lab_writes() as writes:
                await with_fresh_lab(lab, run)
            measured[side]["writes"].append(len(writes))
            for phase, (first, last) in PHASES.items():
                measured[side][phase].append(max(end for _, end in spans[last])
                                             - min(start for start, _ in spans[first]))
            measured[side]["wave"].append(wave_period(spans["new_checkpoint"]))
    engine, baseline = ({key: statistics.median(values) for key, values in measured[side].items()}
                        for side in sides)
    print(f"stretches between the barriers on a {vms:,}-VM lab, median of {PAIRS} runs each, engine / "
          f"hand-written: " + "; ".join(f"{phase} {engine[phase]:.3f} / {baseline[phase]:.3f} s"
                                        for phase in PHASES))
    print(f"checkpoint waves ({MAX_PARALLEL} calls each), median time from one wave's end to the next: "
          f"engine {engine['wave'] * 1e3:.1f} ms, hand-written {baseline['wave'] * 1e3:.1f} ms "
          f"(+{(engine['wave'] - baseline['wave']) * 1e3:.1f} ms); lab writes a run: engine "
          f"{engine['writes']:.0f}, hand-written {baseline['writes']:.0f}")


async def cpu_async(vms: int, registry: Registry, book: Runbook) -> None:
    """Both sides on an instant lab (time_scale 0), timed by process CPU time: what the engine adds per
    operation, steadier than wall-clock ratios on a shared machine. Best of 7 runs each."""
    lab = generated_lab(vms)
    lab.time_scale = 0.0
    running = sum(vm.status == "Running" for vm in lab.vms)

    async def cpu_of(run: Callable[[Path], Awaitable[tuple[float, int]]]) -> tuple[float, int]:
        started = time.process_time()
        _, operations = await with_fresh_lab(lab, run)
        return time.process_time() - started, operations

    engine_cpu, baseline_cpu = [], []
    for _ in range(7):
        baseline, operations = await cpu_of(baseline_run)
        baseline_cpu.append(baseline)
        engine_cpu.append((await cpu_of(lambda path: engine_run(path, registry, book, vms, running)))[0])
    engine_best, baseline_best = min(engine_cpu), min(baseline_cpu)
    print(f"CPU on an instant {vms:,}-VM lab, best of 7: engine {engine_best:.3f} s, hand-written "
          f"{baseline_best:.3f} s for {operations:,} operations each; the engine adds "
          f"{(engine_best - baseline_best) / operations * 1e6:.1f} µs per operation")


async def repeat_instant(side: str, runs: int, vms: int, registry: Registry, book: Runbook) -> None:
    """`runs` runs of one side on an instant lab: what --instructions counts under valgrind."""
    lab = generated_lab(vms)
    lab.time_scale = 0.0
    running = sum(vm.status == "Running" for vm in lab.vms)
    run = baseline_run if side != "engine" else (
        lambda path: engine_run(path, registry, book, vms, running))
    for _ in range(runs):
        with counted_lab_writes() as writes:
            await with_fresh_lab(lab, run)
    print(len(writes))  # the lab writes of the last run


@contextmanager
def counted_lab_writes() -> Iterator[list[Path]]:
    """While inside, every write of a lab file is listed (the store writes through
    lab.write_atomically)."""
    written: list[Path] = []
    write = lab_module.write_atomically

    def counted(path: Path, text: str) -> None:
        written.append(path)
        write(path, text)

    lab_module.write_atomically = counted
    try:
        yield written
    finally:
        lab_module.write_atomically = write


def count_instructions(vms: int) -> None:
    """Instructions per run of each side on the event loop's thread, counted by callgrind as
    (setup + 2 runs) - (setup + 1 run): about the same numbers on a busy or a quiet machine, unlike
    any timing here. The lab's writer thread is left out: how many writes a run takes depends on how its
    changes happen to group, which says nothing of the engine's own work (both counts are printed)."""
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt install valgrind)")
    with tempfile.TemporaryDirectory(prefix="interlock-callgrind-") as folder:
        jobs = {}
        for side in ("hand-written", "engine"):
            for runs in (1, 2):
                out = Path(folder) / f"{side}-{runs}"
                command = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
                           f"--callgrind-out-file={out}", sys.executable, __file__, "--repeat", side,
                           str(runs), str(vms)]
                jobs[side, runs] = (out, subprocess.Popen(command, stdout=subprocess.PIPE,
                                                          stderr=subprocess.PIPE, text=True,
                                                          env=os.environ | {"PYTHONHASHSEED": "0"}))
        loop_thread: dict[tuple[str, int], int] = {}
        all_threads: dict[tuple[str, int], int] = {}
        writes: dict[str, int] = {}
        for key, (out, job) in jobs.items():
            printed, err = job.communicate()
            found = re.search(r"Collected : (\d+)", err)
            main_thread = Path(f"{out}-01")  # callgrind numbers threads from 1, the main thread first
            if job.returncode != 0 or found is None or not main_thread.exists():
                sys.exit(f"valgrind run {key} failed:\n{err[-2000:]}")
            all_threads[key] = int(found.group(1))
            summary = re.search(r"^summary: (\d+)", main_thread.read_text(), re.MULTILINE)
            assert summary is not None, main_thread
            loop_thread[key] = int(summary.group(1))
            writes[key[0]] = int(printed.split()[-1])  # lab writes of the last run (--repeat prints it)
    operations = vms // 2 * 4 + vms + 1

    def per_run(counts: dict[tuple[str, int], int], side: str) -> int:
        return counts[side, 2] - counts[side, 1]

    engine, baseline = per_run(loop_thread, "engine"), per_run(loop_thread, "hand-written")
    print(f"instructions on the event loop's thread, instant {vms:,}-VM lab (valgrind): engine "
          f"{engine / 1e6:.1f} M, hand-written {baseline / 1e6:.1f} M a run, ratio {engine / baseline:.3f}; "
          f"the engine adds {(engine - baseline) / operations / 1e3:.1f} k instructions per operation")
    print(f"all threads, with the lab's writes (engine {writes['engine']}, hand-written "
          f"{writes['hand-written']} a run): engine {per_run(all_threads, 'engine') / 1e6:.1f} M, "
          f"hand-written {per_run(all_threads, 'hand-written') / 1e6:.1f} M")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 200-VM lab, for a smoke run")
    parser.add_argument("--cpu", action="store_true", help="CPU per operation on an instant lab")
    parser.add_argument("--phases", action="store_true",
                        help="how long each stretch between the runbook's barriers takes, each side")
    parser.add_argument("--instructions", action="store_true",
                        help="instructions per operation on an instant 200-VM lab, counted by valgrind")
    parser.add_argument("--repeat", nargs=3, metavar=("SIDE", "RUNS", "VMS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        count_instructions(200)
        return
    print(f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}")
    registry = Registry.from_entry_points()
    book = load_runbook(RUNBOOK, registry)
    settle_for_jobs()  # everything is loaded, as in `interlock run`
    if args.repeat:
        side, runs, vms = args.repeat
        asyncio.run(repeat_instant(side, int(runs), int(vms), registry, book))
        return
    run = cpu_async if args.cpu else phases_async if args.phases else main_async
    asyncio.run(run(200 if args.quick else 1_000, registry, book))


if __name__ == "__main__":
    main()
