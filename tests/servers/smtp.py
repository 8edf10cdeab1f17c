"""A real SMTP server for the tests (aiosmtpd) on a free loopback port, in its own thread: STARTTLS or
TLS from the start on a given certificate, AUTH checked against one account, and every message it
accepted kept for the test to read (envelope and parsed message)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from . import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)  # the usernames that logged in


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        message = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)  # as stored
        assert isinstance(message, EmailMessage)
        self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted for delivery"


@contextmanager
def running_smtp(certificate: tuple[Path, Path], security: Literal["starttls", "tls"] = "starttls",
                 username: str = "runbook", password: str = "s3cret-mail-pass") -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 that requires TLS (STARTTLS or implicit) and a login."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(certificate[0]), str(certificate[1]))
    server = SmtpServer("127.0.0.1", free_port(), username, password)

    def authenticator(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == username \
            and data.password.decode() == password
        if ok:
            server.logins.append(username)
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    options: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
    if security == "starttls":
        options.update(tls_context=tls, require_starttls=True)
    else:
        # aiosmtpd cannot tell that the whole connection is TLS, so it warns about AUTH without TLS.
        options.update(ssl_context=tls, auth_require_tls=False)
    controller = Controller(_Handler(server), hostname=server.host, port=server.port,
                            server_hostname="127.0.0.1", **options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
