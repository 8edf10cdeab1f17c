"""Calls to Alertmanager's HTTP API v2 with httpx, each failure turned into a BackendError for the user.

One httpx.AsyncClient per operation (a start or a stop: two or three requests on one kept-alive
connection), never one per connection: a connection outlives event loops (the designer runs jobs on
its loop, tests make a loop each) and an AsyncClient's pooled sockets belong to the loop that opened
them (reused on the next loop: "RuntimeError: Event loop is closed"). The TLS context, the costly part
of a client, is made once and shared. Measured on loopback against Alertmanager 0.25: a request with a
new client costs ~6 ms, one on a shared client ~2.4 ms, a new client that loads the CA store ~56 ms.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_result, stop_after_attempt, wait_chain, wait_fixed

from nodes.backends.interface import BackendError

# Alertmanager answers 503 at once to GETs beyond --web.get-concurrency (default: max(8, cores)); a
# short wait and a retry gets past other clients' bursts.
_GET_RETRIES = (0.2, 0.5, 1.0)
_BODY_CHARS = 300  # of an error body quoted in a message


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one Alertmanager."""

    connection: str
    url: str  # as configured, without a trailing slash; the API is under URL/api/v2
    timeout_s: float
    verify: ssl.SSLContext | bool
    token: str | None = field(default=None, repr=False)
    token_source: str = ""  # 'token_env "VAR"', for messages (never the token)
    max_requests: int = 4


class AlertmanagerApi:
    """The API of one connection; requests in flight are bounded per event loop."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # two loops in two threads may ask at once

    def slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        with self._lock:
            slots = self._slots.get(loop)
            if slots is None:
                slots = self._slots[loop] = asyncio.Semaphore(self.endpoint.max_requests)
            return slots

    @asynccontextmanager
    async def session(self, operation: str, target: str | None) -> AsyncIterator[Session]:
        """The client for one operation on one object; its errors name both."""
        end = self.endpoint
        headers = {"Accept": "application/json"}
        if end.token:
            headers["Authorization"] = f"Bearer {end.token}"
        async with httpx.AsyncClient(base_url=f"{end.url}/api/v2", headers=headers, verify=end.verify,
                                     timeout=end.timeout_s, follow_redirects=False) as client:
            yield Session(self, client, operation, target)


class Session:
    def __init__(self, api: AlertmanagerApi, client: httpx.AsyncClient, operation: str,
                 target: str | None) -> None:
        self.api = api
        self.client = client
        self.operation = operation
        self.target = target

    def error(self, message: str) -> BackendError:
        return BackendError(self.api.endpoint.connection, self.operation, self._redact(message),
                            target=self.target)

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        retrying = AsyncRetrying(
            retry=retry_if_result(lambda response: response.status_code == 503),
            wait=wait_chain(*(wait_fixed(pause) for pause in _GET_RETRIES)),
            stop=stop_after_attempt(len(_GET_RETRIES) + 1),
            retry_error_callback=lambda state: state.outcome.result(),  # the last 503, reported as such
        )
        return self._json(await retrying(self._send, "GET", path, params=params))

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._json(await self._send("POST", path, json=body))

    async def delete(self, path: str) -> None:
        self._check(await self._send("DELETE", path))

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        end = self.api.endpoint
        try:
            async with self.api.slots():
                return await self.client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise self.error(f"Alertmanager at {end.url} did not answer {method} /api/v2{path} within "
                             f"{end.timeout_s:g} s (timeout_s)") from None
        except httpx.ConnectError as exc:
            raise self.error(f"cannot connect to Alertmanager at {end.url}: {_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise self.error(f"{method} /api/v2{path} to Alertmanager at {end.url} failed: "
                             f"{_reason(exc)}") from None

    def _json(self, response: httpx.Response) -> Any:
        self._check(response)
        try:
            return response.json()
        except ValueError:
            raise self.error(f"{self._request(response)} answered with something that is not JSON "
                             f"({_excerpt(response)!r}): is url the Alertmanager itself?") from None

    def _check(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        end = self.api.endpoint
        status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        if response.status_code in (401, 403):
            if end.token:
                why = f"the server refused the bearer token from {end.token_source} (is it current, and " \
                      f"allowed to manage silences?)"
            else:
                why = "the server (or a proxy in front of it) wants a login: set token_env or token_keyring"
            raise self.error(f"{self._request(response)}: {status}: {why}")
        if response.is_redirect:
            where = response.headers.get("location", "")
            raise self.error(f"{self._request(response)}: {status} to {where}: set url to where the API "
                             f"answers (a login page in front of it? use a token)")
        raise self.error(f"{self._request(response)}: {status}: {_server_message(response)}")

    def _request(self, response: httpx.Response) -> str:
        return f"{response.request.method} {response.request.url.path} at {self.api.endpoint.url}"

    def _redact(self, message: str) -> str:
        # An error body from a proxy might echo the request's headers back.
        token = self.api.endpoint.token
        return message.replace(token, "***") if token else message


def _server_message(response: httpx.Response) -> str:
    """Alertmanager's words for an error: {"code", "message"} from validation, a JSON string from a
    handler ("silence not found"), plain text from its limits and from proxies."""
    try:
        body = response.json()
    except ValueError:
        return _excerpt(response) or "(no details in the answer)"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    if isinstance(body, str) and body:
        return body
    return _excerpt(response) or "(no details in the answer)"


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text if len(text) <= _BODY_CHARS else text[:_BODY_CHARS] + "..."


def _reason(exc: httpx.HTTPError) -> str:
    """The innermost cause in the system's words ("Connection refused", "Name or service not known",
    a certificate problem), not httpx's wrapper text."""
    cause: BaseException = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"TLS certificate verify failed: {cause.verify_message} (trust its CA with ca_file, or set " \
               f"verify = false)"
    if isinstance(cause, ssl.SSLError):  # its errno is OpenSSL's, not the system's
        plain = " (the server does not speak TLS there: is it http://?)" \
            if cause.reason == "WRONG_VERSION_NUMBER" else ""
        return f"TLS error: {cause.reason or cause}{plain}"
    if isinstance(cause, OSError) and cause.errno and cause.errno > 0:
        return f"{os.strerror(cause.errno)} (is the url right and the server up?)"
    if isinstance(cause, OSError) and cause.strerror:
        return f"{cause.strerror} (is the url right and the server up?)"
    return str(cause) or str(exc) or type(exc).__name__
