"""What went wrong between Interlock and a WinRM server, in words a user can act on.

pywinrm reports failures as requests / urllib3 / pywinrm exceptions whose text is long and technical
("Max retries exceeded with url ..."); these become one short sentence that names the server, and never
the password.
"""

from __future__ import annotations

import re

import requests
import urllib3.exceptions
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)

from .options import WinRmSettings

_ACCESS_DENIED_FAULT = 5  # the Windows error code WinRM puts in its fault for "Access is denied"


class WinRmUnavailable(Exception):
    """The server could not be reached or would not run the script; the message is complete."""


def describe(exc: BaseException, settings: WinRmSettings) -> str:
    """One sentence for a failure of the WinRM exchange with this server."""
    where = settings.address
    if isinstance(exc, InvalidCredentialsError) or (
            isinstance(exc, WSManFaultError) and exc.wsman_fault_code == _ACCESS_DENIED_FAULT):
        return (f"access denied for user {settings.who} on {where} (check username and password_env / "
                f"password_keyring, and that the account may use WinRM there)")
    if isinstance(exc, requests.exceptions.SSLError):
        return (f"the TLS certificate of {where} is not trusted ({_tls_reason(exc)}): set ca_trust_path "
                f"to the certificate of the CA that issued it")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"cannot reach {where} (no connection within {settings.connect_timeout_s:g} s)"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer from {where} within {settings.read_timeout_s} s (read_timeout_s)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"cannot reach {where} ({_connection_reason(exc)}); is its WinRM listener on that port?"
    if isinstance(exc, WSManFaultError):
        return f"WinRM on {where} refused the request: {exc.reason}"
    if isinstance(exc, WinRMTransportError):
        return f"WinRM on {where} answered HTTP {exc.code} ({_http_hint(exc.code)})"
    if isinstance(exc, WinRMOperationTimeoutError):
        return f"WinRM on {where} timed out an operation (operation_timeout_s {settings.operation_timeout_s})"
    if isinstance(exc, WinRMError | requests.exceptions.RequestException):
        return f"WinRM exchange with {where} failed: {_short(exc)}"
    return f"WinRM exchange with {where} failed: {type(exc).__name__}: {_short(exc)}"


def scrub(text: str, secret: str | None) -> str:
    """The text without the secret in it: a last guard, should any library ever echo it."""
    if secret and len(secret) >= 3:
        return text.replace(secret, "***")
    return text


def _connection_reason(exc: requests.exceptions.ConnectionError) -> str:
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the real cause
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "host name not found"
    text = str(reason)
    if "refused" in text.lower():
        return "connection refused"
    if "unreachable" in text.lower():
        return "network unreachable"
    return _short(reason)


def _http_hint(code: int) -> str:
    if code == 500:
        return "the WinRM service failed it; basic auth over http needs AllowUnencrypted on the server"
    if code in (404, 405):
        return "not a WinRM endpoint: check host, port and https"
    return "unexpected for WinRM"


def _tls_reason(exc: requests.exceptions.SSLError) -> str:
    found = re.search(r"certificate verify failed: ([^(')]+)", str(exc))
    return found.group(1).strip() if found else _short(exc)


def _short(exc: object) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."
