"""The `alertmanager` connection kind: maintenance windows as silences over Alertmanager's HTTP API v2.

    [connections.am]
    kind = "alertmanager"
    url = "https://alertmanager.example.com:9093"
    label = "instance"                  # the label whose value is the object's name
    token_env = "INTERLOCK_AM_TOKEN"    # only behind a proxy that wants a bearer token
"""

from __future__ import annotations

import re
import ssl
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.config.connections import BackendKind, OpenContext
from nodes.backends.interface import probe
from nodes.backends.tls import trust_context

from .backend import AlertmanagerBackend
from .client import AlertmanagerApi, Endpoint

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class AlertmanagerOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="The Alertmanager's base URL, http:// or https:// (the API is URL/api/v2)")
    label: str = Field("instance", description="The label whose value names the object in a silence")
    created_by: str = Field("interlock", min_length=1,
                            description="The silences' createdBy; stop ends only silences made by it")
    timeout_s: float = Field(10.0, gt=0, le=300, description="Longest wait for one HTTP request")
    verify: bool = Field(True, description="Check the server's TLS certificate")
    ca_file: str | None = Field(None, description="PEM file of the CA(s) to trust, else the system's")
    max_requests: int = Field(4, ge=1, le=64, description="Requests in flight at once on this connection")
    token_env: str | None = Field(None, description="Environment variable holding a bearer token")
    token_keyring: str | None = Field(None, description='Keyring entry "service:user" of a bearer token')

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f'must be an http:// or https:// URL, e.g. "http://alertmanager:9093" '
                             f"(got {value!r})")
        if parts.username or parts.password:
            raise ValueError("must not hold credentials: give a bearer token with token_env or token_keyring")
        if parts.query or parts.fragment:
            raise ValueError(f"must be the base URL, without ?query or #fragment (got {value!r})")
        return value.strip().rstrip("/")

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not _LABEL_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not a label name (letters, digits and _, not starting with a "
                             f"digit)")
        return value

    @model_validator(mode="after")
    def _tls(self) -> AlertmanagerOptions:
        if self.ca_file is not None and not self.verify:
            raise ValueError("ca_file has no use with verify = false (drop one of them)")
        return self


def _token(context: OpenContext) -> tuple[str | None, str]:
    token = context.secret("token", required=False)
    source = next((f'{key} "{context.options[key]}"' for key in ("token_env", "token_keyring")
                   if context.options.get(key)), "")
    return token, source


def _tls(options: AlertmanagerOptions, context: OpenContext) -> ssl.SSLContext | bool:
    # Plain http has no certificate to check, so it skips that (False only spares httpx the loading).
    if not options.verify or not options.url.startswith("https:"):
        return False
    return trust_context(options.ca_file, context)


def check_alertmanager(options: BaseModel, context: OpenContext) -> None:
    assert isinstance(options, AlertmanagerOptions)
    _token(context)
    if options.ca_file is not None:
        _tls(options, context)


def open_alertmanager(options: BaseModel, context: OpenContext) -> AlertmanagerBackend:
    assert isinstance(options, AlertmanagerOptions)
    token, source = _token(context)
    endpoint = Endpoint(connection=context.name, url=options.url, timeout_s=options.timeout_s,
                        verify=_tls(options, context), token=token, token_source=source,
                        max_requests=options.max_requests)
    return AlertmanagerBackend(AlertmanagerApi(endpoint), options.label, options.created_by)


ALERTMANAGER = BackendKind(
    kind="alertmanager",
    title="Alertmanager",
    Options=AlertmanagerOptions,
    open=open_alertmanager,
    check=check_alertmanager,
    probe=probe,
    description="Maintenance windows as silences in a Prometheus Alertmanager (HTTP API v2).",
)

__all__ = ["ALERTMANAGER", "AlertmanagerBackend", "AlertmanagerOptions"]
