"""The keys every WinRM connection shares (scvmm, hyperv, scom) and what they resolve to when the
connection is opened: an endpoint, credentials (the password from password_env / password_keyring,
never the file) and bounded timeouts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from engine.config.connections import OpenContext
from engine.errors import ConfigError

Transport = Literal["ntlm", "kerberos", "credssp", "basic"]

# What pywinrm needs installed for each transport (it only says so at the first call otherwise).
_TRANSPORT_PACKAGES = {"kerberos": ("HAVE_KERBEROS", "pywinrm[kerberos]"),
                       "credssp": ("HAVE_CREDSSP", "pywinrm[credssp]"),
                       "ntlm": ("HAVE_NTLM", "requests_ntlm")}


class WinRmOptions(BaseModel):
    """[connections.NAME] keys of a WinRM connection; the kinds add their own."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, description="The Windows server that runs the scripts (its WinRM)")
    port: int | None = Field(None, ge=1, le=65535, description="Default: 5986 with https, 5985 without")
    transport: Transport = Field("ntlm", description="How to authenticate, as pywinrm names it")
    https: bool = Field(True, description="WinRM over HTTPS (the certificate is validated)")
    server_cert_validation: Literal["validate", "ignore"] = Field(
        "validate", description='"ignore" accepts any certificate: unsafe, for labs only')
    ca_trust_path: str | None = Field(None, description="CA bundle (PEM file or folder) to validate the "
                                                        "server's certificate; default: the system's")
    username: str | None = Field(None, description='e.g. "CONTOSO\\\\svc-runbook" (kerberos may omit it)')
    password_env: str | None = Field(None, description="Environment variable that holds the password")
    password_keyring: str | None = Field(None, description='"service:user" of the password in the OS keyring')
    operation_timeout_s: int = Field(60, ge=1, le=3600, description="Longest one WS-Management request "
                                                                     "waits on the server")
    read_timeout_s: int | None = Field(None, ge=2, le=3700, description="Longest wait for an HTTP answer; "
                                                                         "default operation_timeout_s + 10")
    connect_timeout_s: float = Field(10, gt=0, le=300, description="Longest wait to open the TCP connection")
    command_timeout_s: int = Field(900, ge=1, le=86400, description="Longest one operation (one PowerShell "
                                                                     "script) may run")
    max_sessions: int = Field(5, ge=1, le=100, description="Scripts run at once on this connection "
                                                           "(WinRM shells; the server caps them per user)")

    @field_validator("read_timeout_s")
    @classmethod
    def _exceeds_operation_timeout(cls, value: int | None, info: ValidationInfo) -> int | None:
        operation = info.data.get("operation_timeout_s")
        if value is not None and operation is not None and value <= operation:
            raise ValueError(f"must exceed operation_timeout_s ({operation}): the server may hold a "
                             f"request that long before it answers")
        return value


class _Secret(str):
    """A password that never shows in a repr, a log line or a traceback's locals."""

    def __repr__(self) -> str:
        return "'***'"


@dataclass(frozen=True)
class WinRmSettings:
    """A connection's resolved options: what a session needs to reach the server."""

    host: str
    port: int
    https: bool
    transport: Transport
    username: str | None
    password: str | None = field(repr=False)
    server_cert_validation: Literal["validate", "ignore"]
    ca_trust_path: str | None
    operation_timeout_s: int
    read_timeout_s: int
    connect_timeout_s: float
    command_timeout_s: int
    max_sessions: int

    @property
    def address(self) -> str:
        """host:port, for messages."""
        return f"{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{'https' if self.https else 'http'}://{host}:{self.port}/wsman"

    @property
    def who(self) -> str:
        return self.username or "(the Kerberos ticket's user)"


def resolve(options: WinRmOptions, context: OpenContext) -> WinRmSettings:
    """Check what the options model cannot (the transport's package, credentials for it) and read the
    password; ConfigError names the file, the table and the key."""
    _require_transport(options.transport, context)
    if options.transport != "kerberos" and not options.username:
        raise ConfigError(f'{context.where}: key "username": required with transport "{options.transport}"')
    # Kerberos may use the ticket cache (kinit): a password is optional there and required elsewhere.
    password = context.secret("password", required=options.transport != "kerberos")
    if options.ca_trust_path is not None and not context.path(options.ca_trust_path).exists():
        raise ConfigError(f'{context.where}: key "ca_trust_path": {context.path(options.ca_trust_path)} '
                          f"not found")
    return WinRmSettings(
        host=options.host, port=options.port or (5986 if options.https else 5985), https=options.https,
        transport=options.transport, username=options.username,
        password=_Secret(password) if password is not None else None,
        server_cert_validation=options.server_cert_validation,
        ca_trust_path=str(context.path(options.ca_trust_path)) if options.ca_trust_path else None,
        operation_timeout_s=options.operation_timeout_s,
        read_timeout_s=options.read_timeout_s or options.operation_timeout_s + 10,
        connect_timeout_s=options.connect_timeout_s, command_timeout_s=options.command_timeout_s,
        max_sessions=options.max_sessions)


def _require_transport(transport: Transport, context: OpenContext) -> None:
    needed = _TRANSPORT_PACKAGES.get(transport)
    if needed is None:
        return
    import winrm.transport  # the flags say which optional auth packages pywinrm could import

    flag, package = needed
    if not getattr(winrm.transport, flag, False):
        raise ConfigError(f'{context.where}: key "transport": "{transport}" needs the {package} package, '
                          f"which is not installed (pip install '{package}')")
