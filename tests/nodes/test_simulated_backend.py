"""The simulated back-end keeps the rules of a real host and records everything in the lab file
(DESIGN §4.1): asserted on the file on disk, as a user would look at it."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
from conftest import read_lab, vm

from nodes.backends.interface import BackendError
from nodes.backends.simulated.backend import SimulatedBackend
from nodes.backends.simulated.lab import LabStore


def backend(path: Path) -> SimulatedBackend:
    return SimulatedBackend("lab", path)


async def test_list_vms_publishes_the_status_vocabulary_and_custom_properties(make_lab):
    path = make_lab([vm("web01", "Running", batch="2", custom_properties={"1": "2", "3": "blue"}),
                     vm("db01", "Saved")])
    vms = {v.vm_name: v for v in await backend(path).list_vms()}
    assert vms["web01"].row()["custom_property_1"] == "2"
    assert vms["web01"].row()["custom_property_3"] == "blue"
    assert vms["web01"].row()["custom_property_10"] == ""
    assert vms["db01"].status == "Saved" and vms["db01"].raw_status == "Saved"


async def test_stop_then_start_changes_the_file(make_lab):
    path = make_lab([vm("web01", "Running")])
    lab = backend(path)
    stopped = await lab.stop_vm("id-web01")
    assert stopped.status == "Stopped"
    assert read_lab(path).vms[0].status == "Stopped"
    started = await lab.start_vm("web01")  # by name too
    assert started.status == "Running"
    assert read_lab(path).vms[0].status == "Running"


@pytest.mark.parametrize(("mode", "after"), [("shutdown", "Stopped"), ("turn_off", "Stopped"),
                                             ("save", "Saved")])
async def test_stop_modes(make_lab, mode, after):
    path = make_lab([vm("web01", "Running")])
    assert (await backend(path).stop_vm("web01", mode)).status == after
    assert read_lab(path).vms[0].status == after


@pytest.mark.parametrize(("status", "operation", "says"), [
    ("Running", "start", "web01 is already Running"),
    ("Stopped", "stop", "web01 is already Stopped"),
    ("Saved", "stop", "web01 is already Saved"),
    ("Paused", "stop", "Paused: its guest cannot shut down"),
    ("Stopping", "start", "Stopping: it cannot be started"),
])
async def test_rules_of_a_real_host(make_lab, status, operation, says):
    path = make_lab([vm("web01", status)])
    before = path.read_bytes()
    lab = backend(path)
    with pytest.raises(BackendError) as caught:
        await (lab.start_vm("web01") if operation == "start" else lab.stop_vm("web01"))
    message = str(caught.value)
    assert says in message
    assert 'on connection "lab"' in message and "web01" in message
    assert path.read_bytes() == before  # a refused operation changes nothing


async def test_a_paused_vm_can_be_turned_off_or_saved_or_resumed(make_lab):
    path = make_lab([vm("a", "Paused"), vm("b", "Paused"), vm("c", "Paused")])
    lab = backend(path)
    assert (await lab.stop_vm("a", "turn_off")).status == "Stopped"
    assert (await lab.stop_vm("b", "save")).status == "Saved"
    assert (await lab.start_vm("c")).status == "Running"


async def test_unknown_vm_names_the_lab(make_lab):
    path = make_lab([vm("web01")])
    with pytest.raises(BackendError, match=r"no VM with id or name 'nope'"):
        await backend(path).stop_vm("nope")


async def test_checkpoint_records_what_the_design_says(make_lab):
    path = make_lab([vm("db01", "Stopped")])
    lab = backend(path)
    taken = await lab.new_checkpoint("db01", "before patch", "monthly")
    stored = read_lab(path).vms[0].checkpoints
    assert len(stored) == 1
    record = stored[0].model_dump()
    assert set(record) == {"id", "name", "description", "created_at", "vm_status"}
    assert record["name"] == "before patch" and record["description"] == "monthly"
    assert record["vm_status"] == "Stopped"
    assert record["id"] == taken.checkpoint_id
    datetime.fromisoformat(record["created_at"])  # ISO 8601
    listed = await lab.list_checkpoints("db01")
    assert [c.checkpoint_id for c in listed] == [taken.checkpoint_id]


async def test_restore_returns_the_vm_to_the_checkpointed_state_and_remove_deletes(make_lab):
    path = make_lab([vm("web01", "Stopped")])
    lab = backend(path)
    checkpoint = await lab.new_checkpoint("web01", "cold")
    await lab.start_vm("web01")
    restored = await lab.restore_checkpoint(checkpoint.checkpoint_id)
    assert restored.vm_name == "web01"
    assert read_lab(path).vms[0].status == "Stopped"
    await lab.remove_checkpoint(checkpoint.checkpoint_id)
    assert read_lab(path).vms[0].checkpoints == []
    with pytest.raises(BackendError, match="no checkpoint with id"):
        await lab.remove_checkpoint(checkpoint.checkpoint_id)


async def test_maintenance_window_start_and_stop(make_lab):
    path = make_lab([vm("web01", host="hv07")])
    lab = backend(path)
    started = await lab.start_maintenance("WEB01", "PlannedOther", 30, "patching")
    assert started.object == "web01"  # found by display name, case-insensitively
    window = read_lab(path).maintenance[0].model_dump()
    assert set(window) == {"object", "reason", "comment", "start", "end"}
    planned = datetime.fromisoformat(window["end"]) - datetime.fromisoformat(window["start"])
    assert planned.total_seconds() == 30 * 60
    with pytest.raises(BackendError, match="already in maintenance"):
        await lab.start_maintenance("web01", "PlannedOther", 30, "again")
    stopped = await lab.stop_maintenance("web01")
    ended = read_lab(path).maintenance[0]
    assert ended.end == stopped.end_time and ended.end < window["end"]  # stop sets end
    with pytest.raises(BackendError, match="web01 is not in maintenance"):
        await lab.stop_maintenance("web01")
    await lab.start_maintenance("hv07", "PlannedHardwareMaintenance", 5, "")  # hosts are objects too
    with pytest.raises(BackendError, match="no monitored object named 'mystery'"):
        await lab.start_maintenance("mystery", "PlannedOther", 5, "")


async def test_injected_fault_fires_the_given_number_of_times_and_is_consumed_in_the_file(make_lab):
    path = make_lab([vm("db02", "Running")],
                    fail=[{"op": "stop", "vm": "db02", "times": 1, "error": "guest did not respond"}])
    lab = backend(path)
    with pytest.raises(BackendError, match=r"stop VM db02 .*guest did not respond"):
        await lab.stop_vm("id-db02")  # named by id, the fault by name: still this VM
    on_disk = read_lab(path)
    assert on_disk.vms[0].status == "Running"
    assert on_disk.fail[0].times == 0
    assert (await lab.stop_vm("db02")).status == "Stopped"


async def test_a_fault_without_times_fails_every_time(make_lab):
    path = make_lab([vm("a", "Stopped")], fail=[{"op": "checkpoint", "error": "storage full"}])
    lab = backend(path)
    for _ in range(2):
        with pytest.raises(BackendError, match="storage full"):
            await lab.new_checkpoint("a", "x")
    assert read_lab(path).vms[0].checkpoints == []


async def test_a_get_fault(make_lab):
    path = make_lab([vm("a")], fail=[{"op": "get", "times": 1, "error": "VMM service unavailable"}])
    with pytest.raises(BackendError, match="VMM service unavailable"):
        await backend(path).list_vms()
    assert len(await backend(path).list_vms()) == 1


async def test_latency_times_time_scale(make_lab):
    path = make_lab([vm("a", "Running")], time_scale=0.5,
                    latency={"get": 0, "start": 0, "stop": 0.2, "checkpoint": 0, "maintenance": 0})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await backend(path).stop_vm("a")
    assert 0.09 <= loop.time() - started < 1.0


async def test_concurrent_operations_all_land_with_fewer_writes(make_lab, monkeypatch):
    path = make_lab([vm(f"vm{n:03d}", "Running") for n in range(200)])
    writes = []
    import nodes.backends.simulated.lab as lab_module
    real_write = lab_module.write_atomically
    monkeypatch.setattr(lab_module, "write_atomically", lambda p, t: (writes.append(1), real_write(p, t)))
    lab = backend(path)
    await asyncio.gather(*(lab.stop_vm(f"vm{n:03d}") for n in range(200)))
    assert {v.status for v in read_lab(path).vms} == {"Stopped"}
    assert 1 <= len(writes) < 200  # group commit: changes that arrive together share a write


async def test_a_wave_spread_over_milliseconds_is_written_once(make_lab, monkeypatch):
    """Fifty stops whose latencies end up to ~2 ms apart (as a runbook's instances start one after
    another) go to disk in one write, not one write for the first few and another for the rest."""
    path = make_lab([vm(f"vm{n:02d}", "Running") for n in range(50)], time_scale=1.0,
                    latency={"get": 0, "start": 0, "stop": 0.02, "checkpoint": 0, "maintenance": 0})
    writes = []
    import nodes.backends.simulated.lab as lab_module
    real_write = lab_module.write_atomically
    monkeypatch.setattr(lab_module, "write_atomically", lambda p, t: (writes.append(1), real_write(p, t)))
    # Wider windows than the defaults, so a pause of the whole test process (a collection of a big
    # suite's garbage, another thread) cannot pass for the end of the wave.
    monkeypatch.setattr(lab_module, "GATHER_QUIET_S", 0.01)
    monkeypatch.setattr(lab_module, "GATHER_LIMIT_S", 0.05)
    lab = backend(path)
    await lab.list_vms()  # the store has read the lab's settings, as it has in a run

    async def stop_after(n: int) -> None:
        await asyncio.sleep(n * 0.00004)  # the starts of a wave, ~40 µs apart
        await lab.stop_vm(f"vm{n:02d}")

    await asyncio.gather(*(stop_after(n) for n in range(50)))
    assert {v.status for v in read_lab(path).vms} == {"Stopped"}
    assert len(writes) == 1


def _stop_half(path: str, parity: int) -> None:
    async def stop() -> None:
        lab = SimulatedBackend("lab", Path(path))
        await asyncio.gather(*(lab.stop_vm(f"vm{n:02d}") for n in range(parity, 40, 2)))
    asyncio.run(stop())


def test_two_processes_changing_one_lab_lose_nothing(make_lab):
    path = make_lab([vm(f"vm{n:02d}", "Running") for n in range(40)])
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_stop_half, args=(str(path), parity)) for parity in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert [v.status for v in read_lab(path).vms] == ["Stopped"] * 40
    json.loads(path.read_text())  # whole, valid JSON


async def test_a_broken_lab_file_is_named_with_its_key(make_lab, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"vms": [{"id": "x", "name": "x", "status": "Sleeping"}]}))
    with pytest.raises(BackendError) as caught:
        await backend(path).list_vms()
    assert str(path) in str(caught.value) and 'key "vms[0].status"' in str(caught.value)
    path.write_text("{not json")
    with pytest.raises(BackendError, match="not valid JSON"):
        await backend(path).list_vms()


def test_replace_refuses_a_bad_lab_and_keeps_the_old_one(make_lab):
    path = make_lab([vm("a")])
    before = path.read_text()
    with pytest.raises(Exception, match="status"):
        LabStore(path).replace(json.dumps({"vms": [{"id": "a", "name": "a", "status": "?"}]}))
    assert path.read_text() == before


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
async def test_the_lab_keeps_its_mode_through_a_run_and_a_reset(make_lab):
    """A scheduler running as another user must still read the lab after a run rewrote it."""
    path = make_lab([vm("a", "Running"), vm("b", "Running")])
    path.chmod(0o644)
    old_umask = os.umask(0o077)  # neither the umask nor a private temp file gives 0644
    try:
        lab = backend(path)
        await asyncio.gather(lab.stop_vm("a"), lab.start_maintenance("b", "patching", 30, ""))
        assert read_lab(path).vms[0].status == "Stopped"
        assert oct(stat.S_IMODE(path.stat().st_mode)) == oct(0o644)
        LabStore(path).replace(path.read_text())  # what `interlock lab reset` does
        assert oct(stat.S_IMODE(path.stat().st_mode)) == oct(0o644)
    finally:
        os.umask(old_umask)
