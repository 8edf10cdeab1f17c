"""A service's state as every service back-end reports it (Windows services over WinRM, systemd units
over SSH or on this machine), and what a back-end must do for Get Service Status and Start/Stop Service.

Statuses are normalised to one vocabulary (and the back-end's own words are kept in raw_status), so a
link condition `status equals running` reads the same for a Windows service and a systemd unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol

from .common import Place

Status = Literal["running", "stopped", "starting", "stopping", "paused", "unknown"]
StartType = Literal["auto", "manual", "disabled", "boot", "system", "unknown"]
Action = Literal["start", "stop", "restart"]


@dataclass(frozen=True)
class ServiceState:
    service: str  # the service's (unit's) name as the host knows it
    display_name: str
    status: Status
    raw_status: str  # the host's own words: "StartPending", "active (running)", ...
    start_type: StartType
    raw_start_type: str  # "Auto (Delayed Start)", "enabled", "static", ...
    computer: str
    # Changes each time the service is started anew, where the host tells (systemd's InvocationID): a
    # restart is done when it has changed, and a start that ended stopped with a new one has failed.
    generation: str = field(default="", compare=False)

    def row(self) -> dict[str, Any]:
        """The published fields."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "generation"}


class ServiceManager(Protocol):
    """The services of one host."""

    place: Place
    # True when the host restarts a service in one request (systemctl restart); otherwise Start/Stop
    # Service stops, waits until stopped, then starts.
    native_restart: bool

    async def status(self, service: str) -> ServiceState:
        """The service's state now; ActivityError (naming the service and where) when there is none."""

    async def request(self, service: str, action: Action) -> None:
        """Ask the host to start, stop or restart the service, without waiting for it to get there."""
