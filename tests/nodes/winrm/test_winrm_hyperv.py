"""The hyperv back-end against the fake WS-Management endpoint: Hyper-V's cmdlets and switches, the host
it targets, states as the vocabulary, custom properties from the VM's Notes, checkpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from winrm_fake_server import FakeWinRm, serve
from winrm_fake_shell import FakeState, FakeVm, Fault
from winrm_support import open_backend

from nodes.backends.interface import BackendError
from nodes.backends.winrm.hyperv import HypervBackend, notes_properties


def host() -> FakeState:
    return FakeState(hyperv_hosts={"hv01"}, hyperv=[
        FakeVm("web01", "Running", host="HV01",
               notes="Web front end\ncustom_property_1=1\ncustom_property_2 = a=b"),
        FakeVm("db01", "Off", host="HV01", notes="custom_property_1=1\r\ncustom_property_11=ignored"),
        FakeVm("cache01", "FastSaved", host="HV01"),
        FakeVm("lost01", "OffCritical", host="HV01"),
    ])


@pytest.fixture
def fake() -> Iterator[FakeWinRm]:
    with serve(host()) as endpoint:
        yield endpoint


@pytest.fixture
def hv(fake, monkeypatch) -> HypervBackend:
    return open_backend(monkeypatch, fake.port, "hyperv", computer_name="hv01")


def vm_named(fake: FakeWinRm, name: str) -> FakeVm:
    return next(vm for vm in fake.state.hyperv if vm.name == name)


async def test_list_maps_states_and_notes_on_the_chosen_host(fake, hv):
    records = {r.vm_name: r for r in await hv.list_vms()}
    assert {n: (r.status, r.raw_status) for n, r in records.items()} == {
        "web01": ("Running", "Running"), "db01": ("Stopped", "Off"), "cache01": ("Saved", "FastSaved"),
        "lost01": ("Unknown", "OffCritical")}
    assert records["web01"].custom_properties == {1: "1", 2: "a=b"}
    assert records["db01"].custom_properties == {1: "1"}
    assert records["web01"].host == "HV01"
    (listing,) = fake.invocations
    assert listing.call("Get-VM").param("ComputerName").field == "computer_name"
    assert listing.inputs["computer_name"] == "hv01"


def test_notes_lines_other_than_custom_properties_are_the_admins_own():
    notes = "owner: ops\nCustom_Property_3= x \ncustom_property_0=no\ncustom_property_7"
    assert notes_properties(notes) == {3: "x"}


@pytest.mark.parametrize(("mode", "switch", "raw"), [
    ("shutdown", "Force", "Off"), ("turn_off", "TurnOff", "Off"), ("save", "Save", "Saved")])
async def test_stop_modes_use_their_switch_without_prompting(fake, hv, mode, switch, raw):
    record = await hv.stop_vm("web01", mode)
    assert (record.raw_status, vm_named(fake, "web01").status) == (raw, raw)
    stop = fake.invocations[-1].call("Stop-VM")
    assert [s for s in ("Force", "TurnOff", "Save") if stop.has(s)] == [switch]
    assert stop.param("Confirm") == "$false"


async def test_start_then_checkpoint_restore_remove(fake, hv):
    db01 = vm_named(fake, "db01")
    taken = await hv.new_checkpoint(db01.id, "Batch 1 - db01", "not kept by Hyper-V")
    assert (taken.checkpoint_name, taken.vm_status, taken.description) == ("Batch 1 - db01", "Stopped", "")
    assert fake.invocations[-1].call("Checkpoint-VM").has("VM", "SnapshotName", "Passthru")
    started = await hv.start_vm("db01")
    assert (started.status, db01.status) == ("Running", "Running")
    with pytest.raises(BackendError, match="VM db01 is already Running"):
        await hv.start_vm("db01")
    (listed,) = await hv.list_checkpoints("db01")
    assert (listed.checkpoint_id, listed.vm_status) == (taken.checkpoint_id, "Unknown")  # Hyper-V keeps none
    assert listed.created_at.endswith("+00:00")
    await hv.restore_checkpoint(taken.checkpoint_id)
    assert db01.status == "Off"
    await hv.remove_checkpoint(taken.checkpoint_id)
    assert db01.checkpoints == []
    assert [e[0] for e in fake.state.events] == ["Checkpoint-VM", "Start-VM", "Restore-VMSnapshot",
                                                 "Remove-VMSnapshot"]
    assert all(inv.call("Import-Module").args == ["Hyper-V"] for inv in fake.invocations)


async def test_a_failing_cmdlet_names_host_vm_and_cmdlet(fake, hv):
    fake.state.faults.append(Fault("Checkpoint-VM", "'web01' could not initiate a checkpoint operation: "
                                   "Not enough space on the disk. (0x80070070)", target="web01"))
    with pytest.raises(BackendError) as caught:
        await hv.new_checkpoint("web01", "x")
    assert str(caught.value) == (
        "new checkpoint web01 on connection \"lab\": Checkpoint-VM failed on Hyper-V host hv01 via "
        "127.0.0.1: 'web01' could not initiate a checkpoint operation: Not enough space on the disk. "
        "(0x80070070)")
    assert vm_named(fake, "web01").checkpoints == []
