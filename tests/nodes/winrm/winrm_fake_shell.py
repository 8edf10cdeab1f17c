"""A fake PowerShell for the WinRM back-ends' tests: it reads the script it is sent, records which
cmdlets it calls with which parameters, and carries out the operation on an in-memory SCVMM, Hyper-V
host and SCOM management group.

It is honest about what it reads: the operation is chosen by the cmdlets the script calls (found by
parsing it: the body, and the helper functions the body calls), the stop mode by the switch on the stop
cmdlet, the target server by the value bound to -ComputerName; the values come only from the script's
base64 data block; it evaluates nothing (no eval). What it answers is shaped like the scripts' rows, with
the cmdlets' property names. Where a script does something the fake does not expect (a cmdlet without
-VMMServer, an input never referenced), it records a script error that the test fixture fails on.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import winrm_fake_script

SCOM_REASONS = {
    "PlannedOther", "UnplannedOther", "PlannedHardwareMaintenance", "UnplannedHardwareMaintenance",
    "PlannedHardwareInstallation", "UnplannedHardwareInstallation", "PlannedOperatingSystemReconfiguration",
    "UnplannedOperatingSystemReconfiguration", "PlannedApplicationMaintenance", "ApplicationInstallation",
    "ApplicationUnresponsive", "ApplicationUnstable", "SecurityIssue", "LossOfNetworkConnectivity"}


def now() -> datetime:
    return datetime.now(UTC)


def ps_time(moment: datetime | None) -> str:
    """What Format-Utc sends: ToString('o') of a UTC DateTime (7 digits of fraction, Z)."""
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


# -- the in-memory systems ------------------------------------------------------------------------------

@dataclass
class FakeCheckpoint:
    name: str
    description: str = ""
    vm_status: str = ""  # the raw state the VM was in (a fake's memory; SCVMM and Hyper-V keep none)
    created: datetime = field(default_factory=now)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class FakeVm:
    name: str
    status: str  # the system's own word: PowerOff, Off, Running, ...
    host: str = "hv01.contoso.local"
    custom: dict[str, str] = field(default_factory=dict)  # SCVMM CustomProperty values by name
    legacy: dict[int, str] | None = None  # SCVMM's old Custom1..Custom10 properties, when the VM has them
    notes: str = ""  # Hyper-V
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    checkpoints: list[FakeCheckpoint] = field(default_factory=list)


@dataclass
class FakeWindow:
    reason: str
    comments: str
    start: datetime
    scheduled_end: datetime
    end: datetime | None = None


@dataclass
class FakeObject:
    display_name: str
    class_name: str = "Microsoft.Windows.Computer"
    windows: list[FakeWindow] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.class_name}:{self.display_name}"

    def active(self) -> FakeWindow | None:
        moment = now()
        for window in self.windows:
            if window.end is None and window.scheduled_end > moment:
                return window
        return None


@dataclass
class Fault:
    """The next call of `cmdlet` on `target` (a VM's or object's name; None: any) fails with `message`."""

    cmdlet: str
    message: str
    target: str | None = None
    times: int = 1


@dataclass
class FakeState:
    scvmm: list[FakeVm] = field(default_factory=list)
    hyperv: list[FakeVm] = field(default_factory=list)
    objects: list[FakeObject] = field(default_factory=list)
    classes: set[str] = field(default_factory=lambda: {"Microsoft.Windows.Computer",
                                                       "Microsoft.SQLServer.DBEngine"})
    vmm_servers: set[str] = field(default_factory=lambda: {"localhost"})
    hyperv_hosts: set[str] = field(default_factory=lambda: {"localhost"})
    management_servers: set[str] = field(default_factory=lambda: {"localhost"})
    management_group: str = "CONTOSO-MG"
    computer_name: str = "WIN01"  # a plain Windows host's name (the winrm kind)
    faults: list[Fault] = field(default_factory=list)
    # What changed, in order: (cmdlet, VM or object, detail) — what a test asserts the order on.
    events: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)


# -- reading a script -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputRef:
    """`$in.field` in the script: the value comes from the data block."""

    field: str


@dataclass
class Call:
    cmdlet: str
    params: dict[str, Any]  # -Name -> InputRef, a token's text, or True for a switch
    args: list[Any]  # positional arguments

    def has(self, *names: str) -> bool:
        return all(name.lower() in (p.lower() for p in self.params) for name in names)

    def param(self, name: str) -> Any:
        for key, value in self.params.items():
            if key.lower() == name.lower():
                return value
        return None


_CMDLET = re.compile(r"(?<![\w$.\-'\"\[])([A-Z][A-Za-z]+-[A-Z][A-Za-z]+)(?![\w-])")
_FUNCTION = re.compile(r"function\s+([A-Za-z]+-[A-Za-z]+)\s*\(([^)]*)\)\s*\{")
_INPUT = re.compile(r"^\(?(?:\[\w+\])*\$in\.(\w+)\)?$")
_DATA = re.compile(r"FromBase64String\('([A-Za-z0-9+/=]*)'\)")
_ENCODED = re.compile(r"-encodedcommand\s+([A-Za-z0-9+/=]+)", re.IGNORECASE)


def decode_command_line(command_line: str) -> str:
    found = _ENCODED.search(command_line)
    if found is None:
        raise ValueError(f"no -EncodedCommand in {command_line[:80]!r}")
    return base64.b64decode(found.group(1)).decode("utf-16-le")


def _block_end(text: str, start: int) -> int:
    """Index just past the brace that closes the block opened before `start` (quotes skipped)."""
    depth, i = 1, start
    while i < len(text):
        char = text[i]
        if char in "'\"":
            i = text.index(char, i + 1)
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced braces in the script")


def _statement(text: str, start: int) -> str:
    """The rest of the statement from `start`: up to a newline, ';', '|', or an unbalanced ')' or '}'."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char in "'\"":
            i = text.index(char, i + 1)
        elif char in "({":
            depth += 1
        elif char in ")}":
            if depth == 0:
                break
            depth -= 1
        elif char in "\n;|" and depth == 0:
            break
        i += 1
    return text[start:i]


def _tokens(text: str) -> list[str]:
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
            continue
        j = i
        if char in "'\"":
            j = text.index(char, i + 1) + 1
        elif char in "(@{":
            depth = 0
            while j < len(text):
                if text[j] in "({":
                    depth += 1
                elif text[j] in ")}":
                    depth -= 1
                    if depth == 0:
                        j += 1
                        break
                j += 1
        else:
            while j < len(text) and not text[j].isspace():
                j += 1
        tokens.append(text[i:j])
        i = j
    return tokens


def _value(token: str) -> Any:
    found = _INPUT.match(token)
    if found:
        return InputRef(found.group(1))
    if len(token) >= 2 and token[0] == token[-1] == "'":
        return token[1:-1]
    return token


def parse_calls(text: str) -> list[Call]:
    calls = []
    for match in _CMDLET.finditer(text):
        if text[max(0, match.start() - 9):match.start()].strip() == "function":
            continue
        params: dict[str, Any] = {}
        args: list[Any] = []
        pending: str | None = None
        for token in _tokens(_statement(text, match.end())):
            if re.fullmatch(r"-[A-Za-z]+(:\S+)?", token):
                if pending:
                    params[pending] = True
                name, _, bound = token[1:].partition(":")
                if bound:
                    params[name], pending = bound, None
                else:
                    pending = name
            elif pending:
                params[pending], pending = _value(token), None
            else:
                args.append(_value(token))
        if pending:
            params[pending] = True
        calls.append(Call(match.group(1), params, args))
    return calls


@dataclass
class Invocation:
    """One script the fake ran: its text, its data, the calls it makes, what it answered."""

    script: str
    inputs: dict[str, Any]
    calls: list[Call]
    flavour: str = ""
    operation: str = ""
    answer: dict[str, Any] | None = None
    exit_code: int = 0

    def uses(self, cmdlet: str) -> bool:
        return any(c.cmdlet.lower() == cmdlet.lower() for c in self.calls)

    def call(self, cmdlet: str) -> Call:
        return next(c for c in self.calls if c.cmdlet.lower() == cmdlet.lower())

    def all(self, cmdlet: str) -> list[Call]:
        return [c for c in self.calls if c.cmdlet.lower() == cmdlet.lower()]


def read_script(script: str) -> Invocation:
    data = _DATA.findall(script)
    if len(data) != 1:
        raise ScriptError(f"expected one base64 data block, found {len(data)}")
    inputs = json.loads(base64.b64decode(data[0]).decode("utf-8"))
    functions: dict[str, str] = {}
    body = script
    for match in list(_FUNCTION.finditer(script)):
        end = _block_end(script, match.end())
        functions[match.group(1).lower()] = script[match.end():end - 1]
    try_at = script.index("\ntry {")
    body = script[try_at + len("\ntry {"):_block_end(script, try_at + len("\ntry {"))]
    calls: list[Call] = []
    seen: set[str] = set()

    def collect(text: str) -> None:
        for call in parse_calls(text):
            calls.append(call)
            name = call.cmdlet.lower()
            if name in functions and name not in seen:  # the helpers this script really uses
                seen.add(name)
                collect(functions[name])
    collect(body)
    return Invocation(script, inputs, calls)


class ScriptError(Exception):
    """The script is not what the back-end should send (a test failure, not a PowerShell error)."""


class CmdletFailed(Exception):
    def __init__(self, cmdlet: str, message: str) -> None:
        super().__init__(message)
        self.cmdlet = cmdlet


class Problem(Exception):
    def __init__(self, kind: str, **details: Any) -> None:
        super().__init__(kind)
        self.details = {"kind": kind, **details}


# -- running a script -----------------------------------------------------------------------------------

class FakePowerShell:
    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.invocations: list[Invocation] = []
        self.script_errors: list[str] = []
        self.crash: tuple[int, str] | None = None  # answer every script with this exit code and stderr

    def run(self, command_line: str) -> tuple[bytes, bytes, int]:
        script = decode_command_line(command_line)
        if self.crash is not None:
            code, message = self.crash
            return b"", clixml_error(message), code
        try:
            invocation = read_script(script)
        except (ScriptError, ValueError) as exc:
            self.script_errors.append(f"unreadable script: {exc}")
            return b"", clixml_error(f"fake: {exc}"), 1
        self.invocations.append(invocation)
        if winrm_fake_script.is_user_script(script):  # Run Script: the user's own script in a wrapper
            invocation.flavour = "script"
            try:
                stdout, invocation.exit_code = winrm_fake_script.run(script, invocation.inputs)
            except winrm_fake_script.Unsupported as exc:
                self.script_errors.append(str(exc))
                return b"", clixml_error(f"fake: {exc}"), 1
            return stdout, b"", invocation.exit_code
        with self.state.lock:
            try:
                invocation.answer, invocation.exit_code = {"ok": self._dispatch(invocation)}, 0
            except Problem as problem:
                invocation.answer, invocation.exit_code = {"problem": problem.details}, 2
            except CmdletFailed as failed:
                invocation.answer = {"error": {"cmdlet": failed.cmdlet, "message": str(failed),
                                               "category": "NotSpecified"}}
                invocation.exit_code = 1
            except ScriptError as exc:
                self.script_errors.append(str(exc))
                return b"", clixml_error(f"fake: {exc}"), 1
        line = "INTERLOCK:" + base64.b64encode(json.dumps(invocation.answer).encode("utf-8")).decode("ascii")
        return (line + "\r\n").encode("utf-8"), b"", invocation.exit_code

    # -- plumbing shared by the three systems --

    def _dispatch(self, inv: Invocation) -> Any:
        if inv.uses("Get-CimInstance"):  # the winrm kind's connection test
            inv.flavour = "host"
            if inv.call("Get-CimInstance").param("ClassName") != "Win32_OperatingSystem":
                raise ScriptError("Get-CimInstance without -ClassName Win32_OperatingSystem")
            return {"computer": self.state.computer_name, "os": "Microsoft Windows Server 2022 Standard",
                    "powershell": "5.1.20348.2849"}
        if inv.uses("Get-SCVMMServer"):
            inv.flavour = "scvmm"
            return ScvmmFake(self, inv).run()
        if inv.uses("New-SCOMManagementGroupConnection"):
            inv.flavour = "scom"
            return ScomFake(self, inv).run()
        if inv.uses("Get-VM"):
            inv.flavour = "hyperv"
            return HypervFake(self, inv).run()
        raise ScriptError("the script calls none of the known systems' cmdlets")


class SystemFake:
    """What the three systems share: inputs read through the script's own references, faults, finding VMs."""

    module = ""

    def __init__(self, shell: FakePowerShell, inv: Invocation) -> None:
        self.shell, self.inv, self.state = shell, inv, shell.state

    def input(self, name: str) -> Any:
        if not re.search(rf"\$in\.{name}\b", self.inv.script):
            raise ScriptError(f"the script never reads $in.{name}")
        if name not in self.inv.inputs:
            raise ScriptError(f"the data block has no {name!r}")
        return self.inv.inputs[name]

    def bound(self, cmdlet: str, param: str) -> Any:
        """The value a cmdlet's parameter gets, which must be an input of the data block."""
        value = self.inv.call(cmdlet).param(param)
        if not isinstance(value, InputRef):
            raise ScriptError(f"{cmdlet} -{param} is not bound to an input ($in.x): {value!r}")
        return self.input(value.field)

    def require(self, cmdlet: str, *params: str) -> Call:
        calls = self.inv.all(cmdlet)
        if not calls:
            raise ScriptError(f"the script does not call {cmdlet}")
        for call in calls:
            if call.has(*params):
                return call
        raise ScriptError(f"{cmdlet} lacks {params}: {[c.params for c in calls]}")

    def import_module(self) -> None:
        self.fault("Import-Module", None)
        call = self.require("Import-Module")
        if [str(a) for a in call.args] != [self.module]:
            raise ScriptError(f"Import-Module {call.args}, expected {self.module}")

    def fault(self, cmdlet: str, target: str | None) -> None:
        for fault in self.state.faults:
            if fault.cmdlet.lower() == cmdlet.lower() and fault.target in (None, target) and fault.times:
                fault.times -= 1
                raise CmdletFailed(cmdlet, fault.message)

    def find_vm(self, vms: list[FakeVm]) -> FakeVm:
        key = str(self.input("vm"))
        found = [vm for vm in vms if vm.id.lower() == key.lower()]
        if not found:
            found = [vm for vm in vms if vm.name.lower() == key.lower()]
        if len(found) != 1:
            raise Problem("vm", count=len(found))
        return found[0]

    def allowed(self, vm: FakeVm) -> None:
        if not self.inv.uses("Assert-Allowed"):
            raise ScriptError("a state-changing script does not check the VM's state first")
        if vm.status.lower() not in (str(s).lower() for s in self.input("allowed")):
            raise Problem("state", status=vm.status, name=vm.name)

    def default_name(self, vm: FakeVm) -> str:
        return str(self.input("name")) or f"{vm.name} {now().strftime('%Y-%m-%dT%H:%M:%S')}"

    def event(self, cmdlet: str, subject: str, detail: str = "") -> None:
        self.state.events.append((cmdlet, subject, detail))

    def checkpoint_of(self, vms: list[FakeVm]) -> tuple[FakeVm, FakeCheckpoint]:
        key = str(self.input("checkpoint")).lower()
        for vm in vms:
            for checkpoint in vm.checkpoints:
                if checkpoint.id.lower() == key:
                    return vm, checkpoint
        raise Problem("checkpoint", count=0)


class VmSystemFake(SystemFake, ABC):
    """SCVMM and Hyper-V: the same operations under each one's cmdlets, named by the subclass."""

    STOP: ClassVar[tuple[str, ...]]  # the stop cmdlet and the parameters it must have
    STOPPED: ClassVar[dict[str, str]]  # stop switch -> the VM's status after it
    START: ClassVar[tuple[str, str]]  # start, resume
    NEW: ClassVar[tuple[str, ...]]  # the checkpoint cmdlet and its required parameters
    RESTORE: ClassVar[str]
    REMOVE: ClassVar[str]
    CHECKPOINT_PARAM: ClassVar[str]  # how restore and remove take the checkpoint
    LIST_CHECKPOINTS: ClassVar[str]

    @abstractmethod
    def connect(self) -> list[FakeVm]:
        """Check the script reaches the right server; the VMs it holds."""

    def new_checkpoint(self, vm: FakeVm) -> FakeCheckpoint:
        return FakeCheckpoint(self.default_name(vm), vm_status=vm.status)

    def checkpoint_lookup(self) -> None:
        """A kind may have to find the checkpoint with a cmdlet of its own first."""

    def list_all(self, vms: list[FakeVm]) -> list[dict[str, Any]]:
        return [self.vm_row(vm) for vm in vms]

    def run(self) -> Any:
        inv = self.inv
        self.import_module()
        vms = self.connect()
        stop, *stop_params = self.STOP
        if inv.uses(stop):
            call = self.require(stop, *stop_params)
            switches = [s for s in self.STOPPED if call.has(s)]
            if len(switches) != 1:
                raise ScriptError(f"{stop} with switches {switches}")
            inv.operation = f"stop {switches[0]}"
            vm = self.find_vm(vms)
            self.allowed(vm)
            self.fault(stop, vm.name)
            vm.status = self.STOPPED[switches[0]]
            self.event(stop, vm.name, f"-{switches[0]}")
            return self.vm_row(vm)
        if inv.uses(self.START[0]):
            return self.start(vms)
        new, *new_params = self.NEW
        if inv.uses(new):
            inv.operation = "checkpoint"
            self.require(new, *new_params)
            vm = self.find_vm(vms)
            self.fault(new, vm.name)
            taken = self.new_checkpoint(vm)
            vm.checkpoints.append(taken)
            self.event(new, vm.name, taken.name)
            return {"checkpoint": self.checkpoint_row(vm, taken), "status": vm.status}
        if inv.uses(self.RESTORE) or inv.uses(self.REMOVE):
            return self.restore_or_remove(vms, restore=inv.uses(self.RESTORE))
        if inv.uses(self.LIST_CHECKPOINTS):
            inv.operation = "checkpoints"
            self.require(self.LIST_CHECKPOINTS, "VM")
            vm = self.find_vm(vms)
            return [self.checkpoint_row(vm, c) for c in vm.checkpoints]
        if inv.uses("Find-Vm"):
            inv.operation = "get"
            return self.vm_row(self.find_vm(vms))
        inv.operation = "list"
        return self.list_all(vms)

    def start(self, vms: list[FakeVm]) -> dict[str, Any]:
        """Start, or resume a Paused VM (the script chooses by the VM's state, as the fake does)."""
        self.inv.operation = "start"
        vm = self.find_vm(vms)
        self.allowed(vm)
        start, resume = self.START
        cmdlet = resume if vm.status == "Paused" else start
        self.require(cmdlet, "VM")
        self.fault(cmdlet, vm.name)
        vm.status = "Running"
        self.event(cmdlet, vm.name)
        return self.vm_row(vm)

    def restore_or_remove(self, vms: list[FakeVm], restore: bool) -> dict[str, Any]:
        cmdlet = self.RESTORE if restore else self.REMOVE
        self.inv.operation = "restore" if restore else "remove"
        self.require(cmdlet, self.CHECKPOINT_PARAM, "Confirm")
        self.checkpoint_lookup()
        vm, checkpoint = self.checkpoint_of(vms)
        self.fault(cmdlet, vm.name)
        row = self.checkpoint_row(vm, checkpoint)
        if restore:
            vm.status = checkpoint.vm_status
        else:
            vm.checkpoints.remove(checkpoint)
        self.event(cmdlet, vm.name, checkpoint.name)
        return row

    @abstractmethod
    def vm_row(self, vm: FakeVm) -> dict[str, Any]:
        """A VM as the kind's Get cmdlet returns it."""

    @abstractmethod
    def checkpoint_row(self, vm: FakeVm, checkpoint: FakeCheckpoint) -> dict[str, Any]:
        """A checkpoint as the kind's cmdlets return it."""


class ScvmmFake(VmSystemFake):
    module = "VirtualMachineManager"
    STOP = ("Stop-SCVirtualMachine", "VM")
    STOPPED: ClassVar[dict[str, str]] = {"Shutdown": "PowerOff", "Force": "PowerOff", "SaveState": "Saved"}
    START = ("Start-SCVirtualMachine", "Resume-SCVirtualMachine")
    NEW = ("New-SCVMCheckpoint", "VM", "Name", "Description")
    RESTORE, REMOVE = "Restore-SCVMCheckpoint", "Remove-SCVMCheckpoint"
    CHECKPOINT_PARAM = "VMCheckpoint"
    LIST_CHECKPOINTS = "Get-SCVMCheckpoint"

    def connect(self) -> list[FakeVm]:
        server = self.bound("Get-SCVMMServer", "ComputerName")
        if server not in self.state.vmm_servers:
            raise CmdletFailed("Get-SCVMMServer", f"You cannot contact the VMM management server {server}. "
                                                  f"(Error ID: 1604)")
        for cmdlet in ("Get-SCVirtualMachine", "Get-SCVMCheckpoint"):
            for call in self.inv.all(cmdlet):
                if call.param("VMMServer") != "$vmm":
                    raise ScriptError(f"{cmdlet} without -VMMServer $vmm: {call.params}")
        return self.state.scvmm

    def new_checkpoint(self, vm: FakeVm) -> FakeCheckpoint:
        # SCVMM keeps no status with a checkpoint: the script notes it in the description.
        note = f"(taken by Interlock while the VM was {vm.status})"
        description = "\n".join(part for part in (str(self.input("description")), note) if part)
        return FakeCheckpoint(self.default_name(vm), description, vm.status)

    def checkpoint_lookup(self) -> None:
        self.require("Get-SCVMCheckpoint", "ID")

    def list_all(self, vms: list[FakeVm]) -> list[dict[str, Any]]:
        self.require("Get-SCVirtualMachine", "All")
        self.fault("Get-SCVirtualMachine", None)
        return super().list_all(vms)

    def vm_row(self, vm: FakeVm) -> dict[str, Any]:
        row: dict[str, Any] = {"ID": vm.id, "Name": vm.name, "Status": vm.status, "HostName": vm.host,
                               "CustomProperty": dict(vm.custom)}
        if vm.legacy is not None:
            for n in range(1, 11):
                row[f"Custom{n}"] = vm.legacy.get(n, "")
        return row

    def checkpoint_row(self, vm: FakeVm, checkpoint: FakeCheckpoint) -> dict[str, Any]:
        return {"ID": checkpoint.id, "Name": checkpoint.name, "Description": checkpoint.description,
                "AddedTime": ps_time(checkpoint.created), "VMId": vm.id, "VM": vm.name}


class HypervFake(VmSystemFake):
    module = "Hyper-V"
    STOP = ("Stop-VM", "VM", "Confirm")
    STOPPED: ClassVar[dict[str, str]] = {"Force": "Off", "TurnOff": "Off", "Save": "Saved"}
    START = ("Start-VM", "Resume-VM")
    NEW = ("Checkpoint-VM", "VM", "SnapshotName", "Passthru")
    RESTORE, REMOVE = "Restore-VMSnapshot", "Remove-VMSnapshot"
    CHECKPOINT_PARAM = "VMSnapshot"
    LIST_CHECKPOINTS = "Get-VMSnapshot"

    def connect(self) -> list[FakeVm]:
        host = self.bound("Get-VM", "ComputerName")
        if host not in self.state.hyperv_hosts:
            raise CmdletFailed("Get-VM", f"Hyper-V was unable to find a virtual machine host named {host}.")
        for call in self.inv.all("Get-VM"):
            if not call.has("ComputerName"):
                raise ScriptError(f"Get-VM without -ComputerName: {call.params}")
        return self.state.hyperv

    def vm_row(self, vm: FakeVm) -> dict[str, Any]:
        return {"Id": vm.id, "Name": vm.name, "State": vm.status, "ComputerName": vm.host, "Notes": vm.notes}

    def checkpoint_row(self, vm: FakeVm, checkpoint: FakeCheckpoint) -> dict[str, Any]:
        return {"Id": checkpoint.id, "Name": checkpoint.name, "VMId": vm.id, "VMName": vm.name,
                "CreationTime": ps_time(checkpoint.created)}


class ScomFake(SystemFake):
    module = "OperationsManager"

    def run(self) -> Any:
        inv = self.inv
        self.import_module()
        server = self.bound("New-SCOMManagementGroupConnection", "ComputerName")
        if server not in self.state.management_servers:
            raise CmdletFailed("New-SCOMManagementGroupConnection",
                               f"The Data Access service is either not running or not yet initialized on "
                               f"{server}.")
        if inv.uses("Get-SCOMManagementGroup"):
            inv.operation = "probe"
            return {"Name": self.state.management_group, "Version": "10.19.10050.0"}
        obj = self.find_object()
        if inv.uses("Start-SCOMMaintenanceMode"):
            inv.operation = "start"
            self.require("Start-SCOMMaintenanceMode", "Instance", "EndTime", "Reason", "Comment")
            active = obj.active()
            if active is not None:
                raise Problem("in_maintenance", end=ps_time(active.scheduled_end))
            reason = self.bound("Start-SCOMMaintenanceMode", "Reason")
            if reason not in SCOM_REASONS:
                raise CmdletFailed("Start-SCOMMaintenanceMode", f"Cannot bind parameter 'Reason'. Cannot "
                                                                f"convert value \"{reason}\".")
            self.fault("Start-SCOMMaintenanceMode", obj.display_name)
            begin = now()
            window = FakeWindow(reason, str(self.input("comment")), begin,
                                begin + timedelta(minutes=int(self.input("duration_min"))))
            obj.windows.append(window)
            self.event("Start-SCOMMaintenanceMode", obj.display_name, reason)
            return self.window_row(obj, window)
        if inv.uses("Set-SCOMMaintenanceMode"):
            inv.operation = "stop"
            self.require("Set-SCOMMaintenanceMode", "MaintenanceModeEntry", "EndTime")
            self.require("Get-SCOMMaintenanceMode", "Instance")
            window = obj.active()
            if window is None:
                raise Problem("not_in_maintenance")
            self.fault("Set-SCOMMaintenanceMode", obj.display_name)
            window.end = now()
            self.event("Set-SCOMMaintenanceMode", obj.display_name, "end")
            return self.window_row(obj, window)
        raise ScriptError("a SCOM script that neither starts nor ends maintenance")

    def find_object(self) -> FakeObject:
        if not self.inv.uses("Find-Object"):
            raise ScriptError("the SCOM script does not look the object up")
        name = str(self.input("object"))
        candidates = self.state.objects
        object_class = self.input("object_class")
        if object_class:
            self.require("Get-SCOMClass", "Name")
            if object_class not in self.state.classes:
                raise Problem("class")
            candidates = [o for o in candidates if o.class_name == object_class]
        else:
            self.require("Get-SCOMClassInstance", "DisplayName")
        found = [o for o in candidates if o.display_name.lower() == name.lower()]
        if not found:
            found = [o for o in candidates if o.display_name.lower().startswith(name.lower() + ".")]
        if len(found) != 1:
            raise Problem("object", count=len(found),
                          candidates=[f"{o.display_name} ({o.full_name})" for o in found[:5]])
        return found[0]

    @staticmethod
    def window_row(obj: FakeObject, window: FakeWindow) -> dict[str, Any]:
        return {"DisplayName": obj.display_name, "Reason": window.reason, "Comments": window.comments,
                "StartTime": ps_time(window.start), "ScheduledEndTime": ps_time(window.scheduled_end),
                "EndTime": ps_time(window.end)}


def clixml_error(message: str) -> bytes:
    """stderr as powershell.exe writes it under WinRM."""
    escaped = (message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .replace("\n", "_x000D__x000A_"))
    return ("#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
            f"<S S=\"Error\">{escaped}_x000D__x000A_</S></Objs>").encode()
