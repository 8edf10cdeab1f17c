"""Hosts for libvirt's test driver, built in the test: a node XML file (https://libvirt.org/drvtest.html)
with domains in chosen states and Interlock's custom properties in their <metadata>."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import require_real

from engine.config.connections import OpenContext
from nodes.backends.libvirt import LIBVIRT, LibvirtBackend, LibvirtOptions

# The test driver's own elements (runstate is a virDomainState number).
TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
RUNSTATES = {"running": 1, "paused": 3, "shutoff": 5}
INSTALL = "apt install gcc python3-dev pkg-config libvirt-dev; .venv/bin/pip install -e '.[test,libvirt]'"


def importable(module: str) -> bool:
    """The module is installed for real (a folder of that name on sys.path is a namespace package with
    no origin, and does not count)."""
    spec = importlib.util.find_spec(module)
    return spec is not None and spec.origin is not None


def require_libvirt() -> None:
    require_real(importable("libvirt"), "libvirt-python", INSTALL)


def domain_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.interlock.test"))


def domain(name: str, state: str = "running", batch: str | None = "1", *, saved: bool = False,
           transient: bool = False, on_poweroff: str | None = None, metadata: str | None = None) -> str:
    """One <domain> of the node; `metadata` replaces the Interlock element built from `batch`;
    `saved` gives a shut-off domain a managed-save image."""
    if metadata is None and batch is not None:
        metadata = (f'<properties xmlns="urn:interlock:vm:1"><property index="1">{escape(batch)}</property>'
                    f"</properties>")
    parts = [f"<domain type='test' xmlns:test='{TEST_NS}'>", f"<name>{escape(name)}</name>",
             f"<uuid>{domain_uuid(name)}</uuid>", "<memory>1048576</memory>", "<vcpu>1</vcpu>",
             "<os><type>hvm</type></os>"]
    if on_poweroff:
        parts.append(f"<on_poweroff>{on_poweroff}</on_poweroff>")
    if metadata:
        parts.append(f"<metadata>{metadata}</metadata>")
    parts.append(f"<test:runstate>{RUNSTATES[state]}</test:runstate>")
    if saved:
        parts.append("<test:hasmanagedsave/>")
    if transient:
        parts.append("<test:transient/>")
    parts.append("</domain>")
    return "".join(parts)


def write_node(path: Path, domains: list[str], auth: str = "") -> str:
    """Write the node file; its test:// URI."""
    path.write_text(f"<node>{auth}{''.join(domains)}</node>", encoding="utf-8")
    return f"test://{path.resolve()}"


def open_backend(uri: str, tmp_path: Path, **keys: object) -> LibvirtBackend:
    """A libvirt back-end as the engine opens one (options validated by the kind's model)."""
    raw = {"uri": uri, **keys}
    options = LibvirtOptions.model_validate(raw)
    context = OpenContext("kvm", "interlock.toml: connections.kvm", tmp_path, raw)
    backend = LIBVIRT.open(options, context)
    assert isinstance(backend, LibvirtBackend)
    return backend
