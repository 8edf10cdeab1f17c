"""The example runbook resources/examples/host-health-report.json through `interlock run --json`, with
its `server` connection on a real sshd and its `mail` connection on a real SMTP server: a host that
answers gets a report with its disk usage; one that does not gets an alert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import self_signed_certificate
from runbooks import cli_run, write_config
from servers import free_port
from servers.smtp import SmtpServer, running_smtp
from servers.sshd import SshServer, running_sshd

RUNBOOK = Path(__file__).resolve().parents[3] / "resources" / "examples" / "host-health-report.json"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with running_smtp(self_signed_certificate(tmp_path)) as server:
        yield server


def run_example(tmp_path: Path, capsys: Any, sshd: SshServer, smtp: SmtpServer, port: int,
                monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv("TEST_MAIL_PASSWORD", smtp.password)
    connections = {
        "server": {"kind": "ssh", **sshd.connection_keys()},
        "mail": {"kind": "smtp", "host": smtp.host, "port": smtp.port, "username": smtp.username,
                 "password_env": "TEST_MAIL_PASSWORD", "ca_file": str(tmp_path / "server.pem"),
                 "from": "runbooks@example.com"},
    }
    return cli_run(RUNBOOK, write_config(tmp_path, **connections), capsys, "-p", "Host=127.0.0.1",
                   "-p", f"Port={port}", "-p", f"Path={tmp_path}", "-p", "Recipient=Ops <ops@example.com>")


def test_a_host_that_answers_gets_a_disk_report(sshd, smtp, tmp_path, capsys, monkeypatch):
    code, result = run_example(tmp_path, capsys, sshd, smtp, sshd.port, monkeypatch)
    assert code == 0 and result["status"] == "success", result
    (mail,) = smtp.received
    assert mail.rcpt_tos == ["ops@example.com"]
    assert mail.message["Subject"] == f"Disk usage of {tmp_path} on 127.0.0.1"
    body = mail.message.get_content()
    assert body.startswith("127.0.0.1 answered in ")
    assert "Filesystem" in body and "Mounted on" in body  # df -P's header, read over SSH
    assert mail.message["Importance"] is None


def test_a_host_that_does_not_answer_gets_an_alert(sshd, smtp, tmp_path, capsys, monkeypatch):
    port = free_port()
    code, result = run_example(tmp_path, capsys, sshd, smtp, port, monkeypatch)
    assert code == 0 and result["status"] == "success", result
    ran = {a["id"]: len(a["instances"]) for a in result["activities"]}
    assert ran.get("disk_usage", 0) == 0 and ran.get("report", 0) == 0
    (mail,) = smtp.received
    assert mail.message["Subject"] == "127.0.0.1 does not answer"
    assert mail.message["Importance"] == "high"
    body = mail.message.get_content().strip()
    assert body == f"127.0.0.1 is not reachable: TCP port {port}: Connection refused"
