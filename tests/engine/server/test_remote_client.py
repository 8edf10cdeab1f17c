"""The API client on its own: Server-Sent Events framing, resuming a dropped stream from Last-Event-ID
(against a real HTTP server on 127.0.0.1 that cuts every stream after a few events), the token's
sources, and the one-line errors `interlock remote` prints (exit 2) for a missing token, a server that
is not there and a problem document."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from engine.cli.main import main
from engine.errors import InterlockError
from engine.server.client import Client, ServerError, SseParser, resolve_token

JOB = "job-1"
GOOD = "il_test-token-of-the-sse-server"  # a distinct text: a secret read is masked wherever it shows
EVENTS = 12
CUT_EVERY = 5  # the server closes each stream after this many events


def event(n: int) -> dict[str, Any]:
    kind = "job_finished" if n == EVENTS else "log"
    return {"kind": kind, "job_id": JOB, "at": "2026-12-05T12:00:00Z", "message": f"line {n}",
            "runbook": "R", "status": "success", "duration_s": 1.0}


class Handler(BaseHTTPRequestHandler):
    seen_last_ids: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {GOOD}":
            self._json(401, {"type": "about:blank", "title": "Unauthorized", "status": 401,
                             "detail": "unknown or revoked token"}, "application/problem+json")
            return
        if self.path == f"/api/v1/jobs/{JOB}/events":
            after = int(self.headers.get("Last-Event-ID") or 0)
            type(self).seen_last_ids.append(str(after))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b": keep-alive\n\n")
            for n in range(after + 1, min(after + CUT_EVERY, EVENTS) + 1):
                self.wfile.write(f"id: {n}\ndata: {json.dumps(event(n))}\n\n".encode())
            self.wfile.flush()
            self.close_connection = True  # cut: the client must come back with Last-Event-ID
            return
        if self.path.startswith("/api/v1/jobs/missing"):
            self._json(404, {"type": "about:blank", "title": "Not Found", "status": 404,
                             "detail": 'no job "missing"'}, "application/problem+json")
            return
        self._json(200, [])


@pytest.fixture
def sse_server() -> Iterator[str]:
    Handler.seen_last_ids = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_dropped_stream_resumes_from_the_last_event_and_misses_nothing(sse_server):
    with Client(sse_server, GOOD) as client:
        ids = [e.id for e in client.events(JOB)]
    assert ids == list(range(1, EVENTS + 1))
    assert Handler.seen_last_ids == ["0", "5", "10"]


def test_a_stream_can_start_after_a_given_event(sse_server):
    with Client(sse_server, GOOD) as client:
        events = list(client.events(JOB, last_event_id=7))
    assert [e.id for e in events] == list(range(8, EVENTS + 1))
    assert events[-1].data["kind"] == "job_finished"


def test_a_refused_token_is_the_servers_problem_detail_in_one_line(sse_server):
    with Client(sse_server, "bad") as client, pytest.raises(ServerError) as caught:
        list(client.events(JOB))
    assert caught.value.status == 401
    assert str(caught.value) == f"server {sse_server}: 401 Unauthorized: unknown or revoked token"


def test_sse_framing_multi_line_data_comments_and_ids():
    parser = SseParser()
    lines = [": hello", "id: 3", 'data: {"a":', "data: 1}", "", "data: not json", "", "id: 4", "", ""]
    out = [e for e in map(parser.feed, lines) if e is not None]
    assert [(e.id, e.data) for e in out] == [(3, {"a": 1})]
    assert parser.last_id == 4  # an id alone still moves the resume point


def test_the_token_comes_from_the_environment_or_says_where_it_looked(monkeypatch):
    monkeypatch.setenv("MY_TOKEN", " il_abc \n")
    assert resolve_token("MY_TOKEN") == "il_abc"
    monkeypatch.delenv("INTERLOCK_TOKEN", raising=False)
    with pytest.raises(InterlockError, match="INTERLOCK_TOKEN, which is not set"):
        resolve_token()
    with pytest.raises(InterlockError, match='must be "service:user"'):
        resolve_token(token_keyring="no-colon")


def test_remote_without_a_token_is_one_line_and_exit_2(monkeypatch, capsys, sse_server):
    monkeypatch.delenv("INTERLOCK_TOKEN", raising=False)
    assert main(["remote", "jobs", "--server", sse_server]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ('the server token: "token_env" names the environment variable INTERLOCK_TOKEN, '
                   "which is not set")


def test_remote_with_a_bad_token_is_one_line_and_exit_2(monkeypatch, capsys, sse_server):
    monkeypatch.setenv("INTERLOCK_TOKEN", "bad")
    assert main(["remote", "show", JOB, "--server", sse_server]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"server {sse_server}: 401 Unauthorized: unknown or revoked token"]


def test_remote_show_of_an_unknown_job_says_so(monkeypatch, capsys, sse_server):
    monkeypatch.setenv("INTERLOCK_TOKEN", GOOD)
    assert main(["remote", "show", "missing", "--server", sse_server]) == 2
    assert capsys.readouterr().err.strip() == f'server {sse_server}: 404 Not Found: no job "missing"'


def test_a_server_that_is_not_there_is_named(monkeypatch, capsys):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("INTERLOCK_TOKEN", GOOD)
    assert main(["remote", "jobs", "--server", f"http://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"server http://127.0.0.1:{port}: cannot reach it:"), err
    assert len(err.splitlines()) == 1


def test_a_bad_server_address_or_ca_file_is_usage(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("INTERLOCK_TOKEN", GOOD)
    assert main(["remote", "jobs", "--server", "runbooks:8181"]) == 2
    assert "expected an http:// or https:// address" in capsys.readouterr().err
    assert main(["remote", "jobs", "--server", "https://x", "--ca-file", str(tmp_path / "no.pem")]) == 2
    assert "no such file" in capsys.readouterr().err
