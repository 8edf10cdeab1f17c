"""The canonical runbook (resources/examples/vm-checkpoint.json) with its VMs on a libvirt host (the test
driver) and its maintenance windows on the simulated lab. The test host lives in the connection the
engine opened, so the outcome is read through that back-end object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import lab_engine, read_lab, vm, write_lab
from libvirt_node import domain, require_libvirt, write_node

from engine import load_runbook
from engine.config.settings import Connection
from engine.run.events import Event
from nodes.backends.libvirt import LibvirtBackend


@pytest.fixture(autouse=True)
def libvirt_installed() -> None:
    require_libvirt()  # skips here without libvirt-python, fails in CI

RUNBOOK = Path(__file__).resolve().parents[3] / "resources" / "examples" / "vm-checkpoint.json"
BATCH = {"web01": "running", "web02": "running", "db01": "shutoff", "cache01": "saved", "app02": "paused"}
OTHERS = {"other01": "running", "other02": "shutoff"}


class Finished:
    """(activity, vm or object) of every successful instance, in the order they finished."""

    def __init__(self) -> None:
        self.order: list[tuple[str, str]] = []

    def __call__(self, event: Event) -> None:
        data: dict[str, Any] = event.__dict__
        if event.kind == "instance_finished" and data["status"] == "success":
            for row in data["rows"]:
                self.order.append((data["activity"], row.get("vm_name") or row.get("object") or ""))

    def at(self, activity: str, subject: str) -> int:
        return self.order.index((activity, subject))


def host_domains() -> list[str]:
    made = []
    for names, batch in ((BATCH, "1"), (OTHERS, "2")):
        for name, state in names.items():
            saved = state == "saved"
            made.append(domain(name, "shutoff" if saved else state, batch=batch, saved=saved))
    return made


async def test_the_vm_checkpoint_runbook_on_a_libvirt_host(tmp_path):
    uri = write_node(tmp_path / "node.xml", host_domains())
    # maintenance objects are the VMs by name: the lab knows the same names
    lab = write_lab(tmp_path / "lab.json", [vm(name, batch=None) for name in [*BATCH, *OTHERS]])
    engine = lab_engine(lab, kvm=Connection(kind="libvirt", uri=uri))
    runbook = load_runbook(RUNBOOK)
    for activity in runbook.activities:
        if activity.type.startswith("vmm."):
            activity.properties["connection"] = "kvm"
    finished = Finished()

    result = await engine.run(runbook, {"Batch Number": "1"}, sinks=[finished])

    assert result.status == "success", [i.error for a in result.activities for i in a.instances if i.error]
    host = engine.connections.get("kvm")
    assert isinstance(host, LibvirtBackend)
    vms = {r.vm_name: r for r in await host.list_vms()}
    running = {"web01", "web02"}
    assert {row["vm_name"] for row in result.rows("stop_vm")} == running
    assert {row["vm_name"] for row in result.rows("start_vm")} == running
    # every VM of the batch has one snapshot, taken while it was not running; the stopped ones were
    # shut off for it and are running again, the others are as they were
    for name in BATCH:
        checkpoints = await host.list_checkpoints(name)
        assert [c.checkpoint_name for c in checkpoints] == [f"Batch 1 - {name}"], name
        assert checkpoints[0].vm_status != "Running", name
    for name in running:
        assert (await host.list_checkpoints(name))[0].vm_status == "Stopped"
        assert finished.at("stop_vm", name) < finished.at("new_checkpoint", name) \
            < finished.at("start_vm", name)
    assert {n: vms[n].status for n in BATCH} == {"web01": "Running", "web02": "Running", "db01": "Stopped",
                                                 "cache01": "Saved", "app02": "Paused"}
    published = {row["vm_name"]: row["checkpoint_id"] for row in result.rows("new_checkpoint")}
    assert published == {n: f"{vms[n].vm_id}/Batch 1 - {n}" for n in BATCH}
    # the other batch is untouched
    for name, state in OTHERS.items():
        assert await host.list_checkpoints(name) == []
        assert vms[name].raw_status == state
    # maintenance on the lab covered exactly the VMs that were stopped, and was ended
    windows = read_lab(lab).maintenance
    assert {w.object for w in windows} == running
    for name in running:
        assert finished.at("start_maintenance", name) < finished.at("stop_vm", name)
        assert finished.at("start_vm", name) < finished.at("stop_maintenance", name)
    assert result.junctions == {"wait_stopped": "fired", "wait_checkpoints": "fired"}

    # next month's run: libvirt refuses a second snapshot of one name, so the new ones are numbered
    again = await engine.run(runbook, {"Batch Number": "1"})
    assert again.status == "success"
    for name in BATCH:
        assert [c.checkpoint_name for c in await host.list_checkpoints(name)] == \
            [f"Batch 1 - {name}", f"Batch 1 - {name} (2)"]
    assert {n: (await host.get_vm(n)).status for n in running} == {"web01": "Running", "web02": "Running"}
