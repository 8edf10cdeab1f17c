"""The libvirt back-end against libvirt's test driver: a host whose domains are written here as a node
XML file. The driver keeps its state in the connection, so outcomes are read through the back-end."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from libvirt_node import domain, domain_uuid, open_backend, require_libvirt, write_node

from engine import Engine
from engine.config.settings import Config, Connection
from engine.errors import ConfigError
from nodes.backends.interface import BackendError
from nodes.backends.libvirt import LibvirtBackend, states
from nodes.backends.libvirt.metadata import KEY, NAMESPACE, properties_xml


@pytest.fixture(autouse=True)
def libvirt_installed() -> None:
    require_libvirt()  # skips here without libvirt-python, fails in CI

HOST = [domain("web01", "running"), domain("web02", "running", batch="2"), domain("db01", "shutoff"),
        domain("cache01", "shutoff", saved=True), domain("app02", "paused"), domain("plain", batch=None),
        domain("stubborn", on_poweroff="restart", batch="3")]


@pytest.fixture
def backend(tmp_path: Path) -> LibvirtBackend:
    return open_backend(write_node(tmp_path / "node.xml", HOST), tmp_path)


async def status(backend: LibvirtBackend, vm: str) -> tuple[str, str]:
    record = await backend.get_vm(vm)
    return record.status, record.raw_status


def test_state_numbers_are_libvirts():
    import libvirt

    assert (states.RUNNING, states.BLOCKED, states.PAUSED, states.SHUTDOWN, states.SHUTOFF, states.CRASHED,
            states.PMSUSPENDED, states.NOSTATE) == \
        (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_BLOCKED, libvirt.VIR_DOMAIN_PAUSED,
         libvirt.VIR_DOMAIN_SHUTDOWN, libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_CRASHED,
         libvirt.VIR_DOMAIN_PMSUSPENDED, libvirt.VIR_DOMAIN_NOSTATE)
    assert states.PAUSED_STARTING_UP == libvirt.VIR_DOMAIN_PAUSED_STARTING_UP
    assert states.PAUSED_SHUTTING_DOWN == libvirt.VIR_DOMAIN_PAUSED_SHUTTING_DOWN
    assert states.status_of(states.PAUSED, states.PAUSED_STARTING_UP, False) == "Starting"
    assert states.status_of(states.CRASHED, 0, False) == "Unknown"
    assert states.status_of(states.SHUTDOWN, 0, False) == "Stopping"


async def test_domains_are_listed_with_status_uuid_host_and_custom_properties(backend):
    vms = {r.vm_name: r for r in await backend.list_vms()}
    assert sorted(vms) == sorted(["web01", "web02", "db01", "cache01", "app02", "plain", "stubborn"])
    assert {n: (r.status, r.raw_status) for n, r in vms.items()} == {
        "web01": ("Running", "running"), "web02": ("Running", "running"), "db01": ("Stopped", "shutoff"),
        "cache01": ("Saved", "shutoff"), "app02": ("Paused", "paused"), "plain": ("Running", "running"),
        "stubborn": ("Running", "running")}
    assert {n: r.custom_properties for n, r in vms.items()} == {
        "web01": {1: "1"}, "web02": {1: "2"}, "db01": {1: "1"}, "cache01": {1: "1"}, "app02": {1: "1"},
        "plain": {}, "stubborn": {1: "3"}}
    assert all(r.vm_id == domain_uuid(n) for n, r in vms.items())
    hosts = {r.host for r in vms.values()}
    assert hosts == {backend.session.hostname} and backend.session.hostname
    assert vms["web01"].row()["custom_property_1"] == "1" and vms["web01"].row()["custom_property_2"] == ""


async def test_a_vm_by_uuid_or_by_name_and_an_unknown_one(backend):
    assert (await backend.get_vm(domain_uuid("db01"))).vm_name == "db01"
    assert (await backend.get_vm("db01")).vm_id == domain_uuid("db01")
    with pytest.raises(BackendError) as caught:
        await backend.get_vm("nosuch")
    assert str(caught.value).startswith('get VM nosuch on connection "kvm": no domain with UUID or name')
    with pytest.raises(BackendError, match="no domain"):
        await backend.get_vm(domain_uuid("nosuch"))


async def test_shutdown_start_turn_off_save_and_resume(backend):
    stopped = await backend.stop_vm("web01")
    assert (stopped.status, stopped.raw_status) == ("Stopped", "shutoff")
    assert (await backend.start_vm("web01")).status == "Running"
    assert (await backend.stop_vm("web01", "turn_off")).status == "Stopped"
    assert await status(backend, "web01") == ("Stopped", "shutoff")
    await backend.start_vm(domain_uuid("web01"))
    saved = await backend.stop_vm("web01", "save")
    assert (saved.status, saved.raw_status) == ("Saved", "shutoff")
    # starting a saved domain restores it, and its managed-save image is used up
    assert (await backend.start_vm("web01")).status == "Running"
    assert await status(backend, "web01") == ("Running", "running")
    assert (await backend.start_vm("cache01")).status == "Running"
    assert (await backend.start_vm("app02")).status == "Running"  # resumed


async def test_what_a_real_host_refuses(backend):
    with pytest.raises(BackendError) as caught:
        await backend.start_vm("web01")
    assert str(caught.value) == 'start VM web01 on connection "kvm": VM web01 is already Running'
    with pytest.raises(BackendError, match="VM db01 is already Stopped"):
        await backend.stop_vm("db01", "turn_off")
    with pytest.raises(BackendError, match="VM cache01 is already Saved"):
        await backend.stop_vm("cache01")
    with pytest.raises(BackendError, match="app02 is Paused: its guest cannot shut down"):
        await backend.stop_vm("app02", "shutdown")
    assert await status(backend, "app02") == ("Paused", "paused")
    assert (await backend.stop_vm("app02", "turn_off")).status == "Stopped"


async def test_a_guest_that_does_not_shut_off_fails_after_the_bound(tmp_path):
    # on_poweroff=restart: the test driver's domain comes straight back up, as a guest ignoring the
    # power button stays up
    backend = open_backend(write_node(tmp_path / "node.xml", HOST), tmp_path, shutdown_timeout_s=0.4)
    started = time.monotonic()
    with pytest.raises(BackendError) as caught:
        await backend.stop_vm("stubborn")
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 2
    assert str(caught.value).startswith('stop VM stubborn on connection "kvm": VM stubborn did not shut off '
                                        "within 0.4 s of the shutdown request (it is running)")
    assert "turn_off" in str(caught.value)
    assert await status(backend, "stubborn") == ("Running", "running")
    assert (await backend.stop_vm("stubborn", "turn_off")).status == "Stopped"


async def test_a_transient_domain_is_gone_once_shut_down(tmp_path):
    backend = open_backend(write_node(tmp_path / "node.xml", [domain("temp01", transient=True)]), tmp_path)
    stopped = await backend.stop_vm("temp01")
    assert (stopped.vm_name, stopped.status, stopped.custom_properties) == ("temp01", "Stopped", {1: "1"})
    assert await backend.list_vms() == []


async def test_checkpoints_new_list_restore_remove(backend):
    db01 = domain_uuid("db01")
    first = await backend.new_checkpoint("db01", "Batch 1 - db01", "before patching <&> \"quoted\"")
    assert first.checkpoint_id == f"{db01}/Batch 1 - db01"
    assert (first.checkpoint_name, first.vm_id, first.vm_name, first.vm_status) == \
        ("Batch 1 - db01", db01, "db01", "Stopped")
    assert first.description == "before patching <&> \"quoted\""
    assert first.created_at.endswith("+00:00") and first.created_at[:4].isdigit()

    await backend.start_vm("db01")
    second = await backend.new_checkpoint(db01, "running/with a slash")
    assert second.vm_status == "Running" and second.checkpoint_id == f"{db01}/running/with a slash"
    third = await backend.new_checkpoint("db01", "")  # libvirt names it
    assert third.checkpoint_name.isdigit()
    # taken within one second: the order still follows the snapshot tree
    listed = await backend.list_checkpoints("db01")
    assert [c.checkpoint_id for c in listed] == \
        [first.checkpoint_id, second.checkpoint_id, third.checkpoint_id]
    assert listed[0] == first

    # restoring the shut-off checkpoint turns the running domain off again
    restored = await backend.restore_checkpoint(first.checkpoint_id)
    assert restored == first
    assert await status(backend, "db01") == ("Stopped", "shutoff")
    await backend.restore_checkpoint(second.checkpoint_id)
    assert await status(backend, "db01") == ("Running", "running")

    removed = await backend.remove_checkpoint(second.checkpoint_id)
    assert removed.checkpoint_name == "running/with a slash"
    assert [c.checkpoint_name for c in await backend.list_checkpoints("db01")] == \
        ["Batch 1 - db01", third.checkpoint_name]
    assert await backend.list_checkpoints("web01") == []  # another domain's checkpoints are its own
    with pytest.raises(BackendError) as caught:
        await backend.remove_checkpoint(second.checkpoint_id)
    assert "VM db01 has no checkpoint named 'running/with a slash'" in str(caught.value)
    # the domain part may be the name, as for VMs
    assert (await backend.remove_checkpoint("db01/Batch 1 - db01")).checkpoint_id == first.checkpoint_id


async def test_a_checkpoint_id_that_is_not_one(backend):
    with pytest.raises(BackendError, match=r"'abc' is not a libvirt checkpoint id \(DOMAIN-UUID/SNAPSHOT"):
        await backend.restore_checkpoint("abc")
    with pytest.raises(BackendError, match="no domain with UUID or name 'nosuch'"):
        await backend.remove_checkpoint("nosuch/snap")


@pytest.mark.parametrize(("metadata", "problem"), [
    ('<properties xmlns="urn:interlock:vm:1"><property>7</property></properties>',
     '<property index="">: index must be a number from 1 to 10'),
    ('<properties xmlns="urn:interlock:vm:1"><property index="11">7</property></properties>',
     '<property index="11">: index must be a number from 1 to 10'),
    ('<properties xmlns="urn:interlock:vm:1"><property index="1">7</property><property index="1">8'
     "</property></properties>", '<property index="1"> appears twice'),
    ('<properties xmlns="urn:interlock:vm:1"><prop index="1">7</prop></properties>',
     "unexpected element <prop> in <properties>"),
])
async def test_bad_metadata_names_the_domain(tmp_path, metadata, problem):
    node = [domain("web01"), domain("broken", metadata=metadata)]
    backend = open_backend(write_node(tmp_path / "node.xml", node), tmp_path)
    for call in (backend.list_vms(), backend.get_vm("broken")):
        with pytest.raises(BackendError) as caught:
            await call
        assert "domain broken: its Interlock metadata (urn:interlock:vm:1) is not valid: " + problem \
            in str(caught.value)
    assert (await backend.get_vm("web01")).custom_properties == {1: "1"}


async def test_properties_written_as_virsh_metadata_writes_them_are_read(backend):
    # `virsh metadata DOMAIN urn:interlock:vm:1 --key interlock --set XML` is virDomainSetMetadata
    connection = backend.session.connection()
    plain = connection.lookupByName("plain")
    xml = properties_xml({1: "7", 10: "x y"})
    assert xml == ('<properties><property index="1">7</property><property index="10">x y</property>'
                   "</properties>")
    plain.setMetadata(backend.sdk.VIR_DOMAIN_METADATA_ELEMENT, xml, KEY, NAMESPACE, 0)
    assert (await backend.get_vm("plain")).custom_properties == {1: "7", 10: "x y"}


async def test_a_host_that_cannot_be_reached(tmp_path):
    backend = open_backend(f"test://{tmp_path}/missing.xml", tmp_path)
    with pytest.raises(BackendError) as caught:
        await backend.list_vms()
    assert str(caught.value).startswith(f'get VM on connection "kvm": cannot connect to test://{tmp_path}/'
                                        f"missing.xml: ")


async def test_credentials_from_the_environment_through_libvirts_auth_callback(tmp_path, monkeypatch):
    auth = '<auth><user password="s3cret-pw">svc-runbook</user></auth>'
    uri = write_node(tmp_path / "node.xml", [domain("web01")], auth=auth)
    monkeypatch.setenv("KVM_PASSWORD", "s3cret-pw")
    good = open_backend(uri, tmp_path, username="svc-runbook", password_env="KVM_PASSWORD")
    assert [r.vm_name for r in await good.list_vms()] == ["web01"]
    assert "1 domain visible on" in await good.probe()

    monkeypatch.setenv("KVM_PASSWORD", "wrong-pw")
    bad = open_backend(uri, tmp_path, username="svc-runbook", password_env="KVM_PASSWORD")
    with pytest.raises(BackendError) as caught:
        await bad.list_vms()
    assert "authentication failed" in str(caught.value) and "wrong-pw" not in str(caught.value)
    with pytest.raises(BackendError, match="cannot connect"):
        await open_backend(uri, tmp_path).list_vms()  # no credentials given


def test_a_password_variable_that_is_not_set_is_named_before_a_run_and_when_opening(tmp_path, monkeypatch):
    monkeypatch.delenv("INTERLOCK_TEST_KVM_PW", raising=False)
    keys = {"uri": "qemu:///system", "username": "svc", "password_env": "INTERLOCK_TEST_KVM_PW"}
    engine = Engine(Config(connections={"kvm": Connection(kind="libvirt", **keys)}))
    with pytest.raises(ConfigError, match='"password_env" names the environment variable INTERLOCK_TEST_KVM'):
        engine.connections.check("kvm")  # what an engine does before a job runs
    with pytest.raises(ConfigError, match='"password_env" names the environment variable INTERLOCK_TEST_KVM'):
        open_backend(tmp_path=tmp_path, **keys)


async def test_one_connection_serves_every_call(backend):
    await backend.stop_vm("web01")
    first = backend.session.connection()
    await backend.start_vm("web01")
    assert backend.session.connection() is first
    # a second back-end on the same URI is a second test host: it never saw the stop and start
    other = open_backend(backend.session.uri, Path(backend.session.uri.removeprefix("test://")).parent)
    await other.stop_vm("web01", "turn_off")
    assert await status(backend, "web01") == ("Running", "running")


async def test_calls_of_a_wave_of_instances_are_bounded_by_max_sessions(tmp_path, monkeypatch):
    names = [f"vm{n:02d}" for n in range(12)]
    backend = open_backend(write_node(tmp_path / "node.xml", [domain(n) for n in names]), tmp_path,
                           max_sessions=3)
    opened = backend.session.connection
    inside, peak = 0, 0
    lock = threading.Lock()

    def counted() -> object:  # each operation's libvirt calls start here, in their worker thread
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        time.sleep(0.02)
        with lock:
            inside -= 1
        return opened()

    monkeypatch.setattr(backend.session, "connection", counted)
    stopped = await asyncio.gather(*(backend.stop_vm(n, "turn_off") for n in names))
    assert {r.status for r in stopped} == {"Stopped"} and peak == 3
