"""A tiny HTTP server on 127.0.0.1 for what a real Alertmanager never does by itself: ask for a bearer
token (as a proxy in front of it would) or answer with something that is not JSON."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# (method, path with query, headers, body) -> (status, content type, body)
Answer = tuple[int, str, bytes]
Handler = Callable[[str, str, dict[str, str], bytes], Answer]


@contextmanager
def serve(handle: Handler) -> Iterator[str]:
    """Serve handle on a free loopback port; yields the base URL; stops at the end."""

    class Relay(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, content_type, payload = handle(self.command, self.path, dict(self.headers), body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def forward(upstream: str, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    """Pass one request on to the real Alertmanager at upstream; its answer."""
    forwarded = {k: v for k, v in headers.items() if k.lower() in ("content-type", "accept")}
    target = urlsplit(upstream)
    connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=forwarded)
        reply = connection.getresponse()
        return reply.status, reply.getheader("Content-Type", "text/plain"), reply.read()
    finally:
        connection.close()


def bearer_proxy(upstream: str, token: str, seen: list[str]) -> Handler:
    """A reverse proxy that lets a request through to upstream only with `Authorization: Bearer TOKEN`;
    it records every Authorization header it gets, and (carelessly) echoes a wrong one in its 401."""

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        given = headers.get("Authorization", "")
        seen.append(given)
        if given != f"Bearer {token}":
            return 401, "text/plain", f"unauthorized: got {given!r}".encode()
        return forward(upstream, method, path, headers, body)

    return handle


def busy_proxy(upstream: str, refusals: int, seen: list[tuple[str, int]]) -> Handler:
    """Refuses the first `refusals` GETs with 503, as a busy Alertmanager does beyond its
    --web.get-concurrency; passes everything else on. Records (method, status) of each answer."""
    left = [refusals]

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method == "GET" and left[0] > 0:
            left[0] -= 1
            seen.append((method, 503))
            return 503, "text/plain", b"limit of concurrent GET requests reached (8)"
        answer = forward(upstream, method, path, headers, body)
        seen.append((method, answer[0]))
        return answer

    return handle
