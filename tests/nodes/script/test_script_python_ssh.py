"""Run Script in Python on a remote host over an `ssh` connection, against a real OpenSSH server
started by the test (tests/servers/sshd.py): the program goes to `python3 -I -` on the host's stdin."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from script_support import engine, failure, own, published, runbook, script, start
from servers.sshd import SshServer, running_sshd

from engine.config.settings import Connection


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def web01(server: SshServer, **overrides: object) -> Connection:
    return Connection(kind="ssh", **server.connection_keys(**overrides))


async def test_a_remote_script_publishes_rows_and_gets_its_inputs(tmp_path: Path, sshd: SshServer) -> None:
    text = "import socket\nhost = socket.gethostname()\nservices = ['nginx', 'cron']\nprint('on', vm)"
    rb = runbook(tmp_path, [start("VM"), script("remote", "python", text, connection="web01",
                                                inputs={"vm": "{{start.VM}}"},
                                                published=published("host=host", "service=services*"))])
    result = await engine(web01=web01(sshd)).run(rb, {"VM": "web01"})
    assert result.status == "success", result
    assert own(result.rows("remote")) == [{"host": socket.gethostname(), "service": s, "output": "on web01"}
                                          for s in ("nginx", "cron")]


async def test_a_subscribed_value_is_data_on_the_remote_host_too(tmp_path: Path, sshd: SshServer) -> None:
    marker = tmp_path / "pwned"
    hostile = f"'; import os; os.system(\"touch {marker}\") #"
    rb = runbook(tmp_path, [start("Text"), script("remote", "python", "print({{start.Text}})",
                                                  connection="web01")])
    result = await engine(web01=web01(sshd)).run(rb, {"Text": hostile})
    assert own(result.rows("remote")) == [{"output": hostile}]
    assert not marker.exists()


async def test_a_remote_script_error_names_the_connection_and_host(tmp_path: Path, sshd: SshServer) -> None:
    rb = runbook(tmp_path, [script("remote", "python", "import nosuchmodule", connection="web01")])
    error = failure(await engine(web01=web01(sshd)).run(rb), "remote")
    assert error == ('the Python script on connection "web01" (127.0.0.1) failed: ModuleNotFoundError: No '
                     "module named 'nosuchmodule' (line 1)")


async def test_a_remote_timeout_stops_the_script(tmp_path: Path, sshd: SshServer) -> None:
    rb = runbook(tmp_path, [script("remote", "python", "import time\ntime.sleep(60)", connection="web01",
                                   timeout_s=1)])
    error = failure(await engine(web01=web01(sshd)).run(rb), "remote")
    assert error.startswith('run Python script on connection "web01"') and "did not end within 1 s" in error


async def test_an_unknown_host_key_is_refused(tmp_path: Path, sshd: SshServer) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("", encoding="utf-8")
    rb = runbook(tmp_path, [script("remote", "python", "pass", connection="web01")])
    error = failure(await engine(web01=web01(sshd, known_hosts=str(empty))).run(rb), "remote")
    assert error.startswith('run Python script on connection "web01"') and sshd.fingerprint in error
