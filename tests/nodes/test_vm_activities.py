"""Each VM and maintenance activity against the simulated back-end: what it publishes, each error path,
and bad properties, as the job result and the lab file show them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import lab_engine, read_lab, vm

from engine import JobResult
from engine.config.registry import Registry
from engine.config.settings import Connection
from engine.errors import ConfigError, RunbookError
from engine.format.model import Runbook
from engine.format.validate import check_document

START = {"id": "start", "type": "core.initialize_data", "name": "Start", "properties": {"parameters": []}}


def one_activity(type_name: str, properties: dict[str, Any]) -> Runbook:
    act = {"id": "act", "type": type_name, "name": "Act", "properties": properties}
    document = {"format": "interlock.runbook/1", "name": "One", "activities": [START, act],
                "links": [{"from": "start", "to": "act"}]}
    runbook, problems = check_document(document, "one.json", Registry.from_entry_points())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise RunbookError(errors)
    assert runbook is not None
    return runbook


async def run(lab: Path, type_name: str, properties: dict[str, Any], **connections: Connection) -> JobResult:
    return await lab_engine(lab, **connections).run(one_activity(type_name, properties))


def only(result: JobResult) -> Any:
    instances = result.activity("act").instances
    assert len(instances) == 1
    return instances[0]


# -- get_vm ----------------------------------------------------------------------------------------------

async def test_get_vm_filters_are_anded_over_published_fields(make_lab):
    path = make_lab([vm("web01", "Running", batch="1"), vm("web02", "Stopped", batch="1"),
                     vm("web03", "Running", batch="2"), vm("db01", "Running", batch="1")])
    result = await run(path, "vmm.get_vm", {"filters": [
        {"field": "custom_property_1", "op": "equals", "value": "1"},
        {"field": "vm_name", "op": "starts_with", "value": "WEB"}]})
    rows = only(result).rows
    assert [r["vm_name"] for r in rows] == ["web01", "web02"]
    assert set(rows[0]) >= {"vm_id", "vm_name", "status", "raw_status", "host", "custom_property_1",
                            "custom_property_10"}
    everything = await run(path, "vmm.get_vm", {})
    assert len(only(everything).rows) == 4


def test_get_vm_refuses_an_unknown_filter_field():
    with pytest.raises(RunbookError) as caught:
        one_activity("vmm.get_vm", {"filters": [{"field": "colour", "op": "equals", "value": "x"}]})
    assert 'activity "act", key "properties.filters[0].field"' in str(caught.value)


# -- start / stop ---------------------------------------------------------------------------------------

async def test_start_and_stop_publish_the_vm_after_the_operation(make_lab):
    path = make_lab([vm("web01", "Running")])
    stopped = only(await run(path, "vmm.stop_vm", {"vm_id": "id-web01", "mode": "save"}))
    assert stopped.status == "success"
    published = {k: v for k, v in stopped.rows[0].items() if not k.startswith("@")}
    assert published == {"vm_id": "id-web01", "vm_name": "web01", "status": "Saved"}
    started = only(await run(path, "vmm.start_vm", {"vm_id": "id-web01"}))
    assert started.rows[0]["status"] == "Running"
    assert read_lab(path).vms[0].status == "Running"


async def test_starting_a_running_vm_fails_the_instance_with_a_clear_error(make_lab):
    path = make_lab([vm("web01", "Running")])
    result = await run(path, "vmm.start_vm", {"vm_id": "web01"})
    assert result.status == "failed"
    assert only(result).error == 'start VM web01 on connection "default": VM web01 is already Running'


def test_stop_vm_refuses_an_unknown_mode():
    with pytest.raises(RunbookError, match=r'key "properties.mode".*(shutdown|turn_off)'):
        one_activity("vmm.stop_vm", {"vm_id": "x", "mode": "hibernate"})


def test_vm_id_is_required():
    with pytest.raises(RunbookError, match=r'key "properties.vm_id": required key is missing'):
        one_activity("vmm.start_vm", {})


# -- checkpoints ----------------------------------------------------------------------------------------

async def test_checkpoint_lifecycle(make_lab):
    path = make_lab([vm("db01", "Stopped")])
    taken = only(await run(path, "vmm.new_checkpoint", {"vm_id": "db01", "name": "pre-patch"})).rows[0]
    assert taken["checkpoint_name"] == "pre-patch" and taken["vm_status"] == "Stopped"
    assert taken["vm_name"] == "db01" and taken["created_at"]
    listed = only(await run(path, "vmm.get_checkpoint", {"vm_id": "db01"})).rows
    assert [r["checkpoint_id"] for r in listed] == [taken["checkpoint_id"]]
    await run(path, "vmm.new_checkpoint", {"vm_id": "db01", "name": "second"})
    newest = only(await run(path, "vmm.get_checkpoint", {"vm_id": "db01", "most_recent": True})).rows
    assert [r["checkpoint_name"] for r in newest] == ["second"]
    restored = only(await run(path, "vmm.restore_checkpoint", {"checkpoint_id": taken["checkpoint_id"]}))
    assert restored.rows[0]["vm_name"] == "db01"
    removed = only(await run(path, "vmm.remove_checkpoint", {"checkpoint_id": taken["checkpoint_id"]}))
    assert removed.status == "success"
    assert [c.name for c in read_lab(path).vms[0].checkpoints] == ["second"]
    missing = only(await run(path, "vmm.remove_checkpoint", {"checkpoint_id": taken["checkpoint_id"]}))
    assert missing.status == "failed" and "no checkpoint with id" in missing.error


async def test_a_vm_that_does_not_exist(make_lab):
    path = make_lab([vm("db01")])
    failed = only(await run(path, "vmm.get_checkpoint", {"vm_id": "ghost"}))
    assert failed.status == "failed" and "no VM with id or name 'ghost'" in failed.error


# -- maintenance ----------------------------------------------------------------------------------------

async def test_start_and_stop_maintenance(make_lab):
    path = make_lab([vm("web01")])
    started = only(await run(path, "monitoring.start_maintenance",
                             {"object": "web01", "reason": "PlannedHardwareMaintenance", "duration_min": 15,
                              "comment": "disk swap"})).rows[0]
    assert {k: started[k] for k in ("object", "reason", "comment")} == \
        {"object": "web01", "reason": "PlannedHardwareMaintenance", "comment": "disk swap"}
    stopped = only(await run(path, "monitoring.stop_maintenance", {"object": "web01"})).rows[0]
    assert stopped["start_time"] == started["start_time"] and stopped["end_time"] < started["end_time"]
    again = only(await run(path, "monitoring.stop_maintenance", {"object": "web01"}))
    assert again.status == "failed" and "web01 is not in maintenance" in again.error


def test_maintenance_properties_are_checked():
    with pytest.raises(RunbookError, match=r'key "properties.duration_min"'):
        one_activity("monitoring.start_maintenance", {"object": "x", "duration_min": 2})
    with pytest.raises(RunbookError, match=r'key "properties.reason"'):
        one_activity("monitoring.start_maintenance", {"object": "x", "reason": "Bored"})


# -- connections ----------------------------------------------------------------------------------------

async def test_an_unconfigured_connection_is_refused_before_anything_runs(make_lab):
    path = make_lab([vm("web01", "Running")])
    before = path.read_bytes()
    with pytest.raises(ConfigError) as caught:
        await run(path, "vmm.stop_vm", {"connection": "vmm01", "vm_id": "web01"})
    message = str(caught.value)
    assert 'activity "act", key "properties.connection"' in message
    assert 'connection "vmm01" is not configured' in message and "configured: default" in message
    assert path.read_bytes() == before


async def test_a_connection_whose_lab_file_is_missing_is_refused(make_lab, tmp_path):
    path = make_lab([vm("web01")])
    missing = Connection(kind="simulated", lab=str(tmp_path / "nope.json"))
    with pytest.raises(ConfigError, match=r'key "lab": lab file .*nope.json not found'):
        await run(path, "vmm.get_vm", {"connection": "other"}, other=missing)


async def test_a_connection_of_an_unknown_kind(make_lab):
    path = make_lab([vm("web01")])
    with pytest.raises(ConfigError, match=r'unknown kind "vmware" \(known kinds: .*simulated'):
        await run(path, "vmm.get_vm", {"connection": "vc"}, vc=Connection(kind="vmware"))
