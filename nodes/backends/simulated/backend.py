"""The `simulated` back-end: a VM manager and a monitoring system over a lab file (DESIGN §4.1).

It keeps the rules of a real host (starting a Running VM is an error, a Paused VM cannot shut down its
guest, ...), waits each operation's latency × time_scale, and fails where the lab injects a fault.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from nodes.backends.interface import (
    STARTABLE,
    STOP_FROM,
    STOP_TO,
    BackendError,
    CheckpointRecord,
    MaintenanceRecord,
    MaintenanceSystem,
    StopMode,
    VmManager,
    VmRecord,
    iso_utc,
    refusal,
    utc_now,
)

from .lab import Lab, LabCheckpoint, LabFileError, LabVm, LabWindow, Operation, store_for

T = TypeVar("T")

_OPERATION_WORDS = {"get": "get VM", "start": "start VM", "stop": "stop VM", "checkpoint": "new checkpoint",
                    "get_checkpoint": "get checkpoints", "restore": "restore checkpoint",
                    "remove": "remove checkpoint", "start_maintenance": "start maintenance",
                    "stop_maintenance": "stop maintenance"}


def vm_record(vm: LabVm) -> VmRecord:
    props = {int(k): v for k, v in vm.custom_properties.items() if k.isdigit() and 1 <= int(k) <= 10}
    return VmRecord(vm_id=vm.id, vm_name=vm.name, status=vm.status, raw_status=vm.status, host=vm.host,
                    custom_properties=props)


def checkpoint_record(vm: LabVm, checkpoint: LabCheckpoint) -> CheckpointRecord:
    return CheckpointRecord(checkpoint_id=checkpoint.id, checkpoint_name=checkpoint.name,
                            description=checkpoint.description, vm_id=vm.id, vm_name=vm.name,
                            created_at=checkpoint.created_at, vm_status=checkpoint.vm_status)


def window_record(window: LabWindow) -> MaintenanceRecord:
    return MaintenanceRecord(object=window.object, reason=window.reason, comment=window.comment,
                             start_time=window.start, end_time=window.end)


class SimulatedBackend(VmManager, MaintenanceSystem):
    def __init__(self, connection: str, lab_path: Path) -> None:
        self.connection = connection
        self.store = store_for(lab_path)

    @property
    def lab_path(self) -> Path:
        return self.store.path

    # -- plumbing ------------------------------------------------------------------------------------

    def _error(self, operation: Operation, message: str, target: str | None = None) -> BackendError:
        return BackendError(self.connection, _OPERATION_WORDS[operation], message, target=target)

    async def _lab(self, operation: Operation) -> Lab:
        try:
            return await self.store.snapshot()
        except LabFileError as exc:
            raise self._error(operation, str(exc)) from None

    async def _wait(self, operation: Operation) -> None:
        try:
            latency, time_scale = await self.store.settings()
        except LabFileError as exc:
            raise self._error(operation, str(exc)) from None
        delay = latency.of(operation) * time_scale
        if delay > 0:
            await asyncio.sleep(delay)

    async def _change(self, operation: Operation, target: str | None, mutate: Callable[[Lab], T]) -> T:
        """Wait the operation's latency, then apply it to the lab; mutate consumes any injected fault
        for what it finds."""
        await self._wait(operation)
        try:
            return await self.store.change(mutate)
        except LabFileError as exc:
            raise self._error(operation, str(exc), target) from None

    def _consume_fault(self, lab: Lab, operation: Operation, target: str | None, *names: str) -> None:
        """Raise the injected fault for this operation on any of these names (the VM's name and id, or
        the object), if there is one left; `target` is what the caller asked for, for the message."""
        fault = lab.fault(operation, *names)
        if fault is None:
            return
        if fault.times is not None:
            fault.times -= 1  # written back with the lab, so a fault for one time fires once
        raise self._error(operation, fault.error, target)

    def _find_vm(self, lab: Lab, vm: str, operation: Operation) -> LabVm:
        by_id = lab.vm_by_id(vm)
        if by_id is not None:
            return by_id
        named = lab.vms_named(vm)
        if len(named) == 1:
            return named[0]
        if named:
            raise self._error(operation, f"{len(named)} VMs are named {vm!r}: give the VM's id", vm)
        raise self._error(operation, f"no VM with id or name {vm!r} in the lab ({self.lab_path})", vm)

    def _find_checkpoint(self, lab: Lab, checkpoint_id: str,
                         operation: Operation) -> tuple[LabVm, LabCheckpoint]:
        for vm in lab.vms:
            for checkpoint in vm.checkpoints:
                if checkpoint.id == checkpoint_id:
                    return vm, checkpoint
        raise self._error(operation, f"no checkpoint with id {checkpoint_id!r} in the lab", checkpoint_id)

    # -- VM manager ----------------------------------------------------------------------------------

    async def list_vms(self) -> list[VmRecord]:
        await self._wait("get")
        lab = await self._lab("get")
        if lab.fault("get") is not None:  # a fault on listing names no VM
            await self.store.change(lambda current: self._consume_fault(current, "get", None))
        return [vm_record(vm) for vm in lab.vms]

    async def get_vm(self, vm: str) -> VmRecord:
        await self._wait("get")
        lab = await self._lab("get")
        found = self._find_vm(lab, vm, "get")
        if lab.fault("get", found.name, found.id) is not None:
            await self.store.change(lambda current: self._consume_fault(current, "get", vm, found.id,
                                                                        found.name))
        return vm_record(found)

    async def start_vm(self, vm: str) -> VmRecord:
        def start(found: LabVm) -> VmRecord:
            if found.status not in STARTABLE:
                raise self._error("start", refusal("start", found.name, found.status), found.name)
            found.status = "Running"
            return vm_record(found)
        return await self._change_vm("start", vm, start)

    async def stop_vm(self, vm: str, mode: StopMode = "shutdown") -> VmRecord:
        def stop(found: LabVm) -> VmRecord:
            if found.status not in STOP_FROM[mode]:
                raise self._error("stop", refusal("stop", found.name, found.status, mode=mode), found.name)
            found.status = STOP_TO[mode]  # type: ignore[assignment]
            return vm_record(found)
        return await self._change_vm("stop", vm, stop)

    async def new_checkpoint(self, vm: str, name: str, description: str = "") -> CheckpointRecord:
        def checkpoint(found: LabVm) -> CheckpointRecord:
            if found.status in ("Starting", "Stopping"):
                raise self._error("checkpoint", f"VM {found.name} is {found.status}: wait until it "
                                                f"settles", found.name)
            taken = LabCheckpoint(id=str(uuid.uuid4()), name=name or f"{found.name} {iso_utc(utc_now())}",
                                  description=description, created_at=iso_utc(utc_now()),
                                  vm_status=found.status)
            found.checkpoints.append(taken)
            return checkpoint_record(found, taken)
        return await self._change_vm("checkpoint", vm, checkpoint)

    async def list_checkpoints(self, vm: str) -> list[CheckpointRecord]:
        await self._wait("get_checkpoint")
        lab = await self._lab("get_checkpoint")
        found = self._find_vm(lab, vm, "get_checkpoint")
        if lab.fault("get_checkpoint", found.name, found.id) is not None:
            await self.store.change(lambda current: self._consume_fault(
                current, "get_checkpoint", vm, found.id, found.name))
        return [checkpoint_record(found, checkpoint) for checkpoint in found.checkpoints]

    async def restore_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        def restore(lab: Lab) -> CheckpointRecord:
            vm, checkpoint = self._find_checkpoint(lab, checkpoint_id, "restore")
            self._consume_fault(lab, "restore", checkpoint_id, vm.name, vm.id)
            vm.status = checkpoint.vm_status  # the VM returns to the state it was in
            return checkpoint_record(vm, checkpoint)
        return await self._change("restore", checkpoint_id, restore)

    async def remove_checkpoint(self, checkpoint_id: str) -> CheckpointRecord:
        def remove(lab: Lab) -> CheckpointRecord:
            vm, checkpoint = self._find_checkpoint(lab, checkpoint_id, "remove")
            self._consume_fault(lab, "remove", checkpoint_id, vm.name, vm.id)
            vm.checkpoints.remove(checkpoint)
            return checkpoint_record(vm, checkpoint)
        return await self._change("remove", checkpoint_id, remove)

    async def _change_vm(self, operation: Operation, vm: str, mutate: Callable[[LabVm], T]) -> T:
        """A VM operation on the VM found by id or name; a fault may name it either way, and messages
        name it by its name."""
        def apply(lab: Lab) -> T:
            found = self._find_vm(lab, vm, operation)
            self._consume_fault(lab, operation, found.name, found.name, found.id)
            return mutate(found)
        return await self._change(operation, vm, apply)

    # -- monitoring ----------------------------------------------------------------------------------

    def _object_name(self, lab: Lab, obj: str, operation: Operation) -> str:
        """Monitored objects are the lab's VMs and hosts (by name, case-insensitive, as SCOM's display
        names)."""
        name = lab.object_named(obj)
        if name is not None:
            return name
        raise self._error(operation, f"no monitored object named {obj!r} in the lab (objects are the "
                                     f"VMs and hosts of {self.lab_path})", obj)

    @staticmethod
    def _active(lab: Lab, name: str, at: datetime) -> LabWindow | None:
        moment = iso_utc(at)
        for window in reversed(lab.maintenance):
            if window.object == name and window.start <= moment < window.end:
                return window
        return None

    async def start_maintenance(self, obj: str, reason: str, duration_min: int,
                                comment: str) -> MaintenanceRecord:
        def start(lab: Lab) -> MaintenanceRecord:
            name = self._object_name(lab, obj, "start_maintenance")
            self._consume_fault(lab, "start_maintenance", obj, name)
            begin = utc_now()
            active = self._active(lab, name, begin)
            if active is not None:
                raise self._error("start_maintenance", f"{name} is already in maintenance until "
                                                       f"{active.end}", obj)
            window = LabWindow(object=name, reason=reason, comment=comment, start=iso_utc(begin),
                               end=iso_utc(begin + timedelta(minutes=duration_min)))
            lab.maintenance.append(window)
            return window_record(window)
        return await self._change("start_maintenance", obj, start)

    async def stop_maintenance(self, obj: str) -> MaintenanceRecord:
        def stop(lab: Lab) -> MaintenanceRecord:
            name = self._object_name(lab, obj, "stop_maintenance")
            self._consume_fault(lab, "stop_maintenance", obj, name)
            end = utc_now()
            active = self._active(lab, name, end)
            if active is None:
                raise self._error("stop_maintenance", f"{name} is not in maintenance", obj)
            active.end = iso_utc(end)
            return window_record(active)
        return await self._change("stop_maintenance", obj, stop)
