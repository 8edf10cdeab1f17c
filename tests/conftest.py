"""Shared test support: every test gets its own INTERLOCK_HOME (no real history or lab is touched), and
labs for the simulated back-end are built in the test, VM by VM."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import Engine
from engine.config.registry import Registry
from engine.config.settings import Config, Connection, EngineSettings
from nodes.backends.simulated.lab import Lab

LabFactory = Callable[..., Path]


@pytest.fixture(autouse=True)
def qt_tidy(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a Qt test: run Qt's deferred deletions and Python's cycle collector at a known moment.
    Left to chance, the collector can free a widget's wrapper while Qt still has events queued for
    it, which crashes the interpreter a few tests later (seen with PySide6 6.11 in full runs)."""
    yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None or widgets.QApplication.instance() is None or "designer" not in request.path.parts:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    app = widgets.QApplication.instance()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.collect()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("interlock-home")
    monkeypatch.setenv("INTERLOCK_HOME", str(home))
    # Secrets a test's code read (remember_secret) are masked for the rest of the process: forget them
    # after the test, or a token "good" read by one test turns "all good" into "all ***" in another.
    from engine.config import redaction

    monkeypatch.setattr(redaction, "_remembered", redaction._remembered)
    return home


def vm(name: str, status: str = "Running", batch: str | None = "1", host: str = "hv01",
       vm_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """One VM of a lab; its id is `id-NAME` unless given."""
    props = {"1": batch} if batch is not None else {}
    return {"id": vm_id or f"id-{name}", "name": name, "status": status, "host": host,
            "custom_properties": props, "checkpoints": [], **extra}


def write_lab(path: Path, vms: Iterable[dict[str, Any]], *, time_scale: float = 0.0,
              latency: dict[str, float] | None = None, fail: Iterable[dict[str, Any]] = (),
              maintenance: Iterable[dict[str, Any]] = ()) -> Path:
    data: dict[str, Any] = {"vms": list(vms), "maintenance": list(maintenance), "time_scale": time_scale,
                            "fail": list(fail)}
    if latency is not None:
        data["latency_s"] = latency
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def make_lab(tmp_path: Path) -> LabFactory:
    """make_lab([vm(...), ...], time_scale=0, fail=[...]) -> the lab file's path."""
    def make(vms: Iterable[dict[str, Any]], name: str = "lab.json", **options: Any) -> Path:
        return write_lab(tmp_path / name, vms, **options)
    return make


def read_lab(path: Path) -> Lab:
    return Lab.model_validate_json(path.read_text(encoding="utf-8"))


def lab_engine(lab_path: Path, *, max_parallel: int = 50, **connections: Connection) -> Engine:
    """An engine whose `default` connection is this lab, with every installed pack and back-end."""
    config = Config(engine=EngineSettings(max_parallel=max_parallel),
                    connections={"default": Connection(kind="simulated", lab=str(lab_path)), **connections})
    return Engine(config, Registry.from_entry_points())


REQUIRE_REAL_ENV = "INTERLOCK_REQUIRE_REAL_BACKENDS"


def require_real(available: bool, what: str, install: str) -> None:
    """Skip a test whose real component (a server binary, a C binding) is not on this machine, with
    what to install; CI sets INTERLOCK_REQUIRE_REAL_BACKENDS=1 so a missing component fails instead."""
    if available:
        return
    message = f"{what} is not available here: {install}"
    if os.environ.get(REQUIRE_REAL_ENV) == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def self_signed_certificate(folder: Path, stem: str = "server") -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key, as PEM files in `folder`: for the
    tests of https endpoints on loopback (trusted through a CA file, refused without one)."""
    import ipaddress
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(hours=2))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A real PostgreSQL server (tests/servers/postgres.py), started once for the whole suite: a test
    that needs its own data makes its own database (`postgres.admin("CREATE DATABASE ...")`)."""
    from servers.postgres import running_postgres

    with running_postgres() as server:
        yield server
