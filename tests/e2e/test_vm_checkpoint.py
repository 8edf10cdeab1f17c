"""The product's first job end to end: resources/examples/vm-checkpoint.json (the Opalis VM Checkpoint
runbook) on simulated labs built here. Outcomes are read from the lab file and the job result."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import lab_engine, read_lab, vm

from engine import JobResult, load_runbook
from engine.run.events import Event

RUNBOOK = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


class Timeline:
    """Every finished instance in the order the engine reported them: (activity, subject, status)."""

    def __init__(self) -> None:
        self.finished: list[tuple[str, str, str]] = []
        self.running: dict[str, int] = defaultdict(int)
        self.peak: dict[str, int] = defaultdict(int)

    def __call__(self, event: Event) -> None:
        data: dict[str, Any] = event.__dict__
        if event.kind == "instance_started":
            self.running[data["activity"]] += 1
            self.peak[data["activity"]] = max(self.peak[data["activity"]], self.running[data["activity"]])
        elif event.kind == "instance_finished":
            self.running[data["activity"]] -= 1
            for row in data["rows"] or [{}]:
                subject = row.get("vm_name") or row.get("object") or ""
                self.finished.append((data["activity"], subject, data["status"]))

    def position(self, activity: str, subject: str) -> int:
        return self.finished.index((activity, subject, "success"))

    def subjects(self, activity: str) -> set[str]:
        return {s for a, s, status in self.finished if a == activity and status == "success"}


async def run_batch(lab_path: Path, batch: str = "1", max_parallel: int = 50) -> tuple[JobResult, Timeline]:
    timeline = Timeline()
    engine = lab_engine(lab_path, max_parallel=max_parallel)
    result = await engine.run(load_runbook(RUNBOOK), {"Batch Number": batch}, sinks=[timeline])
    return result, timeline


def names(result: JobResult, activity: str) -> set[str]:
    return {row["vm_name"] for row in result.rows(activity)}


MIXED = [vm("web01", "Running"), vm("web02", "Running", host="hv02"), vm("db01", "Stopped"),
         vm("cache01", "Saved"), vm("app02", "Paused"),
         vm("other01", "Running", batch="2"), vm("other02", "Stopped", batch="2")]


async def test_mixed_batch_checkpoints_every_vm_while_not_running(make_lab):
    path = make_lab(MIXED, time_scale=0.01)
    before = read_lab(path)
    result, timeline = await run_batch(path)
    assert result.status == "success"
    lab = read_lab(path)
    by_name = {v.name: v for v in lab.vms}
    batch = {"web01", "web02", "db01", "cache01", "app02"}
    running = {"web01", "web02"}

    # every VM of the batch has exactly one new checkpoint, taken while it was not Running
    for name in batch:
        assert len(by_name[name].checkpoints) == 1, name
        assert by_name[name].checkpoints[0].vm_status != "Running", name
    # the Running ones were stopped first and are Running again; the others were never started
    assert names(result, "stop_vm") == running
    assert names(result, "start_vm") == running
    for name in batch:
        expected = "Running" if name in running else next(v.status for v in before.vms if v.name == name)
        assert by_name[name].status == expected, name
    for name in running:
        assert by_name[name].checkpoints[0].vm_status == "Stopped"
        assert timeline.position("stop_vm", name) < timeline.position("new_checkpoint", name) \
            < timeline.position("start_vm", name)
    # maintenance covers exactly the Running ones: started before their stop, ended after their start
    assert {w.object for w in lab.maintenance} == running
    for window in lab.maintenance:
        name = window.object
        assert timeline.position("start_maintenance", name) < timeline.position("stop_vm", name)
        assert timeline.position("start_vm", name) < timeline.position("stop_maintenance", name)
        assert datetime.fromisoformat(window.end) <= datetime.fromisoformat(lab_now())  # ended, not planned
    # VMs of other batches are untouched
    for name in ("other01", "other02"):
        assert by_name[name] == next(v for v in before.vms if v.name == name)
    assert result.junctions == {"wait_stopped": "fired", "wait_checkpoints": "fired"}


def lab_now() -> str:
    from nodes.backends.interface import iso_utc, utc_now
    return iso_utc(utc_now())


async def test_no_running_vm_still_checkpoints_all_through_the_junction(make_lab):
    path = make_lab([vm("db01", "Stopped"), vm("cache01", "Saved"), vm("app02", "Paused")])
    result, _ = await run_batch(path)
    assert result.status == "success"
    lab = read_lab(path)
    assert [len(v.checkpoints) for v in lab.vms] == [1, 1, 1]
    assert [v.status for v in lab.vms] == ["Stopped", "Saved", "Paused"]
    assert lab.maintenance == []
    # dead-path elimination: Stop VM never ran, yet Wait for Stopped fired with every VM
    assert result.activity("stop_vm").state == "not run"
    assert result.junctions["wait_stopped"] == "fired"
    assert result.activity("start_vm").instances == []


async def test_all_running(make_lab):
    path = make_lab([vm(f"web{n}", "Running") for n in range(1, 5)])
    result, _ = await run_batch(path)
    assert result.status == "success"
    lab = read_lab(path)
    assert all(v.status == "Running" and [c.vm_status for c in v.checkpoints] == ["Stopped"] for v in lab.vms)
    assert len(lab.maintenance) == 4 and names(result, "start_vm") == {f"web{n}" for n in range(1, 5)}


async def test_empty_batch_touches_nothing_and_junctions_report_not_reached(make_lab):
    path = make_lab(MIXED)
    before = path.read_bytes()
    result, _ = await run_batch(path, batch="9")
    assert result.status == "success"
    assert path.read_bytes() == before
    assert result.junctions == {"wait_stopped": "not reached", "wait_checkpoints": "not reached"}
    assert result.activity("get_vms").instances[0].rows == []


async def test_a_vm_that_fails_to_stop(make_lab):
    """docs/vm-checkpoint.md explains this outcome: the Opalis semantics, faithfully."""
    path = make_lab([vm("web01", "Running"), vm("db02", "Running"), vm("db01", "Stopped")],
                    fail=[{"op": "stop", "vm": "db02", "times": 1, "error": "guest did not shut down"}])
    result, _ = await run_batch(path)
    assert result.status == "failed"
    stop = result.activity("stop_vm")
    failed = [i for i in stop.instances if i.status == "failed"]
    assert len(failed) == 1 and "db02" in failed[0].error and "guest did not shut down" in failed[0].error
    lab = read_lab(path)
    by_name = {v.name: v for v in lab.vms}
    # the failed stop sends no token on: the junction still fires (settled) and every VM is
    # checkpointed, db02 while it was still Running; only the VMs Stop VM stopped are started again
    assert result.junctions == {"wait_stopped": "fired", "wait_checkpoints": "fired"}
    assert {n: [c.vm_status for c in v.checkpoints] for n, v in by_name.items()} == \
        {"web01": ["Stopped"], "db02": ["Running"], "db01": ["Stopped"]}
    assert names(result, "start_vm") == {"web01"}
    assert [v.status for v in lab.vms] == ["Running", "Running", "Stopped"]
    # db02 stays in maintenance: nothing ended its window, for an operator to look at
    windows = {w.object: w for w in lab.maintenance}
    assert set(windows) == {"web01", "db02"}
    assert datetime.fromisoformat(windows["db02"].end) > datetime.fromisoformat(lab_now())
    assert datetime.fromisoformat(windows["web01"].end) <= datetime.fromisoformat(lab_now())
    assert lab.fail[0].times == 0


async def test_a_thousand_vms_with_max_parallel_respected(make_lab):
    statuses = ("Running", "Stopped", "Saved", "Paused")
    path = make_lab([vm(f"vm{n:04d}", statuses[n % 4], host=f"hv{n % 10:02d}") for n in range(1000)])
    result, timeline = await run_batch(path, max_parallel=20)
    assert result.status == "success"
    lab = read_lab(path)
    assert all(len(v.checkpoints) == 1 and v.checkpoints[0].vm_status != "Running" for v in lab.vms)
    assert sum(v.status == "Running" for v in lab.vms) == 250
    assert len(result.activity("new_checkpoint").instances) == 1000
    assert len(result.activity("stop_vm").instances) == 250
    assert max(timeline.peak.values()) <= 20
    assert timeline.peak["new_checkpoint"] == 20  # the limit was reached, so it was what held them
