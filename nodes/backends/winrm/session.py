"""Running one PowerShell script on a WinRM server with pywinrm, within bounded time.

Each run opens a shell, starts powershell.exe with the script, collects its output and closes the
shell, even when something failed on the way. Nothing waits without a bound: the TCP connection gets
connect_timeout_s, each HTTP answer read_timeout_s, and the whole script command_timeout_s (pywinrm's
own loop would wait for output forever, so the receiving is done here).
"""

from __future__ import annotations

import contextlib
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import requests
from winrm.exceptions import WinRMError, WinRMOperationTimeoutError, WinRMTransportError
from winrm.protocol import Protocol

from .errors import WinRmUnavailable, describe, scrub
from .options import WinRmSettings
from .script import POWERSHELL, Completed, command_line

_UTF8 = 65001  # the shell's code page: stderr (CLIXML) keeps its non-ASCII letters

# What the WinRM exchange can raise; pywinrm's parsing of a malformed answer ends in StopIteration.
_EXCHANGE_ERRORS = (WinRMError, WinRMTransportError, WinRMOperationTimeoutError, requests.RequestException,
                    OSError, ET.ParseError, StopIteration)


class WinRmSession:
    """Runs scripts on one server; safe to use from several threads at once (a run shares nothing)."""

    def __init__(self, settings: WinRmSettings) -> None:
        self.settings = settings

    def run_powershell(self, script: str, timeout_s: float | None = None) -> Completed:
        """The script's output; WinRmUnavailable (a complete sentence) when the exchange failed.
        timeout_s: the longest this script may run, when shorter than command_timeout_s."""
        args = command_line(script)
        try:
            return self._run(args, timeout_s)
        except _EXCHANGE_ERRORS as exc:
            raise WinRmUnavailable(scrub(describe(exc, self.settings), self.settings.password)) from None

    def _protocol(self) -> Protocol:
        s = self.settings
        protocol = Protocol(
            s.endpoint, transport=s.transport, username=s.username, password=s.password,
            server_cert_validation=s.server_cert_validation, ca_trust_path=s.ca_trust_path,  # type: ignore[arg-type]
            read_timeout_sec=s.read_timeout_s, operation_timeout_sec=s.operation_timeout_s,
            proxy=None)  # straight to the server: no proxy from the environment
        # pywinrm gives requests one number for connecting and reading; a (connect, read) pair makes an
        # unreachable host fail after connect_timeout_s instead of read_timeout_s.
        protocol.transport.read_timeout_sec = (s.connect_timeout_s, s.read_timeout_s)  # type: ignore[assignment]
        return protocol

    def _run(self, args: list[str], timeout_s: float | None = None) -> Completed:
        protocol = self._protocol()
        limit = min(timeout_s or self.settings.command_timeout_s, self.settings.command_timeout_s)
        deadline = time.monotonic() + limit
        shell = protocol.open_shell(noprofile=True, codepage=_UTF8)
        try:
            command = protocol.run_command(shell, POWERSHELL, args, skip_cmd_shell=True)
            try:
                return self._receive(protocol, shell, command, deadline, limit)
            finally:
                _quietly(protocol.cleanup_command, shell, command)
        finally:
            _quietly(protocol.close_shell, shell)

    def _receive(self, protocol: Protocol, shell: str, command: str, deadline: float,
                 limit: float) -> Completed:
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        while True:
            try:
                out, err, code, done = protocol.get_command_output_raw(shell, command)
            except WinRMOperationTimeoutError:  # nothing new within operation_timeout_s: still running
                out, err, code, done = b"", b"", -1, False
            stdout.append(out)
            stderr.append(err)
            if done:
                return Completed(b"".join(stdout), b"".join(stderr), code)
            if time.monotonic() >= deadline:
                raise WinRmUnavailable(
                    f"the script did not finish within {_limit_text(limit, self.settings.command_timeout_s)} "
                    f"on {self.settings.address}; Interlock asked "
                    f"WinRM to end it, but what it started may still complete there")


def _limit_text(limit: float, command_timeout_s: int) -> str:
    if limit < command_timeout_s:
        return f"timeout_s ({limit:g} s)"
    return f"command_timeout_s ({command_timeout_s} s)"


def _quietly(call: Callable[..., Any], *args: Any) -> None:
    """Tidying up (end the command, close the shell) must not hide the outcome or the first error; a
    shell left behind is ended by the server's idle timeout."""
    with contextlib.suppress(*_EXCHANGE_ERRORS, AssertionError):
        call(*args)
