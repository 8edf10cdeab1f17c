"""Windows services and the event log on the project's loopback WS-Management endpoint: the fake
PowerShell of tests/nodes/winrm, taught the scripts of the system pack.

Like the rest of that fake it reads the script it is sent and evaluates nothing: it checks the script
finds the service by exact comparison with $in.service (Get-Service without -Name, which would take
wildcards), that a change is the branch of `if ($in.action -eq '...') { $svc.Method() }` chosen by the
data, that New-EventLog runs only under a SourceExists check, and that every Write-EventLog parameter is
bound to an input. Its answers carry ServiceController's and Win32_Service's property values; failures
carry the messages Windows gives.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "winrm"))
from winrm_fake_server import FakeWinRm, serve
from winrm_fake_shell import (
    CmdletFailed,
    FakePowerShell,
    FakeState,
    Invocation,
    Problem,
    ScriptError,
    SystemFake,
)
from winrm_support import PASSWORD_ENV, connection

__all__ = ["PASSWORD_ENV", "FakeService", "WindowsHost", "connection", "serve_windows"]

_BRANCH = re.compile(r"if \(\$in\.action -eq '(\w+)'\) \{ \$svc\.(Start|Stop)\(\) \}")
_PENDING = {"StartPending": "Running", "StopPending": "Stopped"}


@dataclass
class FakeService:
    name: str
    display_name: str
    status: str = "Stopped"  # ServiceController.Status
    start_mode: str = "Manual"  # Win32_Service.StartMode
    delayed: bool = False
    polls: int = 0  # status reads a start or stop stays pending for
    pending: int = 0


@dataclass
class FakeEntry:
    log: str
    source: str
    entry_type: str
    event_id: int
    message: str


@dataclass
class WindowsHost:
    services: list[FakeService] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=lambda: {"Interlock": "Application"})  # source -> log
    admin: bool = True  # the account may register event sources
    entries: list[FakeEntry] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (Start | Stop, service)


class WindowsPowerShell(FakePowerShell):
    def __init__(self, state: FakeState, host: WindowsHost) -> None:
        super().__init__(state)
        self.host = host

    def _dispatch(self, inv: Invocation) -> Any:
        if inv.uses("Write-EventLog"):
            inv.flavour, inv.operation = "eventlog", "write"
            return self._write_event(SystemFake(self, inv))
        if inv.uses("Get-Service"):
            inv.flavour = "services"
            return self._service(SystemFake(self, inv))
        return super()._dispatch(inv)

    def _write_event(self, fake: SystemFake) -> dict[str, Any]:
        host = self.host
        fake.require("Write-EventLog", "LogName", "Source", "EntryType", "EventId", "Message")
        values = {p: fake.bound("Write-EventLog", p) for p in ("LogName", "Source", "EntryType", "EventId",
                                                               "Message")}
        source, log = str(values["Source"]), str(values["LogName"])
        if source not in host.sources:
            if "[System.Diagnostics.EventLog]::SourceExists($in.source)" not in fake.inv.script:
                raise ScriptError("New-EventLog is not guarded by SourceExists")
            if not fake.inv.uses("New-EventLog"):
                raise CmdletFailed("Write-EventLog", f'The source name "{source}" does not exist on computer '
                                                     f'"localhost".')
            if fake.bound("New-EventLog", "Source") != source:
                raise ScriptError("New-EventLog registers another source")
            if not host.admin:
                raise CmdletFailed("", "The source was not found, but some or all event logs could not be "
                                       "searched.  Inaccessible logs: Security.")
            host.sources[source] = str(fake.bound("New-EventLog", "LogName"))
        if host.sources[source] != log:
            raise CmdletFailed("Write-EventLog", f"The source '{source}' is not registered in log '{log}'.")
        if values["EntryType"] not in ("Information", "Warning", "Error"):
            raise CmdletFailed("Write-EventLog", f"Cannot bind parameter 'EntryType'. Cannot convert value "
                                                 f"\"{values['EntryType']}\".")
        host.entries.append(FakeEntry(log, source, str(values["EntryType"]), int(values["EventId"]),
                                      str(values["Message"])))
        return {"computer": self.state.computer_name}

    def _service(self, fake: SystemFake) -> dict[str, Any]:
        inv = fake.inv
        if inv.call("Get-Service").params:
            raise ScriptError(f"Get-Service with parameters (wildcards): {inv.call('Get-Service').params}")
        for prop in ("Name", "DisplayName"):
            if f"$_.{prop} -eq $in.service" not in inv.script:
                raise ScriptError(f"the service is not found by $_.{prop} -eq $in.service")
        wanted = str(fake.input("service")).lower()
        found = [s for s in self.host.services if s.name.lower() == wanted] or \
            [s for s in self.host.services if s.display_name.lower() == wanted]
        if len(found) != 1:
            raise Problem("service", count=len(found))
        service = found[0]
        self._settle(service)
        branches = dict(_BRANCH.findall(inv.script))
        if branches:
            inv.operation = "request"
            method = branches.get(str(fake.input("action")))
            if method is None:
                raise ScriptError(f"no branch for action {fake.input('action')!r}")
            self._call(service, method)
            return {"name": service.name}
        inv.operation = "status"
        fake.require("Get-CimInstance", "ClassName")
        if inv.call("Get-CimInstance").param("ClassName") != "Win32_Service":
            raise ScriptError("Get-CimInstance of another class")
        return {"name": service.name, "display_name": service.display_name, "status": service.status,
                "start_mode": service.start_mode, "delayed": service.delayed,
                "computer": self.state.computer_name}

    @staticmethod
    def _settle(service: FakeService) -> None:
        """A pending start or stop gets there after `polls` reads."""
        if service.status in _PENDING:
            service.pending -= 1
            if service.pending < 0:
                service.status = _PENDING[service.status]

    def _call(self, service: FakeService, method: str) -> None:
        # ServiceController.Start()/Stop() throw these (wrapped by PowerShell's method call) when refused.
        if method == "Start" and service.start_mode == "Disabled":
            raise CmdletFailed("", f'Exception calling "Start" with "0" argument(s): "Cannot start service '
                                   f"{service.name} on computer '.'.\"")
        if (method == "Start") != (service.status == "Stopped"):
            raise CmdletFailed("", f'Exception calling "{method}" with "0" argument(s): "Cannot '
                                   f"{method.lower()} {service.name} service on computer '.'.\"")
        self.host.requests.append((method, service.name))
        service.status = "StartPending" if method == "Start" else "StopPending"
        service.pending = service.polls
        if not service.polls:
            service.status = _PENDING[service.status]


@contextmanager
def serve_windows(services: Iterable[FakeService] = (),
                  **host: Any) -> Iterator[tuple[FakeWinRm, WindowsHost]]:
    """The loopback endpoint with a Windows host of these services (serve's checks apply on leaving)."""
    windows = WindowsHost(services=list(services), **host)
    with serve(FakeState()) as fake:
        fake.shell = WindowsPowerShell(fake.state, windows)
        yield fake, windows
