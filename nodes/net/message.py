"""Building an e-mail from Send Email's properties: addresses from lists or comma-separated text, a
text or HTML body, files attached as they are on disk, and the importance headers mail clients read."""

from __future__ import annotations

import mimetypes
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Literal

from engine.errors import ActivityError

Importance = Literal["low", "normal", "high"]
# X-Priority as Outlook and Thunderbird write it; Importance as Exchange does (RFC 2156).
IMPORTANCE_HEADERS: dict[str, dict[str, str]] = {
    "low": {"X-Priority": "5 (Lowest)", "Importance": "low"},
    "normal": {},
    "high": {"X-Priority": "1 (Highest)", "Importance": "high"},
}


def addresses(value: str | list[str], field: str) -> list[str]:
    """The addresses in a list of strings, each possibly comma-separated ("a@x, Ops <b@y>")."""
    items = [value] if isinstance(value, str) else value
    found = []
    for item in items:
        if any(c in item for c in "\r\n"):
            raise ActivityError(f"{field}: {item!r} holds a line break, not e-mail addresses")
        for name, address in getaddresses([item]):
            if not name and not address:
                continue
            if "@" not in address:
                raise ActivityError(f"{field}: {item.strip()!r} is not an e-mail address")
            found.append(f"{name} <{address}>" if name else address)
    return found


def bare(address: str) -> str:
    """The address without a display name, as the SMTP envelope wants it."""
    return parseaddr(address)[1]


def one_line(text: str) -> str:
    """A header value from subscribed text: line breaks become spaces (they would end the header)."""
    return " ".join(text.split())


def attach(message: EmailMessage, paths: list[Path]) -> None:
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ActivityError(f"attachment not found: {path}") from None
        except OSError as exc:
            raise ActivityError(f"attachment {path} cannot be read: {exc.strerror or exc}") from None
        kind, encoding = mimetypes.guess_type(path.name)
        maintype, subtype = (kind if kind and not encoding else "application/octet-stream").split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)


def build(sender: str, to: list[str], cc: list[str], subject: str, body: str,
          body_type: Literal["text", "html"], importance: Importance, files: list[Path]) -> EmailMessage:
    """The message as it is sent; Bcc never appears in it (only in the envelope)."""
    message = EmailMessage()
    message["From"] = sender
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = one_line(subject)
    message["Date"] = formatdate(localtime=True)
    domain = bare(sender).rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    for header, value in IMPORTANCE_HEADERS[importance].items():
        message[header] = value
    message.set_content(body, subtype="html" if body_type == "html" else "plain")
    attach(message, files)
    return message
