"""Sending a message through an `smtp` connection, with smtplib in a worker thread: one SMTP session
per message (servers close idle sessions, and a send is short). Every failure is a BackendError naming
the operation, the connection and host:port, with the server's own reply; never the password."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from nodes.backends.interface import BackendError

from .options import SmtpSettings


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


class SmtpMailer:
    """The back-end object of an `smtp` connection. Blocking: call it from a worker thread."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @property
    def name(self) -> str:
        return self.settings.connection

    def error(self, operation: str, message: str) -> BackendError:
        return BackendError(self.name, operation, f"{self.settings.address}: {message}")

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict[str, str]:
        """Send message from sender (the envelope's MAIL FROM) to recipients (RCPT TO: every To, Cc
        and Bcc address). Returns the recipients the server refused while accepting others, with its
        reply; raises BackendError when it took none or failed."""
        operation = "send email"
        with self._session(operation) as smtp:
            try:
                refused = smtp.send_message(message, sender, recipients)
            except smtplib.SMTPRecipientsRefused as exc:
                replies = "; ".join(f"{who}: {_reply(*why)}" for who, why in exc.recipients.items())
                raise self.error(operation, f"the server refused every recipient ({replies})") from None
            except smtplib.SMTPSenderRefused as exc:
                raise self.error(operation, f"the server refused the sender {sender}: "
                                            f"{_reply(exc.smtp_code, exc.smtp_error)}") from None
            except smtplib.SMTPDataError as exc:
                raise self.error(operation, f"the server refused the message: "
                                            f"{_reply(exc.smtp_code, exc.smtp_error)}") from None
        return {who: _reply(*why) for who, why in refused.items()}

    async def probe(self) -> str:
        """`interlock connections test`: connect, protect, log in; what the server said."""
        return await asyncio.to_thread(self._probe)

    def _probe(self) -> str:
        with self._session("test connection") as smtp:
            code, banner = smtp.noop()
        s = self.settings
        login = f", logged in as {s.username}" if s.username else ""
        return f"{s.address} ({s.security}) answered {_reply(code, banner)}{login}"

    @contextmanager
    def _session(self, operation: str) -> Iterator[smtplib.SMTP]:
        s = self.settings
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=s.tls)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            with smtp:
                smtp.ehlo()
                if s.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise self.error(operation, "the server does not offer STARTTLS (security = "
                                                    '"starttls"); refused to send in plain text')
                    smtp.starttls(context=s.tls)
                    smtp.ehlo()
                if s.username is not None:
                    self._login(smtp, operation)
                yield smtp
        except BackendError:
            raise
        except ssl.SSLCertVerificationError as exc:
            raise self.error(operation, f"the server's TLS certificate is not trusted "
                                        f"({exc.verify_message}); set ca_file to the CA that issued it") \
                from None
        except ssl.SSLError as exc:
            raise self.error(operation, f"TLS failed: {exc.reason or exc}") from None
        except smtplib.SMTPServerDisconnected as exc:
            raise self.error(operation, f"the server closed the connection ({exc})") from None
        except smtplib.SMTPResponseException as exc:
            raise self.error(operation, f"the server answered {_reply(exc.smtp_code, exc.smtp_error)}") \
                from None
        except smtplib.SMTPException as exc:
            raise self.error(operation, str(exc)) from None
        except TimeoutError:
            raise self.error(operation, f"no answer within {s.timeout_s:g} s (timeout_s)") from None
        except socket.gaierror as exc:
            raise self.error(operation, f"host name {s.host} not found ({exc.strerror})") from None
        except OSError as exc:
            raise self.error(operation, f"cannot connect: {exc.strerror or exc}") from None

    def _login(self, smtp: smtplib.SMTP, operation: str) -> None:
        s = self.settings
        assert s.username is not None and s.password is not None
        if not smtp.has_extn("auth"):
            raise self.error(operation, f"the server offers no login (AUTH) for {s.username}"
                                        + (' over plain text: use security = "starttls" or "tls"'
                                           if s.security == "none" else ""))
        try:
            smtp.login(s.username, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise self.error(operation, f"the server refused the login of {s.username}: "
                                        f"{_reply(exc.smtp_code, exc.smtp_error)}") from None
