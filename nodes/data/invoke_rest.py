"""Invoke REST Service (Orchestrator's Invoke Web Services): one HTTP request per incoming row, on an
`http` connection (base URL, log-in, TLS) or to an absolute URL; publishes the answer, or with `select`
one row per item a JMESPath expression picks out of a JSON answer.

Subscribed values are data: in `query` and `form` bodies they are URL-encoded, in a JSON body given as
an object they are JSON values (a quote in one cannot end a string). Only `path` and a text body take
them as written.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from engine.format.templates import as_text
from nodes.backends.http import HttpEndpoint, anonymous_endpoint, check_http_url
from nodes.backends.http.endpoint import shown
from nodes.backends.http.failures import excerpt

from .rest_select import compile_select, select_rows

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class InvokeRestProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str | None = Field(None, title="Connection",
                                   description="A connection of kind http (base URL, log-in, TLS); empty: "
                                               "give an absolute URL")
    method: Method = Field("GET", title="Method", description="The HTTP method")
    path: str = Field("", title="Path",
                      description="Added to the connection's base URL, e.g. users/42 (parameters go in "
                                  "Query)")
    url: str | None = Field(None, validate_default=True, title="URL",
                            description="An absolute http:// or https:// URL, for a call without a "
                                        "connection")
    query: dict[str, str] = Field(default_factory=dict, title="Query",
                                  description="Query parameters, URL-encoded (?name=value&...)")
    headers: dict[str, str] = Field(default_factory=dict, title="Headers",
                                    description="Request headers, added to the connection's (log-in "
                                                "belongs on the connection)")
    body: Any = Field(None, title="Body",
                      description="JSON: an object or list (subscriptions in its values), or JSON text; "
                                  "text: sent as written; form: an object of names to values")
    body_type: Literal["json", "text", "form"] = Field("json", validate_default=True, title="Body type",
                                                       description="How the body is sent: application/json, "
                                                                   "text/plain or a URL-encoded form")
    expected_status: list[int] = Field(default_factory=list, title="Expected status codes",
                                       description="The answers that succeed (e.g. [200, 404]); empty: "
                                                   "any 2xx. Another status fails the instance")
    select: str | None = Field(None, title="Select rows (JMESPath)",
                               description="A JMESPath expression over the JSON answer: a list publishes "
                                           "one row per item, an object one row (its keys as fields), "
                                           "other values the field value; nothing found: no row")
    timeout_s: float | None = Field(None, gt=0, le=3600, title="Timeout (s)",
                                    description="Longest wait for the answer (default: the connection's, "
                                                "else 30 s)")

    @field_validator("connection")
    @classmethod
    def _connection(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if "?" in value or "#" in value:
            raise ValueError('holds "?" or "#": give query parameters in query')
        return value.strip()

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        connection, path = info.data.get("connection"), info.data.get("path")
        if value is None:
            if not connection:
                raise ValueError("give an absolute URL, or a connection (and a path)")
            return None
        if connection:
            raise ValueError("is for calls without a connection; with one, give path (added to its "
                             "base_url, so its log-in never goes to another host)")
        if path:
            raise ValueError("and path together: put the whole address in url")
        return check_http_url(value, base=False)

    @field_validator("query", "headers", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # A subscription that is a whole value keeps its type (a number): parameters and headers are text.
        if isinstance(value, dict):
            return {key: as_text(item) if not isinstance(item, dict | list) else item
                    for key, item in value.items()}
        return value

    @field_validator("body_type")
    @classmethod
    def _body_type(cls, value: str, info: ValidationInfo) -> str:
        body = info.data.get("body")
        if isinstance(body, str) and "{{" in body:
            return value  # a subscription: its value's shape is known when the instance runs
        if value == "form" and not isinstance(body, dict | None):
            raise ValueError("form needs the body as an object of names to values")
        if value == "text" and isinstance(body, dict | list):
            raise ValueError("text needs the body as text (an object or list is sent with json)")
        return value

    @field_validator("expected_status")
    @classmethod
    def _statuses(cls, value: list[int]) -> list[int]:
        wrong = [code for code in value if not 100 <= code <= 599]
        if wrong:
            raise ValueError(f"{wrong[0]} is not an HTTP status (100 to 599)")
        return value

    @field_validator("select")
    @classmethod
    def _select(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            compile_select(value)
            return value
        return None


class RestRow(BaseModel):
    """The fields of every row; with `select`, the selected item's fields come along (and win)."""

    status_code: int = Field(title="Status code", description="The answer's HTTP status, e.g. 200")
    headers: str = Field(title="Response headers",
                         description='The answer\'s headers as a JSON object: {"content-type": ...}')
    body: str = Field(title="Response body", description="The answer's body as text")
    value: Any = Field(description="With select: a selected item that is not an object")


class InvokeRest(ActivityType):
    """Calls a web service once per incoming row and publishes its answer."""

    type_name = "data.invoke_rest"
    display_name = "Invoke REST Service"
    description = ("Sends an HTTP request (GET, POST, ...) to a web service; publishes the status, headers "
                   "and body, or with Select one row per item of the JSON answer. An unexpected status "
                   "fails.")
    icon = "web"
    color = "#2f6f8f"
    Properties = InvokeRestProperties
    Published = RestRow

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        if properties.get("select"):
            return None  # the selected items' fields: known once the service answers
        return ["status_code", "headers", "body"]

    async def run(self, properties: InvokeRestProperties, context: RunContext) -> list[dict[str, Any]]:
        endpoint = _endpoint(context, properties.connection)
        url = endpoint.url_for(properties.url or properties.path)
        response = await endpoint.send(properties.method, url, params=properties.query or None,
                                       timeout_s=properties.timeout_s,
                                       **_request_body(properties, endpoint, url))
        if not _expected(response.status_code, properties.expected_status):
            raise endpoint.refused(response)
        row = {"status_code": response.status_code, "headers": json.dumps(dict(response.headers)),
               "body": response.text}
        if properties.select is None:
            return [row]
        rows = [{**row, **fields} for fields in _selected(response, properties, endpoint)]
        if not rows:  # say why nothing after it runs
            context.log(f"{properties.method} {shown(url)}: {response.status_code}; select "
                        f"{properties.select!r} found nothing: no rows")
        return rows


def _endpoint(context: RunContext, name: str | None) -> HttpEndpoint:
    if name is None:
        return anonymous_endpoint()
    backend = context.connection(name)
    if not isinstance(backend, HttpEndpoint):
        raise ActivityError(f'connection "{name}" is not a web service connection (kind = "http" with a '
                            f"base_url, see docs/connections.md)")
    return backend


def _request_body(properties: InvokeRestProperties, endpoint: HttpEndpoint,
                  url: httpx.URL) -> dict[str, Any]:
    """httpx's content/json/data and the request headers for the body."""
    headers = dict(properties.headers)
    body = properties.body
    if body is None:
        return {"headers": headers}
    given = {name.lower() for name in headers}
    if properties.body_type == "form":
        if not isinstance(body, dict):  # a subscription that gave text holding "{{"
            raise endpoint.failure(properties.method, shown(url), "form needs the body as an object of "
                                                                  "names to values")
        return {"headers": headers, "data": {key: as_text(value) for key, value in body.items()}}
    if properties.body_type == "json" and not isinstance(body, str):
        return {"headers": headers, "json": body}
    if properties.body_type == "json":
        try:
            json.loads(body)
        except ValueError as exc:
            raise endpoint.failure(properties.method, shown(url),
                                   f"the body is text that is not JSON ({exc}): give it as an object, or "
                                   f'set body_type to "text"') from None
    kind = "application/json" if properties.body_type == "json" else "text/plain; charset=utf-8"
    if "content-type" not in given:
        headers["Content-Type"] = kind
    return {"headers": headers, "content": as_text(body).encode()}


def _expected(status: int, expected: list[int]) -> bool:
    return status in expected if expected else 200 <= status < 300


def _selected(response: httpx.Response, properties: InvokeRestProperties,
              endpoint: HttpEndpoint) -> list[dict[str, Any]]:
    call = (properties.method, shown(response.request.url))
    try:
        data = response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise endpoint.failure(*call, f"select needs a JSON answer, the service answered {kind}: "
                                      f"{excerpt(response.text) or '(empty)'}") from None
    try:
        return select_rows(data, str(properties.select))
    except ValueError as exc:
        raise endpoint.failure(*call, f"select {properties.select!r}: {exc}") from None
