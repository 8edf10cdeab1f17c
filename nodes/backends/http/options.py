"""The keys of an `http` connection: where the web service is, how to log in (the password or bearer
token from password_env / password_keyring, never the file) and how to trust its certificate."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

AuthKind = Literal["none", "basic", "bearer", "ntlm"]
DEFAULT_TIMEOUT_S = 30.0
# Request headers that carry credentials: never defaults in a config file (secrets come from
# password_env / password_keyring), never shown in a message.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def check_http_url(value: str, *, base: bool) -> str:
    """An absolute http(s) URL without credentials in it; a base URL also without ?query or #fragment.
    Returns it without surrounding blanks (a base URL also without its trailing slash)."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f'must be an absolute http:// or https:// URL, e.g. "https://api.example.com/v1" '
                         f"(got {value!r})")
    if parts.username or parts.password:
        raise ValueError("must not hold credentials: give username and password_env / password_keyring")
    if base and (parts.query or parts.fragment):
        raise ValueError(f"must be the base URL, without ?query or #fragment (got {value!r})")
    return text.rstrip("/") if base else text


class HttpOptions(BaseModel):
    """[connections.NAME] keys of kind "http"."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="The service's base URL; an activity's path is added to it")
    auth: AuthKind = Field("none", description="none, basic (user and password), bearer (a token) or ntlm "
                                               "(DOMAIN\\user and password)")
    username: str | None = Field(None, min_length=1, validate_default=True,
                                 description="The account for basic and ntlm")
    password_env: str | None = Field(None, description="Environment variable holding the password (basic, "
                                                       "ntlm) or the token (bearer)")
    password_keyring: str | None = Field(None, description='"service:user" of the password or token in '
                                                           "the OS keyring")
    verify: bool = Field(True, description="Check the server's TLS certificate")
    ca_file: str | None = Field(None, description="PEM file of the CA(s) to trust (relative to the config "
                                                  "file), else the system's")
    timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0, le=3600,
                             description="Longest wait for one request when the activity sets none")
    headers: dict[str, str] = Field(default_factory=dict,
                                    description="Headers sent with every request (not secrets)")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return check_http_url(value, base=True)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        secret = sorted(name for name in value if name.strip().lower() in CREDENTIAL_HEADERS)
        if secret:
            raise ValueError(f"{', '.join(secret)} would put a credential in the config file: use auth = "
                             f'"bearer" or "basic" with password_env / password_keyring')
        return value

    # Checked in field order, so each check sees the keys above it (and the message names its key).
    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None, info: ValidationInfo) -> str | None:
        auth = info.data.get("auth")
        if value is None and auth in ("basic", "ntlm"):
            raise ValueError(f'auth = "{auth}" needs username'
                             + (' ("DOMAIN\\\\user")' if auth == "ntlm" else ""))
        if value is not None and auth in ("none", "bearer"):
            raise ValueError(f'has no use with auth = "{auth}"')
        return value

    @field_validator("password_env", "password_keyring")
    @classmethod
    def _password(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("auth") == "none":
            raise ValueError('a password is set but auth = "none": set auth to basic, bearer or ntlm')
        return value

    @field_validator("ca_file")
    @classmethod
    def _ca_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("verify") is False:
            raise ValueError("has no use with verify = false (drop one of them)")
        return value
