"""The `http` connection against a real HTTP server on 127.0.0.1: basic, bearer and NTLM log-ins as the
server sees them, TLS with a self-signed certificate, timeouts, a refused connection, wrong keys, and
secrets that never reach the job's result or events."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import self_signed_certificate
from restbook import error_of, http, rest, run
from restserver import Reply, RestServer, running_rest_server

from engine.errors import ConfigError
from engine.run.events import Event

TOKEN = "tok-7f3a9c2e-never-shown"
PASSWORD = "S3cret-pass-never-shown"


@pytest.fixture
def server() -> Iterator[RestServer]:
    with running_rest_server() as running:
        yield running


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_API_TOKEN", TOKEN)
    monkeypatch.setenv("TEST_API_PASSWORD", PASSWORD)


async def test_basic_log_in_is_what_the_server_sees(server, tmp_path, secrets):
    server.route("GET", "/me", basic=("svc-runbook", PASSWORD), body={"user": "svc-runbook"})
    result = await run(tmp_path, rest("me", connection="api", path="me", select="@"),
                       connections={"api": http(server.url, auth="basic", username="svc-runbook",
                                                password_env="TEST_API_PASSWORD")})

    assert result.status == "success", result
    assert result.rows("me")[0]["user"] == "svc-runbook"
    assert server.requests("GET", "/me")[-1].headers["authorization"].startswith("Basic ")


async def test_bearer_token_is_sent_and_never_published(server, tmp_path, secrets):
    # The service echoes the request's headers, as some do on errors: the token must not come back out.
    server.route("GET", "/echo", lambda seen: Reply(200, {"headers": seen.headers}, bearer=TOKEN))
    server.route("GET", "/fail", lambda seen: Reply(502, f"upstream said: {seen.headers}", bearer=TOKEN))
    events: list[Event] = []
    result = await run(tmp_path, rest("echo", connection="api", path="echo"),
                       rest("fail", connection="api", path="fail"),
                       connections={"api": http(server.url, auth="bearer", password_env="TEST_API_TOKEN")},
                       sinks=[events.append])

    assert server.requests("GET", "/echo")[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "Bearer ***" in result.rows("echo")[0]["body"]
    assert error_of(result, "fail").startswith(f'GET {server.url}/fail on connection "api": 502 Bad Gateway')
    everything = result.model_dump_json() + "".join(event.to_json() for event in events)
    assert TOKEN not in everything and "***" in everything


async def test_ntlm_log_in_against_a_real_ntlm_exchange(server, tmp_path, secrets, monkeypatch):
    """The server side is pyspnego's NTLM acceptor, with its account in NTLM_USER_FILE."""
    users = tmp_path / "ntlm-users"
    users.write_text(f"CONTOSO:svc-runbook:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    server.route("GET", "/wsman", ntlm=True, body={"ok": True})
    options = {"auth": "ntlm", "username": "CONTOSO\\svc-runbook"}
    result = await run(tmp_path, rest("call", connection="api", path="wsman", select="@"),
                       connections={"api": http(server.url, **options, password_env="TEST_API_PASSWORD")})

    assert result.status == "success", result
    assert result.rows("call")[0]["ok"] is True
    assert [r.headers.get("authorization", "")[:5] for r in server.requests("GET", "/wsman")] == \
        ["", "NTLM ", "NTLM "]  # challenge, negotiate, authenticate

    monkeypatch.setenv("TEST_API_PASSWORD", "wrong-password")
    result = await run(tmp_path, rest("call", connection="api", path="wsman"),
                       connections={"api": http(server.url, **options, password_env="TEST_API_PASSWORD")})
    assert 'GET http://127.0.0.1' in error_of(result, "call")
    assert ('401 Unauthorized: log in (the server refused NTLM user "CONTOSO\\svc-runbook" (password from '
            'password_env "TEST_API_PASSWORD"): is it current and allowed here?)') in error_of(result, "call")


async def test_an_ntlm_server_without_a_challenge_is_a_failed_log_in(server, tmp_path, secrets):
    server.route("GET", "/wsman", status=401, body="log in", headers={"WWW-Authenticate": "NTLM"})
    result = await run(tmp_path, rest("call", connection="api", path="wsman"),
                       connections={"api": http(server.url, auth="ntlm", username="CONTOSO\\svc",
                                                password_env="TEST_API_PASSWORD")})

    assert error_of(result, "call").startswith(f'GET {server.url}/wsman on connection "api": the log-in '
                                               f"exchange failed: the server's challenge was missing or "
                                               f"unreadable (")


async def test_a_refused_log_in_names_who_was_refused(server, tmp_path, secrets):
    server.route("GET", "/me", basic=("svc-runbook", "another password"))
    result = await run(tmp_path, rest("me", connection="api", path="me"),
                       connections={"api": http(server.url, auth="basic", username="svc-runbook",
                                                password_env="TEST_API_PASSWORD")})

    error = error_of(result, "me")
    assert error.startswith(f'GET {server.url}/me on connection "api": 401 Unauthorized')
    assert 'the server refused user "svc-runbook" (password from password_env "TEST_API_PASSWORD")' in error
    assert PASSWORD not in error


async def test_tls_is_refused_without_the_ca_and_accepted_with_ca_file(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    with running_rest_server(tls=(cert, key)) as server:
        server.route("GET", "/v1/ping", body={"pong": True})
        call = rest("ping", connection="api", path="ping", select="@")
        refused = await run(tmp_path, call, connections={"api": http(server.url + "/v1")})
        trusted = await run(tmp_path, call, connections={"api": http(server.url + "/v1", ca_file=str(cert))})
        unchecked = await run(tmp_path, call, connections={"api": http(server.url + "/v1", verify=False)})

    assert server.url.startswith("https://")
    error = error_of(refused, "ping")
    assert error.startswith(f'GET {server.url}/v1/ping on connection "api": TLS certificate not trusted: ')
    assert "self-signed certificate" in error and "ca_file" in error
    assert trusted.rows("ping")[0]["pong"] is True
    assert unchecked.rows("ping")[0]["pong"] is True


async def test_a_timeout_fails_quickly_and_says_so(server, tmp_path):
    server.route("GET", "/slow", delay_s=10, body={})
    started = time.monotonic()
    result = await run(tmp_path, rest("slow", connection="api", path="slow", timeout_s=0.3),
                       connections={"api": http(server.url)})

    assert time.monotonic() - started < 5
    assert error_of(result, "slow") == (f'GET {server.url}/slow on connection "api": no answer within 0.3 s '
                                        f"(to answer; timeout_s)")


async def test_a_refused_connection_says_so(tmp_path):
    with running_rest_server() as gone:
        url = gone.url  # a port that was just free, and is closed again
    result = await run(tmp_path, rest("call", url=url + "/x"))

    assert error_of(result, "call") == (f"GET {url}/x: cannot connect: Connection refused (is the URL right "
                                        f"and the service up?)")


def write_config(folder: Path, text: str) -> Path:
    path = folder / "interlock.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("keys", "message"), [
    ('base_url = "ftp://x"', 'key "base_url": must be an absolute http:// or https:// URL'),
    ('base_url = "https://x"\nusername = "u"', 'key "username": has no use with auth = "none"'),
    ('base_url = "https://x"\nauth = "basic"', 'key "username": auth = "basic" needs username'),
    ('base_url = "https://x"\nauth = "bearer"', 'no password: set "password_env"'),
    ('base_url = "https://x"\nauth = "bearer"\npassword_env = "TEST_UNSET_VARIABLE"',
     '"password_env" names the environment variable TEST_UNSET_VARIABLE, which is not set'),
    ('base_url = "https://x"\nca_file = "missing.pem"', 'key "ca_file": '),
    ('base_url = "https://x"\nheaders = { Authorization = "Bearer abc" }',
     'Authorization would put a credential in the config file'),
    ('base_url = "https://x"\nbase = "typo"', 'key "base": unknown key'),
])
async def test_wrong_connection_keys_name_the_file_connection_and_key(tmp_path, keys, message):
    from engine import load_config

    config = load_config(write_config(tmp_path, f'[connections.api]\nkind = "http"\n{keys}\n'))
    with pytest.raises(ConfigError) as caught:
        await run(tmp_path, rest("call", connection="api", path="x"), connections=config.connections,
                  source=config.source)
    assert f"{tmp_path / 'interlock.toml'}: connections.api" in str(caught.value)
    assert message in str(caught.value)


async def test_wrong_properties_are_named(tmp_path):
    from engine import RunbookError

    for properties, message in [
        ({"path": "x"}, 'key "properties.url": give an absolute URL, or a connection'),
        ({"connection": "api", "url": "https://x"}, "is for calls without a connection"),
        ({"connection": "api", "path": "users?id=1"}, 'holds "?" or "#": give query parameters in query'),
        ({"connection": "api", "select": "items[?"}, "not a JMESPath expression: Incomplete expression"),
        ({"connection": "api", "body": "a", "body_type": "form"}, "form needs the body as an object"),
    ]:
        with pytest.raises(RunbookError) as caught:
            await run(tmp_path, rest("call", **properties), connections={"api": http("https://x")})
        assert 'activity "call"' in str(caught.value) and message in str(caught.value), str(caught.value)

