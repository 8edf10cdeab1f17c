"""Syslog messages (RFC 3164 or RFC 5424) sent to this machine's syslog socket or to a syslog server.

An address is `unix:///dev/log` (the default: the local syslog daemon or journald's socket, a datagram
socket as glibc's syslog() uses) or `udp://HOST[:PORT]` (a remote or relay syslog server, port 514 by
default). RFC 3164 (the BSD format glibc writes, which every local daemon and journald parse) is the
default; RFC 5424 carries a full timestamp, the host name and the event id as MSGID.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

Severity = Literal["information", "warning", "error"]
SyslogFormat = Literal["rfc3164", "rfc5424"]
Facility = Literal["user", "daemon", "auth", "local0", "local1", "local2", "local3", "local4", "local5",
                   "local6", "local7"]

DEFAULT_ADDRESS = "unix:///dev/log"
SEND_TIMEOUT_S = 5
# RFC 5424 §6.2.1 severities; facilities by their codes.
SEVERITY_CODE: dict[str, int] = {"error": 3, "warning": 4, "information": 6}
FACILITY_CODE: dict[str, int] = {"user": 1, "daemon": 3, "auth": 4,
                                 **{f"local{n}": 16 + n for n in range(8)}}
_BOM = "\ufeff"


class SyslogError(Exception):
    """The message could not be sent; the text says why, for the activity's error."""


@dataclass(frozen=True)
class Address:
    transport: Literal["unix", "udp"]
    target: str | tuple[str, int]  # a socket path, or (host, port)

    def __str__(self) -> str:
        if isinstance(self.target, str):
            return f"unix://{self.target}"
        host, port = self.target
        return f"udp://{host}:{port}"


def parse_address(text: str) -> Address:
    """unix:///path or udp://host[:port]; SyslogError for anything else."""
    parts = urlsplit(text.strip() or DEFAULT_ADDRESS)
    if parts.scheme == "unix" and parts.path and not parts.netloc:
        return Address("unix", parts.path)
    if parts.scheme == "udp" and parts.hostname:
        try:
            port = parts.port or 514
        except ValueError:
            raise SyslogError(f"{text!r} has no valid port") from None
        return Address("udp", (parts.hostname, port))
    raise SyslogError(f"{text!r} is not a syslog address: use unix:///dev/log or udp://HOST:PORT")


def check_tag(tag: str) -> str:
    """A syslog tag (APP-NAME): 1-48 printable ASCII characters, no space, ':' or '['."""
    if not (0 < len(tag) <= 48) or any(not ("!" <= c <= "~") or c in ":[]" for c in tag):
        raise SyslogError(f"source {tag!r} cannot be a syslog tag: use 1 to 48 printable ASCII characters "
                          f"without spaces, ':' or brackets")
    return tag


def pri(facility: str, severity: str) -> int:
    return FACILITY_CODE[facility] * 8 + SEVERITY_CODE[severity]


def format_message(message: str, *, tag: str, severity: Severity, facility: Facility, style: SyslogFormat,
                   event_id: int, moment: datetime, hostname: str | None, pid: int) -> bytes:
    """One syslog message. hostname None leaves it out of an RFC 3164 header, as glibc does for the
    local socket (the daemon adds its own)."""
    head = f"<{pri(facility, severity)}>"
    if style == "rfc5424":
        stamp = moment.astimezone().isoformat(timespec="microseconds")
        host = hostname or socket.gethostname() or "-"
        return f"{head}1 {stamp} {host} {tag} {pid} {event_id} - {_BOM}{message}".encode()
    local = moment.astimezone()
    stamp = f"{local:%b} {local.day:2d} {local:%H:%M:%S}"
    host = f" {hostname}" if hostname else ""
    return f"{head}{stamp}{host} {tag}[{pid}]: {message}".encode()


def send(data: bytes, address: Address) -> None:
    """Send one datagram; SyslogError naming the address when nothing takes it."""
    try:
        if isinstance(address.target, str):
            _send_unix(data, address.target)
        else:
            family = socket.AF_INET6 if ":" in address.target[0] else socket.AF_INET
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.settimeout(SEND_TIMEOUT_S)
                sock.sendto(data, address.target)
    except FileNotFoundError:
        raise SyslogError(f"no syslog socket at {address.target} (is a syslog daemon or journald running? "
                          f"or set address to a syslog server, udp://HOST:PORT)") from None
    except ConnectionRefusedError:
        raise SyslogError(f"nothing listens on {address} (is the syslog daemon running?)") from None
    except TimeoutError:
        raise SyslogError(f"{address} took no message within {SEND_TIMEOUT_S} s") from None
    except socket.gaierror as exc:
        raise SyslogError(f"host name in {address} not found ({exc.strerror})") from None
    except OSError as exc:
        raise SyslogError(f"cannot send to {address}: {exc.strerror or exc}") from None


def _send_unix(data: bytes, path: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.settimeout(SEND_TIMEOUT_S)
        try:
            sock.connect(path)
        except OSError as exc:
            if exc.errno != errno.EPROTOTYPE:
                raise
        else:
            sock.send(data)
            return
    # A stream socket (some syslog daemons listen so): one message, NUL-terminated as glibc sends it.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stream:
        stream.settimeout(SEND_TIMEOUT_S)
        stream.connect(path)
        stream.sendall(data + b"\0")
