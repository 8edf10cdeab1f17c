"""The runbook server's catalogue over HTTP, against a real `interlock server` (uvicorn) on 127.0.0.1:
health without a token, everything else with one; the runbooks with their parameters and problems;
changes on disk seen without a restart; folder scopes; paths that lead out of the catalogue refused."""

from __future__ import annotations

import json
import os
import time

import api_support
import httpx
from api_support import start, write_runbook
from servers.interlock_server import InterlockServer

api_server = api_support.api_server  # one real server for the module (a fixture)


def test_health_needs_no_token_and_says_the_version(api_server: InterlockServer) -> None:
    answer = httpx.get(f"{api_server.url}/api/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["version"]


def test_every_other_call_needs_a_valid_token(api_server: InterlockServer) -> None:
    for path in ("/api/v1/runbooks", "/api/v1/jobs", "/api/v1/version", "/api/v1/schedules"):
        missing = httpx.get(api_server.url + path)
        assert missing.status_code == 401, path
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["detail"] == "no API token: send the header Authorization: Bearer TOKEN"
        wrong = httpx.get(api_server.url + path, headers={"Authorization": "Bearer il_not-a-real-token"})
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.json()["detail"]


def test_a_revoked_token_is_refused_at_once(api_server: InterlockServer) -> None:
    from engine.server.security import TokenStore

    token = api_server.token("soon-revoked", "viewer")
    with api_server.client(token) as client:
        assert client.get("/api/v1/runbooks").status_code == 200
        store = TokenStore(api_server.home / "server.sqlite3")
        assert store.revoke("soon-revoked")
        store.close()
        assert client.get("/api/v1/runbooks").status_code == 401


def test_version_and_openapi(api_server: InterlockServer) -> None:
    with api_server.client() as client:
        version = client.get("/api/v1/version").json()
        assert version["api"] == "v1" and version["history_schema"] >= 4
        schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/health", "/api/v1/runbooks", "/api/v1/jobs", "/api/v1/jobs/{job_id}",
                 "/api/v1/jobs/{job_id}/cancel", "/api/v1/jobs/{job_id}/events", "/api/v1/schedules",
                 "/api/v1/audit", "/api/v1/runbooks/{path}/validate"):
        assert path in schema["paths"], path


def test_the_catalogue_lists_runbooks_with_parameters_and_broken_files_with_their_problem(
        api_server: InterlockServer) -> None:
    with api_server.client() as client:
        listed = {entry["path"]: entry for entry in client.get("/api/v1/runbooks").json()}
    assert {"ops/echo.json", "ops/slow.json", "vm/vm-checkpoint.json", "broken.json"} <= set(listed)
    assert not any(path.startswith(".git") for path in listed)
    echo = listed["ops/echo.json"]
    assert echo["name"] == "Echo" and echo["folder"] == "ops" and echo["valid"]
    assert [(p["name"], p["type"], p["default"]) for p in echo["parameters"]] == \
        [("Name", "string", None), ("Count", "number", 1)]
    broken = listed["broken.json"]
    assert broken["valid"] is False
    assert broken["problems"] and broken["problems"][0].startswith("broken.json: ")
    assert str(api_server.home.parent) not in json.dumps(listed)  # no server paths in messages


def test_one_runbook_and_its_validation(api_server: InterlockServer) -> None:
    with api_server.client() as client:
        document = client.get("/api/v1/runbooks/vm/vm-checkpoint.json").json()
        assert document["name"] == "VM Checkpoint"
        assert document["parameters"][0]["name"] == "Batch Number"
        assert {a["id"] for a in document["runbook"]["activities"]} >= {"custom_start", "get_vms"}
        valid = client.post("/api/v1/runbooks/vm/vm-checkpoint.json/validate").json()
        assert valid == {"path": "vm/vm-checkpoint.json", "valid": True, "problems": []}
        invalid = client.post("/api/v1/runbooks/broken.json/validate").json()
        assert invalid["valid"] is False and invalid["problems"][0].startswith("broken.json: ")
        broken = client.get("/api/v1/runbooks/broken.json").json()
        assert broken["runbook"] is None and broken["valid"] is False


def test_unknown_runbooks_and_paths_out_of_the_catalogue_are_404(api_server: InterlockServer) -> None:
    with api_server.client() as client:
        # (httpx resolves a literal ../ itself: the server sees /api/v1/interlock.toml, also a 404)
        assert client.get("/api/v1/runbooks/ops/../../interlock.toml").status_code == 404
        for path in ("ops/nope.json", "..%2Flab.json", "ops%2F..%2F..%2Flab.json", "%2Fetc%2Fpasswd",
                     "ops", ".git/hidden.json"):
            answer = client.get(f"/api/v1/runbooks/{path}")
            assert answer.status_code == 404, path
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["status"] == 404 and "no runbook" in answer.json()["detail"]
        assert client.get("/api/v1/nothing-here").status_code == 404


def test_changes_on_disk_are_served_without_a_restart(api_server: InterlockServer, tmp_path) -> None:
    catalogue = api_server.home.parent / "catalogue"
    added = write_runbook(catalogue / "new" / "added.json", "Added", [start([{"name": "X"}])])
    with api_server.client() as client:
        listed = {e["path"]: e for e in client.get("/api/v1/runbooks").json()}
        assert listed["new/added.json"]["parameters"][0]["name"] == "X"
        write_runbook(added, "Added again", [start([{"name": "Y"}])])
        stamp = time.time() + 5  # a different modification time even on coarse file systems
        os.utime(added, (stamp, stamp))
        assert client.get("/api/v1/runbooks/new/added.json").json()["parameters"][0]["name"] == "Y"
        added.unlink()
        assert "new/added.json" not in {e["path"] for e in client.get("/api/v1/runbooks").json()}
        assert client.get("/api/v1/runbooks/new/added.json").status_code == 404


def test_a_folder_scoped_token_sees_and_uses_only_its_folder(api_server: InterlockServer) -> None:
    token = api_server.token("ops-viewer", "viewer", ["ops"])
    with api_server.client(token) as client:
        paths = {e["path"] for e in client.get("/api/v1/runbooks").json()}
        assert paths and all(p.startswith("ops/") for p in paths)
        refused = client.get("/api/v1/runbooks/vm/vm-checkpoint.json")
        assert refused.status_code == 403
        assert refused.json()["detail"] == 'token "ops-viewer" may use the folders "ops" only, not ' \
            '"vm/vm-checkpoint.json"'
        assert client.post("/api/v1/runbooks/vm/vm-checkpoint.json/validate").status_code == 403


ENDPOINTS = [  # (method, path, the least role that may call it)
    ("GET", "/api/v1/version", "viewer"), ("GET", "/api/v1/runbooks", "viewer"),
    ("GET", "/api/v1/runbooks/ops/echo.json", "viewer"),
    ("POST", "/api/v1/runbooks/ops/echo.json/validate", "viewer"),
    ("GET", "/api/v1/jobs", "viewer"), ("GET", "/api/v1/jobs/some-job", "viewer"),
    ("GET", "/api/v1/jobs/some-job/events", "viewer"), ("GET", "/api/v1/schedules", "viewer"),
    ("POST", "/api/v1/jobs", "operator"), ("POST", "/api/v1/jobs/some-job/cancel", "operator"),
    ("POST", "/api/v1/schedules/any/enable", "admin"), ("POST", "/api/v1/schedules/any/disable", "admin"),
    ("GET", "/api/v1/audit", "admin"),
]
BELOW = {"viewer": None, "operator": "viewer", "admin": "operator"}


def test_each_endpoint_refuses_no_token_and_a_role_below_its_own(api_server: InterlockServer) -> None:
    lower = {role: api_server.token(f"role-{role}", role) for role in ("viewer", "operator")}
    for method, path, role in ENDPOINTS:
        body = {"json": {"runbook": "ops/echo.json", "parameters": {"Name": "x"}}} if method == "POST" else {}
        answer = httpx.request(method, api_server.url + path, **body)
        assert answer.status_code == 401, (method, path)
        assert answer.json()["title"] == "Unauthorized"
        below = BELOW[role]
        if below is not None:
            refused = httpx.request(method, api_server.url + path, headers=api_server.headers(lower[below]),
                                    **body)
            assert refused.status_code == 403, (method, path)
            assert f"this needs {role} or above" in refused.json()["detail"]
