"""Run SSH Command (net.ssh_command) in runbooks against a real OpenSSH server: what it publishes, one
row per line, exit codes, arguments that stay data, fan-out, timeouts, and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runbooks import act, instance, run, run_cli
from servers.sshd import SshServer, running_sshd


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def ssh(server: SshServer, **overrides: Any) -> dict[str, Any]:
    return {"kind": "ssh", **server.connection_keys(**overrides)}


async def test_publishes_exit_code_and_output(sshd: SshServer, tmp_path: Path):
    result = await run(tmp_path, act("cmd", "net.ssh_command", connection="web",
                                     command="echo hello; echo warn >&2"), web=ssh(sshd))
    assert result.status == "success", result
    assert result.rows("cmd") == [{"exit_code": 0, "stdout": "hello\n", "stderr": "warn\n"}]


async def test_rows_lines_publishes_one_row_per_line(sshd: SshServer, tmp_path: Path):
    result = await run(tmp_path, act("cmd", "net.ssh_command", connection="web",
                                     command="printf 'a\\nb\\nc\\n'", rows="lines"), web=ssh(sshd))
    assert [(r["line"], r["index"]) for r in result.rows("cmd")] == [("a", 0), ("b", 1), ("c", 2)]


async def test_a_non_zero_exit_fails_with_the_last_error_line(sshd: SshServer, tmp_path: Path):
    command = "echo first >&2; echo 'no such unit' >&2; exit 4"
    result = await run(tmp_path, act("cmd", "net.ssh_command", connection="web", command=command),
                       web=ssh(sshd))
    assert result.status == "failed"
    error = instance(result, "cmd").error
    assert f'connection "web" (root@127.0.0.1:{sshd.port})'.replace("root", sshd.user) in error
    assert "exited with code 4: no such unit" in error


async def test_fail_on_exit_code_false_publishes_the_code(sshd: SshServer, tmp_path: Path):
    result = await run(tmp_path, act("cmd", "net.ssh_command", connection="web", command="exit 2",
                                     fail_on_exit_code=False), web=ssh(sshd))
    assert result.status == "success"
    assert result.rows("cmd")[0]["exit_code"] == 2


async def test_subscribed_arguments_reach_the_command_as_literal_data(sshd: SshServer, tmp_path: Path):
    hostile = "x'; touch /tmp/interlock-injected; echo '$(id)"
    result = await run(
        tmp_path,
        act("start", "core.split", text=f"{hostile}\nsecond value"),
        act("cmd", "net.ssh_command", connection="web", command="printf '%s|'",
            arguments=["{{start.item}}", "{{start.index}}"]),
        web=ssh(sshd))
    assert result.status == "success", result
    assert sorted(r["stdout"] for r in result.rows("cmd")) == sorted([f"{hostile}|0|", "second value|1|"])
    assert not Path("/tmp/interlock-injected").exists()


async def test_a_timeout_fails_the_instance_in_bounded_time(sshd: SshServer, tmp_path: Path):
    result = await run(tmp_path, act("cmd", "net.ssh_command", connection="web",
                                     command="for i in $(seq 50); do echo $i; sleep 0.1; done",
                                     timeout_s=1), web=ssh(sshd))
    assert result.status == "failed"
    assert "did not end within 1 s and was stopped" in instance(result, "cmd").error


async def test_a_refused_host_key_fails_the_instance_naming_the_fingerprint(sshd: SshServer, tmp_path: Path):
    (tmp_path / "empty").write_text("")
    result = await run(tmp_path, act("cmd", "net.ssh_command", connection="web", command="true"),
                       web=ssh(sshd, known_hosts=str(tmp_path / "empty")))
    assert result.status == "failed"
    assert sshd.fingerprint in instance(result, "cmd").error


async def test_a_connection_of_another_kind_is_refused(tmp_path: Path):
    result = await run(tmp_path, act("cmd", "net.ssh_command", connection="default", command="true"))
    assert result.status == "failed"
    assert 'connection "default" cannot run SSH commands' in instance(result, "cmd").error


def test_the_cli_runs_a_runbook_over_ssh(sshd: SshServer, tmp_path: Path, capsys):
    code, result = run_cli(tmp_path, capsys,
                           act("cmd", "net.ssh_command", connection="web", command="uname -s; whoami",
                               rows="lines"),
                           web=ssh(sshd))
    assert code == 0, result
    (cmd,) = [a for a in result["activities"] if a["id"] == "cmd"]
    assert [r["line"] for r in cmd["instances"][0]["rows"]] == ["Linux", sshd.user]
