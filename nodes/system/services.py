"""Get Service Status and Start/Stop Service: Windows services over a `winrm` connection, systemd units
over an `ssh` connection, or systemd units on this machine when no connection is given."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from nodes.backends.ssh import SshClient
from nodes.backends.winrm.host import WinRmHost

from .common import COLOR, CONNECTION, Place
from .local import local_runner, this_computer
from .servicestate import Action, ServiceManager
from .systemd import SystemdServices
from .waiting import change_service
from .windows import WindowsServices

SERVICE = Field(min_length=1, title="Service",
                description="The service's name (Windows: its name or display name; systemd: the unit, "
                            "e.g. nginx or nginx.service)")


def services_of(context: RunContext, connection: str, doing: str) -> ServiceManager:
    """The services of the connection's host, or of this machine (systemd) when connection is empty."""
    if not connection:
        return SystemdServices(local_runner("systemctl", doing), Place("", this_computer()))
    backend = context.connection(connection)
    if isinstance(backend, WinRmHost):
        return WindowsServices(backend)
    if isinstance(backend, SshClient):
        async def run(argv: list[str]) -> Any:
            return await backend.run(argv, operation=doing)
        return SystemdServices(run, Place(connection, backend.settings.host))
    raise ActivityError(f'connection "{connection}" cannot {doing}: its kind does not support it (choose a '
                        f"winrm connection for a Windows host or an ssh connection for a systemd host)")


class ServiceStatus(BaseModel):
    service: str = Field(title="Service", description="The service's name on the host (systemd: the unit)")
    display_name: str = Field(title="Display name", description="Its display name (systemd: Description)")
    status: str = Field(title="Status", description="running, stopped, starting, stopping, paused or unknown")
    raw_status: str = Field(title="Raw status", description='The host\'s own words ("StartPending", '
                                                            '"active (running)")')
    start_type: str = Field(title="Start type", description="auto, manual, disabled, boot, system or unknown")
    raw_start_type: str = Field(title="Raw start type", description='The host\'s own words ("Auto (Delayed '
                                                                    'Start)", "enabled", "static")')
    computer: str = Field(title="Computer", description="The host the service runs on")


class GetServiceStatusProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = SERVICE
    connection: str = CONNECTION


class GetServiceStatus(ActivityType):
    type_name = "system.get_service_status"
    display_name = "Get Service Status"
    description = ("Publishes a service's status and start type: a Windows service (winrm connection), a "
                   "systemd unit (ssh connection, or this machine).")
    icon = "service"
    color = COLOR
    Properties = GetServiceStatusProperties
    Published = ServiceStatus
    subject_field = "service"

    async def run(self, properties: GetServiceStatusProperties, context: RunContext) -> dict[str, Any]:
        manager = services_of(context, properties.connection, "get service status")
        return (await manager.status(properties.service)).row()


class StartStopServiceProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = SERVICE
    action: Action = Field("start", title="Action", description="start, stop or restart")
    connection: str = CONNECTION
    wait: bool = Field(True, title="Wait for completion",
                       description="Wait until the service is running (start, restart) or stopped (stop)")
    timeout_s: float = Field(60, gt=0, le=3600, title="Timeout (s)",
                             description="The longest wait for the service to get there; then the instance "
                                         "fails")


class ServiceChanged(ServiceStatus):
    action: str = Field(title="Action", description="start, stop or restart")
    changed: bool = Field(title="Changed", description="false when the service was already in the "
                                                       "requested state (nothing was asked of the host)")


class StartStopService(ActivityType):
    type_name = "system.start_stop_service"
    display_name = "Start/Stop Service"
    description = ("Starts, stops or restarts a Windows service (winrm connection) or a systemd unit (ssh "
                   "connection, or this machine), waiting until it gets there; publishes its final state.")
    icon = "service_control"
    color = COLOR
    Properties = StartStopServiceProperties
    Published = ServiceChanged
    subject_field = "service"

    async def run(self, properties: StartStopServiceProperties, context: RunContext) -> dict[str, Any]:
        p = properties
        manager = services_of(context, p.connection, f"{p.action} services")
        state, changed = await change_service(manager, p.service, p.action, wait=p.wait,
                                              timeout_s=p.timeout_s)
        return {**state.row(), "action": p.action, "changed": changed}
