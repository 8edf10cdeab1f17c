"""Running the runbook server: HTTPS with a certificate, the schedules hosted inside it (listed with
their next runs, enabled and disabled by an admin), the graceful shutdown on SIGTERM (running jobs
cancelled and recorded, or drained), and the command line's own mistakes (exit 2, one line)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from api_support import make_catalogue, make_config, read_stream, wait_for_status
from conftest import self_signed_certificate
from servers.interlock_server import running_server

from engine.cli.main import main
from engine.history import open_history


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    return make_catalogue(tmp_path)


def test_https_with_a_certificate_and_cors_for_one_origin(tmp_path: Path, catalogue: Path) -> None:
    certificate = self_signed_certificate(tmp_path)
    console = "https://console.example"
    with running_server(catalogue, tls=certificate, args=["--cors-origin", console]) as server:
        assert server.url.startswith("https://")
        with server.client(headers={"Origin": console}) as client:
            answer = client.get("/api/v1/runbooks")
            assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == console
            other = client.get("/api/v1/runbooks", headers={"Origin": "https://evil.example"})
            assert "access-control-allow-origin" not in other.headers
            asking = {"Access-Control-Request-Method": "POST",
                      "Access-Control-Request-Headers": "authorization"}
            preflight = client.options("/api/v1/jobs", headers=asking)
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == console
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{server.url}/api/v1/health")  # not trusted without the CA
        with pytest.raises(httpx.HTTPError):
            httpx.get(server.url.replace("https://", "http://") + "/api/v1/health", timeout=5)


def test_sigterm_cancels_running_jobs_records_them_and_ends_their_streams(
        tmp_path: Path, catalogue: Path) -> None:
    with running_server(catalogue) as server:
        with server.client() as client:
            job = client.post("/api/v1/jobs", json={"runbook": "ops/slow.json"}).json()["job_id"]
            streamed: list[tuple[int, dict]] = []
            reader = threading.Thread(target=lambda: streamed.extend(read_stream(client, job)))
            reader.start()
            time.sleep(0.5)
            began = time.monotonic()
            assert server.stop() in (0, -15)  # uvicorn ends by the signal it was given, after the shutdown
            reader.join(timeout=10)
        assert time.monotonic() - began < 15  # not the 30 s the job would have taken
    assert streamed[-1][1]["kind"] == "job_finished" and streamed[-1][1]["status"] == "cancelled"
    assert "cancelled by the server's shutdown" in server.output()
    with open_history(server.home / "history.sqlite3") as history:
        stored = history.job(job)
    assert stored.summary.status == "cancelled" and stored.result is not None
    assert stored.result.status == "cancelled"


def test_sigterm_with_a_drain_timeout_lets_running_jobs_finish_and_refuses_new_ones(
        tmp_path: Path, catalogue: Path) -> None:
    with running_server(catalogue, args=["--drain-timeout", "30"]) as server, server.client() as client:
        job = client.post("/api/v1/jobs", json={"runbook": "ops/quick.json"}).json()["job_id"]
        server.process.send_signal(15)
        time.sleep(0.4)
        refused = client.post("/api/v1/jobs", json={"runbook": "ops/quick.json"})
        assert refused.status_code == 503
        assert refused.json()["detail"] == "the server is shutting down: no new jobs"
        assert server.process.wait(timeout=20) in (0, -15)
    with open_history(server.home / "history.sqlite3") as history:
        assert history.job(job).summary.status == "success"
        assert len(history.jobs()) == 1


def test_schedules_run_inside_the_server_and_an_admin_disables_them(tmp_path: Path, catalogue: Path) -> None:
    schedules = tmp_path / "schedules.toml"
    schedules.write_text('[[schedule]]\nname = "greet"\nrunbook = "catalogue/ops/echo.json"\n'
                         'interval = "1s"\nparameters = { Name = "scheduled" }\n\n'
                         '[[schedule]]\nname = "nightly"\nrunbook = "catalogue/ops/quick.json"\n'
                         'cron = "0 3 * * *"\n\n'
                         '[[schedule]]\nname = "slowly"\nrunbook = "catalogue/ops/slow.json"\n'
                         'interval = "1s"\n',
                         encoding="utf-8")
    with running_server(catalogue, schedules=schedules) as server, server.client() as client:
        listed = {s["name"]: s for s in client.get("/api/v1/schedules").json()}
        assert listed["nightly"]["enabled"] and len(listed["nightly"]["next_runs"]) == 3
        assert listed["nightly"]["next_runs"][0].endswith("T03:00:00+00:00")
        greeted = _first(client, runbook="ops/echo.json", status="success")  # through the same history
        assert greeted["parameters"] == {"Name": "scheduled", "Count": 1} and greeted["started_by"] is None

        running = _first(client, runbook="ops/slow.json", status="running")
        cancel = client.post(f"/api/v1/jobs/{running['job_id']}/cancel")  # a job of the schedules
        assert cancel.status_code == 202
        assert wait_for_status(client, running["job_id"], within_s=10)["status"] == "cancelled"

        with server.client(server.token("sched-operator", "operator")) as operator:
            assert operator.post("/api/v1/schedules/greet/disable").status_code == 403
            assert operator.get("/api/v1/schedules").status_code == 200
        disabled = client.post("/api/v1/schedules/greet/disable")
        assert disabled.status_code == 200
        assert disabled.json()["enabled"] is False and disabled.json()["next_runs"] == []
        time.sleep(1.5)  # a run started before the change may still be recorded
        count = len(client.get("/api/v1/jobs", params={"runbook": "ops/echo.json"}).json())
        time.sleep(2.5)
        assert len(client.get("/api/v1/jobs", params={"runbook": "ops/echo.json"}).json()) == count
        enabled = client.post("/api/v1/schedules/greet/enable").json()
        assert enabled["enabled"] is True and enabled["next_runs"]
        missing = client.post("/api/v1/schedules/nope/enable")
        assert missing.status_code == 404 and '"greet"' in missing.json()["detail"]
        actions = [(e["action"], e["target"]) for e in client.get("/api/v1/audit").json()]
        assert actions[:3] == [("schedule.enable", "greet"), ("schedule.disable", "greet"),
                               ("job.cancel", running["job_id"])]


def _first(client: httpx.Client, within_s: float = 20, **filters: str) -> dict:
    """The newest job matching the filters, once there is one."""
    deadline = time.monotonic() + within_s
    while not (jobs := client.get("/api/v1/jobs", params=filters).json()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert jobs, f"no job {filters} within {within_s} s"
    return jobs[0]


def test_a_server_without_schedules_lists_none(catalogue: Path) -> None:
    with running_server(catalogue) as server, server.client() as client:
        assert client.get("/api/v1/schedules").json() == []
        assert client.post("/api/v1/schedules/any/disable").status_code == 404


@pytest.mark.parametrize(("arguments", "message"), [
    ([], "give --catalogue DIR"),
    (["--catalogue", "{tmp}/missing"], "no such folder"),
    (["--catalogue", "{tmp}", "--listen", "localhost"], "give HOST:PORT"),
    (["--catalogue", "{tmp}", "--listen", "127.0.0.1:70000"], "the port must be 1 to 65535"),
    (["--catalogue", "{tmp}", "--tls-cert", "{tmp}/c.pem"], "give both --tls-cert and --tls-key"),
    (["--catalogue", "{tmp}", "--tls-cert", "{tmp}/c.pem", "--tls-key", "{tmp}/k.pem"], "no such file"),
    (["--catalogue", "{tmp}", "--schedules", "{tmp}/none.toml"], "none.toml"),
])
def test_command_line_mistakes_are_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       arguments: list[str], message: str) -> None:
    assert main(["server", *[a.format(tmp=tmp_path) for a in arguments]]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_the_server_starts_from_the_command_line_with_a_config(tmp_path: Path, catalogue: Path) -> None:
    config = make_config(tmp_path)
    with running_server(catalogue, config=config) as server, server.client() as client:
        job = client.post("/api/v1/jobs", json={"runbook": "vm/vm-checkpoint.json",
                                                "parameters": {"Batch Number": "2"}}).json()["job_id"]
        document = wait_for_status(client, job)
    assert document["status"] == "success"
    assert [row["vm_name"] for row in _rows(document, "get_vms")] == ["other01"]
    lab = json.loads((tmp_path / "lab.json").read_text())
    assert [len(v["checkpoints"]) for v in lab["vms"] if v["name"] == "other01"] == [1]


def _rows(document: dict, activity: str) -> list[dict]:
    return [row for a in document["activities"] if a["id"] == activity
            for i in a["instances"] for row in i["rows"]]
