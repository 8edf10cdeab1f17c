"""`interlock remote` against a real `interlock server` (its own process, 127.0.0.1): the VM Checkpoint
runbook started and followed to the end on a simulated lab, the jobs list, `show --json` equal to
GET /jobs/{id}, cancel, and the server's refusals (bad token, viewer role, unknown runbook, bad
parameter) as one line and exit 2."""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import self_signed_certificate
from servers.checkpoint_server import RUNBOOK, checkpoint_catalogue, checkpoint_config
from servers.interlock_server import InterlockServer, running_server

from engine.cli.main import main


@pytest.fixture
def server(tmp_path: Path, make_lab: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[InterlockServer]:
    catalogue = checkpoint_catalogue(tmp_path / "catalogue")
    with running_server(catalogue, config=checkpoint_config(tmp_path, make_lab)) as started:
        monkeypatch.setenv("INTERLOCK_TOKEN", started.token("ci", "operator"))
        monkeypatch.setenv("INTERLOCK_SERVER", started.url)
        yield started


def remote(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["remote", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_wait_follows_the_job_to_its_end_and_json_is_the_servers_document(server, capsys):
    code, out, err = remote(capsys, "run", RUNBOOK, "-p", "Batch Number=1", "--wait", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["status"] == "success"
    assert document["parameters"] == {"Batch Number": "1"}
    stop = next(a for a in document["activities"] if a["id"] == "stop_vm")
    assert sorted(row["vm_name"] for i in stop["instances"] for row in i["rows"]) == ["web01", "web02"]
    # Progress as `interlock run` writes it to a log, then the summary
    assert f'job {document["job_id"]} started: "VM Checkpoint"' in err
    assert "Stop VM [0] success" in err
    assert f'job {document["job_id"]} success after' in err
    with server.client() as http:
        assert http.get(f"/api/v1/jobs/{document['job_id']}").json() == document


def test_run_without_wait_prints_the_job_id_then_jobs_and_show_find_it(server, capsys):
    code, out, err = remote(capsys, "run", RUNBOOK, "-p", "Batch Number=1")
    assert code == 0, err
    job_id = out.strip()
    finished = wait_for(server, job_id, "success")

    code, out, _ = remote(capsys, "jobs", "--json", "--runbook", RUNBOOK)
    assert code == 0
    assert [job["job_id"] for job in json.loads(out)] == [job_id]
    code, out, _ = remote(capsys, "jobs", "--status", "failed", "--json")
    assert json.loads(out) == []
    code, out, _ = remote(capsys, "jobs")
    assert job_id in out and "success" in out

    code, out, _ = remote(capsys, "show", job_id, "--json")
    assert code == 0 and json.loads(out) == finished
    code, out, _ = remote(capsys, "show", job_id)
    assert code == 0 and f"Job {job_id}" in out and "Stop VM" in out


def test_cancel_ends_a_running_job_cancelled_and_wait_exits_1(server, capsys):
    code, out, err = remote(capsys, "run", RUNBOOK, "-p", "Batch Number=2")
    job_id = out.strip()
    assert code == 0, err
    code, out, err = remote(capsys, "cancel", job_id)
    assert code == 0, err
    assert wait_for(server, job_id, "cancelled")["status"] == "cancelled"

    # A job cancelled by another client while `run --wait` follows it: exit 1, as `interlock run`.
    canceller = threading.Thread(target=cancel_first_running, args=(server,), daemon=True)
    canceller.start()
    code, _, err = remote(capsys, "run", RUNBOOK, "-p", "Batch Number=2", "--wait")
    canceller.join(30)
    assert code == 1, err
    assert "cancelled" in err


def cancel_first_running(server: InterlockServer) -> None:
    deadline = time.monotonic() + 30
    with server.client() as http:
        while time.monotonic() < deadline:
            running = http.get("/api/v1/jobs", params={"status": "running"}).json()
            if running:
                http.post(f"/api/v1/jobs/{running[0]['job_id']}/cancel")
                return
            time.sleep(0.05)


def test_a_bad_token_is_one_line_and_exit_2(server, capsys, monkeypatch):
    monkeypatch.setenv("INTERLOCK_TOKEN", "il_not-a-token")
    code, out, err = remote(capsys, "jobs")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"server {server.url}: 401"), err


def test_a_viewer_cannot_start_and_is_told_in_one_line(server, capsys, monkeypatch):
    monkeypatch.setenv("VIEWER_TOKEN", server.token("desk", "viewer"))
    code, _, err = remote(capsys, "run", RUNBOOK, "-p", "Batch Number=1", "--token-env", "VIEWER_TOKEN")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and f"server {server.url}: 403" in err
    code, out, _ = remote(capsys, "jobs", "--json", "--token-env", "VIEWER_TOKEN")
    assert code == 0 and json.loads(out) == []


def test_unknown_runbooks_jobs_and_parameters_are_named(server, capsys):
    code, _, err = remote(capsys, "run", "patching/nope.json")
    assert code == 2 and f"server {server.url}: 404" in err and "nope.json" in err
    code, _, err = remote(capsys, "run", RUNBOOK, "-p", "Batch Numbr=1")
    assert code == 2 and f"server {server.url}: 422" in err and "Batch Numbr" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = remote(capsys, "show", "0000dead")
    assert code == 2 and f"server {server.url}: 404" in err


def wait_for(server: InterlockServer, job_id: str, status: str, within_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    with server.client() as http:
        while True:
            document = http.get(f"/api/v1/jobs/{job_id}").json()
            if document["status"] not in ("queued", "running"):
                assert document["status"] == status, document
                return document
            assert time.monotonic() < deadline, f"job {job_id} still {document['status']}"
            time.sleep(0.1)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_wait_on_a_terminal_draws_the_live_table_of_the_runbooks_activities(server, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: rich reads its width from COLUMNS
    assert main(["remote", "run", RUNBOOK, "-p", "Batch Number=1", "--wait"]) == 0
    shown = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", terminal.getvalue())  # without the colours
    for column in ("Activity", "Running", "Done", "Failed"):
        assert column in shown
    assert "Wait for Checkpoints" in shown and "fired" in shown
    assert "VM Checkpoint: success" in shown  # the summary after the table, with what was worked on
    assert "Stop VM: 2 success: web01, web02" in shown


def test_tls_with_the_servers_ca_file_and_without_it(tmp_path, capsys, monkeypatch):
    catalogue = checkpoint_catalogue(tmp_path / "tls-catalogue")
    certificate, key = self_signed_certificate(tmp_path)
    with running_server(catalogue, tls=(certificate, key)) as tls:
        monkeypatch.setenv("INTERLOCK_TOKEN", tls.token("ci-tls", "viewer"))
        code, out, err = remote(capsys, "jobs", "--json", "--server", tls.url, "--ca-file", str(certificate))
        assert (code, json.loads(out or "null")) == (0, []), err
        code, out, err = remote(capsys, "jobs", "--server", tls.url)  # the system's CAs do not know it
        assert code == 2 and out == ""
        assert err.startswith(f"server {tls.url}: cannot reach it:") and "CERTIFICATE_VERIFY_FAILED" in err
        assert len(err.strip().splitlines()) == 1
