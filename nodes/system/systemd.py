"""systemd units through `systemctl`, on a host of an `ssh` connection or on this machine.

Commands are argv lists (quoted by the ssh client, exec'd locally): a unit name is data, checked to be
a unit name (no glob pattern, which systemctl would expand) and put after `--`. A change is asked with
--no-block, so that Start/Stop Service polls `systemctl show` with its own bounded wait instead of
systemctl's unbounded one; --no-ask-password makes a missing permission an error, not a prompt.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from .common import Place
from .servicestate import Action, ServiceState, StartType, Status


class Ran(Protocol):
    """What a command did (nodes.backends.ssh.Completed has this shape)."""

    exit_code: int
    stdout: str
    stderr: str


Runner = Callable[[list[str]], Awaitable[Ran]]

PROPERTIES = ("Id", "Description", "LoadState", "ActiveState", "SubState", "UnitFileState", "InvocationID")
_UNIT_NAME = re.compile(r"[A-Za-z0-9:_.\\@-]{1,255}")

_STATUS: dict[str, Status] = {
    "active": "running", "reloading": "running", "refreshing": "running", "inactive": "stopped",
    "failed": "stopped", "activating": "starting", "deactivating": "stopping"}
# UnitFileState: enabled units start at boot; static and indirect ones only when something pulls them
# in (manual); masked ones cannot start at all.
_START_TYPE: dict[str, StartType] = {
    "enabled": "auto", "enabled-runtime": "auto", "generated": "auto", "alias": "auto",
    "disabled": "manual", "static": "manual", "indirect": "manual", "linked": "manual",
    "linked-runtime": "manual", "transient": "manual", "masked": "disabled", "masked-runtime": "disabled"}


def parse_show(text: str) -> dict[str, str]:
    """`systemctl show`'s KEY=VALUE lines."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def state_of(values: dict[str, str], computer: str) -> ServiceState:
    active, sub = values.get("ActiveState", ""), values.get("SubState", "")
    file_state = values.get("UnitFileState", "")
    return ServiceState(
        service=values.get("Id", ""), display_name=values.get("Description", ""),
        status=_STATUS.get(active, "unknown"), raw_status=f"{active} ({sub})" if sub else active,
        start_type=_START_TYPE.get(file_state, "unknown"), raw_start_type=file_state, computer=computer,
        generation=values.get("InvocationID", ""))


class SystemdServices:
    """The units of one host, through a runner of argv commands (ssh or local)."""

    native_restart = True

    def __init__(self, run: Runner, place: Place) -> None:
        self._run = run
        self.place = place

    async def status(self, service: str) -> ServiceState:
        operation = "get status of service"
        unit = self._unit(operation, service)
        done = await self._run(["systemctl", "show", f"--property={','.join(PROPERTIES)}", "--", unit])
        self._check(done, operation, service)
        values = parse_show(done.stdout)
        if values.get("LoadState") in ("not-found", "") or "ActiveState" not in values:
            raise self.place.error(operation, service, f"systemd has no unit {unit} (LoadState="
                                                       f"{values.get('LoadState') or 'none'})")
        return state_of(values, self.place.computer)

    async def request(self, service: str, action: Action) -> None:
        operation = f"{action} service"
        unit = self._unit(operation, service)
        done = await self._run(["systemctl", "--no-block", "--no-ask-password", action, "--", unit])
        self._check(done, operation, service)

    def _unit(self, operation: str, service: str) -> str:
        if not _UNIT_NAME.fullmatch(service):
            raise self.place.error(operation, repr(service), "not a systemd unit name (letters, digits and "
                                                             ":_.\\@- only; no patterns)")
        return service

    def _check(self, done: Ran, operation: str, service: str) -> None:
        if done.exit_code != 0:
            said = " ".join((done.stderr.strip() or done.stdout.strip() or "no output").split())
            raise self.place.error(operation, service, f"systemctl exited with code {done.exit_code}: {said}")
