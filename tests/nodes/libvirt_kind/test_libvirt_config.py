"""The libvirt kind's configuration: its keys, and a clear error when libvirt-python is not installed
(these tests need no libvirt)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from libvirt_node import require_libvirt

from engine.config.connections import Connections
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from engine.errors import ConfigError
from nodes.backends.libvirt import LIBVIRT, LibvirtOptions


def connections(tmp_path: Path, **keys: object) -> Connections:
    config = Config(connections={"kvm01": Connection(kind="libvirt", **keys)},
                    source=tmp_path / "interlock.toml")
    return Connections(config, Registry.from_entry_points().backends)


def test_the_entry_point_is_the_real_kind():
    assert Registry.from_entry_points().backends["libvirt"] is LIBVIRT


def test_defaults_and_bounds():
    options = LibvirtOptions(uri="qemu:///system")
    assert (options.max_sessions, options.shutdown_timeout_s, options.username) == (5, 120.0, None)


@pytest.mark.parametrize(("keys", "message"), [
    ({}, 'connections.kvm01: key "uri": Field required'),
    ({"uri": "qemu:///system", "urii": "x"}, 'connections.kvm01: key "urii": unknown key'),
    ({"uri": "qemu:///system", "shutdown_timeout_s": 0}, 'key "shutdown_timeout_s": Input should be greater'),
    ({"uri": "qemu:///system", "max_sessions": 0}, 'key "max_sessions": Input should be greater'),
])
def test_a_wrong_key_is_named(tmp_path, keys, message):
    with pytest.raises(ConfigError) as caught:
        connections(tmp_path, **keys).check("kvm01")
    assert str(caught.value).startswith(str(tmp_path / "interlock.toml")) and message in str(caught.value)


def test_without_libvirt_python_check_and_open_say_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "libvirt", None)  # what `import libvirt` meets when it is missing
    for step in ("check", "get"):
        with pytest.raises(ConfigError) as caught:
            getattr(connections(tmp_path, uri="qemu:///system"), step)("kvm01")
        message = str(caught.value)
        assert message.startswith(f"{tmp_path / 'interlock.toml'}: connections.kvm01: key \"kind\": kind "
                                  f'"libvirt" needs libvirt-python, which cannot be imported')
        assert "pip install 'interlock[libvirt]'" in message and "libvirt-dev pkg-config" in message



def test_libvirt_python_is_an_extra_the_test_command_does_not_install():
    """The README's test command (`pip install -e '.[test]'`) works on a machine with Python only:
    libvirt-python builds from source (a C compiler, Python's and libvirt's headers), so it is only in the
    `libvirt` extra, which .ci/run installs."""
    project = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    assert any(r.startswith("libvirt-python") for r in extras["libvirt"])
    assert [r for r in extras["test"] + project["project"]["dependencies"] if "libvirt" in r] == []


def test_without_libvirt_python_its_tests_skip_saying_what_to_install_and_fail_in_ci(monkeypatch):
    monkeypatch.setitem(sys.modules, "libvirt", None)
    monkeypatch.delenv("INTERLOCK_REQUIRE_REAL_BACKENDS", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_libvirt()
    assert str(skipped.value) == ("libvirt-python is not available here: apt install gcc python3-dev "
                                  "pkg-config libvirt-dev; .venv/bin/pip install -e '.[test,libvirt]'")
    monkeypatch.setenv("INTERLOCK_REQUIRE_REAL_BACKENDS", "1")
    with pytest.raises(pytest.fail.Exception, match="libvirt-python is not available here"):
        require_libvirt()
