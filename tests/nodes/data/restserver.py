"""A real HTTP server for the tests of Invoke REST Service: the standard library's ThreadingHTTPServer on a
free 127.0.0.1 port (optionally over TLS), in a thread, answering the routes a test gives and recording
every request it received (method, path, query, headers, body). Stopped at the end of the `with`."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import spnego


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes
    peer: tuple[str, int]  # the client's address and port: one per TCP connection

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # bytes / str as they are, anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait before answering (for timeouts)
    basic: tuple[str, str] | None = None  # (user, password) that must log in, else 401
    bearer: str | None = None  # the token that must come, else 401
    ntlm: bool = False  # an NTLM log-in (pyspnego's server; accounts in NTLM_USER_FILE), else 401


Route = Reply | Callable[[Received], Reply]


class RestServer:
    def __init__(self, url: str, routes: dict[tuple[str, str], Route], stopping: threading.Event) -> None:
        self.url = url
        self.routes = routes
        self.received: list[Received] = []
        self.stopping = stopping
        self.connections = 0  # TCP connections open now (a client that closes its pool brings it to 0)
        self._count = threading.Lock()

    def count(self, change: int) -> None:
        with self._count:
            self.connections += change

    def route(self, method: str, path: str, reply: Route | None = None, **options: Any) -> None:
        """Answer METHOD PATH with `reply` (a Reply, or a function of the request), or Reply(**options)."""
        self.routes[(method, path)] = reply if reply is not None else Reply(**options)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Received]:
        return [r for r in self.received if (method is None or r.method == method)
                and (path is None or r.path == path)]


def _handler(server: RestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # kept-alive connections, which an NTLM log-in needs
        ntlm: Any = None  # the NTLM exchange in progress on this connection

        def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures
            pass

        def setup(self) -> None:
            super().setup()
            server.count(+1)

        def finish(self) -> None:
            server.count(-1)
            super().finish()

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Received(self.command, parts.path, parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length),
                            self.client_address[:2])
            server.received.append(seen)
            route = server.routes.get((self.command, parts.path))
            if route is None:
                return self._send(Reply(404, {"error": f"no route {self.command} {parts.path}"}))
            reply = route(seen) if callable(route) else route
            if not self._logged_in(reply, seen.headers.get("authorization", "")):
                return None
            if reply.delay_s:
                server.stopping.wait(reply.delay_s)
            return self._send(reply)

        def _logged_in(self, reply: Reply, given: str) -> bool:
            if reply.basic is not None:
                wanted = "Basic " + base64.b64encode(":".join(reply.basic).encode()).decode()
                return given == wanted or self._challenge('Basic realm="test"')
            if reply.bearer is not None:
                return given == f"Bearer {reply.bearer}" or self._challenge("Bearer")
            if reply.ntlm:
                return self._ntlm(given)
            return True

        def _ntlm(self, given: str) -> bool:
            if not given.startswith("NTLM "):
                return self._challenge("NTLM")
            token = base64.b64decode(given[5:])
            if self.ntlm is None:
                self.ntlm = spnego.server(protocol="ntlm")
            try:
                answer = self.ntlm.step(token)
            except spnego.exceptions.SpnegoError:
                self.ntlm = None
                return self._challenge("NTLM")
            if not self.ntlm.complete:
                return self._challenge(f"NTLM {base64.b64encode(answer or b'').decode()}")
            self.ntlm = None
            return True

        def _challenge(self, header: str) -> bool:
            self._send(Reply(401, "log in", {"WWW-Authenticate": header}))
            return False

        def _send(self, reply: Reply) -> None:
            body = reply.body
            if isinstance(body, str):
                data, kind = body.encode(), "text/plain; charset=utf-8"
            elif isinstance(body, bytes):
                data, kind = body, "application/octet-stream"
            else:
                data, kind = (b"", "") if body is None else (json.dumps(body).encode(), "application/json")
            self.send_response(reply.status)
            headers = {"Content-Type": kind, **reply.headers} if kind else dict(reply.headers)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    return Handler


@contextmanager
def running_rest_server(tls: tuple[Path, Path] | None = None) -> Iterator[RestServer]:
    """A server on 127.0.0.1 (https with the (certificate, key) files of `tls`), stopped on exit."""
    stopping = threading.Event()
    state = RestServer("", {}, stopping)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True  # a handler still sleeping for a timeout test does not hold the exit
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
