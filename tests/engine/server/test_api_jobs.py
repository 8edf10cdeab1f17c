"""Jobs over the runbook server's API, against a real `interlock server` (uvicorn) on 127.0.0.1: started
with parameters (202), refused with clear 4xx (bad parameters name them, bad JSON, a huge body, an unknown
runbook, a viewer's token), read back as `interlock run --json` documents, listed with filters, cancelled,
audited, recorded in the same run history as `interlock run` with who started them, and secrets masked."""

from __future__ import annotations

import json

import api_support
import httpx
import pytest
from api_support import SECRET, read_stream, wait_for_status
from servers.interlock_server import InterlockServer

from engine.cli.main import main

api_server = api_support.api_server  # one real server for the module (a fixture)


def start(client: httpx.Client, runbook: str, **parameters: object) -> httpx.Response:
    return client.post("/api/v1/jobs", json={"runbook": runbook, "parameters": parameters})


def test_a_job_starts_with_parameters_and_ends_with_the_run_json_document(
        api_server: InterlockServer) -> None:
    with api_server.client() as client:
        answer = start(client, "ops/echo.json", Name="Ada", Count="3")
        assert answer.status_code == 202
        started = answer.json()
        assert started["status"] in ("queued", "running") and started["runbook"] == "ops/echo.json"
        assert answer.headers["location"] == f"/api/v1/jobs/{started['job_id']}"
        document = wait_for_status(client, started["job_id"])
    assert document["status"] == "success"
    assert document["job_id"] == started["job_id"] and document["runbook"] == "Echo"
    assert document["parameters"] == {"Name": "Ada", "Count": 3}
    assert document["returned"] == {"greeting": "hello Ada", "count": 3}
    assert {a["id"]: a["state"] for a in document["activities"]} == {"start": "ran", "answer": "ran"}
    assert document["started_by"].startswith("test-admin-")


@pytest.mark.parametrize(("parameters", "detail"), [
    ({}, 'ops/echo.json: runbook "Echo": missing required parameter "Name" (give it with -p NAME=VALUE)'),
    ({"Name": "x", "Colour": "red"}, "ops/echo.json: runbook \"Echo\": unknown parameter 'Colour' "
                                     '(this runbook takes: "Name", "Count")'),
    ({"Name": "x", "Count": "many"}, "ops/echo.json: parameter \"Count\" must be a number, got 'many'"),
])
def test_bad_parameters_are_a_422_naming_them(api_server: InterlockServer, parameters: dict[str, str],
                                               detail: str) -> None:
    with api_server.client() as client:
        answer = client.post("/api/v1/jobs", json={"runbook": "ops/echo.json", "parameters": parameters})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422 and problem["title"] == "Unprocessable Entity"
    assert problem["detail"] == detail


def test_bad_requests_are_clear_problem_documents(api_server: InterlockServer) -> None:
    with api_server.client() as client:
        bad_json = client.post("/api/v1/jobs", content=b'{"runbook": "ops/echo.json",',
                               headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 400
        assert bad_json.json()["detail"].startswith("the request body is not valid JSON")
        extra = client.post("/api/v1/jobs", json={"runbook": "ops/echo.json", "colour": "red"})
        assert extra.status_code == 422 and '"colour"' in extra.json()["detail"]
        no_runbook = client.post("/api/v1/jobs", json={"parameters": {}})
        assert no_runbook.status_code == 422 and '"runbook"' in no_runbook.json()["detail"]
        unknown = start(client, "ops/nope.json")
        assert unknown.status_code == 404
        assert unknown.json()["detail"].startswith('no runbook "ops/nope.json"')
        monitor = start(client, "ops/watch.json")
        assert monitor.status_code == 422
        assert monitor.json()["detail"].startswith("ops/watch.json: starts with a monitor")
        broken = start(client, "broken.json")
        assert broken.status_code == 422 and broken.json()["detail"].startswith("broken.json: ")
        huge = client.post("/api/v1/jobs", json={"runbook": "ops/echo.json",
                                                 "parameters": {"Name": "x" * 2_000_000}})
        assert huge.status_code == 413
        assert huge.json()["detail"] == "the request body is too large (at most 1,000,000 bytes)"
        assert client.get("/api/v1/jobs/no-such-job").status_code == 404
        assert client.post("/api/v1/jobs/no-such-job/cancel").status_code == 404
        assert client.get("/api/v1/jobs", params={"since": "yesterday"}).status_code == 422
        assert client.get("/api/v1/jobs", params={"status": "sleeping"}).status_code == 422


def test_roles_and_folders_decide_who_may_start(api_server: InterlockServer) -> None:
    viewer = api_server.token("a-viewer", "viewer")
    ops_operator = api_server.token("ops-operator", "operator", ["ops"])
    with api_server.client(viewer) as client:
        refused = start(client, "ops/echo.json", Name="x")
        assert refused.status_code == 403
        assert refused.json()["detail"] == \
            'token "a-viewer" has the role viewer; this needs operator or above'
    with api_server.client(ops_operator) as client:
        assert start(client, "vm/vm-checkpoint.json", **{"Batch Number": "1"}).status_code == 403
        job = start(client, "ops/echo.json", Name="scoped").json()["job_id"]
        assert wait_for_status(client, job)["started_by"] == "ops-operator"
        # its job listing shows only jobs of its folder
        assert all(j["path"].startswith("ops/") for j in client.get("/api/v1/jobs").json())


def test_jobs_are_listed_newest_first_with_filters(api_server: InterlockServer) -> None:
    lister = api_server.token("lister", "operator")
    with api_server.client(lister) as client:
        ids = [start(client, "ops/echo.json", Name=f"n{i}").json()["job_id"] for i in range(3)]
        for job in ids:
            wait_for_status(client, job)
        mine = client.get("/api/v1/jobs", params={"who": "lister"}).json()
        assert [j["job_id"] for j in mine] == ids[::-1]
        assert all(j["path"] == "ops/echo.json" and j["status"] == "success" for j in mine)
        def listed(**filters: object) -> list[dict]:
            return client.get("/api/v1/jobs", params={"who": "lister", **filters}).json()

        assert [j["job_id"] for j in listed(limit=2)] == ids[:0:-1]
        by_path = client.get("/api/v1/jobs", params={"runbook": "ops/echo.json", "who": "lister"}).json()
        by_name = client.get("/api/v1/jobs", params={"runbook": "Echo", "who": "lister"}).json()
        assert len(by_path) == len(by_name) == 3
        assert client.get("/api/v1/jobs", params={"who": "lister", "status": "failed"}).json() == []
        since = mine[1]["started_at"]
        assert [j["job_id"] for j in listed(since=since)] == ids[:0:-1]
        assert listed(until=since)[0]["job_id"] == ids[1]


def test_a_running_job_is_cancelled_and_recorded_cancelled(api_server: InterlockServer) -> None:
    with api_server.client() as client:
        job = start(client, "ops/slow.json").json()["job_id"]
        running = client.get(f"/api/v1/jobs/{job}").json()
        assert running["status"] == "running"
        answer = client.post(f"/api/v1/jobs/{job}/cancel")
        assert answer.status_code == 202 and answer.json() == {"job_id": job, "status": "cancelling"}
        document = wait_for_status(client, job, within_s=10)
        assert document["status"] == "cancelled"
        again = client.post(f"/api/v1/jobs/{job}/cancel")
        assert again.status_code == 409 and again.json()["detail"] == f"job {job} has ended (cancelled)"
    with api_server.client(api_server.token("cancel-viewer", "viewer")) as client:
        assert client.post(f"/api/v1/jobs/{job}/cancel").status_code == 403


def test_starts_and_cancels_are_in_the_audit_log(api_server: InterlockServer) -> None:
    auditor = api_server.token("auditor", "operator")
    with api_server.client(auditor) as client:
        job = start(client, "ops/slow.json").json()["job_id"]
        client.post(f"/api/v1/jobs/{job}/cancel")
        wait_for_status(client, job)
        assert client.get("/api/v1/audit").status_code == 403  # admin only
    with api_server.client() as client:
        entries = client.get("/api/v1/audit", params={"who": "auditor"}).json()
    assert [(e["action"], e["target"]) for e in entries] == \
        [("job.cancel", job), ("job.start", "ops/slow.json")]
    assert entries[1]["detail"]["job_id"] == job and entries[0]["source"] == "127.0.0.1"


def test_a_secret_variable_is_masked_in_the_job_document_its_events_and_the_history(
        api_server: InterlockServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with api_server.client() as client:
        job = start(client, "ops/secret.json").json()["job_id"]
        document = wait_for_status(client, job)
        events = read_stream(client, job)
        listed = client.get("/api/v1/jobs", params={"runbook": "ops/secret.json"}).text
    assert document["status"] == "success"
    assert document["returned"] == {"password": "***"}
    texts = [json.dumps(document), json.dumps(events), listed]
    assert all(SECRET not in text for text in texts)
    finished = [e for _, e in events if e["kind"] == "instance_finished" and e["activity"] == "answer"]
    assert finished[0]["inputs"]["data"] == {"password": "***"}
    monkeypatch.setenv("INTERLOCK_HOME", str(api_server.home))
    assert main(["show", job, "--json"]) == 0
    assert SECRET not in capsys.readouterr().out


def test_interlock_history_lists_api_jobs_with_who_started_them(
        api_server: InterlockServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with api_server.client(api_server.token("historian", "operator")) as client:
        job = start(client, "ops/echo.json", Name="history").json()["job_id"]
        wait_for_status(client, job)
    monkeypatch.setenv("INTERLOCK_HOME", str(api_server.home))
    assert main(["history", "--json", "--limit", "500"]) == 0
    jobs = {j["job_id"]: j for j in json.loads(capsys.readouterr().out)}
    assert jobs[job]["started_by"] == "historian" and jobs[job]["status"] == "success"
    assert main(["history", "--limit", "1"]) == 0
    table = capsys.readouterr().out
    assert "By" in table.splitlines()[0] and "historian" in table
    assert main(["show", job]) == 0
    assert "started by  historian" in capsys.readouterr().out


def test_cors_is_off_by_default(api_server: InterlockServer) -> None:
    preflight = httpx.options(f"{api_server.url}/api/v1/jobs", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    with api_server.client(headers={"Origin": "https://evil.example"}) as client:
        assert "access-control-allow-origin" not in client.get("/api/v1/runbooks").headers
