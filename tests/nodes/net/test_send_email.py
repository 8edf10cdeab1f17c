"""Send Email (net.send_email) through the `smtp` kind to a real SMTP server (aiosmtpd) on loopback,
with STARTTLS or TLS on a self-signed certificate and a checked login: what the server received
(headers, body, attachment bytes, the envelope), and the errors a user sees."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import self_signed_certificate
from runbooks import act, instance, run, run_cli
from servers import free_port
from servers.smtp import SmtpServer, running_smtp

from engine.config.connections import Connections
from engine.config.connections import test_connection as connection_test
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from engine.errors import ConfigError

PASSWORD_ENV = "TEST_SMTP_PASSWORD"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    with running_smtp(certificate) as server:
        yield server


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret-mail-pass")


def mail(server: SmtpServer, certificate: tuple[Path, Path], **overrides: Any) -> dict[str, Any]:
    keys = {"kind": "smtp", "host": server.host, "port": server.port, "security": "starttls",
            "username": server.username, "password_env": PASSWORD_ENV, "ca_file": str(certificate[0]),
            "timeout_s": 5, "from": "Runbooks <runbooks@contoso.test>", **overrides}
    return {key: value for key, value in keys.items() if value is not None}


async def test_a_message_arrives_with_headers_body_and_envelope(smtp: SmtpServer, certificate, tmp_path):
    send = act("send", "net.send_email", connection="mail", to="Ops <ops@contoso.test>, dba@contoso.test",
               cc=["lead@contoso.test"], bcc="audit@contoso.test", subject="Batch 7\ndone",
               body="All VMs back.\n", importance="high")
    result = await run(tmp_path, send, mail=mail(smtp, certificate))
    assert result.status == "success", result
    (row,) = result.rows("send")
    (got,) = smtp.received
    assert smtp.logins == ["runbook"]
    assert got.mail_from == "runbooks@contoso.test"
    assert got.rcpt_tos == ["ops@contoso.test", "dba@contoso.test", "lead@contoso.test", "audit@contoso.test"]
    assert row["recipients"] == got.rcpt_tos
    message = got.message
    assert message["From"] == "Runbooks <runbooks@contoso.test>"
    assert message["To"] == "Ops <ops@contoso.test>, dba@contoso.test"
    assert message["Cc"] == "lead@contoso.test"
    assert message["Bcc"] is None and b"audit@" not in got.raw  # Bcc only in the envelope
    assert message["Subject"] == "Batch 7 done"
    assert (message["X-Priority"], message["Importance"]) == ("1 (Highest)", "high")
    assert message["Message-ID"] == row["message_id"] and row["message_id"].endswith("@contoso.test>")
    assert message.get_content_type() == "text/plain" and message.get_content() == "All VMs back.\n"


async def test_html_body_and_attachments_arrive_byte_for_byte(smtp: SmtpServer, certificate, tmp_path):
    (tmp_path / "report.csv").write_text("vm,status\nweb01,Running\n", encoding="utf-8")
    blob = bytes(range(256)) * 4
    (tmp_path / "dump.bin").write_bytes(blob)
    send = act("send", "net.send_email", connection="mail", to=["ops@contoso.test"], subject="Report",
               body="<p>See <b>attached</b></p>", body_type="html", importance="low",
               attachments=["report.csv", str(tmp_path / "dump.bin")])
    result = await run(tmp_path, send, mail=mail(smtp, certificate))
    assert result.status == "success", result
    message = smtp.received[0].message
    assert message["Importance"] == "low" and message["X-Priority"] == "5 (Lowest)"
    body = message.get_body(("html",))
    assert body is not None and body.get_content() == "<p>See <b>attached</b></p>\n"
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {"report.csv", "dump.bin"}
    assert files["report.csv"].get_content_type() == "text/csv"
    assert files["report.csv"].get_payload(decode=True) == b"vm,status\nweb01,Running\n"
    assert files["dump.bin"].get_content_type() == "application/octet-stream"
    assert files["dump.bin"].get_payload(decode=True) == blob


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_implicit_tls_and_a_from_override(certificate, tmp_path):
    with running_smtp(certificate, security="tls") as server:
        result = await run(tmp_path, act("send", "net.send_email", connection="mail", to="ops@contoso.test",
                                         subject="s", body="b", **{"from": "night@contoso.test"}),
                           mail=mail(server, certificate, security="tls"))
        assert result.status == "success", result
        assert server.received[0].mail_from == "night@contoso.test"
        assert server.received[0].message["From"] == "night@contoso.test"


async def test_a_missing_attachment_is_named_and_nothing_is_sent(smtp: SmtpServer, certificate, tmp_path):
    result = await run(tmp_path, act("send", "net.send_email", connection="mail", to="ops@contoso.test",
                                     attachments=["missing.log"]), mail=mail(smtp, certificate))
    assert result.status == "failed"
    assert instance(result, "send").error == f"attachment not found: {tmp_path / 'missing.log'}"
    assert smtp.received == []


async def test_a_wrong_password_is_refused_without_showing_it(smtp: SmtpServer, certificate, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong-password-123")
    result = await run(tmp_path, act("send", "net.send_email", connection="mail", to="ops@contoso.test"),
                       mail=mail(smtp, certificate))
    assert result.status == "failed"
    error = instance(result, "send").error
    assert error.startswith(f'send email on connection "mail": 127.0.0.1:{smtp.port}: the server refused '
                            f"the login of runbook: 535")
    assert "wrong-password-123" not in result.model_dump_json()
    assert smtp.received == []


async def test_tls_is_refused_without_the_ca(smtp: SmtpServer, certificate, tmp_path):
    result = await run(tmp_path, act("send", "net.send_email", connection="mail", to="ops@contoso.test"),
                       mail=mail(smtp, certificate, ca_file=None))
    assert result.status == "failed"
    error = instance(result, "send").error
    assert "TLS certificate is not trusted" in error and "set ca_file" in error
    assert smtp.received == []


async def test_bad_addresses_and_no_recipients_are_clear(smtp: SmtpServer, certificate, tmp_path):
    result = await run(tmp_path, act("send", "net.send_email", connection="mail", to="ops at contoso"),
                       mail=mail(smtp, certificate))
    assert instance(result, "send").error == "to: 'ops at contoso' is not an e-mail address"
    result = await run(tmp_path, act("send", "net.send_email", connection="mail", to=""),
                       mail=mail(smtp, certificate))
    assert instance(result, "send").error == "no recipients: set to, cc or bcc"


async def test_an_unreachable_server_fails_quickly(certificate, tmp_path):
    port = free_port()
    result = await asyncio.wait_for(run(tmp_path, act("send", "net.send_email", connection="mail",
                                                      to="ops@contoso.test"),
                                        mail={"kind": "smtp", "host": "127.0.0.1", "port": port,
                                              "security": "none", "from": "a@b.test"}), 10)
    assert result.status == "failed"
    assert instance(result, "send").error == (f'send email on connection "mail": 127.0.0.1:{port}: cannot '
                                              f"connect: Connection refused")


def test_connection_keys_are_checked_with_the_config_file(tmp_path, monkeypatch):
    kinds = Registry.from_entry_points().backends
    source = tmp_path / "interlock.toml"

    def check(**keys: Any) -> None:
        Connections(Config(connections={"mail": Connection(kind="smtp", **keys)}, source=source),
                    kinds).check("mail")

    with pytest.raises(ConfigError, match=r'toml: connections.mail: no password: set "password_env"'):
        check(host="h", username="u")
    with pytest.raises(ConfigError, match=r'connections.mail: key "security": Input should be'):
        check(host="h", security="ssl")
    with pytest.raises(ConfigError, match=r'connections.mail: key "from": .*not an e-mail address'):
        check(host="h", **{"from": "nobody"})
    with pytest.raises(ConfigError, match=r'connections.mail: key "ca_file": .*nope.pem not found'):
        check(host="h", ca_file="nope.pem")


async def test_connections_test_logs_in(smtp: SmtpServer, certificate):
    keys = mail(smtp, certificate)
    config = Config(connections={"mail": Connection(**keys)})
    kinds = Registry.from_entry_points().backends
    answered, found = await connection_test(Connections(config, kinds), "mail")
    assert answered, found
    assert "logged in as runbook" in found and "(starttls)" in found


def test_the_cli_sends_an_email(smtp: SmtpServer, certificate, tmp_path, capsys):
    code, result = run_cli(tmp_path, capsys,
                           act("send", "net.send_email", connection="mail", to="ops@contoso.test",
                               subject="From the CLI", body="hello"),
                           mail=mail(smtp, certificate))
    assert code == 0, result
    (send,) = [a for a in result["activities"] if a["id"] == "send"]
    assert send["instances"][0]["rows"][0]["recipients"] == ["ops@contoso.test"]
    assert smtp.received[0].message["Subject"] == "From the CLI"
