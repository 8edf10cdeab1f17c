"""An Alertmanager that serves https with a certificate of its own (self-signed for 127.0.0.1): trusted
through `ca_file`, refused without it, accepted with `verify = false`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from amserver import Alertmanager, running_alertmanager
from conftest import self_signed_certificate

from engine.config.connections import Connections
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from nodes.backends.interface import BackendError

x509 = pytest.importorskip("cryptography.x509")  # installed with pywinrm (requests-ntlm)


@pytest.fixture(scope="module")
def tls_alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    home = tmp_path_factory.mktemp("alertmanager-tls")
    with running_alertmanager(home, tls=self_signed_certificate(home, "cert")) as server:
        yield server


def open_am(server: Alertmanager, **keys: object) -> object:
    home = Path(server.process.args[1].partition("=")[2]).parent  # --config.file=HOME/alertmanager.yml
    config = Config(connections={"am": Connection(kind="alertmanager", url=server.url, **keys)},
                    source=home / "interlock.toml")  # ca_file = "cert.pem" is relative to it
    return Connections(config, Registry.from_entry_points().backends).get("am")


async def test_https_with_the_servers_ca_file(tls_alertmanager: Alertmanager):
    assert tls_alertmanager.url.startswith("https://")
    am = open_am(tls_alertmanager, ca_file="cert.pem")
    await am.start_maintenance("tls01", "PlannedOther", 10, "")
    await am.stop_maintenance("tls01")
    assert [s["status"]["state"] for s in tls_alertmanager.silences(instance="tls01")] == ["expired"]


async def test_an_unknown_certificate_is_refused_and_named(tls_alertmanager: Alertmanager):
    with pytest.raises(BackendError) as caught:
        await open_am(tls_alertmanager).start_maintenance("tls02", "PlannedOther", 10, "")
    message = str(caught.value)
    assert message.startswith(f'start maintenance tls02 on connection "am": cannot connect to Alertmanager '
                              f"at {tls_alertmanager.url}: TLS certificate verify failed: ")
    assert message.endswith("(trust its CA with ca_file, or set verify = false)")
    assert tls_alertmanager.silences(instance="tls02") == []


async def test_verify_false_accepts_any_certificate(tls_alertmanager: Alertmanager):
    am = open_am(tls_alertmanager, verify=False)
    window = await am.start_maintenance("tls03", "PlannedOther", 10, "")
    assert window.object == "tls03"
    await am.stop_maintenance("tls03")
