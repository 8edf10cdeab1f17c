"""The keys of scvmm / hyperv / scom connections, checked the way a user's config is: defaults that are
safe (https, certificate validation), located errors for wrong keys, secrets never in the file or in a
message. Nothing here connects anywhere."""

from __future__ import annotations

import re

import pytest
import winrm.transport
from winrm_support import PASSWORD_ENV

from engine.config.connections import Connections
from engine.config.registry import Registry
from engine.config.settings import Config, Connection, load_config
from engine.errors import ConfigError
from nodes.backends.winrm.hyperv import HypervBackend
from nodes.backends.winrm.scom import ScomBackend
from nodes.backends.winrm.scvmm import ScvmmBackend


def connections(**tables: Connection) -> Connections:
    return Connections(Config(connections=tables), Registry.from_entry_points().backends)


def open_named(monkeypatch, kind: str, **keys):
    monkeypatch.setenv(PASSWORD_ENV, "S3cr3t-pw!")
    keys = {"host": "vmm01.contoso.local", "username": "CONTOSO\\svc", "password_env": PASSWORD_ENV, **keys}
    return connections(c=Connection(kind=kind, **keys)).get("c")


@pytest.mark.parametrize(("kind", "cls"), [("scvmm", ScvmmBackend), ("hyperv", HypervBackend),
                                           ("scom", ScomBackend)])
def test_defaults_are_https_with_certificate_validation_and_ntlm(monkeypatch, kind, cls):
    backend = open_named(monkeypatch, kind)
    assert isinstance(backend, cls)
    settings = backend.settings
    assert settings.endpoint == "https://vmm01.contoso.local:5986/wsman"
    assert settings.server_cert_validation == "validate"
    assert settings.transport == "ntlm"
    assert (settings.operation_timeout_s, settings.read_timeout_s) == (60, 70)
    assert settings.max_sessions == 5
    assert "S3cr3t-pw!" not in repr(backend) + repr(settings)


def test_http_defaults_to_port_5985_and_kinds_target_localhost(monkeypatch):
    assert open_named(monkeypatch, "scvmm", https=False).settings.endpoint == \
        "http://vmm01.contoso.local:5985/wsman"
    assert open_named(monkeypatch, "scvmm").target_inputs() == {"vmm_server": "localhost"}
    assert open_named(monkeypatch, "hyperv").target_inputs() == {"computer_name": "localhost"}
    scom = open_named(monkeypatch, "scom", object_class="Microsoft.Windows.Computer")
    assert (scom.scom_options.management_server, scom.scom_options.object_class) == \
        ("localhost", "Microsoft.Windows.Computer")


def test_unknown_key_is_named_with_the_file_and_table(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "x")
    config_file = tmp_path / "interlock.toml"
    config_file.write_text('[connections.vmm01]\nkind = "scvmm"\nhost = "vmm01"\nusername = "u"\n'
                           f'password_env = "{PASSWORD_ENV}"\nvmm_sever = "vmm02"\n')
    with pytest.raises(ConfigError) as caught:
        Connections(load_config(config_file), Registry.from_entry_points().backends).check("vmm01")
    assert str(caught.value) == f'{config_file.resolve()}: connections.vmm01: key "vmm_sever": unknown key'


def test_plain_password_is_refused_by_the_config_and_not_repeated(tmp_path):
    config_file = tmp_path / "interlock.toml"
    config_file.write_text('[connections.hv01]\nkind = "hyperv"\nhost = "hv01"\npassword = "hunter2"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert "connections.hv01" in str(caught.value) and "password_env" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(("keys", "key", "words"), [
    ({"read_timeout_s": 30, "operation_timeout_s": 30}, "read_timeout_s", "must exceed operation_timeout_s"),
    ({"transport": "digest"}, "transport", "'ntlm', 'kerberos', 'credssp' or 'basic'"),
    ({"max_sessions": 0}, "max_sessions", "greater than or equal to 1"),
    ({"port": 70000}, "port", "less than or equal to 65535"),
    ({"server_cert_validation": "no"}, "server_cert_validation", "'validate' or 'ignore'"),
])
def test_bad_values_name_their_key(keys, key, words):
    table = {"host": "vmm01", "username": "u", "password_env": PASSWORD_ENV, **keys}
    with pytest.raises(ConfigError) as caught:
        connections(vmm=Connection(kind="scvmm", **table)).check("vmm")
    assert f'key "{key}"' in str(caught.value) and words in str(caught.value)


def test_username_and_password_source_are_required_except_for_kerberos(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    no_user = connections(vmm=Connection(kind="scvmm", host="vmm01", password_env=PASSWORD_ENV))
    with pytest.raises(ConfigError, match='key "username": required with transport "ntlm"'):
        no_user.check("vmm")
    unset = connections(vmm=Connection(kind="scvmm", host="vmm01", username="u", password_env=PASSWORD_ENV))
    with pytest.raises(ConfigError, match=f"{PASSWORD_ENV}, which is not set"):
        unset.check("vmm")
    no_source = connections(vmm=Connection(kind="scvmm", host="vmm01", username="u"))
    with pytest.raises(ConfigError, match='set "password_env"'):
        no_source.check("vmm")


def test_kerberos_and_credssp_name_the_package_they_need_when_missing():
    for transport, package in (("kerberos", "pywinrm[kerberos]"), ("credssp", "pywinrm[credssp]")):
        flag = "HAVE_KERBEROS" if transport == "kerberos" else "HAVE_CREDSSP"
        check = connections(v=Connection(kind="hyperv", host="hv01", transport=transport)).check
        if getattr(winrm.transport, flag):
            continue  # installed here: nothing to report
        expected = re.escape(f'key "transport": "{transport}" needs the {package}')
        with pytest.raises(ConfigError, match=expected):
            check("v")


def test_ignoring_the_certificate_is_only_by_choice_and_ca_path_must_exist(monkeypatch, tmp_path):
    assert open_named(monkeypatch, "scom", server_cert_validation="ignore").settings.server_cert_validation \
        == "ignore"
    with pytest.raises(ConfigError, match=r'key "ca_trust_path": .*missing\.pem not found'):
        open_named(monkeypatch, "scom", ca_trust_path=str(tmp_path / "missing.pem"))
