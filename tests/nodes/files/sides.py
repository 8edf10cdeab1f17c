"""Where the files tests run their activities: on this machine (no connection) or over SFTP through an
`ssh` connection to a real OpenSSH server started by the test, logged in as the current user. The
server runs on this machine, so a test checks what an SFTP activity did by looking at tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from chains import run_chain, step
from servers.sshd import SshServer, running_sshd

from engine import JobResult
from engine.config.settings import Config, Connection


@dataclass(frozen=True)
class Side:
    name: str  # "local" or "sftp", for test ids
    connection: str  # the activities' `connection` property
    config: Config
    where: str  # how error messages name where the operation ran

    def step(self, id_: str, type_: str, **properties: Any) -> dict[str, Any]:
        """A files.* activity on this side."""
        return step(id_, type_, connection=self.connection, **properties)

    async def run(self, folder: Path, *activities: dict[str, Any]) -> JobResult:
        return await run_chain(folder, *activities, config=self.config)

    async def one(self, folder: Path, type_: str, **properties: Any) -> JobResult:
        """Run one activity of this type (id `it`)."""
        return await self.run(folder, self.step("it", type_, **properties))


LOCAL = Side("local", "", Config(), "this machine")


def sftp_side(connection_keys: dict[str, Any]) -> Side:
    address = f"{connection_keys['username']}@{connection_keys['host']}:{connection_keys['port']}"
    return Side("sftp", "web", Config(connections={"web": Connection(kind="ssh", **connection_keys)}),
                f'connection "web" ({address})')


# Fixtures; a test module imports them by name (the root conftest.py is the only conftest).
@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One real OpenSSH server for every files test."""
    with running_sshd(tmp_path_factory.mktemp("files-sshd")) as server:
        yield server


@pytest.fixture(params=["local", "sftp"])
def side(request: pytest.FixtureRequest) -> Side:
    """Runs the test twice: on this machine, and over SFTP."""
    if request.param == "local":
        return LOCAL
    return sftp_side(request.getfixturevalue("sshd").connection_keys())


@pytest.fixture
def sftp(sshd: SshServer) -> Side:
    return sftp_side(sshd.connection_keys())
