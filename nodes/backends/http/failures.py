"""What went wrong with a web request, in the user's words: an answer with a status nobody expected, or
no answer at all (refused, timed out, a certificate nobody trusts). Nothing here ever shows a request's
headers: they may hold the password or the token."""

from __future__ import annotations

import os
import ssl

import httpx

EXCERPT_CHARS = 200  # of an answer's body, quoted in a message


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a body on one line (blanks folded), cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def status_text(response: httpx.Response) -> str:
    """'503 Service Unavailable: <start of the body>', or where a redirect points."""
    status = f"{response.status_code} {response.reason_phrase}".rstrip()
    if response.is_redirect:
        return f"{status} to {response.headers.get('location', '(no Location)')}"
    body = excerpt(response.text) if response.content else ""
    return f"{status}: {body}" if body else status


def transport_reason(exc: httpx.HTTPError, timeout_s: float) -> str:
    """Why a request got no answer: the innermost cause in the system's words ("Connection refused",
    "Name or service not known", the certificate problem), not httpx's wrapper text."""
    if isinstance(exc, httpx.TimeoutException):
        phase = {httpx.ConnectTimeout: "to connect", httpx.PoolTimeout: "for a free connection"}
        return f"no answer within {timeout_s:g} s ({phase.get(type(exc), 'to answer')}; timeout_s)"
    cause = _innermost(exc)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (f"TLS certificate not trusted: {cause.verify_message} (give the CA that signed it with "
                f"ca_file on the connection, or set verify = false)")
    if isinstance(cause, ssl.SSLError):  # its errno is OpenSSL's, not the system's
        hint = " (the server does not speak TLS there: is it http://?)" \
            if cause.reason == "WRONG_VERSION_NUMBER" else ""
        return f"TLS error: {cause.reason or cause}{hint}"
    if isinstance(cause, OSError) and (cause.strerror or (cause.errno or 0) > 0):
        # asyncio's strerror is "Connect call failed (address)": the errno says it in the system's words.
        words = os.strerror(cause.errno) if cause.errno and cause.errno > 0 else cause.strerror
        return f"cannot connect: {words} (is the URL right and the service up?)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP exchange: {exc}"
    return str(cause) or str(exc) or type(exc).__name__


def _innermost(exc: BaseException) -> BaseException:
    cause = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    return cause
