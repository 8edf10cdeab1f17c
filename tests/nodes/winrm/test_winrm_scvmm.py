"""The scvmm back-end against the fake WS-Management endpoint: which cmdlets and switches its scripts
use, against which VMM server, what VMM ends up holding, and how VMM's answers read as records."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from winrm_fake_server import FakeWinRm, serve
from winrm_fake_shell import FakeState, FakeVm, Fault
from winrm_support import open_backend

from nodes.backends.interface import BackendError
from nodes.backends.winrm.scvmm import ScvmmBackend

HOSTILE = "a'; Remove-Item C:\\ -Recurse #"


def lab() -> FakeState:
    return FakeState(vmm_servers={"vmm01.contoso.local"}, scvmm=[
        FakeVm("web01", "Running", custom={"Custom1": "1", "Custom3": "blue", "Cost Center": "42"}),
        FakeVm("db01", "PowerOff", host="hv02.contoso.local", custom={"Custom1": "1"}),
        FakeVm("old01", "Saved", legacy={1: "2", 10: "ten"}),
        FakeVm("app01", "Paused"),
        FakeVm("new01", "UnderCreation"),
        FakeVm("twin", "Running"), FakeVm("twin", "PowerOff"),
        FakeVm(HOSTILE, "Running"),
    ])


@pytest.fixture
def fake() -> Iterator[FakeWinRm]:
    with serve(lab()) as endpoint:
        yield endpoint


@pytest.fixture
def vmm(fake, monkeypatch) -> ScvmmBackend:
    return open_backend(monkeypatch, fake.port, "scvmm", vmm_server="vmm01.contoso.local")


def vm_named(fake: FakeWinRm, name: str) -> FakeVm:
    return next(vm for vm in fake.state.scvmm if vm.name == name)


async def test_list_maps_statuses_custom_properties_and_targets_the_vmm_server(fake, vmm):
    records = {r.vm_name: r for r in await vmm.list_vms() if r.vm_name != "twin"}
    assert {name: (r.status, r.raw_status) for name, r in records.items()} == {
        "web01": ("Running", "Running"), "db01": ("Stopped", "PowerOff"), "old01": ("Saved", "Saved"),
        "app01": ("Paused", "Paused"), "new01": ("Unknown", "UnderCreation"), HOSTILE: ("Running", "Running")}
    assert records["web01"].custom_properties == {1: "1", 3: "blue"}  # "Cost Center" is no Custom N
    assert records["old01"].custom_properties == {1: "2", 10: "ten"}  # VMM 2008's Custom1..Custom10
    assert records["db01"].host == "hv02.contoso.local"
    assert records["web01"].vm_id == vm_named(fake, "web01").id
    (listing,) = fake.invocations
    assert listing.operation == "list"
    assert listing.call("Get-SCVMMServer").param("ComputerName").field == "vmm_server"
    assert listing.inputs["vmm_server"] == "vmm01.contoso.local"
    assert listing.call("Get-SCVirtualMachine").has("VMMServer", "All")


@pytest.mark.parametrize(("mode", "switch", "status", "raw"), [
    ("shutdown", "Shutdown", "Stopped", "PowerOff"), ("turn_off", "Force", "Stopped", "PowerOff"),
    ("save", "SaveState", "Saved", "Saved")])
async def test_stop_modes_use_their_switch(fake, vmm, mode, switch, status, raw):
    web01 = vm_named(fake, "web01")
    record = await vmm.stop_vm(web01.id, mode)
    assert (record.vm_name, record.status, record.raw_status) == ("web01", status, raw)
    assert web01.status == raw
    stop = fake.invocations[-1].call("Stop-SCVirtualMachine")
    assert [name for name in ("Shutdown", "Force", "SaveState") if stop.has(name)] == [switch]
    assert fake.state.events == [("Stop-SCVirtualMachine", "web01", f"-{switch}")]


async def test_start_by_unique_name_resume_and_refusals_that_change_nothing(fake, vmm):
    record = await vmm.start_vm("db01")
    assert (record.status, vm_named(fake, "db01").status) == ("Running", "Running")
    with pytest.raises(BackendError) as running:
        await vmm.start_vm("web01")
    assert str(running.value) == 'start VM web01 on connection "lab": VM web01 is already Running'
    with pytest.raises(BackendError, match="VM app01 is Paused: its guest cannot shut down"):
        await vmm.stop_vm("app01", "shutdown")
    with pytest.raises(BackendError, match=r"VM new01 is Unknown \(UnderCreation\): it cannot be stopped"):
        await vmm.stop_vm("new01", "turn_off")
    twins = "2 VMs are named 'twin' on VMM server vmm01.contoso.local via 127.0.0.1: give the VM's id"
    with pytest.raises(BackendError, match=re.escape(twins)):
        await vmm.stop_vm("twin")
    with pytest.raises(BackendError, match="no VM with id or name 'nope' on VMM server"):
        await vmm.get_vm("nope")
    resumed = await vmm.start_vm("app01")  # a Paused VM is resumed, not started
    assert (resumed.status, vm_named(fake, "app01").status) == ("Running", "Running")
    assert fake.state.events == [("Start-SCVirtualMachine", "db01", ""),
                                 ("Resume-SCVirtualMachine", "app01", "")]


async def test_checkpoint_keeps_the_vm_status_and_description_then_restore_and_remove(fake, vmm):
    db01 = vm_named(fake, "db01")
    taken = await vmm.new_checkpoint("db01", "Batch 1 - db01", "before patching")
    assert (taken.checkpoint_name, taken.description, taken.vm_status) == \
        ("Batch 1 - db01", "before patching", "Stopped")
    assert (taken.vm_id, taken.vm_name) == (db01.id, "db01")
    # VMM holds the description with the status line Interlock reads back when listing
    assert db01.checkpoints[0].description == \
        "before patching\n(taken by Interlock while the VM was PowerOff)"
    new = fake.invocations[-1].call("New-SCVMCheckpoint")
    assert new.has("VM", "Name", "Description")
    await vmm.start_vm("db01")
    second = await vmm.new_checkpoint("db01", "", "")
    assert second.checkpoint_name.startswith("db01 ") and second.vm_status == "Running"

    listed = await vmm.list_checkpoints(db01.id)
    assert [(c.checkpoint_id, c.vm_status, c.description) for c in listed] == \
        [(taken.checkpoint_id, "Stopped", "before patching"), (second.checkpoint_id, "Running", "")]
    assert listed[0].created_at <= listed[1].created_at and listed[0].created_at.endswith("+00:00")

    restored = await vmm.restore_checkpoint(taken.checkpoint_id)
    assert (restored.vm_name, db01.status) == ("db01", "PowerOff")
    assert fake.invocations[-1].call("Restore-SCVMCheckpoint").param("Confirm") == "$false"
    removed = await vmm.remove_checkpoint(second.checkpoint_id)
    assert removed.checkpoint_name == second.checkpoint_name
    assert [c.id for c in db01.checkpoints] == [taken.checkpoint_id]
    with pytest.raises(BackendError, match=r"no checkpoint with id '[-0-9a-f]+' on VMM server"):
        await vmm.remove_checkpoint(second.checkpoint_id)


async def test_a_checkpoint_id_that_is_no_guid_is_refused_without_asking_vmm(fake, vmm):
    with pytest.raises(BackendError, match="checkpoint ids here are GUIDs"):
        await vmm.restore_checkpoint("latest")
    assert fake.invocations == []


async def test_hostile_vm_name_reaches_vmm_only_as_data(fake, vmm):
    record = await vmm.stop_vm(HOSTILE, "turn_off")
    assert (record.vm_name, record.status) == (HOSTILE, "Stopped")
    await vmm.new_checkpoint(HOSTILE, HOSTILE, HOSTILE)
    for invocation in fake.invocations:
        assert invocation.inputs["vm"] == HOSTILE  # decoded from the data block by the fake
        assert HOSTILE not in invocation.script and "Remove-Item" not in invocation.script
        assert not invocation.uses("Remove-Item")
    assert [e[:2] for e in fake.state.events] == [("Stop-SCVirtualMachine", HOSTILE),
                                                   ("New-SCVMCheckpoint", HOSTILE)]


async def test_a_failing_cmdlet_names_host_vm_and_cmdlet(fake, vmm):
    fake.state.faults.append(Fault("Stop-SCVirtualMachine", "VMM cannot complete the host operation on the "
                                   "hv01 server because of the error: The device is not ready. (Error ID: "
                                   "12700)", target="web01"))
    with pytest.raises(BackendError) as caught:
        await vmm.stop_vm("web01")
    assert str(caught.value) == (
        'stop VM web01 on connection "lab": Stop-SCVirtualMachine failed on VMM server vmm01.contoso.local '
        "via 127.0.0.1: VMM cannot complete the host operation on the hv01 server because of the error: The "
        "device is not ready. (Error ID: 12700)")
    assert vm_named(fake, "web01").status == "Running"


async def test_an_unknown_vmm_server_is_reported_by_get_scvmmserver(fake, monkeypatch):
    vmm = open_backend(monkeypatch, fake.port, "scvmm", vmm_server="vmm99")
    with pytest.raises(BackendError) as caught:
        await vmm.list_vms()
    assert "Get-SCVMMServer failed on VMM server vmm99 via 127.0.0.1: You cannot contact the VMM " \
           "management server vmm99" in str(caught.value)
