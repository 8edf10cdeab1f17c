"""Running from the designer: the seed runbook on a lab built here runs on the engine inside the Qt
event loop (qasync); at the end the canvas shows exactly what the job result says, and the job is in
the run history. Stop cancels a running job. No sleeps: the test waits on the controller's signals."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import qasync
from conftest import vm
from gestures import window  # noqa: F401 - window is a fixture
from PySide6.QtWidgets import QApplication

from engine.config.settings import Config, Connection
from engine.history import HistoryStore

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


@pytest.fixture
def qloop(qapp: Any) -> Any:
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()  # joins qasync's worker threads (asyncio.to_thread): Qt aborts on live QThreads at exit
    asyncio.set_event_loop(None)


def on_lab(window: Any, make_lab: Any, **options: Any) -> Path:
    lab = make_lab([vm("web01", "Running"), vm("web02", "Running"), vm("db01", "Stopped"),
                    vm("cache01", "Saved"), vm("app02", "Paused")], **options)
    window.runner.config_fixed = True
    window.runner.config = Config(connections={"default": Connection(kind="simulated", lab=str(lab))})
    assert window.open_file(SEED)
    return lab


def run_to_end(window: Any, loop: Any, parameters: dict[str, Any], *, stop_after: str | None = None) -> Any:
    async def go() -> Any:
        done = asyncio.get_running_loop().create_future()
        window.runner.finished.connect(lambda result: done.done() or done.set_result(result))
        if stop_after is not None:
            def maybe_stop(counts: Any) -> None:
                if counts.activities[stop_after].done:
                    window.runner.stop()
            window.runner.progressed.connect(maybe_stop)
        assert window.run(parameters)
        return await asyncio.wait_for(done, 30)
    return loop.run_until_complete(go())


def test_the_canvas_ends_showing_what_the_job_result_says(window, qloop, make_lab):
    on_lab(window, make_lab, time_scale=0.01)
    result = run_to_end(window, qloop, {"Batch Number": "1"})
    assert result.status == "success"
    items = window.scene.activity_items
    for activity in result.activities:
        overlay = items[activity.id].overlay
        if activity.id in result.junctions:
            assert overlay["state"] == result.junctions[activity.id]
            continue
        statuses = [i.status for i in activity.instances]
        assert overlay["done"] == statuses.count("success"), activity.id
        assert overlay["failed"] == statuses.count("failed") + statuses.count("cancelled")
        assert overlay["running"] == 0
        assert overlay["state"] == ("success" if statuses else "waiting")
    links = window.scene.link_items
    assert links[("get_vms", "start_maintenance")].overlay["text"] == "2 passed · 3 filtered"
    assert links[("wait_stopped", "new_checkpoint")].overlay["text"] == "5 passed"
    assert links[("wait_checkpoints", "start_vm")].overlay["text"] == "2 passed"
    with HistoryStore() as store:
        assert [job.job_id for job in store.jobs()] == [result.job_id]
    assert window.run_action.isEnabled() and not window.stop_action.isEnabled()
    window.runner.clear()
    assert all(item.overlay == {} for item in items.values())


def test_stop_mid_run_cancels_and_shows_it(window, qloop, make_lab):
    on_lab(window, make_lab, time_scale=0.2)
    result = run_to_end(window, qloop, {"Batch Number": "1"}, stop_after="start_maintenance")
    assert result.status == "cancelled"
    states = {key: item.overlay.get("state") for key, item in window.scene.activity_items.items()}
    assert states["stop_vm"] == "cancelled"
    assert states["start_vm"] == "waiting"


def test_bad_parameters_run_nothing(window, qloop, make_lab):
    on_lab(window, make_lab)
    assert not window.run({})  # Batch Number is required
    assert "Batch Number" in window.asked[-1]
    assert window.runner.handle is None


def test_the_run_log_lists_events_and_filters_them(window, qloop, make_lab):
    lab = on_lab(window, make_lab)
    fault = '"fail": [{"op": "stop", "vm": "web02", "error": "guest hung"}]'
    lab.write_text(lab.read_text().replace('"fail": []', fault))
    result = run_to_end(window, qloop, {"Batch Number": "1"})
    assert result.status == "failed"
    log = window.log_panel
    rows = log.model.lines
    assert any(r[1] == "Stop VM" and r[2] == "error" and "guest hung" in r[3] for r in rows)
    assert rows[-1][3].startswith(f"job {result.job_id} failed")
    log.level.setCurrentIndex(log.level.findData("error"))
    shown = [log.proxy.index(i, 3).data() for i in range(log.proxy.rowCount())]
    assert shown and all("failed" in line for line in shown)
    log.level.setCurrentIndex(log.level.findData("info"))
    log.activity.setCurrentIndex(log.activity.findData("Get VMs in Batch"))
    assert all(log.proxy.index(i, 1).data() == "Get VMs in Batch" for i in range(log.proxy.rowCount()))
    assert log.proxy.rowCount() >= 2


def test_the_inspector_shows_each_instance_with_inputs_as_resolved_and_rows(window, qloop, make_lab):
    on_lab(window, make_lab)
    result = run_to_end(window, qloop, {"Batch Number": "1"})
    window.scene.select_only(["stop_vm"])
    panel = window.instances_panel
    assert panel.instances.rowCount() == len(result.activity("stop_vm").instances) == 2
    inputs = {panel.inputs.item(r, 0).text(): panel.inputs.item(r, 1).text()
              for r in range(panel.inputs.rowCount())}
    assert inputs["vm_id"] in ("id-web01", "id-web02")  # {{get_vms.vm_id}} as it was resolved
    assert inputs["mode"] == "shutdown"
    headers = [panel.rows.horizontalHeaderItem(c).text() for c in range(panel.rows.columnCount())]
    assert headers == ["vm_id", "vm_name", "status"]
    assert panel.rows.item(0, 2).text() == "Stopped"
    panel.copy()
    copied = json.loads(QApplication.clipboard().text())
    assert copied["inputs"]["vm_id"] == inputs["vm_id"] and copied["rows"][0]["status"] == "Stopped"


def test_a_headless_run_appears_in_the_history_panel_and_opens_with_the_same_counts(window, make_lab,
                                                                                     tmp_path, capsys):
    from engine.cli.main import main

    lab = make_lab([vm("web01", "Running"), vm("db01", "Stopped"), vm("mail01", "Running")])
    config = tmp_path / "interlock.toml"
    config.write_text(f'[connections.default]\nkind = "simulated"\nlab = "{lab}"\n')
    assert main(["run", str(SEED), "-p", "Batch Number=1", "--config", str(config), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    window.history_panel.refresh()
    jobs = window.history_panel.jobs
    assert jobs.topLevelItemCount() == 1
    assert jobs.topLevelItem(0).text(5) == result["job_id"]
    assert jobs.topLevelItem(0).text(2) == "success"
    assert window.open_history_job(result["job_id"])
    items = window.scene.activity_items
    for activity in result["activities"]:
        overlay = items[activity["id"]].overlay
        if activity["id"] in result["junctions"]:
            assert overlay["state"] == result["junctions"][activity["id"]]
        else:
            assert overlay["done"] == sum(i["status"] == "success" for i in activity["instances"])
    link = window.scene.link_items[("get_vms", "start_maintenance")]
    assert link.overlay["text"] == "2 passed · 1 filtered"
    window.scene.select_only(["new_checkpoint"])
    assert window.instances_panel.instances.rowCount() == 3


def test_a_breakpoint_pauses_before_the_activity_and_step_runs_exactly_one_instance(window, qloop, make_lab):
    lab = on_lab(window, make_lab, time_scale=0.01)
    window.scene.select_only(["stop_vm"])
    window.toggle_breakpoint()
    assert window.scene.activity_items["stop_vm"].breakpoint

    async def go() -> Any:
        done = asyncio.get_running_loop().create_future()
        window.runner.finished.connect(lambda result: done.done() or done.set_result(result))
        pauses: asyncio.Queue[Any] = asyncio.Queue()
        window.tester.paused.connect(pauses.put_nowait)
        assert window.run({"Batch Number": "1"})
        first = await asyncio.wait_for(pauses.get(), 10)
        assert (first.activity, first.inputs["vm_id"]) in {("stop_vm", "id-web01"), ("stop_vm", "id-web02")}
        assert window.runner.finished_instances.get("stop_vm", []) == []  # paused before it, not during
        assert {v["status"] for v in json.loads(lab.read_text())["vms"]} >= {"Running"}
        assert "Paused before Stop VM" in window.instances_panel.title.text()
        window.tester.step()  # exactly one instance runs, then the job waits again
        second = await asyncio.wait_for(pauses.get(), 10)
        assert second.activity == "stop_vm" and second.inputs["vm_id"] != first.inputs["vm_id"]
        assert len(window.runner.finished_instances["stop_vm"]) == 1
        window.tester.continue_()
        return await asyncio.wait_for(done, 30)

    result = qloop.run_until_complete(go())
    assert result.status == "success"
    assert len(result.activity("stop_vm").instances) == 2


def test_runs_use_the_connections_config_chosen_in_settings(window, qloop, make_lab, tmp_path):
    lab = make_lab([vm("web01", "Running")])
    config = tmp_path / "chosen.toml"
    config.write_text(f'[connections.default]\nkind = "simulated"\nlab = "{lab}"\n')
    window.settings.setValue("config", str(config))
    assert window.open_file(SEED)
    result = run_to_end(window, qloop, {"Batch Number": "1"})
    assert result.status == "success"
    assert json.loads(lab.read_text())["vms"][0]["checkpoints"] != []  # the chosen lab, not the default


def test_a_killed_job_is_listed_interrupted_in_the_history_panel_with_its_finished_instances(
        window, monkeypatch):
    from engine.history import buffered as buffered_history  # where a job's owner is taken
    from engine.history.owner import Owner, this_process
    from engine.run.events import InstanceFinished, JobStarted

    me = this_process()
    gone = Owner(me.host, me.pid, me.started - 1000.0)  # our pid, another start time: a gone process
    at = "2026-01-05T10:00:00+00:00"
    with monkeypatch.context() as patch, HistoryStore() as store:
        patch.setattr(buffered_history, "this_process", lambda: gone)
        store.record(JobStarted(job_id="killed-job", at=at, runbook="VM Checkpoint", path=str(SEED)))
        store.record(InstanceFinished(job_id="killed-job", at=at, activity="get_vms", name="Get VMs in Batch",
                                      instance=0, status="success", started_at=at, finished_at=at,
                                      duration_s=0.1, attempts=1))
    window.history_panel.status.setCurrentIndex(window.history_panel.status.findData("interrupted"))
    jobs = window.history_panel.jobs
    assert jobs.topLevelItemCount() == 1
    assert jobs.topLevelItem(0).text(2) == "interrupted"
    assert "ended before the job did" in jobs.topLevelItem(0).toolTip(2)
    assert window.open_history_job("killed-job")
    assert window.scene.activity_items["get_vms"].overlay["done"] == 1
