"""The files pack in runbooks: permission errors, an unreachable host, a connection of the wrong kind,
fan-out (one instance per incoming row), subscribed paths that stay data, relative paths, and a
clean-up runbook run by `interlock run --json`."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from chains import chain_file, error, step
from servers import free_port
from servers.sshd import SshServer
from sides import LOCAL, Side, sftp, sftp_side, side, sshd  # noqa: F401 (fixtures)

from engine.cli.main import main


async def test_a_folder_the_system_refuses_names_the_path_and_the_reason(side: Side, tmp_path: Path):
    # /sys refuses new entries even to root, so the test means the same as root and as a user.
    result = await side.one(tmp_path, "files.create_folder", path="/sys/interlock-test")
    assert result.status == "failed"
    message = error(result, "it")
    assert message.startswith(f"create folder on {side.where}: /sys/interlock-test: ")
    assert "permission denied" in message or "operation not permitted" in message


async def test_deleting_a_file_the_system_protects_fails_cleanly(side: Side, tmp_path: Path):
    result = await side.one(tmp_path, "files.delete_file", path="/proc/version")
    assert result.status == "failed"
    message = error(result, "it")
    assert message.startswith(f"delete file on {side.where}: /proc/version: ")
    assert "permission denied" in message or "operation not permitted" in message


async def test_an_unreachable_host_fails_naming_the_connection(tmp_path: Path, sshd: SshServer):
    dead = sftp_side(sshd.connection_keys(port=free_port(), connect_timeout_s=5))
    started = time.monotonic()
    result = await dead.one(tmp_path, "files.get_file_status", path="/etc/hostname")
    assert result.status == "failed"
    assert time.monotonic() - started < 10
    message = error(result, "it")
    assert 'get file status on connection "web"' in message
    assert "cannot connect: Connection refused" in message


async def test_a_host_that_never_answers_fails_within_the_connect_timeout(tmp_path: Path, sshd: SshServer):
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        mute = sftp_side(sshd.connection_keys(port=silent.getsockname()[1], connect_timeout_s=1))
        started = time.monotonic()
        result = await mute.one(tmp_path, "files.read_line", path="/etc/hostname")
    assert result.status == "failed"
    assert time.monotonic() - started < 5
    assert "no answer within 1 s (connect_timeout_s)" in error(result, "it")


async def test_a_connection_of_another_kind_is_refused(tmp_path: Path):
    from engine.config.settings import Config, Connection

    other = Side("other", "db", Config(connections={"db": Connection(kind="database",
                                                                     url="sqlite:///x.db")}), "")
    result = await other.one(tmp_path, "files.read_line", path="/etc/hostname")
    assert result.status == "failed"
    assert 'connection "db" cannot work with files (choose an ssh connection' in error(result, "it")


async def test_one_instance_per_incoming_row(side: Side, tmp_path: Path):
    result = await side.run(
        tmp_path,
        step("names", "core.split", text="alpha\nbeta\ngamma"),
        side.step("mk", "files.create_folder", path=str(tmp_path / "sites" / "{{names.item}}")),
        side.step("log", "files.append_line", path="{{mk.path}}/created.txt", text="made {{names.item}}"))
    assert result.status == "success", result
    assert len(result.activity("mk").instances) == 3
    assert len(result.activity("log").instances) == 3
    for name in ("alpha", "beta", "gamma"):
        assert (tmp_path / "sites" / name / "created.txt").read_text() == f"made {name}\n"


async def test_subscribed_paths_are_data_never_shell(sftp: Side, tmp_path: Path):
    hostile = "x'; touch injected; echo '$(id).txt"
    result = await sftp.run(
        tmp_path,
        step("names", "core.split", text=hostile),
        sftp.step("add", "files.append_line", path=str(tmp_path) + "/{{names.item}}", text="data"))
    assert result.status == "success", result
    assert (tmp_path / hostile).read_text() == "data\n"
    assert not (tmp_path / "injected").exists() and not Path("injected").exists()


async def test_a_relative_local_path_is_taken_from_the_runbook_folder(tmp_path: Path):
    result = await LOCAL.one(tmp_path, "files.append_line", path="notes/today.txt", text="hello",
                             create_if_missing=True)
    assert result.status == "failed"  # the folder notes/ is not there: no folder is made silently
    assert f"{tmp_path / 'notes' / 'today.txt'}: no such file or directory" in error(result, "it")
    (tmp_path / "notes").mkdir()
    done = await LOCAL.one(tmp_path, "files.append_line", path="notes/today.txt", text="hello")
    assert done.rows("it")[0]["path"] == str(tmp_path / "notes" / "today.txt")
    assert (tmp_path / "notes" / "today.txt").read_text() == "hello\n"


def _old(path: Path, days: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(path.name)
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_the_cli_deletes_old_logs_over_sftp_and_publishes_them(sshd: SshServer, tmp_path: Path, capsys):
    logs = tmp_path / "var" / "log" / "app"
    for name, days in (("old-1.log", 30), ("old-2.log", 15), ("new.log", 1), ("old.txt", 30)):
        _old(logs / name, days)
    _old(logs / "archive" / "old-3.log", 60)
    runbook = chain_file(
        tmp_path,
        step("start", "core.initialize_data",
             parameters=[{"name": "Folder", "type": "string"}, {"name": "Days", "type": "string"}]),
        step("clean", "files.delete_file", connection="web", path="{{start.Folder}}/*.log",
             recursive=True, older_than_days="{{start.Days}}"),
        step("record", "files.append_line", path=str(tmp_path / "deleted.txt"), text="{{clean.path}}"))
    keys = sshd.connection_keys()
    config = tmp_path / "interlock.toml"
    config.write_text("[connections.web]\nkind = \"ssh\"\n"
                      + "".join(f"{key} = {json.dumps(value)}\n" for key, value in keys.items()),
                      encoding="utf-8")
    capsys.readouterr()
    code = main(["run", str(runbook), "--json", "--config", str(config), "-p", f"Folder={logs}",
                 "-p", "Days=7"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0, document
    (clean,) = [a for a in document["activities"] if a["id"] == "clean"]
    deleted = [row["path"] for row in clean["instances"][0]["rows"]]
    assert deleted == [str(logs / "archive" / "old-3.log"), str(logs / "old-1.log"), str(logs / "old-2.log")]
    assert sorted(p.name for p in logs.rglob("*") if p.is_file()) == ["new.log", "old.txt"]
    assert sorted((tmp_path / "deleted.txt").read_text().splitlines()) == sorted(deleted)
