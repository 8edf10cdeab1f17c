"""What a back-end must do, for the vmm and monitoring packs (DESIGN §4, §4.2).

A VM manager lists VMs, starts and stops them and manages their checkpoints; a monitoring system puts
objects into maintenance and takes them out. Every operation is async (a back-end on a blocking SDK
runs it in a worker thread) and returns records whose fields are the published data of the matching
activity. A failure raises BackendError, whose message names the connection, the operation and the VM
or object, so the instance's error reads well on its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from engine.activity import RunContext
from engine.errors import ActivityError

B = TypeVar("B")

VmStatus = Literal["Running", "Stopped", "Paused", "Saved", "Starting", "Stopping", "Unknown"]
VM_STATUSES: tuple[str, ...] = ("Running", "Stopped", "Paused", "Saved", "Starting", "Stopping", "Unknown")
StopMode = Literal["shutdown", "turn_off", "save"]
# The rules of a real host, which every VM back-end keeps: which statuses a start or each stop mode
# accepts (starting a Running VM is an error; a Paused guest cannot shut down), and where a stop ends.
STARTABLE: tuple[VmStatus, ...] = ("Stopped", "Saved", "Paused")
STOP_FROM: dict[str, tuple[VmStatus, ...]] = {"shutdown": ("Running",), "turn_off": ("Running", "Paused"),
                                              "save": ("Running", "Paused")}
STOP_TO: dict[str, VmStatus] = {"shutdown": "Stopped", "turn_off": "Stopped", "save": "Saved"}
CUSTOM_PROPERTIES = range(1, 11)  # custom_property_1 .. custom_property_10, as SCVMM has them


def refusal(action: Literal["start", "stop"], name: str, status: str, raw: str = "",
            mode: str | None = None) -> str:
    """Why a host refuses to start or stop a VM in this status, worded the same for every back-end
    (`raw` is the back-end's own word, shown when it differs)."""
    shown = f"{status} ({raw})" if raw and raw != status else status
    if action == "start" and status == "Running":
        return f"VM {name} is already Running"
    if action == "stop" and status in ("Stopped", "Saved"):
        return f"VM {name} is already {shown}"
    if action == "stop" and status == "Paused" and mode == "shutdown":
        return f"VM {name} is Paused: its guest cannot shut down (use turn_off or save)"
    verb = "started" if action == "start" else "stopped"
    if status in ("Starting", "Stopping"):
        return f"VM {name} is {shown}: it cannot be {verb} until it settles"
    return f"VM {name} is {shown}: it cannot be {verb}"

# The reasons SCOM accepts for maintenance mode (Start-SCOMMaintenanceMode -Reason).
MaintenanceReason = Literal[
    "PlannedOther", "UnplannedOther", "PlannedHardwareMaintenance", "UnplannedHardwareMaintenance",
    "PlannedHardwareInstallation", "UnplannedHardwareInstallation",
    "PlannedOperatingSystemReconfiguration", "UnplannedOperatingSystemReconfiguration",
    "PlannedApplicationMaintenance", "ApplicationInstallation",
    "ApplicationUnresponsive", "ApplicationUnstable", "SecurityIssue", "LossOfNetworkConnectivity",
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """The timestamp form every record uses: ISO 8601 in UTC, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class BackendError(ActivityError):
    """An operation a back-end could not do; the message is complete for the user."""

    def __init__(self, connection: str, operation: str, message: str, *, target: str | None = None) -> None:
        self.connection = connection
        self.operation = operation
        self.target = target
        on = f" {target}" if target else ""
        super().__init__(f'{operation}{on} on connection "{connection}": {message}')


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def row(self) -> dict[str, Any]:
        """The published row of this record (its fields are plain text: a copy of them is the row,
        several times cheaper than model_dump, once per VM per operation)."""
        return dict(self.__dict__)


class VmRecord(_Record):
    vm_id: str
    vm_name: str
    status: VmStatus
    raw_status: str  # the back-end's own word for it (SCVMM "PowerOff", libvirt "shutoff", ...)
    host: str = ""
    custom_properties: dict[int, str] = {}

    def row(self) -> dict[str, Any]:
        # Built by hand: called once per VM per operation, and model_dump is several times slower.
        row: dict[str, Any] = {"vm_id": self.vm_id, "vm_name": self.vm_name, "status": self.status,
                               "raw_status": self.raw_status, "host": self.host}
        props = self.custom_properties
        if props:
            row.update(zip(_CUSTOM_FIELDS, map(props.get, CUSTOM_PROPERTIES, _EMPTY), strict=True))
        else:
            row.update(_NO_CUSTOM)
        return row


_CUSTOM_FIELDS: tuple[str, ...] = tuple(f"custom_property_{n}" for n in CUSTOM_PROPERTIES)
_EMPTY = ("",) * len(CUSTOM_PROPERTIES)
_NO_CUSTOM = dict.fromkeys(_CUSTOM_FIELDS, "")
VM_FIELDS: tuple[str, ...] = ("vm_id", "vm_name", "status", "raw_status", "host", *_CUSTOM_FIELDS)


class CheckpointRecord(_Record):
    checkpoint_id: str
    checkpoint_name: str
    description: str = ""
    vm_id: str
    vm_name: str
    created_at: str  # ISO 8601, UTC
    vm_status: VmStatus  # the VM's status when the checkpoint was taken


class MaintenanceRecord(_Record):
    object: str
    reason: str = ""
    comment: str = ""
    start_time: str  # ISO 8601, UTC
    end_time: str  # the planned end while active; when it was ended after stop_maintenance


class VmManager(ABC):
    """A system that runs VMs: SCVMM, Hyper-V, libvirt, the simulated lab."""

    connection: str  # the connection's name, for messages

    @abstractmethod
    async def list_vms(self) -> list[VmRecord]:
        """Every VM this connection can see."""

    @abstractmethod
    async def get_vm(self, vm: str) -> VmRecord:
        """One VM by id (or by name where the back-end allows it); BackendError when there is none."""

    @abstractmethod
    async def start_vm(self, vm: str) -> VmRecord:
        """Start (or resume) a VM that is not running; the record after the start."""

    @abstractmethod
    async def stop_vm(self, vm: str, mode: StopMode = "shutdown") -> VmRecord:
        """Shut down, turn off or save a running VM; the record after the stop."""

    @abstractmethod
    async def new_checkpoint(self, vm: str, name: str, description: str = "") -> CheckpointRecord:
        """Take a checkpoint; records the VM's status at that moment."""

    @abstractmethod
    async def list_checkpoints(self, vm: str) -> list[CheckpointRecord]:
        """A VM's checkpoints, oldest first."""

    @abstractmethod
    async def restore_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        """Return the VM to a checkpoint."""

    @abstractmethod
    async def remove_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        """Delete a checkpoint; the record of what was removed."""


class MaintenanceSystem(ABC):
    """A monitoring system that can silence an object: SCOM, Alertmanager, the simulated lab."""

    connection: str

    @abstractmethod
    async def start_maintenance(self, obj: str, reason: str, duration_min: int,
                                comment: str) -> MaintenanceRecord:
        """Put an object into maintenance for duration_min minutes."""

    @abstractmethod
    async def stop_maintenance(self, obj: str) -> MaintenanceRecord:
        """End an object's active maintenance; the window as it was ended."""


def backend_for(context: RunContext, connection: str, interface: type[B], ability: str) -> B:
    """The connection's back-end, checked to be able to do what the activity needs."""
    backend = context.connection(connection)
    if not isinstance(backend, interface):
        raise ActivityError(f'connection "{connection}" cannot {ability}: its kind does not support it '
                            f"(choose a connection of a kind that does)")
    return backend


async def probe(backend: object) -> str:
    """The live test of `interlock connections test` for any back-end: a VM manager lists its VMs; a
    back-end with its own `probe()` (a monitoring system's version or status call) says more."""
    own = getattr(backend, "probe", None)
    if callable(own):
        return await own()
    if isinstance(backend, VmManager):
        vms = await backend.list_vms()
        return f"{len(vms)} VMs visible"
    return "opened"
