"""The canonical runbook (resources/examples/vm-checkpoint.json) with its VMs on an scvmm (or hyperv)
connection and its maintenance windows on an scom connection, all through the fake WS-Management
endpoint: which VMs were stopped, checkpointed and started, in what order, and what the management group
holds afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import lab_engine
from winrm_fake_server import serve
from winrm_fake_shell import FakeObject, FakeState, FakeVm
from winrm_support import PASSWORD_ENV, connection

from engine import load_runbook

RUNBOOK = Path(__file__).resolve().parents[3] / "resources" / "examples" / "vm-checkpoint.json"
MAINTENANCE = ("start_maintenance", "stop_maintenance")

# kind -> (its words for running / stopped, its cmdlets: stop, checkpoint, start)
KINDS = {"scvmm": (("Running", "PowerOff"), ("Stop-SCVirtualMachine", "New-SCVMCheckpoint",
                                             "Start-SCVirtualMachine")),
         "hyperv": (("Running", "Off"), ("Stop-VM", "Checkpoint-VM", "Start-VM"))}


def vm(kind: str, name: str, status: str, batch: str) -> FakeVm:
    if kind == "scvmm":
        return FakeVm(name, status, custom={"Custom1": batch})
    return FakeVm(name, status, notes=f"custom_property_1={batch}")


@pytest.mark.parametrize("kind", ["scvmm", "hyperv"])
async def test_vm_checkpoint_runbook_over_winrm(kind, make_lab, monkeypatch):
    (running, stopped), (stop_cmdlet, checkpoint_cmdlet, start_cmdlet) = KINDS[kind]
    saved = "Saved"
    vms = [vm(kind, "web01", running, "1"), vm(kind, "web02", running, "1"), vm(kind, "db01", stopped, "1"),
           vm(kind, "cache01", saved, "1"), vm(kind, "other01", running, "2")]
    state = FakeState(**{kind: vms}, objects=[FakeObject(f"{v.name}.contoso.local") for v in vms])
    runbook = load_runbook(RUNBOOK)
    for activity in runbook.activities:
        if activity.type.startswith(("vmm.", "monitoring.")):
            activity.properties["connection"] = "scom" if activity.id in MAINTENANCE else "vms"
    monkeypatch.setenv(PASSWORD_ENV, "S3cr3t-pw!")

    with serve(state) as fake:
        engine = lab_engine(make_lab([]), vms=connection(fake.port, kind), scom=connection(fake.port, "scom"))
        result = await engine.run(runbook, {"Batch Number": "1"})

    assert result.status == "success", result
    events = state.events
    by_name = {v.name: v for v in vms}
    batch, was_running = {"web01", "web02", "db01", "cache01"}, {"web01", "web02"}

    def at(cmdlet: str, subject: str) -> int:
        (index,) = [i for i, event in enumerate(events) if event[:2] == (cmdlet, subject)]
        return index

    # the Running VMs of batch 1: into maintenance, shut down, checkpointed, started, out of maintenance
    for name in was_running:
        fqdn = f"{name}.contoso.local"
        assert at("Start-SCOMMaintenanceMode", fqdn) < at(stop_cmdlet, name) < at(checkpoint_cmdlet, name) \
            < at(start_cmdlet, name) < at("Set-SCOMMaintenanceMode", fqdn)
        assert by_name[name].status == running
        assert by_name[name].checkpoints[0].vm_status == stopped
    assert {e[1] for e in events if e[0] == stop_cmdlet} == {e[1] for e in events if e[0] == start_cmdlet} \
        == was_running
    assert {e[2] for e in events if e[0] == stop_cmdlet} == {"-Shutdown" if kind == "scvmm" else "-Force"}
    # every VM of the batch checkpointed once, after every stop (the junction waits for all of them)
    checkpoints = [i for i, e in enumerate(events) if e[0] == checkpoint_cmdlet]
    assert {events[i][1] for i in checkpoints} == batch and len(checkpoints) == 4
    assert max(i for i, e in enumerate(events) if e[0] == stop_cmdlet) < min(checkpoints)
    assert [by_name[n].checkpoints[0].name for n in ("db01", "cache01")] == \
        ["Batch 1 - db01", "Batch 1 - cache01"]
    assert (by_name["db01"].status, by_name["cache01"].status) == (stopped, saved)
    # batch 2 untouched; maintenance only for the VMs that were running, and ended
    assert by_name["other01"].checkpoints == [] and by_name["other01"].status == running
    windows = {o.display_name: o.windows for o in state.objects if o.windows}
    assert set(windows) == {"web01.contoso.local", "web02.contoso.local"}
    for (window,) in windows.values():
        assert window.end is not None and window.end < window.scheduled_end
        assert (window.reason, window.comments) == ("PlannedOther", "VM checkpoint of batch 1")
    assert {row["object"] for row in result.rows("stop_maintenance")} == set(windows)
