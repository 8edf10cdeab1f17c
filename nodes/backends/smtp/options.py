"""The keys of an `smtp` connection and what they resolve to when it is opened: the server, how the
connection is protected, who logs in (the password from password_env / password_keyring, never the
file), the CA to trust and the default sender."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.config.connections import OpenContext
from engine.errors import ConfigError
from nodes.backends.tls import trust_context

Security = Literal["none", "starttls", "tls"]
DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "tls": 465}


def valid_address(value: str) -> str:
    """One e-mail address ("ops@contoso.com" or "Ops <ops@contoso.com>"); ValueError otherwise."""
    _, address = parseaddr(value)
    if "@" not in address or any(c in value for c in "\r\n"):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value.strip()


class SmtpOptions(BaseModel):
    """[connections.NAME] keys of kind "smtp"."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    host: str = Field(min_length=1, description="The mail server (SMTP submission or relay)")
    port: int | None = Field(None, ge=1, le=65535, description="Default: 587 with starttls, 465 with tls, "
                                                               "25 with none")
    security: Security = Field("starttls", description="starttls: upgrade the connection (refused if the "
                                                       "server cannot); tls: TLS from the start; none: "
                                                       "plain text")
    username: str | None = Field(None, min_length=1, description="The account to log in with (none: no "
                                                                 "login, e.g. an internal relay)")
    password_env: str | None = Field(None, description="Environment variable holding the password")
    password_keyring: str | None = Field(None, description='"service:user" of the password in the OS '
                                                           "keyring")
    ca_file: str | None = Field(None, description="PEM file of the CA(s) to trust, relative to the config "
                                                  "file (default: the system's)")
    timeout_s: float = Field(30, gt=0, le=600, description="Longest wait for the server at each step")
    sender: str | None = Field(None, alias="from", description="Default sender address (From)")

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return valid_address(value) if value is not None else None


@dataclass(frozen=True)
class SmtpSettings:
    """A connection's resolved options."""

    connection: str
    host: str
    port: int
    security: Security
    username: str | None
    password: str | None = field(repr=False)
    tls: ssl.SSLContext | None  # None with security "none"
    timeout_s: float
    sender: str | None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def resolve(options: SmtpOptions, context: OpenContext) -> SmtpSettings:
    """Check what the options model cannot and read the password; ConfigError names file and key."""
    password = context.secret("password", required=options.username is not None)
    if password is not None and options.username is None:
        raise ConfigError(f'{context.where}: key "username": required with a password (who logs in?)')
    if options.ca_file is not None and options.security == "none":
        raise ConfigError(f'{context.where}: key "ca_file": has no use with security = "none"')
    return SmtpSettings(
        connection=context.name, host=options.host, port=options.port or DEFAULT_PORTS[options.security],
        security=options.security, username=options.username, password=password,
        tls=None if options.security == "none" else trust_context(options.ca_file, context),
        timeout_s=options.timeout_s, sender=options.sender)

