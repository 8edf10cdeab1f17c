"""The back-end object of an `http` connection: one web service and a pooled httpx client to it.

One httpx.AsyncClient per connection and event loop: the requests of a job (one per incoming row)
share its kept-alive connections and its TLS context. An AsyncClient's sockets belong to the loop that
opened them, and a connection outlives loops (the designer's, one per test), hence a client per loop.
Each client is closed by its own loop, when the loop shuts down or the connection is dropped (the
designer makes an engine, and so connections, per run): a small async generator, registered with the
loop like any other, closes it in loop.shutdown_asyncgens() (asyncio.run: the CLI, the scheduler,
pytest) or when it is collected with the connection. A loop that does not track async generators
(qasync's, the designer's) gets the close scheduled when the connection is collected.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import threading
import weakref
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from engine.errors import ActivityError
from nodes.backends.interface import BackendError

from .failures import status_text, transport_reason


@dataclass(frozen=True)
class HttpSettings:
    """A connection's resolved options (or the defaults of a call without a connection)."""

    connection: str | None  # its name, for messages; None: a call to an absolute URL
    base_url: str | None
    timeout_s: float
    verify: ssl.SSLContext | bool
    headers: dict[str, str] = field(default_factory=dict)
    auth: httpx.Auth | None = field(default=None, repr=False)
    credentials: str = ""  # 'basic as "svc"', 'bearer token from password_env "X"': for messages
    # What the auth flow raises when the server's side of a log-in exchange makes no sense (a missing
    # or garbled NTLM challenge): reported as a failed log-in, not as a crash.
    login_errors: tuple[type[Exception], ...] = ()


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>` on every request (kept out of the client's default headers, so
    that nothing listing those shows the token)."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


@dataclass
class _Pooled:
    client: httpx.AsyncClient
    closer: AsyncGenerator[None, None] | None = None  # kept alive here: the loop holds it only weakly


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await client.aclose()


_closing: set[asyncio.Task[None]] = set()  # closes in flight (a loop keeps only weak references to tasks)


def _close_on(loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient) -> None:
    """Close a client on its loop, from wherever the connection was collected."""
    def start() -> None:
        task = loop.create_task(client.aclose())
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    if not loop.is_closed():
        loop.call_soon_threadsafe(start)


class HttpEndpoint:
    """One web service: where it is, how to log in, and its clients (see the module's docstring)."""

    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self._pooled: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pooled] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # jobs on loops in two threads may ask at once

    @property
    def connection(self) -> str | None:
        return self.settings.connection

    async def client(self) -> httpx.AsyncClient:
        """The client of the running loop, made on first use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            pooled = self._pooled.get(loop)
            if pooled is not None and not pooled.client.is_closed:
                return pooled.client
            pooled = self._pooled[loop] = _Pooled(self._new_client())
        if sys.get_asyncgen_hooks().firstiter is not None:  # the loop tracks async generators
            pooled.closer = _close_with_loop(pooled.client)
            await anext(pooled.closer)
        else:
            weakref.finalize(self, _close_on, loop, pooled.client)
        return pooled.client

    async def aclose(self) -> None:
        """Close the running loop's client now (the next request makes a new one)."""
        with self._lock:
            pooled = self._pooled.pop(asyncio.get_running_loop(), None)
        if pooled is not None and pooled.closer is not None:
            await pooled.closer.aclose()  # runs its finally: closes the client
        elif pooled is not None:
            await pooled.client.aclose()

    def _new_client(self) -> httpx.AsyncClient:
        s = self.settings
        # Redirects are not followed: a 3xx is reported with where it points, so a login page or a
        # moved service is named instead of being parsed as the answer.
        return httpx.AsyncClient(headers=s.headers, auth=s.auth, verify=s.verify, timeout=s.timeout_s,
                                 follow_redirects=False)

    def url_for(self, path: str) -> httpx.URL:
        """The URL of a path under the base URL, or of an absolute URL (a call without a connection)."""
        base = self.settings.base_url
        text = path if base is None else f"{base}/{path.lstrip('/')}" if path else base
        return httpx.URL(text)

    async def send(self, method: str, url: httpx.URL, *, timeout_s: float | None = None,
                   **request: Any) -> httpx.Response:
        """One request; an ActivityError naming the call when no answer comes back."""
        timeout = timeout_s or self.settings.timeout_s
        client = await self.client()
        try:
            return await client.request(method, url, timeout=timeout, **request)
        except httpx.HTTPError as exc:
            raise self.failure(method, shown(url), transport_reason(exc, timeout)) from None
        except self.settings.login_errors as exc:
            raise self.failure(method, shown(url), f"the log-in exchange failed: the server's challenge "
                                                   f"was missing or unreadable ({type(exc).__name__}: "
                                                   f"{exc})") from None

    def refused(self, response: httpx.Response) -> ActivityError:
        """The failure for an answer whose status nobody expected."""
        text = status_text(response)
        if response.status_code in (401, 403):
            who = self.settings.credentials
            text += (f" (the server refused {who}: is it current and allowed here?)" if who else
                     " (the service wants a log-in: give the connection auth and a password)")
        return self.failure(response.request.method, shown(response.request.url), text)

    def failure(self, method: str, url: str, message: str) -> ActivityError:
        """'POST https://host/x on connection "api": <message>' (without a connection: no 'on ...')."""
        what = f"{method} {url}".strip()
        if self.connection is None:
            return ActivityError(f"{what}: {message}")
        return BackendError(self.connection, what, message)

    async def probe(self) -> str:
        """`interlock connections test`: a GET of the base URL. Any answer but a refused log-in or a
        server error shows the service is there (an API's root often has no page: 404 is fine)."""
        url = self.url_for("")
        response = await self.send("GET", url)
        if response.status_code in (401, 403) or response.status_code >= 500:
            raise self.refused(response)
        return f"GET {shown(url)}: {response.status_code} {response.reason_phrase}".rstrip()


def shown(url: httpx.URL) -> str:
    """A URL for messages: without its query, whose values may be keys or personal data."""
    return str(url.copy_with(query=None, fragment=None))
