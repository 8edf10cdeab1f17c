"""The simulated lab file (DESIGN §4.1): its model, and a store that changes it safely.

Every change is written back atomically (engine/atomicfile.py: temp file + rename; the file keeps its
mode) under a file lock, re-reading the file inside the lock, so concurrent runs (threads or processes)
and a crash never leave it half-written or lose a change. Changes that arrive together are committed
together (group commit): each operation still returns only once its own change is on disk, but fifty VMs
stopping at once cost one write, not fifty.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from filelock import FileLock, Timeout
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from engine.atomicfile import write_atomically  # a module global: the benchmarks count the lab's writes
from engine.format.validate import describe_error, key_path
from nodes.backends.interface import VmStatus

T = TypeVar("T")
LOCK_TIMEOUT_S = 30.0
SETTINGS_CHECK_S = 1.0
# Group commit: on a lab with latencies, a commit first waits until no change has arrived for
# GATHER_QUIET_S (at most GATHER_LIMIT_S), so the changes of one wave of instances — fifty stops ending
# within a few milliseconds of each other — go to disk in one write of the whole file instead of two.
# A split wave stays split: its second half starts one commit later, and so on for the rest of the run.
GATHER_QUIET_S = 0.001
GATHER_LIMIT_S = 0.005

Operation = Literal["get", "start", "stop", "checkpoint", "get_checkpoint", "restore", "remove",
                    "start_maintenance", "stop_maintenance"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabCheckpoint(_Strict):
    id: str
    name: str
    description: str = ""
    created_at: str
    vm_status: VmStatus


class LabVm(_Strict):
    id: str
    name: str
    status: VmStatus
    host: str = ""
    custom_properties: dict[str, str] = Field(default_factory=dict)  # "1".."10" -> value
    checkpoints: list[LabCheckpoint] = Field(default_factory=list)


class LabWindow(_Strict):
    object: str
    reason: str = ""
    comment: str = ""
    start: str
    end: str  # the planned end while active; the moment it was ended after a stop


class Latency(_Strict):
    """Seconds per operation before time_scale. restore/remove default to the checkpoint latency."""

    get: float = Field(0.05, ge=0)
    start: float = Field(1.0, ge=0)
    stop: float = Field(1.5, ge=0)
    checkpoint: float = Field(2.0, ge=0)
    maintenance: float = Field(0.3, ge=0)
    restore: float | None = Field(None, ge=0)
    remove: float | None = Field(None, ge=0)

    def of(self, operation: Operation) -> float:
        if operation in ("get", "get_checkpoint"):
            return self.get
        if operation in ("start_maintenance", "stop_maintenance"):
            return self.maintenance
        if operation in ("restore", "remove"):
            value = getattr(self, operation)
            return self.checkpoint if value is None else value
        return float(getattr(self, operation))


class Fault(_Strict):
    """An injected failure: `op` on `vm` (a VM's name or id, or a maintenance object; none = any)
    fails `times` more times (none = every time) with `error`."""

    op: Operation
    vm: str | None = None
    times: int | None = Field(None, ge=0)
    error: str = "injected fault"

    def applies(self, operation: str, targets: tuple[str, ...]) -> bool:
        if self.op != operation or self.times == 0:
            return False
        return self.vm is None or self.vm.casefold() in (t.casefold() for t in targets)


class Lab(_Strict):
    vms: list[LabVm] = Field(default_factory=list)
    maintenance: list[LabWindow] = Field(default_factory=list)
    latency_s: Latency = Field(default_factory=Latency)
    time_scale: float = Field(1.0, ge=0)
    fail: list[Fault] = Field(default_factory=list)

    # Lookups built on first use: operations never add or remove VMs, so they stay valid.
    _by_id: dict[str, LabVm] | None = PrivateAttr(None)
    _by_name: dict[str, list[LabVm]] | None = PrivateAttr(None)
    _objects: dict[str, str] | None = PrivateAttr(None)

    def vm_by_id(self, vm_id: str) -> LabVm | None:
        if self._by_id is None:
            self._by_id = {vm.id: vm for vm in self.vms}
        return self._by_id.get(vm_id)

    def vms_named(self, name: str) -> list[LabVm]:
        if self._by_name is None:
            self._by_name = {}
            for vm in self.vms:
                self._by_name.setdefault(vm.name.casefold(), []).append(vm)
        return self._by_name.get(name.casefold(), [])

    def object_named(self, name: str) -> str | None:
        """A monitored object's own spelling: VMs and hosts, found case-insensitively."""
        if self._objects is None:
            self._objects = {}
            for vm in self.vms:
                self._objects.setdefault(vm.name.casefold(), vm.name)
                if vm.host:
                    self._objects.setdefault(vm.host.casefold(), vm.host)
        return self._objects.get(name.casefold())

    def fault(self, operation: str, *targets: str) -> Fault | None:
        return next((f for f in self.fail if f.applies(operation, targets)), None)


class LabFileError(Exception):
    """The lab file cannot be read, parsed or written; the message names the file and key."""


def parse_lab(text: str, path: Path) -> Lab:
    try:
        return Lab.model_validate_json(text)
    except ValidationError as exc:
        lines = []
        for error in exc.errors()[:5]:
            if error["type"] == "json_invalid":
                lines.append(f"{path}: not valid JSON: {error['msg']}")
            else:
                lines.append(f'{path}: key "{key_path(tuple(error["loc"]))}": {describe_error(error)}')
        raise LabFileError("\n".join(lines)) from None


def dump_lab(lab: Lab) -> str:
    return lab.model_dump_json(indent=2, exclude_none=True) + "\n"


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


Outcome = tuple[bool, Any]  # (succeeded, result or the exception to raise)


class LabStore:
    """Reads and changes one lab file. One store per file per process (see `store_for`).

    Two copies of the lab are kept: a snapshot for readers, never changed once made, and the
    committer's working copy, touched only by the commit thread. Each is trusted only while the file's
    (mtime, size, inode) is the one it was read or written with, so another process's write is seen.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path.with_name(path.name + ".lock")), timeout=LOCK_TIMEOUT_S)
        self._snapshot: tuple[tuple[int, int, int], Lab] | None = None
        # (file key, lab, its text as last written): the text tells whether a commit changed anything
        self._working: tuple[tuple[int, int, int] | None, Lab, str] | None = None
        self._settings: tuple[tuple[int, int, int] | None, Latency, float] | None = None
        self._settings_checked = 0.0
        self._pending: list[tuple[Callable[[Lab], Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    # -- reading -------------------------------------------------------------------------------------

    def _parse_file(self) -> Lab:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise LabFileError(f"{self.path}: lab file not found") from None
        except OSError as exc:
            raise LabFileError(f"{self.path}: cannot read the lab file: {exc.strerror or exc}") from None
        return parse_lab(text, self.path)

    def read(self) -> Lab:
        """The lab as it is on disk now (blocking; cached while the file is unchanged). Callers must
        not change the returned object: changes go through `change`."""
        key = _stat_key(self.path)
        cached = self._snapshot  # one read: the commit thread may replace it meanwhile
        if cached is not None and key is not None and cached[0] == key:
            return cached[1]
        lab = self._parse_file()
        if key is not None:
            self._snapshot = (key, lab)
            self._settings = (key, lab.latency_s, lab.time_scale)
        return lab

    async def snapshot(self) -> Lab:
        cached = self._snapshot
        if cached is not None and cached[0] == _stat_key(self.path):
            return cached[1]
        return await asyncio.to_thread(self.read)

    async def settings(self) -> tuple[Latency, float]:
        """Latencies and time scale, without parsing the lab again after each of our own writes. Asked
        before every operation, so the file is looked at (a stat costs ~70 µs on some file systems)
        at most every SETTINGS_CHECK_S: an edited time_scale is seen within that time."""
        settings = self._settings
        now = time.monotonic()
        if settings is None or (now - self._settings_checked > SETTINGS_CHECK_S
                                and settings[0] != _stat_key(self.path)):
            await self.snapshot()
            settings = self._settings
        self._settings_checked = now
        assert settings is not None
        return settings[1], settings[2]

    # -- changing ------------------------------------------------------------------------------------

    def replace(self, text: str) -> None:
        """Write a whole new lab (checked first), under the lock so no run sees a half-done change."""
        lab = parse_lab(text, self.path)
        with self._lock:
            write_atomically(self.path, dump_lab(lab))
            self._working = None

    async def change(self, mutate: Callable[[Lab], T]) -> T:
        """Apply `mutate` to the current lab and write it back; returns what mutate returns. mutate
        checks before it changes anything, and raises to refuse (what it changed first, such as a
        consumed injected fault, is still written)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((mutate, future))
        if self._committer is None or self._committer.done():
            self._committer = loop.create_task(self._commit_pending())
        return await future

    async def _gather(self) -> None:
        """Let the rest of a wave join the pending changes (an instant lab has no waves: no wait)."""
        if self._settings is not None and self._settings[2] == 0:
            return
        started = last = time.monotonic()
        seen = len(self._pending)
        while True:
            await asyncio.sleep(0)  # one loop turn: the instances that are due run and may add changes
            now = time.monotonic()
            if len(self._pending) != seen:
                seen, last = len(self._pending), now
            if now - last >= GATHER_QUIET_S or now - started >= GATHER_LIMIT_S:
                return

    async def _commit_pending(self) -> None:
        while self._pending:
            await self._gather()
            batch, self._pending = self._pending, []
            try:
                outcomes = await asyncio.to_thread(self._commit, [mutate for mutate, _ in batch])
            except (LabFileError, Timeout, OSError) as exc:
                error = exc if isinstance(exc, LabFileError) else LabFileError(
                    f"{self.path}: cannot write the lab file: {exc}")
                outcomes = [(False, error)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():  # the waiting instance was cancelled; the change stands, as on a host
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _commit(self, mutations: list[Callable[[Lab], Any]]) -> list[Outcome]:
        try:
            self._lock.acquire()
        except Timeout:
            raise LabFileError(f"{self.path}: the lab is locked by another run for more than "
                               f"{LOCK_TIMEOUT_S:.0f} s (lock file {self._lock.lock_file})") from None
        try:
            key = _stat_key(self.path)
            working = self._working
            # Inside the lock: trust our working copy only if nobody wrote the file since we did.
            if working is not None and key is not None and working[0] == key:
                lab, before = working[1], working[2]
            else:
                lab = self._parse_file()
                before = dump_lab(lab)
            self._working = None  # until this commit is on disk
            outcomes: list[Outcome] = []
            for mutate in mutations:
                try:
                    outcomes.append((True, mutate(lab)))
                except Exception as exc:  # the operation's refusal, handed to its caller
                    outcomes.append((False, exc))
            text = dump_lab(lab)
            if text != before:  # refusals alone leave the file as it was
                write_atomically(self.path, text)
                key = _stat_key(self.path)
            self._working = (key, lab, text)
            self._settings = (key, lab.latency_s, lab.time_scale)
            return outcomes
        finally:
            self._lock.release()


_stores: dict[Path, LabStore] = {}


def store_for(path: Path) -> LabStore:
    """The one store of a lab file in this process, so all its changes share one commit queue."""
    path = path.resolve()
    if path not in _stores:
        _stores[path] = LabStore(path)
    return _stores[path]
