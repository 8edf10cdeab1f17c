"""Tokens, folder scopes and the audit log against a real `interlock server` on 127.0.0.1: a scoped
operator cannot read, follow or cancel another folder's job; tokens made and revoked with
`interlock server token` count on a running server at once; the audit log read over the API is filtered
and holds no secret."""

from __future__ import annotations

import getpass
import json

import api_support
import httpx
from api_support import SECRET, start, wait_for_status, write_runbook
from servers.interlock_server import InterlockServer

from engine.cli.main import main

api_server = api_support.api_server  # one real server for the module (a fixture)


def start_job(client: httpx.Client, runbook: str, **parameters: object) -> httpx.Response:
    return client.post("/api/v1/jobs", json={"runbook": runbook, "parameters": parameters})


def test_a_scoped_operator_cannot_read_follow_or_cancel_another_folders_job(
        api_server: InterlockServer) -> None:
    catalogue = api_server.home.parent / "catalogue"
    write_runbook(catalogue / "other" / "slow.json", "Other Slow",
                  [start(), api_support.act("wait", "core.delay", seconds=30)])
    scoped = api_server.token("ops-only", "operator", ["ops"])
    with api_server.client() as admin, api_server.client(scoped) as client:
        answer = start_job(admin, "other/slow.json")
        assert answer.status_code == 202, answer.text
        other = answer.json()["job_id"]
        try:
            for method, path in (("GET", f"/api/v1/jobs/{other}"), ("GET", f"/api/v1/jobs/{other}/events"),
                                 ("POST", f"/api/v1/jobs/{other}/cancel")):
                refused = client.request(method, path)
                assert refused.status_code == 403, (method, path, refused.text)
                assert refused.json()["detail"] == \
                    'token "ops-only" may use the folders "ops" only, not "other/slow.json"'
            assert other not in {job["job_id"] for job in client.get("/api/v1/jobs").json()}
            assert admin.get(f"/api/v1/jobs/{other}").json()["status"] == "running"  # not cancelled
            assert client.get("/api/v1/runbooks/other/slow.json").status_code == 403
        finally:
            admin.post(f"/api/v1/jobs/{other}/cancel")
            wait_for_status(admin, other, within_s=20)
        # nothing it was refused is in the audit log as done by it
        assert admin.get("/api/v1/audit", params={"who": "ops-only"}).json() == []


def test_a_scope_is_a_folder_not_a_prefix_and_paths_cannot_climb_out_of_it(
        api_server: InterlockServer) -> None:
    catalogue = api_server.home.parent / "catalogue"
    write_runbook(catalogue / "opsx" / "echo.json", "Opsx Echo", [start()])
    with api_server.client(api_server.token("ops-starter", "operator", ["ops"])) as client:
        assert start_job(client, "opsx/echo.json").status_code == 403
        for sneaky in ("ops/../vm/vm-checkpoint.json", "ops/../../etc/passwd.json", "/vm/vm-checkpoint.json"):
            assert start_job(client, sneaky).status_code in (403, 404), sneaky
        assert "opsx/echo.json" not in {e["path"] for e in client.get("/api/v1/runbooks").json()}
        answer = start_job(client, "ops/echo.json", Name="inside")
        assert answer.status_code == 202
        wait_for_status(client, answer.json()["job_id"])


def test_tokens_made_and_revoked_with_the_cli_count_at_once_on_a_running_server(
        api_server: InterlockServer, capsys) -> None:
    home = ["--home", str(api_server.home)]
    assert main(["server", "token", "create", "made-by-cli", "--role", "operator", "--folder", "ops",
                 *home]) == 0
    token = capsys.readouterr().out.strip()
    with api_server.client(token) as client:
        answer = start_job(client, "ops/echo.json", Name="from the cli token")
        assert answer.status_code == 202, answer.text
        job = answer.json()["job_id"]
        assert wait_for_status(client, job)["started_by"] == "made-by-cli"
        assert main(["server", "token", "list", "--json", *home]) == 0
        [listed] = [t for t in json.loads(capsys.readouterr().out) if t["name"] == "made-by-cli"]
        assert listed["last_used_at"] is not None and listed["folders"] == ["ops"]
        assert main(["server", "token", "revoke", "made-by-cli", *home]) == 0
        capsys.readouterr()
        refused = client.get("/api/v1/runbooks")
        assert refused.status_code == 401
        assert refused.json()["detail"] == "the API token is unknown or revoked"
    with api_server.client() as admin:
        entries = admin.get("/api/v1/audit", params={"since": "2000-01-01T00:00:00Z"}).json()
    mine = [(e["who"], e["action"], e["target"], e["source"]) for e in entries
            if "made-by-cli" in (e["who"], e["target"])]
    user = f"cli:{getpass.getuser()}"
    assert mine == [(user, "token.revoke", "made-by-cli", "local"),
                    ("made-by-cli", "job.start", "ops/echo.json", "127.0.0.1"),
                    (user, "token.create", "made-by-cli", "local")]


def test_the_audit_log_over_the_api_is_filtered_and_holds_no_secret(api_server: InterlockServer) -> None:
    auditor = api_server.token("secret-sender", "operator", ["ops"])
    with api_server.client(auditor) as client:
        answer = start_job(client, "ops/echo.json", Name=f"login with {SECRET}")
        assert answer.status_code == 202, answer.text
        job = answer.json()["job_id"]
        wait_for_status(client, job)
        assert client.get("/api/v1/audit").status_code == 403  # an operator does not read it
    with api_server.client() as admin:
        entries = admin.get("/api/v1/audit", params={"who": "secret-sender", "action": "job.start"}).json()
        assert [(e["target"], e["detail"]["job_id"]) for e in entries] == [("ops/echo.json", job)]
        assert entries[0]["detail"]["parameters"] == {"Name": "login with ***"}
        everything = admin.get("/api/v1/audit", params={"limit": 10_000}).text
        assert SECRET not in everything
        assert len(admin.get("/api/v1/audit", params={"limit": 1}).json()) == 1
        assert admin.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"}).json() == []
        bad = admin.get("/api/v1/audit", params={"since": "last tuesday"})
        assert bad.status_code == 422 and 'since "last tuesday"' in bad.json()["detail"]
    on_disk = b"".join(p.read_bytes() for p in api_server.home.glob("server.sqlite3*"))
    assert SECRET.encode() not in on_disk
