"""The `http` connection kind: a web service for Invoke REST Service (data.invoke_rest).

    [connections.api]
    kind = "http"
    base_url = "https://api.example.com/v1"
    auth = "bearer"                       # none | basic | bearer | ntlm
    password_env = "INTERLOCK_API_TOKEN"  # the token (bearer) or the password (basic, ntlm)
    ca_file = "certs/internal-ca.pem"     # a CA of your own; verify = false turns checking off
"""

from __future__ import annotations

import ssl

import httpx
from pydantic import BaseModel

from engine.config.connections import BackendKind, OpenContext
from engine.errors import ConfigError
from nodes.backends.tls import trust_context

from .endpoint import BearerAuth, HttpEndpoint, HttpSettings
from .options import DEFAULT_TIMEOUT_S, HttpOptions, check_http_url


def _secret_source(context: OpenContext) -> str:
    """Where the password or token comes from, for messages ('password_env "API_TOKEN"')."""
    return next((f'{key} "{context.options[key]}"' for key in ("password_env", "password_keyring")
                 if context.options.get(key)), "")


Login = tuple[httpx.Auth | None, str, tuple[type[Exception], ...]]


def _auth(options: HttpOptions, context: OpenContext) -> Login:
    """The httpx auth of a connection, who it logs in as (for messages: never the secret), and what its
    flow raises when the server's side of the exchange is wrong."""
    if options.auth == "none":
        return None, "", ()
    secret = context.secret("password")
    assert secret is not None  # required: resolve_secret raised ConfigError otherwise
    source = _secret_source(context)
    if options.auth == "bearer":
        return BearerAuth(secret), f"the bearer token from {source}", ()
    user = str(options.username)
    if options.auth == "basic":
        return httpx.BasicAuth(user, secret), f'user "{user}" (password from {source})', ()
    try:  # imported here: only NTLM connections need them
        from httpx_ntlm import HttpNtlmAuth
        from spnego.exceptions import SpnegoError
    except ImportError:
        raise ConfigError(f'{context.where}: key "auth": "ntlm" needs the httpx-ntlm package (pip install '
                          f"httpx-ntlm)") from None
    # httpx-ntlm reads the challenge header without checks: KeyError, StopIteration (as RuntimeError)
    # or a decoding ValueError when it is missing or garbled.
    return (HttpNtlmAuth(user, secret), f'NTLM user "{user}" (password from {source})',
            (SpnegoError, LookupError, ValueError, RuntimeError))


def _tls(options: HttpOptions, context: OpenContext) -> ssl.SSLContext | bool:
    return trust_context(options.ca_file, context) if options.verify else False


def check_http(options: BaseModel, context: OpenContext) -> None:
    assert isinstance(options, HttpOptions)
    if options.auth != "none":
        context.secret("password")
    if options.ca_file is not None:
        trust_context(options.ca_file, context)


def open_http(options: BaseModel, context: OpenContext) -> HttpEndpoint:
    assert isinstance(options, HttpOptions)
    auth, credentials, login_errors = _auth(options, context)
    return HttpEndpoint(HttpSettings(connection=context.name, base_url=options.base_url,
                                     timeout_s=options.timeout_s, verify=_tls(options, context),
                                     headers=dict(options.headers), auth=auth, credentials=credentials,
                                     login_errors=login_errors))


async def probe_http(backend: object) -> str:
    assert isinstance(backend, HttpEndpoint)
    return await backend.probe()


_ANONYMOUS: HttpEndpoint | None = None


def anonymous_endpoint() -> HttpEndpoint:
    """The endpoint of calls without a connection: absolute URLs, the system's CAs, no log-in. Shared,
    so those calls pool their connections too."""
    global _ANONYMOUS
    if _ANONYMOUS is None:
        _ANONYMOUS = HttpEndpoint(HttpSettings(connection=None, base_url=None, timeout_s=DEFAULT_TIMEOUT_S,
                                               verify=ssl.create_default_context()))
    return _ANONYMOUS


HTTP = BackendKind(
    kind="http",
    title="Web service (HTTP)",
    Options=HttpOptions,
    open=open_http,
    check=check_http,
    probe=probe_http,
    description="A REST or other HTTP service, with basic, bearer or NTLM log-in, for Invoke REST Service.",
)

__all__ = ["HTTP", "HttpEndpoint", "HttpOptions", "anonymous_endpoint", "check_http_url"]
