"""Invoke REST Service from the command line: a runbook file and an interlock.toml with a
[connections.api] table, run with `interlock run --json` against a real HTTP server on 127.0.0.1, and
`interlock connections test` on the same connection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from restbook import rest, save
from restserver import Reply, RestServer, running_rest_server

from engine.cli.main import main

TOKEN = "cli-token-5b1e-never-shown"


@pytest.fixture
def server() -> Iterator[RestServer]:
    with running_rest_server() as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, server: RestServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_CLI_API_TOKEN", TOKEN)
    path = tmp_path / "interlock.toml"
    path.write_text(f'[connections.api]\nkind = "http"\nbase_url = "{server.url}/api"\nauth = "bearer"\n'
                    f'password_env = "TEST_CLI_API_TOKEN"\ntimeout_s = 5\n'
                    f'headers = {{ Accept = "application/json" }}\n', encoding="utf-8")
    return path


def test_run_json_publishes_the_rows_of_the_calls(tmp_path, config, server, capsys):
    server.route("GET", "/api/vms", body={"vms": [{"name": "web01", "state": "Running"},
                                                  {"name": "db01", "state": "Stopped"}]}, bearer=TOKEN)
    server.route("POST", "/api/tickets", lambda seen: Reply(201, {"ticket": f"T-{seen.json()['vm']}"},
                                                            bearer=TOKEN))
    runbook = save(tmp_path,
                   rest("list_vms", connection="api", path="vms", select="vms[?state=='Running']"),
                   rest("open_ticket", connection="api", method="POST", path="tickets", expected_status=[201],
                        body={"vm": "{{list_vms.name}}"}, select="@"))

    code = main(["run", str(runbook), "--json", "--config", str(config)])
    captured = capsys.readouterr()

    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["status"] == "success"
    rows = {a["id"]: [r for i in a["instances"] for r in i["rows"]] for a in result["activities"]}
    assert [r["name"] for r in rows["list_vms"]] == ["web01"]
    assert [r["ticket"] for r in rows["open_ticket"]] == ["T-web01"]
    (ticket,) = server.requests("POST", "/api/tickets")
    assert ticket.headers["authorization"] == f"Bearer {TOKEN}"
    assert ticket.headers["accept"] == "application/json"  # the connection's default header
    assert TOKEN not in captured.out + captured.err


def test_a_failing_call_is_a_failed_job_with_the_services_words(tmp_path, config, server, capsys):
    server.route("DELETE", "/api/vms/web01", status=409, body={"error": "web01 is running"}, bearer=TOKEN)
    runbook = save(tmp_path, rest("remove", connection="api", method="DELETE", path="vms/web01"))

    code = main(["run", str(runbook), "--json", "--config", str(config)])
    captured = capsys.readouterr()

    assert code == 1
    (activity,) = json.loads(captured.out)["activities"]
    assert activity["instances"][0]["error"] == (f'DELETE {server.url}/api/vms/web01 on connection "api": '
                                                 f'409 Conflict: {{"error": "web01 is running"}}')


def test_connections_test_gets_the_base_url(config, server, capsys):
    server.route("GET", "/api", body={"version": "2.1"}, bearer=TOKEN)

    assert main(["connections", "test", "api", "--config", str(config)]) == 0
    assert f"api: ok: GET {server.url}/api: 200 OK" in capsys.readouterr().out
    assert server.requests("GET", "/api")[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_connections_test_fails_on_a_refused_token(config, server, capsys):
    server.route("GET", "/api", bearer="another token")

    assert main(["connections", "test", "api", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f'api: FAILED: GET {server.url}/api on connection "api": 401 Unauthorized' in err
    assert 'the server refused the bearer token from password_env "TEST_CLI_API_TOKEN"' in err


def test_connections_list_shows_where_an_http_connection_goes(config, server, capsys):
    assert main(["connections", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "http" in out and f"base_url={server.url}/api" in out
    assert TOKEN not in out
