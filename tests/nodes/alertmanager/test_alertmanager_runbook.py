"""The canonical runbook (resources/examples/vm-checkpoint.json) with its VMs on a simulated lab and its
maintenance windows as silences in a real Alertmanager: what happened to the VMs, and what the
Alertmanager holds afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from amserver import Alertmanager, running_alertmanager
from conftest import lab_engine, read_lab, vm

from engine import load_runbook
from engine.config.settings import Connection

RUNBOOK = Path(__file__).resolve().parents[3] / "resources" / "examples" / "vm-checkpoint.json"
MAINTENANCE = ("start_maintenance", "stop_maintenance")


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    with running_alertmanager(tmp_path_factory.mktemp("alertmanager")) as server:
        yield server


async def test_vm_checkpoint_runbook_silences_the_stopped_vms_in_alertmanager(alertmanager: Alertmanager,
                                                                             make_lab):
    lab = make_lab([vm("rb-web01", "Running"), vm("rb-web02", "Running", host="hv02"),
                    vm("rb-db01", "Stopped"), vm("rb-app01", "Saved"),
                    vm("rb-other01", "Running", batch="2")])
    runbook = load_runbook(RUNBOOK)
    for activity in runbook.activities:
        if activity.id in MAINTENANCE:  # VMs stay on the lab; only the windows go to Alertmanager
            activity.properties["connection"] = "am"
    engine = lab_engine(lab, am=Connection(kind="alertmanager", url=alertmanager.url))

    result = await engine.run(runbook, {"Batch Number": "1"})

    assert result.status == "success", result
    # the VMs: the Running ones of batch 1 were stopped, checkpointed while stopped, and started again
    running = {"rb-web01", "rb-web02"}
    assert {row["vm_name"] for row in result.rows("stop_vm")} == running
    assert {row["vm_name"] for row in result.rows("start_vm")} == running
    by_name = {v.name: v for v in read_lab(lab).vms}
    for name in ("rb-web01", "rb-web02", "rb-db01", "rb-app01"):
        assert len(by_name[name].checkpoints) == 1, name
    assert [by_name[n].checkpoints[0].vm_status for n in sorted(running)] == ["Stopped", "Stopped"]
    assert {n: by_name[n].status for n in by_name} == {"rb-web01": "Running", "rb-web02": "Running",
                                                       "rb-db01": "Stopped", "rb-app01": "Saved",
                                                       "rb-other01": "Running"}
    assert by_name["rb-other01"].checkpoints == []
    assert read_lab(lab).maintenance == []  # nothing went to the lab's monitoring

    # Alertmanager: one silence per stopped VM, made by interlock for the batch, expired by the run
    for name in ("rb-web01", "rb-web02", "rb-db01", "rb-app01", "rb-other01"):
        held = alertmanager.silences(instance=name)
        if name not in running:
            assert held == [], name
            continue
        assert len(held) == 1, held
        silence = held[0]
        assert silence["status"]["state"] == "expired"
        assert silence["createdBy"] == "interlock"
        assert silence["comment"] == "PlannedOther: VM checkpoint of batch 1"
        assert silence["matchers"] == [{"name": "instance", "value": name, "isRegex": False, "isEqual": True}]
    # the published windows are the silences: each ended after it began, well before its planned hour
    started = {row["object"]: row for row in result.rows("start_maintenance")}
    ended = {row["object"]: row for row in result.rows("stop_maintenance")}
    assert set(started) == set(ended) == running
    for name in running:
        assert ended[name]["start_time"] == started[name]["start_time"]
        assert started[name]["comment"] == "VM checkpoint of batch 1"
        begin, end = (datetime.fromisoformat(ended[name][key]) for key in ("start_time", "end_time"))
        assert 0 <= (end - begin).total_seconds() < 60
