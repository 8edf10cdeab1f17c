"""The `ssh` connection kind against a real OpenSSH server started by the test: commands and their
output, stdin, SFTP, one connection reused and made again when it dropped, host keys (unknown refused
with the fingerprint, changed always refused), wrong keys and passphrases, an unreachable port, a
command that overruns, and config mistakes named by file and key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import free_port
from servers.sshd import SshServer, running_sshd

from engine.config.connections import Connections
from engine.config.connections import test_connection as connection_test
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from engine.errors import ConfigError
from nodes.backends.interface import BackendError
from nodes.backends.ssh import SshClient

KINDS = Registry.from_entry_points().backends


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def connections(source: Path | None = None, **keys: Any) -> Connections:
    return Connections(Config(connections={"web": Connection(kind="ssh", **keys)}, source=source), KINDS)


def client(**keys: Any) -> SshClient:
    opened = connections(**keys).get("web")
    assert isinstance(opened, SshClient)
    return opened


async def test_run_returns_exit_code_and_both_outputs(sshd: SshServer):
    ssh = client(**sshd.connection_keys())
    done = await ssh.run("echo out; echo err >&2; exit 3")
    assert (done.exit_code, done.stdout, done.stderr) == (3, "out\n", "err\n")
    await ssh.close()


async def test_an_argv_list_reaches_the_remote_program_literally(sshd: SshServer):
    ssh = client(**sshd.connection_keys())
    hostile = "'; echo INJECTED; '$(id) `id` \"x\" ünï"
    done = await ssh.run(["printf", "%s\\n", hostile, "two words"])
    assert done.stdout == f"{hostile}\ntwo words\n"
    await ssh.close()


async def test_stdin_feeds_a_remote_python(sshd: SshServer):
    ssh = client(**sshd.connection_keys())
    done = await ssh.run(["python3", "-"], stdin=b"import sys\nprint(sum(range(5)), sys.argv)\n")
    assert done.exit_code == 0, done.stderr
    assert done.stdout == "10 ['-']\n"
    await ssh.close()


async def test_one_connection_is_reused_and_made_again_after_it_dropped(sshd: SshServer):
    ssh = client(**sshd.connection_keys())
    first = await ssh.run("echo $SSH_CONNECTION")
    second = await ssh.run("echo $SSH_CONNECTION")
    assert first.stdout == second.stdout  # same client port: the same connection
    assert ssh._connection is not None
    ssh._connection.abort()  # as a network drop would
    await asyncio.sleep(0.1)
    third = await ssh.run("echo $SSH_CONNECTION")
    assert third.exit_code == 0 and third.stdout != first.stdout
    await ssh.close()


async def test_sftp_writes_a_file_the_host_then_has(sshd: SshServer, tmp_path: Path):
    ssh = client(**sshd.connection_keys())
    target = tmp_path / "sent.txt"
    async with ssh.sftp() as sftp, sftp.open(str(target), "w") as remote:
        await remote.write("over sftp\n")
    assert target.read_text() == "over sftp\n"
    await ssh.close()


async def test_an_encrypted_key_opens_with_the_password_env(sshd: SshServer, monkeypatch):
    monkeypatch.setenv("TEST_SSH_PASS", sshd.passphrase)
    ssh = client(**sshd.connection_keys(key_file=str(sshd.encrypted_key), password_env="TEST_SSH_PASS"))
    assert (await ssh.run("echo ok")).stdout == "ok\n"
    await ssh.close()


def test_a_wrong_passphrase_is_a_config_error_without_the_passphrase(sshd: SshServer, monkeypatch):
    monkeypatch.setenv("TEST_SSH_PASS", "not-the-passphrase")
    with pytest.raises(ConfigError) as caught:
        connections(Path("/etc/interlock.toml"), **sshd.connection_keys(
            key_file=str(sshd.encrypted_key), password_env="TEST_SSH_PASS")).check("web")
    message = str(caught.value)
    assert 'connections.web: key "key_file"' in message and "wrong passphrase" in message
    assert "not-the-passphrase" not in message


def test_an_encrypted_key_without_a_password_says_where_the_passphrase_comes_from(sshd: SshServer):
    with pytest.raises(ConfigError, match="password_env"):
        connections(**sshd.connection_keys(key_file=str(sshd.encrypted_key))).check("web")


def test_an_unset_password_env_is_named(sshd: SshServer, monkeypatch):
    monkeypatch.delenv("TEST_SSH_UNSET", raising=False)
    with pytest.raises(ConfigError, match="TEST_SSH_UNSET, which is not set"):
        connections(**sshd.connection_keys(password_env="TEST_SSH_UNSET")).check("web")


async def test_an_unknown_host_key_is_refused_with_its_fingerprint(sshd: SshServer, tmp_path: Path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    ssh = client(**sshd.connection_keys(known_hosts=str(empty)))
    with pytest.raises(BackendError) as caught:
        await ssh.run("true")
    message = str(caught.value)
    assert 'on connection "web"' in message and f"[127.0.0.1]:{sshd.port}" in message
    assert "host key not known" in message and sshd.fingerprint in message


async def test_accept_unknown_hosts_logs_in_to_an_unknown_host(sshd: SshServer, tmp_path: Path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    ssh = client(**sshd.connection_keys(known_hosts=str(empty), accept_unknown_hosts=True))
    assert (await ssh.run("echo in")).stdout == "in\n"
    await ssh.close()


async def test_a_changed_host_key_is_refused_even_when_unknown_hosts_are_accepted(sshd: SshServer,
                                                                                 tmp_path: Path):
    other = (sshd.stranger_key.with_suffix(".pub")).read_text().split()[:2]
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {' '.join(other)}\n")
    ssh = client(**sshd.connection_keys(known_hosts=str(known), accept_unknown_hosts=True))
    with pytest.raises(BackendError, match="host key CHANGED") as caught:
        await ssh.run("true")
    assert sshd.fingerprint in str(caught.value)


async def test_a_key_the_server_does_not_know_is_refused(sshd: SshServer):
    ssh = client(**sshd.connection_keys(key_file=str(sshd.stranger_key)))
    with pytest.raises(BackendError) as caught:
        await ssh.run("true")
    message = str(caught.value)
    assert f"refused the login of {sshd.user}" in message and str(sshd.stranger_key) in message


async def test_an_unreachable_port_fails_quickly_and_clearly(sshd: SshServer):
    port = free_port()
    ssh = client(**sshd.connection_keys(port=port))
    started = time.monotonic()
    with pytest.raises(BackendError, match=f"127.0.0.1:{port}: cannot connect: .*[Rr]efused"):
        await ssh.run("true")
    assert time.monotonic() - started < 5


async def test_a_command_that_overruns_is_stopped(sshd: SshServer, tmp_path: Path):
    ssh = client(**sshd.connection_keys())
    marker = tmp_path / "late"
    started = time.monotonic()
    with pytest.raises(BackendError, match="did not end within 1 s"):
        # It prints as it goes: once its channel is closed it cannot (OpenSSH refuses signals to
        # root's sessions, so this is how a root command ends; a user's is also sent SIGKILL).
        await ssh.run(f"for i in $(seq 15); do echo $i; sleep 0.2; done; touch {marker}", timeout_s=1)
    assert time.monotonic() - started < 3
    await asyncio.sleep(3.5)
    assert not marker.exists()  # the command was stopped, not left running to its end
    await ssh.close()


def test_missing_files_and_unknown_keys_are_named_with_the_config_file(tmp_path: Path):
    source = tmp_path / "interlock.toml"
    with pytest.raises(ConfigError, match=r'toml: connections.web: key "key_file": .*nope not found'):
        connections(source, host="h", key_file="nope").check("web")
    with pytest.raises(ConfigError, match=r'connections.web: key "known_hosts": .*kh not found'):
        connections(source, host="h", known_hosts="kh").check("web")
    with pytest.raises(ConfigError, match=r'connections.web: key "hots": unknown key'):
        connections(source, host="h", hots="x").check("web")


async def test_connections_test_logs_in_and_names_the_server(sshd: SshServer):
    answered, found = await connection_test(connections(**sshd.connection_keys()), "web")
    assert answered, found
    assert "OpenSSH" in found and f"logged in as {sshd.user}" in found


async def test_a_password_login_the_server_refuses_is_named_without_the_password(sshd: SshServer,
                                                                                 monkeypatch):
    # The test server takes keys only, as many do: a password login is refused, and said so.
    monkeypatch.setenv("TEST_SSH_PASS", "hunter2-password")
    ssh = client(**sshd.connection_keys(key_file=None, password_env="TEST_SSH_PASS"))
    with pytest.raises(BackendError) as caught:
        await ssh.run("true")
    message = str(caught.value)
    assert f"refused the login of {sshd.user} (password from password_env" in message
    assert "hunter2" not in message


async def test_key_file_and_known_hosts_are_relative_to_the_config_file(sshd: SshServer, tmp_path: Path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "runbook").write_bytes(sshd.client_key.read_bytes())
    (tmp_path / "known_hosts").write_text(sshd.host_key_line + "\n")
    opened = connections(tmp_path / "interlock.toml", **sshd.connection_keys(
        key_file="keys/runbook", known_hosts="known_hosts")).get("web")
    assert isinstance(opened, SshClient)
    assert (await opened.run("echo relative")).stdout == "relative\n"
    await opened.close()


async def test_more_commands_at_once_than_the_server_allows_sessions_all_run(sshd: SshServer):
    # OpenSSH opens at most 10 sessions per connection (MaxSessions): the rest wait for a slot.
    ssh = client(**sshd.connection_keys())
    done = await asyncio.gather(*(ssh.run(["sh", "-c", f"sleep 0.2; echo {i}"]) for i in range(30)))
    assert [d.stdout for d in done] == [f"{i}\n" for i in range(30)]
    assert {d.exit_code for d in done} == {0}
    await ssh.close()
