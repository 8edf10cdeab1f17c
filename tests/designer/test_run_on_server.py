"""Runbook → Run on Server… against a real `interlock server` (its own process on 127.0.0.1): the open
runbook, a file of the catalogue folder, runs there and the canvas ends showing what the server's job
document says; the history panel lists the server's jobs and replays one onto the canvas; the server's
settings are remembered without the token; a refused token is said, not painted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gestures import window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QSettings
from servers.checkpoint_server import RUNBOOK, SEED, checkpoint_catalogue, checkpoint_config
from servers.interlock_server import InterlockServer, running_server

from designer.server_run import ServerDialog, ServerTarget, open_server_job, run_on_server

WITHIN_MS = 60_000


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    return checkpoint_catalogue(tmp_path / "catalogue")


@pytest.fixture
def server(tmp_path: Path, catalogue: Path, make_lab: Any) -> Iterator[InterlockServer]:
    with running_server(catalogue, config=checkpoint_config(tmp_path, make_lab)) as started:
        yield started


@pytest.fixture
def target(server: InterlockServer, catalogue: Path, monkeypatch: pytest.MonkeyPatch) -> ServerTarget:
    monkeypatch.setenv("DESK_TOKEN", server.token("designer", "operator"))
    return ServerTarget(server.url, "env", "DESK_TOKEN", "", str(catalogue))


def assert_canvas_shows(window: Any, document: dict[str, Any]) -> None:
    items = window.scene.activity_items
    for activity in document["activities"]:
        overlay = items[activity["id"]].overlay
        if activity["id"] in document["junctions"]:
            assert overlay["state"] == document["junctions"][activity["id"]]
            continue
        statuses = [i["status"] for i in activity["instances"]]
        assert overlay["done"] == statuses.count("success"), activity["id"]
        assert overlay["running"] == 0
    assert [e.rows[0]["vm_name"] for e in window.runner.finished_instances["stop_vm"]] \
        in (["web01", "web02"], ["web02", "web01"])


def test_run_on_server_shows_the_job_live_on_the_canvas(window, qtbot, catalogue, target, server):
    assert window.open_file(catalogue / RUNBOOK)
    job = run_on_server(window, target, {"Batch Number": "1"})
    assert job is not None, window.asked
    with qtbot.waitSignal(job.finished, timeout=WITHIN_MS) as finished:
        pass
    document = finished.args[0]
    assert document["status"] == "success"
    assert_canvas_shows(window, document)
    links = window.scene.link_items
    assert links[("get_vms", "start_maintenance")].overlay["text"] == "2 passed · 3 filtered"
    assert job.job_id in window.statusBar().currentMessage()
    assert window.tab.log_panel is not None and job.events_seen > 0
    # the same job, as the server keeps it
    with server.client() as http:
        assert http.get(f"/api/v1/jobs/{job.job_id}").json() == document


def test_the_history_panel_lists_the_servers_jobs_and_replays_one(window, qtbot, catalogue, target, server):
    assert window.open_file(catalogue / RUNBOOK)
    first = run_on_server(window, target, {"Batch Number": "1"})
    assert first is not None
    with qtbot.waitSignal(first.finished, timeout=WITHIN_MS) as finished:
        pass
    target.save(window.settings)
    window.runner.clear()
    panel = window.history_panel
    panel.source.setCurrentIndex(panel.source.findData("server"))  # refreshes
    shown = [panel.jobs.topLevelItem(i).text(5) for i in range(panel.jobs.topLevelItemCount())]
    assert shown == [first.job_id]
    replay = open_server_job(window, first.job_id)
    assert replay is not None, window.asked
    with qtbot.waitSignal(replay.finished, timeout=WITHIN_MS):
        pass
    assert_canvas_shows(window, finished.args[0])


def test_the_servers_settings_are_remembered_but_never_the_token(qtbot, tmp_path, target, monkeypatch):
    settings = QSettings(str(tmp_path / "designer.ini"), QSettings.Format.IniFormat)
    dialog = ServerDialog(target)
    qtbot.addWidget(dialog)
    dialog.token_name.setText("interlock:desk")
    dialog.source.setCurrentIndex(dialog.source.findData("keyring"))
    chosen = dialog.target()
    chosen.save(settings)
    settings.sync()
    again = ServerTarget.load(QSettings(str(tmp_path / "designer.ini"), QSettings.Format.IniFormat))
    assert again == chosen and again.token_source == "keyring"
    import os

    text = (tmp_path / "designer.ini").read_text()
    assert os.environ["DESK_TOKEN"] not in text and target.url in text


def test_a_runbook_outside_the_catalogue_or_a_refused_token_is_said(window, qtbot, tmp_path, catalogue,
                                                                     target, monkeypatch):
    outside = tmp_path / "elsewhere.json"
    shutil.copy(SEED, outside)
    assert window.open_file(outside)
    assert run_on_server(window, target, {"Batch Number": "1"}) is None
    assert "is not under the catalogue folder" in window.asked[-1]

    assert window.open_file(catalogue / RUNBOOK)
    monkeypatch.setenv("DESK_TOKEN", "il_wrong")
    job = run_on_server(window, target, {"Batch Number": "1"})
    assert job is not None
    with qtbot.waitSignal(job.failed, timeout=WITHIN_MS) as failed:
        pass
    assert failed.args[0].startswith(f"server {target.url}: 401")
    assert window.asked[-1] == failed.args[0]


def test_stop_cancels_the_job_on_the_server(window, qtbot, catalogue, target):
    assert window.open_file(catalogue / RUNBOOK)
    job = run_on_server(window, target, {"Batch Number": "2"})
    assert job is not None
    with qtbot.waitSignal(job.started, timeout=WITHIN_MS):
        pass
    assert window.stop_action.isEnabled()
    qtbot.waitUntil(lambda: window.runner.counts.activities["stop_vm"].done >= 1, timeout=WITHIN_MS)
    with qtbot.waitSignal(job.finished, timeout=WITHIN_MS) as finished:
        window.stop_action.trigger()
    assert finished.args[0]["status"] == "cancelled"
    assert window.scene.activity_items["start_vm"].overlay["state"] == "waiting"
    assert not window.stop_action.isEnabled()
