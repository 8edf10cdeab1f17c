"""Invoke REST Service (data.invoke_rest) against a real HTTP server on 127.0.0.1: what the server
received, the rows published, and the errors of unexpected answers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from restbook import REGISTRY, error_of, http, rest, run, save
from restserver import Reply, RestServer, running_rest_server

from engine import Config, Connection, Engine, load_runbook, validate_file

USERS = [{"id": 1, "name": "ada", "team": {"name": "ops"}}, {"id": 2, "name": "bob", "team": None},
         {"id": 3, "name": "cy", "team": {"name": "dev"}}]


@pytest.fixture
def server() -> Iterator[RestServer]:
    with running_rest_server() as running:
        yield running


def api(server: RestServer, **options) -> dict:
    return {"api": http(server.url + "/v1", **options)}


async def test_get_with_query_publishes_one_row_per_selected_item(server, tmp_path):
    server.route("GET", "/v1/users", body={"total": 3, "items": USERS})
    result = await run(tmp_path, rest("users", connection="api", path="users",
                                      query={"team": "ops & dev", "page": "1"}, select="items"),
                       connections=api(server))

    assert result.status == "success", result
    rows = result.rows("users")
    assert [(r["id"], r["name"]) for r in rows] == [(1, "ada"), (2, "bob"), (3, "cy")]
    assert rows[0]["team"] == {"name": "ops"} and rows[1]["team"] is None
    assert {r["status_code"] for r in rows} == {200}
    assert json.loads(rows[0]["headers"])["content-type"] == "application/json"
    (seen,) = server.requests("GET", "/v1/users")
    assert seen.query == {"team": ["ops & dev"], "page": ["1"]}  # encoded, received as given


async def test_without_select_one_row_with_status_headers_and_body(server, tmp_path):
    server.route("GET", "/v1/health", body="all good", headers={"X-Served-By": "test"})
    result = await run(tmp_path, rest("health", connection="api", path="/health"), connections=api(server))

    (row,) = result.rows("health")
    assert row["status_code"] == 200 and row["body"] == "all good"
    assert json.loads(row["headers"])["x-served-by"] == "test"
    assert set(row) >= {"status_code", "headers", "body"}


@pytest.mark.parametrize(("select", "expected"), [
    ("items[].name", [{"value": "ada"}, {"value": "bob"}, {"value": "cy"}]),  # scalars: the field value
    ("items[?team.name=='dev'] | [0]", [{"id": 3, "name": "cy", "team": {"name": "dev"}}]),  # an object
    ("total", [{"value": 3}]),
    ("missing.path", []),  # nothing found: no row, nothing after it runs
])
async def test_select_shapes(server, tmp_path, select, expected):
    server.route("GET", "/v1/users", body={"total": 3, "items": USERS})
    result = await run(tmp_path, rest("users", connection="api", path="users", select=select),
                       connections=api(server))

    assert result.status == "success"
    assert [{k: v for k, v in row.items() if k not in ("status_code", "headers", "body") and
             not k.startswith("@")} for row in result.rows("users")] == expected


async def test_post_json_body_reaches_the_server_as_sent(server, tmp_path):
    server.route("POST", "/v1/tickets", status=201, body={"id": "T-7"})
    body = {"title": 'Disk "C:" full', "tags": ["ops", "disk"], "priority": 2, "note": None}
    result = await run(tmp_path, rest("create", connection="api", method="POST", path="tickets", body=body,
                                      expected_status=[201], select="@"),
                       connections=api(server, headers={"X-Team": "ops"}))

    assert result.status == "success", result
    assert result.rows("create")[0]["id"] == "T-7"
    (seen,) = server.requests("POST", "/v1/tickets")
    assert seen.json() == body
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["x-team"] == "ops"  # the connection's default headers


async def test_subscribed_values_stay_data_in_json_form_and_query(server, tmp_path):
    """A value holding quotes and JSON/URL syntax arrives as the same value, never as structure."""
    hostile = 'x", "admin": true, "y": "&role=admin'
    server.route("GET", "/v1/source", body={"value": hostile, "count": 5})
    server.route("POST", "/v1/json", body={})
    server.route("POST", "/v1/form", body={})
    source = rest("source", connection="api", path="source", select="@")
    as_json = rest("as_json", connection="api", method="POST", path="json",
                   query={"q": "{{source.value}}"},
                   body={"name": "{{source.value}}", "count": "{{source.count}}"})
    as_form = rest("as_form", connection="api", method="POST", path="form", body_type="form",
                   body={"name": "{{source.value}}"})
    result = await run(tmp_path, source, as_json, as_form, connections=api(server))

    assert result.status == "success", result
    (sent,) = server.requests("POST", "/v1/json")
    assert sent.json() == {"name": hostile, "count": 5}  # a whole subscription keeps its type
    assert sent.query == {"q": [hostile]}
    (form,) = server.requests("POST", "/v1/form")
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(form.body.decode()) == {"name": [hostile]}


async def test_text_and_json_text_bodies(server, tmp_path):
    server.route("PUT", "/v1/note", status=204)
    server.route("PUT", "/v1/raw", status=204)
    result = await run(tmp_path,
                       rest("note", connection="api", method="PUT", path="note", body="line 1\nline 2",
                            body_type="text"),
                       rest("raw", connection="api", method="PUT", path="raw", body='[1, {"a": 2}]'),
                       connections=api(server))

    assert result.status == "success", result
    (note,) = server.requests("PUT", "/v1/note")
    assert note.body == b"line 1\nline 2" and note.headers["content-type"].startswith("text/plain")
    (raw,) = server.requests("PUT", "/v1/raw")
    assert raw.json() == [1, {"a": 2}] and raw.headers["content-type"] == "application/json"
    assert result.rows("note")[0]["status_code"] == 204


async def test_json_text_body_that_is_not_json_fails_before_sending(server, tmp_path):
    result = await run(tmp_path, rest("bad", connection="api", method="POST", path="x", body="{not json"),
                       connections=api(server))

    assert 'POST http://127.0.0.1' in error_of(result, "bad")
    assert 'on connection "api": the body is text that is not JSON' in error_of(result, "bad")
    assert server.received == []


@pytest.mark.parametrize(("status", "phrase"), [(503, "503 Service Unavailable"), (400, "400 Bad Request"),
                                                (404, "404 Not Found")])
async def test_unexpected_status_fails_with_the_call_and_the_body(server, tmp_path, status, phrase):
    server.route("POST", "/v1/jobs", status=status, body="backend down " + "x" * 400)
    result = await run(tmp_path, rest("call", connection="api", method="POST", path="jobs", body={"a": 1}),
                       connections=api(server))

    assert result.status == "failed"
    error = error_of(result, "call")
    assert error.startswith(f'POST {server.url}/v1/jobs on connection "api": {phrase}: backend down xxx')
    assert len(error) < 400  # the body is cut (200 characters)


async def test_an_expected_404_succeeds(server, tmp_path):
    lookup = rest("lookup", connection="api", path="users/99", expected_status=[200, 404])
    result = await run(tmp_path, lookup, connections=api(server))

    assert result.status == "success", result
    assert result.rows("lookup")[0]["status_code"] == 404


async def test_select_on_an_answer_that_is_not_json(server, tmp_path):
    server.route("GET", "/v1/page", body="<html>login</html>", headers={"Content-Type": "text/html"})
    result = await run(tmp_path, rest("page", connection="api", path="page", select="items"),
                       connections=api(server))

    assert "select needs a JSON answer, the service answered text/html: <html>login</html>" \
        in error_of(result, "page")


async def test_a_redirect_is_reported_with_where_it_points(server, tmp_path):
    server.route("GET", "/v1/old", status=302, headers={"Location": "https://sso.example.com/login"})
    result = await run(tmp_path, rest("old", connection="api", path="old"), connections=api(server))

    assert error_of(result, "old").endswith("302 Found to https://sso.example.com/login")


async def test_one_request_per_incoming_row(server, tmp_path):
    server.route("GET", "/v1/users", body=USERS)
    server.route("POST", "/v1/notify", lambda seen: Reply(200, {"sent_to": seen.json()["user"]}))
    result = await run(tmp_path,
                       rest("users", connection="api", path="users", select="[?id > `1`]"),
                       rest("notify", connection="api", method="POST", path="notify",
                            body={"user": "{{users.name}}", "id": "{{users.id}}"}, select="@"),
                       connections=api(server))

    assert result.status == "success", result
    assert len(result.activity("notify").instances) == 2
    assert sorted(r["sent_to"] for r in result.rows("notify")) == ["bob", "cy"]
    assert sorted(seen.json()["id"] for seen in server.requests("POST", "/v1/notify")) == [2, 3]


async def test_a_call_without_a_connection_takes_an_absolute_url(server, tmp_path):
    server.route("GET", "/open/data", body=[{"k": "a"}, {"k": "b"}])
    result = await run(tmp_path, rest("open", url=server.url + "/open/data", query={"x": "1"}, select="[]"))

    assert [r["k"] for r in result.rows("open")] == ["a", "b"]
    assert server.requests("GET", "/open/data")[0].query == {"x": ["1"]}


async def test_a_connection_of_another_kind_is_named(tmp_path, make_lab):
    lab = make_lab([])
    result = await run(tmp_path, rest("call", connection="lab", path="x"),
                       connections={"lab": Connection(kind="simulated", lab=str(lab))})

    assert error_of(result, "call") == ('connection "lab" is not a web service connection (kind = "http" '
                                        'with a base_url, see docs/connections.md)')



def test_calls_share_a_kept_alive_connection_closed_when_the_run_ends(server, tmp_path):
    for name in ("a", "b", "c"):
        server.route("GET", f"/v1/{name}", body={"step": name})
    engine = Engine(Config(connections=api(server)), REGISTRY)
    runbook = load_runbook(save(tmp_path, *(rest(n, connection="api", path=n) for n in "abc")), REGISTRY)

    result = asyncio.run(engine.run(runbook))  # as `interlock run` does

    assert result.status == "success", result
    assert len({seen.peer for seen in server.received}) == 1  # three calls, one TCP connection
    deadline = time.monotonic() + 5
    while server.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.connections == 0  # the connection's client was closed with the run's event loop


def test_validation_leaves_subscribed_url_body_and_select_to_the_run(tmp_path):
    path = save(tmp_path, rest("a", connection="api", path="x", select="items"),
                rest("b", url="{{a.link}}", body="{{a.form}}", body_type="form", select="{{a.expr}}"))
    assert validate_file(path, REGISTRY) == []


def test_published_fields_are_known_unless_select_picks_them():
    kind = REGISTRY.get("data.invoke_rest")
    assert kind.published_fields({"connection": "api"}) == ["status_code", "headers", "body"]
    docs = kind.published_docs({"connection": "api"})
    assert [doc.name for doc in docs] == ["status_code", "headers", "body"]
    assert kind.published_fields({"connection": "api", "select": "items"}) is None
