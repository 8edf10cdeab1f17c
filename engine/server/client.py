"""A client of the runbook server's API (DESIGN §6.4), for `interlock remote`, the designer and scripts.

Every error is an InterlockError whose message is one line: the server's problem document (its status,
title and located detail) or why the server could not be reached. The token comes from an environment
variable or the OS keyring (never a command-line value: other users see a process's arguments).
Calls that only read are retried a few times when the connection fails or the server is briefly
unavailable; a start is retried only when it cannot have reached the server (the connection was refused).
The event stream resumes after a dropped connection from the last event id it saw (Last-Event-ID).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from ..config.secrets import resolve_secret
from ..errors import InterlockError

API = "/api/v1"
DEFAULT_TOKEN_ENV = "INTERLOCK_TOKEN"
ATTEMPTS = 4  # one call and three more after a dropped connection or a 502/503/504
RECONNECTS = 10  # event stream reconnections in a row without a new event
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
STREAM_TIMEOUT = httpx.Timeout(30.0, connect=10.0, read=None)  # a quiet job sends nothing for a while
PASSING = {502, 503, 504}  # a proxy or a server starting or stopping: worth another try


class ServerError(InterlockError):
    """The server answered with an error: its status and problem document."""

    def __init__(self, status: int, title: str, detail: str, url: str) -> None:
        self.status, self.title, self.detail, self.url = status, title, detail, url
        text = f"{status} {title}" + (f": {detail}" if detail and detail != title else "")
        super().__init__(f"server {url}: {text}")


class Unreachable(InterlockError):
    """No answer from the server (refused, timed out, TLS failed)."""


def resolve_token(token_env: str | None = None, token_keyring: str | None = None) -> str:
    """The API token from the environment variable (default INTERLOCK_TOKEN) or a keyring entry
    "service:user"; a message naming where it was looked for when it is not there."""
    if token_keyring:
        options = {"token_keyring": token_keyring}
    else:
        options = {"token_env": token_env or DEFAULT_TOKEN_ENV}
    token = resolve_secret(options, "token", "the server token")
    if not token or not token.strip():
        source = ", ".join(f"{key} = {value}" for key, value in options.items())
        raise InterlockError(f"the server token ({source}) is empty")
    return token.strip()


@dataclass
class SseEvent:
    """One event of the job's stream: its number (for Last-Event-ID) and the event's JSON."""

    id: int
    data: dict[str, Any]


@dataclass
class SseParser:
    """Server-Sent Events framing (WHATWG): `field: value` lines, a blank line ends one event."""

    last_id: int = 0
    _data: list[str] = field(default_factory=list)
    _id: int | None = None

    def feed(self, line: str) -> SseEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: the server's keep-alive
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            self._data.append(value)
        elif name == "id" and value.isdigit():
            self._id = int(value)
        return None

    def _dispatch(self) -> SseEvent | None:
        data, self._data = "\n".join(self._data), []
        if self._id is not None:
            self.last_id, self._id = self._id, None
        if not data:
            return None
        try:
            return SseEvent(self.last_id, json.loads(data))
        except json.JSONDecodeError:
            return None  # not an event of ours: a stream keeps going past what it cannot read


def _retryable(exc: BaseException, *, idempotent: bool) -> bool:
    if isinstance(exc, ServerError):
        return idempotent and exc.status in PASSING
    if isinstance(exc, httpx.ConnectError):
        return True  # nothing was sent
    return idempotent and isinstance(exc, httpx.TransportError)


def _retrying(idempotent: bool, attempts: int, cls: type[Retrying] | type[AsyncRetrying] = Retrying) -> Any:
    return cls(stop=stop_after_attempt(attempts), wait=wait_exponential(multiplier=0.2, max=3),
               retry=retry_if_exception(lambda exc: _retryable(exc, idempotent=idempotent)), reraise=True)


def _checked(response: httpx.Response, base_url: str) -> Any:
    if response.status_code < 400:
        return response.json() if response.content else {}
    title, detail = response.reason_phrase, ""
    try:
        problem = response.json()
        if isinstance(problem, dict):
            title = str(problem.get("title") or title)
            detail = str(problem.get("detail") or "")
    except ValueError:
        detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
    raise ServerError(response.status_code, title, detail, base_url)


def _unreachable(exc: httpx.HTTPError, base_url: str) -> Unreachable:
    reason = str(exc) or type(exc).__name__
    return Unreachable(f"server {base_url}: cannot reach it: {reason}")


def _trust(ca_file: str) -> ssl.SSLContext:
    """The system's TLS defaults, trusting the CA certificate(s) in `ca_file` (a private CA)."""
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise InterlockError(f"CA file {ca_file}: cannot be used: {exc}") from None


def _job_params(runbook: str | None, status: str | None, limit: int | None) -> dict[str, Any]:
    return {k: v for k, v in (("runbook", runbook), ("status", status), ("limit", limit)) if v is not None}


def _finished(event: SseEvent, job_id: str) -> bool:
    return event.data.get("kind") == "job_finished" and event.data.get("job_id") == job_id


class _Base:
    def __init__(self, base_url: str, token: str, *, ca_file: str | None = None,
                 attempts: int = ATTEMPTS) -> None:
        self.base_url = base_url.rstrip("/")
        self.attempts = attempts
        self._options: dict[str, Any] = {
            "base_url": self.base_url + API,
            "headers": {"Authorization": f"Bearer {token}", "Accept": "application/json"},
            "verify": _trust(ca_file) if ca_file else True, "timeout": TIMEOUT}


class Client(_Base):
    """The API, synchronously (the CLI and the designer's worker thread)."""

    def __init__(self, base_url: str, token: str, *, ca_file: str | None = None,
                 attempts: int = ATTEMPTS) -> None:
        super().__init__(base_url, token, ca_file=ca_file, attempts=attempts)
        self.http = httpx.Client(**self._options)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        try:
            for attempt in _retrying(idempotent, self.attempts):
                with attempt:
                    return _checked(self.http.request(method, path, **kwargs), self.base_url)
        except httpx.HTTPError as exc:
            raise _unreachable(exc, self.base_url) from None

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def runbooks(self) -> list[dict[str, Any]]:
        return self._call("GET", "/runbooks")

    def runbook(self, path: str) -> dict[str, Any]:
        """One runbook of the catalogue: its entry (parameters, problems) and its content."""
        return self._call("GET", f"/runbooks/{path}")

    def start(self, runbook: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("POST", "/jobs", idempotent=False,
                          json={"runbook": runbook, "parameters": parameters or {}})

    def jobs(self, runbook: str | None = None, status: str | None = None,
             limit: int | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "/jobs", params=_job_params(runbook, status, limit))

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/jobs/{job_id}")

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self._call("POST", f"/jobs/{job_id}/cancel")  # cancelling twice is harmless

    def events(self, job_id: str, last_event_id: int = 0) -> Iterator[SseEvent]:
        """The job's events from after `last_event_id` until its job_finished, resuming after a
        dropped connection from the last one seen."""
        stream = _Stream(self.base_url, job_id, last_event_id)
        while True:
            try:
                with self.http.stream("GET", stream.path, headers=stream.headers(),
                                      timeout=STREAM_TIMEOUT) as response:
                    if response.status_code >= 400:
                        response.read()
                        _checked(response, self.base_url)
                    for event in filter(None, map(stream.take, response.iter_lines())):
                        yield event
                        if stream.ended:
                            return
                pause = stream.failed(None)  # the stream ended before job_finished: resume it
            except (httpx.HTTPError, ServerError) as exc:
                pause = stream.failed(exc)
            time.sleep(pause)


class AsyncClient(_Base):
    """The API on asyncio (benchmarks, services that watch many jobs at once)."""

    def __init__(self, base_url: str, token: str, *, ca_file: str | None = None,
                 attempts: int = ATTEMPTS, limits: httpx.Limits | None = None) -> None:
        super().__init__(base_url, token, ca_file=ca_file, attempts=attempts)
        self.http = httpx.AsyncClient(**self._options, limits=limits or httpx.Limits())

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        try:
            async for attempt in _retrying(idempotent, self.attempts, AsyncRetrying):
                with attempt:
                    return _checked(await self.http.request(method, path, **kwargs), self.base_url)
        except httpx.HTTPError as exc:
            raise _unreachable(exc, self.base_url) from None

    async def start(self, runbook: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self._call("POST", "/jobs", idempotent=False,
                                json={"runbook": runbook, "parameters": parameters or {}})

    async def jobs(self, runbook: str | None = None, status: str | None = None,
                   limit: int | None = None) -> list[dict[str, Any]]:
        return await self._call("GET", "/jobs", params=_job_params(runbook, status, limit))

    async def job(self, job_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/jobs/{job_id}")

    async def cancel(self, job_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/jobs/{job_id}/cancel")

    async def events(self, job_id: str, last_event_id: int = 0) -> AsyncIterator[SseEvent]:
        stream = _Stream(self.base_url, job_id, last_event_id)
        while True:
            try:
                async with self.http.stream("GET", stream.path, headers=stream.headers(),
                                            timeout=STREAM_TIMEOUT) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        _checked(response, self.base_url)
                    async for line in response.aiter_lines():
                        event = stream.take(line)
                        if event is not None:
                            yield event
                        if stream.ended:
                            return
                pause = stream.failed(None)
            except (httpx.HTTPError, ServerError) as exc:
                pause = stream.failed(exc)
            await asyncio.sleep(pause)


class _Stream:
    """One job's event stream across reconnections: where to resume (Last-Event-ID), whether the job's
    job_finished has come, and when to open it again after a drop — after a pause growing with the
    failures in a row, at most RECONNECTS times without a new event; an error another try cannot mend
    is raised."""

    def __init__(self, base_url: str, job_id: str, last_event_id: int) -> None:
        self.base_url, self.job_id, self.failures = base_url, job_id, 0
        self.path = f"/jobs/{job_id}/events"
        self.parser = SseParser(last_event_id)
        self.ended = False

    def headers(self) -> dict[str, str]:
        return {"Accept": "text/event-stream", "Last-Event-ID": str(self.parser.last_id)}

    def take(self, line: str) -> SseEvent | None:
        event = self.parser.feed(line)
        if event is not None:
            self.failures = 0
            self.ended = _finished(event, self.job_id)
        return event

    def failed(self, exc: Exception | None) -> float:
        self.failures += 1
        if isinstance(exc, ServerError) and exc.status not in PASSING:
            raise exc
        if self.failures >= RECONNECTS:
            if isinstance(exc, ServerError):
                raise exc
            if isinstance(exc, httpx.HTTPError):
                raise _unreachable(exc, self.base_url) from None
            raise Unreachable(f"server {self.base_url}: the event stream of job {self.job_id} keeps "
                              "ending before the job does")
        return min(0.1 * 2 ** self.failures, 3.0)
