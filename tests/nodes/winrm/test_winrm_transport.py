"""How a WinRM connection fails and how long it takes to say so: wrong password, nothing listening, a
server that never answers, a script that never ends, PowerShell that cannot start, an untrusted TLS
certificate. Also the plumbing a user never sees: output in pieces, non-ASCII names, the bound on
scripts running at once, the command line powershell.exe gets."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time

import pytest
from conftest import self_signed_certificate
from winrm_fake_server import serve
from winrm_fake_shell import FakeState, FakeVm, Fault
from winrm_support import open_backend

from nodes.backends.interface import BackendError

PASSWORD = "S3cr3t-pw!"


def vms(*names: str) -> FakeState:
    return FakeState(scvmm=[FakeVm(name, "Running") for name in names])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_wrong_password_is_access_denied_without_the_secret(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    with serve(vms("web01")) as fake:
        vmm = open_backend(monkeypatch, fake.port, "scvmm", password="wr0ng-Passw0rd")
        with pytest.raises(BackendError) as caught:
            await vmm.list_vms()
    assert str(caught.value) == (
        f'list VMs on connection "lab": access denied for user interlock on 127.0.0.1:{fake.port} (check '
        f"username and password_env / password_keyring, and that the account may use WinRM there)")
    assert fake.invocations == []
    for text in (str(caught.value), caplog.text):
        assert "wr0ng-Passw0rd" not in text and PASSWORD not in text


async def test_nothing_listening_is_reported_at_once(monkeypatch):
    port = free_port()
    vmm = open_backend(monkeypatch, port, "scvmm")
    began = time.monotonic()
    with pytest.raises(BackendError) as caught:
        await vmm.stop_vm("web01")
    assert time.monotonic() - began < 3
    assert str(caught.value) == (f'stop VM web01 on connection "lab": cannot reach 127.0.0.1:{port} '
                                 f"(connection refused); is its WinRM listener on that port?")


async def test_a_server_that_never_answers_fails_after_read_timeout(monkeypatch):
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        vmm = open_backend(monkeypatch, port, "scvmm", operation_timeout_s=1, read_timeout_s=2)
        began = time.monotonic()
        with pytest.raises(BackendError, match=rf"no answer from 127\.0\.0\.1:{port} within 2 s \(read_"):
            await vmm.list_vms()
        assert time.monotonic() - began < 4


async def test_a_script_that_never_ends_is_given_up_after_command_timeout(monkeypatch):
    with serve(vms("web01"), hang=True) as fake:
        vmm = open_backend(monkeypatch, fake.port, "scvmm", operation_timeout_s=1, command_timeout_s=1)
        began = time.monotonic()
        with pytest.raises(BackendError) as caught:
            await vmm.stop_vm("web01")
        assert time.monotonic() - began < 4
    assert f"the script did not finish within command_timeout_s (1 s) on 127.0.0.1:{fake.port}" \
        in str(caught.value)
    assert fake.actions[-2:] == ["Signal", "Delete"]  # asked to end, shell closed (serve checks none is left)


async def test_powershell_that_cannot_run_the_script_says_why(monkeypatch):
    with serve(vms("web01")) as fake:
        fake.shell.crash = (1, "At line:1 char:1\n+ & {\nMissing closing '}' in statement block.")
        vmm = open_backend(monkeypatch, fake.port, "scvmm")
        with pytest.raises(BackendError) as caught:
            await vmm.get_vm("web01")
    assert str(caught.value) == (
        'get VM web01 on connection "lab": PowerShell on 127.0.0.1 exited with code 1 without an answer: '
        "At line:1 char:1 + & { Missing closing '}' in statement block.")


async def test_a_missing_module_is_named_with_a_hint(monkeypatch):
    state = vms("web01")
    state.faults.append(Fault("Import-Module", "The specified module 'VirtualMachineManager' was not "
                                               "loaded because no valid module file was found in any module "
                                               "directory."))
    with serve(state) as fake:
        vmm = open_backend(monkeypatch, fake.port, "scvmm")
        with pytest.raises(BackendError) as caught:
            await vmm.list_vms()
    assert "Import-Module failed on VMM server 127.0.0.1: The specified module 'VirtualMachineManager' " \
           "was not loaded" in str(caught.value)
    assert "(is the VirtualMachineManager (installed with the VMM console) PowerShell module installed on " \
           "127.0.0.1?)" in str(caught.value)


async def test_output_in_pieces_and_non_ascii_names_arrive_whole(monkeypatch):
    name = "Zürich-db 東京"
    with serve(FakeState(scvmm=[FakeVm(name, "Running", custom={"Custom1": "Größe"})])) as fake:
        vmm = open_backend(monkeypatch, fake.port, "scvmm")
        (listed,) = await vmm.list_vms()
        stopped = await vmm.stop_vm(name)
    assert (listed.vm_name, listed.custom_properties, stopped.vm_name) == (name, {1: "Größe"}, name)
    assert fake.actions.count("Receive") == 4  # each answer came in two Receives
    for run in fake.commands:  # powershell.exe without cmd.exe, whose 8191-character limit is too short
        assert run.skip_cmd_shell and run.command_line.startswith("powershell.exe -NoLogo -NoProfile")
        assert len(run.command_line) < 32000


async def test_at_most_max_sessions_scripts_run_at_once(monkeypatch):
    with serve(vms(*(f"web{n}" for n in range(6))), command_delay_s=0.1) as fake:
        vmm = open_backend(monkeypatch, fake.port, "scvmm", max_sessions=2)
        began = time.monotonic()
        records = await asyncio.gather(*(vmm.get_vm(f"web{n}") for n in range(6)))
        elapsed = time.monotonic() - began
    assert [r.vm_name for r in records] == [f"web{n}" for n in range(6)]
    assert fake.peak_shells == 2 and elapsed >= 0.3


async def test_https_validates_the_certificate_unless_told_otherwise(monkeypatch, tmp_path):
    cert, key = self_signed_certificate(tmp_path, "winrm")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve(vms("web01"), tls=context) as fake:
        untrusted = open_backend(monkeypatch, fake.port, "scvmm", https=True)
        with pytest.raises(BackendError) as caught:
            await untrusted.list_vms()
        assert f"the TLS certificate of 127.0.0.1:{fake.port} is not trusted (self-signed certificate): " \
               f"set ca_trust_path" in str(caught.value)
        trusted = open_backend(monkeypatch, fake.port, "scvmm", https=True, ca_trust_path=str(cert))
        assert [r.vm_name for r in await trusted.list_vms()] == ["web01"]
        ignoring = open_backend(monkeypatch, fake.port, "scvmm", https=True, server_cert_validation="ignore")
        assert [r.vm_name for r in await ignoring.list_vms()] == ["web01"]
    assert len(fake.invocations) == 2


async def test_inputs_too_long_for_a_command_line_are_refused_before_sending(monkeypatch):
    with serve(vms("web01")) as fake:
        vmm = open_backend(monkeypatch, fake.port, "scvmm")
        with pytest.raises(BackendError, match=r"the inputs are too long for one PowerShell command line "
                                               r"\(\d+ characters, at most 32000\)"):
            await vmm.new_checkpoint("web01", "big", "x" * 10_000)
    assert fake.actions == [] and fake.state.scvmm[0].checkpoints == []
