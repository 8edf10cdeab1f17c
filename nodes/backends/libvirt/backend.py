"""The `libvirt` back-end: domains as VMs, domain snapshots as checkpoints (DESIGN §4).

A VM is addressed by its domain's UUID (what Get VM publishes as vm_id) or by its name. The rules of
the simulated back-end hold: starting a running domain or stopping a shut-off one is an error, and a
paused guest cannot shut down. Each operation runs its libvirt calls in one worker-thread call, bounded
per connection by max_sessions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_delay, wait_exponential

from nodes.backends.blocking import BlockingCalls
from nodes.backends.interface import (
    STARTABLE,
    STOP_FROM,
    BackendError,
    CheckpointRecord,
    StopMode,
    VmManager,
    VmRecord,
    refusal,
)

from . import states
from .metadata import NAMESPACE, parse_properties
from .safexml import XmlProblem
from .session import Session, error_text
from .snapshots import SnapshotInfo, free_name, oldest_first, parse_snapshot, request_xml, split_checkpoint_id
from .snapshots import checkpoint_id as make_checkpoint_id

T = TypeVar("T")

# destroy() ends any active domain, whatever state it is in.
_STOP_FROM: dict[str, tuple[str, ...]] = {
    **STOP_FROM, "turn_off": ("Running", "Paused", "Starting", "Stopping", "Unknown")}
_FIRST_POLL_S, _LONGEST_POLL_S = 0.1, 2.0


def _is_uuid(value: str) -> bool:
    """In one of the forms libvirt parses (with or without hyphens)."""
    if len(value) not in (32, 36):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _shut_off(record: VmRecord) -> VmRecord:
    return record.model_copy(update={"status": "Stopped", "raw_status": "shutoff"})


class LibvirtBackend(VmManager):
    def __init__(self, connection: str, session: Session, *, max_sessions: int = 5,
                 shutdown_timeout_s: float = 120.0) -> None:
        self.connection = connection
        self.session = session
        self.calls = BlockingCalls(max_sessions)
        self.shutdown_timeout_s = shutdown_timeout_s

    @property
    def sdk(self) -> Any:
        return self.session.sdk

    # -- plumbing ------------------------------------------------------------------------------------

    def _error(self, operation: str, message: str, target: str | None) -> BackendError:
        return BackendError(self.connection, operation, message, target=target)

    @contextmanager
    def _libvirt_errors(self, operation: str, target: str | None) -> Iterator[None]:
        """libvirt's failures as BackendError with libvirt's own message."""
        try:
            yield
        except self.sdk.libvirtError as exc:
            raise self._error(operation, f"libvirt: {error_text(exc)}", target) from None

    async def _call(self, operation: str, target: str | None, work: Callable[[Any], T]) -> T:
        """work(connection) in a worker thread, on the back-end's connection."""
        def run() -> T:
            try:
                connection = self.session.connection()
            except self.sdk.libvirtError as exc:
                raise self._error(operation, f"cannot connect to {self.session.uri}: {error_text(exc)}",
                                  target) from None
            with self._libvirt_errors(operation, target):
                return work(connection)
        return await self.calls.run(run)

    def _missing(self, exc: Exception, code: str) -> bool:
        get = getattr(exc, "get_error_code", None)
        return callable(get) and get() == getattr(self.sdk, code)

    def _find(self, connection: Any, vm: str, operation: str) -> Any:
        """The domain with this UUID or, failing that, this name."""
        lookups = (connection.lookupByUUIDString, connection.lookupByName) if _is_uuid(vm) \
            else (connection.lookupByName,)
        for lookup in lookups:
            try:
                return lookup(vm)
            except self.sdk.libvirtError as exc:
                if not self._missing(exc, "VIR_ERR_NO_DOMAIN"):
                    raise
        raise self._error(operation, f"no domain with UUID or name {vm!r} on {self.session.uri}", vm)

    def _record(self, domain: Any, operation: str) -> VmRecord:
        name = domain.name()
        state, reason = domain.state()
        saved = state == states.SHUTOFF and domain.hasManagedSaveImage(0) == 1
        try:
            text = domain.metadata(self.sdk.VIR_DOMAIN_METADATA_ELEMENT, NAMESPACE, 0)
        except self.sdk.libvirtError as exc:
            if not self._missing(exc, "VIR_ERR_NO_DOMAIN_METADATA"):
                raise
            text = None  # no Interlock metadata: no custom properties
        try:
            properties = parse_properties(text) if text else {}
        except XmlProblem as problem:
            raise self._error(operation, f"domain {name}: its Interlock metadata ({NAMESPACE}) is not "
                                         f"valid: {problem}", name) from None
        return VmRecord(vm_id=domain.UUIDString(), vm_name=name, raw_status=states.word(state),
                        status=states.status_of(state, reason, saved), host=self.session.hostname,
                        custom_properties=properties)

    def _snapshot(self, domain: Any, snapshot: Any, operation: str) -> SnapshotInfo:
        try:
            return parse_snapshot(snapshot.getXMLDesc(0))
        except XmlProblem as problem:
            raise self._error(operation, f"domain {domain.name()}: a snapshot's XML cannot be read: "
                                         f"{problem}", domain.name()) from None

    def _record_after_stop(self, domain: Any, before: VmRecord) -> VmRecord:
        try:
            return self._record(domain, "stop VM")
        except self.sdk.libvirtError as exc:
            if self._missing(exc, "VIR_ERR_NO_DOMAIN"):
                return _shut_off(before)  # a transient domain is gone once it is off
            raise

    @staticmethod
    def _checkpoint(domain: Any, info: SnapshotInfo) -> CheckpointRecord:
        domain_uuid = domain.UUIDString()
        return CheckpointRecord(checkpoint_id=make_checkpoint_id(domain_uuid, info.name),
                                checkpoint_name=info.name, description=info.description, vm_id=domain_uuid,
                                vm_name=domain.name(), created_at=info.created_at, vm_status=info.vm_status)

    # -- VM manager ----------------------------------------------------------------------------------

    async def probe(self) -> str:
        """`interlock connections test`: what the connection reaches."""
        def work(connection: Any) -> str:
            version = connection.getLibVersion()
            count = len(connection.listAllDomains(0))
            noun = "domain" if count == 1 else "domains"
            return (f"{count} {noun} visible on {self.session.hostname} (libvirt {version // 1_000_000}."
                    f"{version // 1000 % 1000}.{version % 1000}, {self.session.uri})")
        return await self._call("list domains", None, work)

    async def list_vms(self) -> list[VmRecord]:
        def work(connection: Any) -> list[VmRecord]:
            records = []
            for domain in connection.listAllDomains(0):
                try:
                    records.append(self._record(domain, "get VM"))
                except self.sdk.libvirtError as exc:
                    if not self._missing(exc, "VIR_ERR_NO_DOMAIN"):
                        raise  # else a transient domain went away while listing: it is not there
            return sorted(records, key=lambda r: r.vm_name)
        return await self._call("get VM", None, work)

    async def get_vm(self, vm: str) -> VmRecord:
        return await self._call("get VM", vm, lambda c: self._record(self._find(c, vm, "get VM"), "get VM"))

    async def start_vm(self, vm: str) -> VmRecord:
        operation = "start VM"

        def work(connection: Any) -> VmRecord:
            domain = self._find(connection, vm, operation)
            before = self._record(domain, operation)
            name = before.vm_name
            if before.status not in STARTABLE:
                raise self._error(operation, refusal("start", name, before.status, before.raw_status), name)
            with self._libvirt_errors(operation, name):
                if before.status == "Paused":
                    domain.resume()
                else:
                    domain.create()  # restores a managed-save image when there is one
            return self._record(domain, operation)
        return await self._call(operation, vm, work)

    async def stop_vm(self, vm: str, mode: StopMode = "shutdown") -> VmRecord:
        operation = "stop VM"

        def work(connection: Any) -> VmRecord:
            domain = self._find(connection, vm, operation)
            before = self._record(domain, operation)
            name = before.vm_name
            if before.status not in _STOP_FROM[mode]:
                raise self._error(operation, refusal("stop", name, before.status, before.raw_status, mode),
                                  name)
            with self._libvirt_errors(operation, name):
                if mode == "turn_off":
                    domain.destroy()
                elif mode == "save":
                    domain.managedSave(0)
                else:
                    domain.shutdown()
            return self._record_after_stop(domain, before)
        after = await self._call(operation, vm, work)
        if mode == "shutdown" and after.raw_status != "shutoff":
            return await self._wait_shut_off(after)
        return after

    async def _wait_shut_off(self, shutting: VmRecord) -> VmRecord:
        """Poll until the guest has shut the domain off (a shutdown request only asks the guest), up
        to shutdown_timeout_s. The slot of max_sessions is free between polls."""
        operation, name = "stop VM", shutting.vm_name

        def poll(connection: Any) -> VmRecord:
            try:
                domain = connection.lookupByUUIDString(shutting.vm_id)
            except self.sdk.libvirtError as exc:
                if self._missing(exc, "VIR_ERR_NO_DOMAIN"):
                    return _shut_off(shutting)
                raise
            return self._record_after_stop(domain, shutting)

        def gave_up(state: RetryCallState) -> VmRecord:
            current = state.outcome.result() if state.outcome else shutting
            raise self._error(operation, f"VM {name} did not shut off within {self.shutdown_timeout_s:g} s "
                                         f"of the shutdown request (it is {current.raw_status}): its guest "
                                         f"may ignore the power button; use mode turn_off, or raise "
                                         f"shutdown_timeout_s", name)

        polling = AsyncRetrying(
            retry=retry_if_result(lambda record: record.raw_status != "shutoff"),
            wait=wait_exponential(multiplier=_FIRST_POLL_S, exp_base=1.5, max=_LONGEST_POLL_S),
            stop=stop_after_delay(self.shutdown_timeout_s),
            retry_error_callback=gave_up,
        )
        return await polling(self._call, operation, name, poll)

    async def new_checkpoint(self, vm: str, name: str, description: str = "") -> CheckpointRecord:
        operation = "new checkpoint"

        def work(connection: Any) -> CheckpointRecord:
            domain = self._find(connection, vm, operation)
            with self._libvirt_errors(operation, domain.name()):
                unique = free_name(name, set(domain.snapshotListNames(0)))
                snapshot = domain.snapshotCreateXML(request_xml(unique, description), 0)
                return self._checkpoint(domain, self._snapshot(domain, snapshot, operation))
        return await self._call(operation, vm, work)

    async def list_checkpoints(self, vm: str) -> list[CheckpointRecord]:
        operation = "get checkpoints"

        def work(connection: Any) -> list[CheckpointRecord]:
            domain = self._find(connection, vm, operation)
            with self._libvirt_errors(operation, domain.name()):
                infos = [self._snapshot(domain, s, operation) for s in domain.listAllSnapshots(0)]
                return [self._checkpoint(domain, info) for info in oldest_first(infos)]
        return await self._call(operation, vm, work)

    async def restore_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        return await self._on_snapshot("restore checkpoint", checkpoint_id,
                                       lambda domain, snapshot: domain.revertToSnapshot(snapshot, 0))

    async def remove_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        return await self._on_snapshot("remove checkpoint", checkpoint_id,
                                       lambda _domain, snapshot: snapshot.delete(0))

    async def _on_snapshot(self, operation: str, checkpoint: str,
                           act: Callable[[Any, Any], object]) -> CheckpointRecord:
        """Find the checkpoint's snapshot, describe it, then act on it."""
        parts = split_checkpoint_id(checkpoint)
        if parts is None:
            raise self._error(operation, f"{checkpoint!r} is not a libvirt checkpoint id (DOMAIN-UUID/"
                                         f"SNAPSHOT-NAME, as New VM Checkpoint publishes it)", checkpoint)
        vm, snapshot_name = parts

        def work(connection: Any) -> CheckpointRecord:
            domain = self._find(connection, vm, operation)
            try:
                snapshot = domain.snapshotLookupByName(snapshot_name, 0)
            except self.sdk.libvirtError as exc:
                if not self._missing(exc, "VIR_ERR_NO_DOMAIN_SNAPSHOT"):
                    raise
                raise self._error(operation, f"VM {domain.name()} has no checkpoint named {snapshot_name!r}",
                                  checkpoint) from None
            record = self._checkpoint(domain, self._snapshot(domain, snapshot, operation))
            act(domain, snapshot)
            return record
        return await self._call(operation, checkpoint, work)
