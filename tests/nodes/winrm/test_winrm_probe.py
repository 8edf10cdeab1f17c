"""`interlock connections test` on WinRM connections: what each kind reports when it answers, and the
back-end's own message when it does not."""

from __future__ import annotations

import re

from winrm_fake_server import serve
from winrm_fake_shell import FakeObject, FakeState, FakeVm
from winrm_support import PASSWORD_ENV, connection

from engine.config.connections import Connections
from engine.config.connections import test_connection as connection_test
from engine.config.registry import Registry
from engine.config.settings import Config


async def test_each_kind_says_what_it_reached_and_a_refusal_says_why(monkeypatch):
    state = FakeState(scvmm=[FakeVm("web01", "Running"), FakeVm("db01", "PowerOff")],
                      hyperv=[FakeVm("web02", "Running")], objects=[FakeObject("web01.contoso.local")])
    monkeypatch.setenv(PASSWORD_ENV, "S3cr3t-pw!")
    monkeypatch.setenv("INTERLOCK_TEST_WRONG", "nope-nope")
    with serve(state) as fake:
        config = Config(connections={
            "vmm": connection(fake.port, "scvmm"), "hv": connection(fake.port, "hyperv"),
            "scom": connection(fake.port, "scom"),
            "denied": connection(fake.port, "scvmm", password_env="INTERLOCK_TEST_WRONG")})
        connections = Connections(config, Registry.from_entry_points().backends)
        results = {name: await connection_test(connections, name) for name in ("vmm", "hv", "scom", "denied")}
    said = {name: (ok, re.sub(r" \(\d+ ms\)$", "", message)) for name, (ok, message) in results.items()}
    assert said == {
        "vmm": (True, "2 VMs visible on VMM server 127.0.0.1"),
        "hv": (True, "1 VMs visible on Hyper-V host 127.0.0.1"),
        "scom": (True, "management group CONTOSO-MG (Operations Manager 10.19.10050.0) on management server "
                       "127.0.0.1"),
        "denied": (False, f'list VMs on connection "denied": access denied for user interlock on '
                          f"127.0.0.1:{fake.port} (check username and password_env / password_keyring, and "
                          f"that the account may use WinRM there)")}
    assert [inv.operation for inv in fake.invocations] == ["list", "list", "probe"]
    assert state.events == []  # a test changes nothing
