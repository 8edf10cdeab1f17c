"""Connections from the config (DESIGN §4): the built-in default lab, located config errors, and
secrets from the environment or the OS keyring only."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backend import KeyringBackend

from engine.config.connections import Connections
from engine.config.registry import Registry
from engine.config.secrets import resolve_secret
from engine.config.settings import Config, Connection, load_config
from engine.errors import ConfigError
from nodes.backends.simulated import SIMULATED, SimulatedBackend, bundled_lab

KINDS = {"simulated": SIMULATED}


def test_without_config_default_is_the_users_copy_of_the_bundled_lab(isolated_home):
    backend = Connections(Config(), KINDS).get("default")
    assert isinstance(backend, SimulatedBackend)
    assert backend.lab_path == (isolated_home / "lab.json").resolve()
    assert backend.lab_path.read_text() == bundled_lab().read_text()
    data = json.loads(backend.lab_path.read_text())
    data["vms"][0]["status"] = "Stopped"  # state lasts between runs: never copied over again
    backend.lab_path.write_text(json.dumps(data))
    again = Connections(Config(), KINDS).get("default")
    assert json.loads(again.lab_path.read_text())["vms"][0]["status"] == "Stopped"


def test_the_bundled_lab_has_three_mixed_batches():
    vms = json.loads(bundled_lab().read_text())["vms"]
    assert len(vms) >= 12
    assert {v["custom_properties"]["1"] for v in vms} == {"1", "2", "3"}
    assert {v["status"] for v in vms} >= {"Running", "Stopped", "Saved", "Paused"}


def test_config_connection_with_a_relative_lab(tmp_path):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "mine.json").write_text('{"vms": []}')
    config_file = tmp_path / "interlock.toml"
    config_file.write_text('[connections.default]\nkind = "simulated"\nlab = "labs/mine.json"\n')
    backend = Connections(load_config(config_file), KINDS).get("default")
    assert backend.lab_path == (tmp_path / "labs" / "mine.json").resolve()


def test_unknown_key_of_a_connection_is_located(tmp_path):
    config_file = tmp_path / "interlock.toml"
    config_file.write_text('[connections.lab2]\nkind = "simulated"\nlabb = "x.json"\n')
    with pytest.raises(ConfigError) as caught:
        Connections(load_config(config_file), KINDS).check("lab2")
    assert str(caught.value) == f'{config_file.resolve()}: connections.lab2: key "labb": unknown key'


def test_plain_password_in_the_config_is_refused(tmp_path):
    config_file = tmp_path / "interlock.toml"
    config_file.write_text('[connections.vmm01]\nkind = "scvmm"\npassword = "hunter2"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert "connections.vmm01" in str(caught.value) and "password_env" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_installed_backends_are_found_through_entry_points():
    assert "simulated" in Registry.from_entry_points().backends


# -- secrets ------------------------------------------------------------------------------------------

def test_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("INTERLOCK_TEST_PASSWORD", "s3cret")
    assert resolve_secret({"password_env": "INTERLOCK_TEST_PASSWORD"}, "password", "here") == "s3cret"
    monkeypatch.delenv("INTERLOCK_TEST_PASSWORD")
    with pytest.raises(ConfigError, match="INTERLOCK_TEST_PASSWORD, which is not set"):
        resolve_secret({"password_env": "INTERLOCK_TEST_PASSWORD"}, "password", "here")


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring back-end, installed through keyring's own API."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_secret_from_the_keyring(memory_keyring):
    keyring.set_password("interlock-vmm01", "svc-runbook", "from-keyring")
    options = {"password_keyring": "interlock-vmm01:svc-runbook"}
    assert resolve_secret(options, "password", "here") == "from-keyring"
    with pytest.raises(ConfigError, match=r'no entry "nobody" for service "interlock-vmm01"'):
        resolve_secret({"password_keyring": "interlock-vmm01:nobody"}, "password", "here")
    with pytest.raises(ConfigError, match='must be "service:user"'):
        resolve_secret({"password_keyring": "no-colon"}, "password", "here")


def test_a_required_secret_that_is_not_configured_says_how():
    with pytest.raises(ConfigError, match=r'"password_env" .* or "password_keyring"'):
        resolve_secret({}, "password", "vmm01")
    assert resolve_secret({}, "token", "am", required=False) is None


def test_secret_names_are_not_plain_secrets():
    # password_env / password_keyring name where the secret is; they are allowed in the file
    Connection.model_validate({"kind": "scvmm", "password_env": "X", "token_keyring": "a:b"})


