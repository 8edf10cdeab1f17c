"""Hosts for the system pack's tests: a real sshd whose sessions find the stand-in systemctl first on
PATH (a "systemd host"), and runs of small chains with its connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import systemctl_standin
from chains import run_chain
from servers.sshd import SshServer, running_sshd

from engine import JobResult
from engine.config.settings import Config, Connection


@dataclass
class SystemdHost:
    server: SshServer
    bin_dir: Path  # the stand-in systemctl, its units.json and calls.jsonl

    def units(self, **units: dict[str, Any]) -> None:
        """Start the test with these units (by full name) and no calls recorded."""
        (self.bin_dir / "calls.jsonl").unlink(missing_ok=True)
        systemctl_standin.install(self.bin_dir.parent, units)

    def state(self, unit: str) -> tuple[str, str]:
        found = systemctl_standin.read_units(self.bin_dir)[unit]
        return found["active"], found["sub"]

    def calls(self) -> list[list[str]]:
        return systemctl_standin.calls(self.bin_dir)

    def connection(self, **overrides: Any) -> Connection:
        return Connection(kind="ssh", **self.server.connection_keys(**overrides))

    def config(self, **overrides: Any) -> Config:
        return Config(connections={"web01": self.connection(**overrides)})


@contextmanager
def running_systemd_host(folder: Path) -> Iterator[SystemdHost]:
    """A real sshd (folder/sshd) whose sessions run the stand-in systemctl of folder/bin."""
    bin_dir = systemctl_standin.install(folder, {})
    # sshd sets PATH for the session; the user's shell start-up may put its own folders first, none of
    # which holds a systemctl.
    with running_sshd(folder / "sshd", extra_config=f"SetEnv PATH={bin_dir}:/usr/bin:/bin\n") as server:
        yield SystemdHost(server, bin_dir)


async def run_on(host_config: Config, folder: Path, *activities: dict[str, Any]) -> JobResult:
    return await run_chain(folder, *activities, config=host_config)


def error_of(result: JobResult, activity_id: str) -> str:
    found = result.activity(activity_id)
    assert found is not None and found.instances, result
    return found.instances[0].error or ""
