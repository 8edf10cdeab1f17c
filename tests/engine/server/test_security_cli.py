"""`interlock server token create|list|revoke`: what it prints, its exit codes, what lands on disk."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.server.security import AuditLog, TokenStore


def token(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["server", "token", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_prints_the_token_alone_once_with_a_warning(tmp_path: Path, capsys) -> None:
    code, out, err = token(capsys, "create", "ci", "--role", "operator", "--folder", "patching/",
                           "--home", str(tmp_path))
    assert code == 0
    [printed] = out.splitlines()  # stdout is the token alone: TOKEN=$(interlock server token create ...)
    assert printed.startswith("il_")
    assert "not shown again" in err and '"ci"' in err and "operator" in err and "patching" in err
    store = TokenStore(tmp_path / "server.sqlite3")
    try:
        assert store.verify(printed).folders == ("patching",)
    finally:
        store.close()
    code, out, err = token(capsys, "list", "--home", str(tmp_path))
    assert code == 0 and printed not in out + err


def test_the_store_is_in_interlock_home_by_default(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("INTERLOCK_HOME", str(tmp_path))
    code, _, _ = token(capsys, "create", "reader", "--role", "viewer")
    assert code == 0 and (tmp_path / "server.sqlite3").exists()
    code, listed, _ = token(capsys, "list", "--json")
    assert code == 0 and [t["name"] for t in json.loads(listed)] == ["reader"]


def test_list_shows_role_folders_and_state_never_the_token_or_hash(tmp_path: Path, capsys) -> None:
    home = ["--home", str(tmp_path)]
    _, first, _ = token(capsys, "create", "ci", "--role", "operator", "--folder", "a", "--folder", "b/c",
                        *home)
    token(capsys, "create", "boss", "--role", "admin", *home)
    token(capsys, "revoke", "boss", *home)
    code, out, _ = token(capsys, "list", *home)
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "operator" in lines["ci"] and "a, b/c" in lines["ci"] and "active" in lines["ci"]
    assert "admin" in lines["boss"] and "(all)" in lines["boss"] and "revoked" in lines["boss"]
    code, out, _ = token(capsys, "list", "--json", *home)
    listed = json.loads(out)
    assert [(t["name"], t["role"], t["folders"], t["revoked"]) for t in listed] == [
        ("boss", "admin", [], True), ("ci", "operator", ["a", "b/c"], False)]
    db = sqlite3.connect(tmp_path / "server.sqlite3")
    hashes = [row[0] for row in db.execute("SELECT hash FROM tokens")]
    db.close()
    assert not any(h in out for h in hashes) and first.strip() not in out


def test_list_with_no_tokens_says_how_to_create_one_and_creates_no_file(tmp_path: Path, capsys) -> None:
    code, out, err = token(capsys, "list", "--home", str(tmp_path))
    assert code == 0 and out == "" and "interlock server token create" in err
    assert not (tmp_path / "server.sqlite3").exists()


def test_revoke_refuses_the_token_at_once_and_is_audited(tmp_path: Path, capsys) -> None:
    home = ["--home", str(tmp_path)]
    _, out, _ = token(capsys, "create", "ci", "--role", "operator", *home)
    code, said, _ = token(capsys, "revoke", "ci", *home)
    assert code == 0 and 'Revoked token "ci"' in said
    store = TokenStore(tmp_path / "server.sqlite3")
    try:
        assert store.verify(out.strip()) is None
    finally:
        store.close()
    code, _, err = token(capsys, "revoke", "ci", *home)
    assert code == 0 and "revoked already" in err
    audit = AuditLog(tmp_path / "server.sqlite3")
    try:
        entries = [(e.action, e.target, e.source) for e in audit.entries()]
        assert all(e.who.startswith("cli:") for e in audit.entries())
    finally:
        audit.close()
    assert entries == [("token.revoke", "ci", "local"), ("token.create", "ci", "local")]


@pytest.mark.parametrize(("args", "message"), [
    (["revoke", "nobody"], 'no token named "nobody"'),
    (["create", "x", "--role", "admin", "--folder", "../etc"], 'folder "../etc"'),
    (["create", "bad name", "--role", "admin"], 'token name "bad name"'),
])
def test_mistakes_exit_2_with_a_message_and_no_traceback(tmp_path: Path, capsys, args, message) -> None:
    token(capsys, "create", "someone", "--role", "viewer", "--home", str(tmp_path))
    code, out, err = token(capsys, *args, "--home", str(tmp_path))
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_a_taken_name_exits_2_and_keeps_the_first_token(tmp_path: Path, capsys) -> None:
    home = ["--home", str(tmp_path)]
    _, first, _ = token(capsys, "create", "ci", "--role", "viewer", *home)
    code, out, err = token(capsys, "create", "ci", "--role", "admin", *home)
    assert code == 2 and out == "" and 'a token named "ci" exists already' in err
    store = TokenStore(tmp_path / "server.sqlite3")
    try:
        assert store.verify(first.strip()).role == "viewer"
    finally:
        store.close()


def test_a_role_is_required_and_must_be_known(tmp_path: Path, capsys) -> None:
    code, _, err = token(capsys, "create", "ci", "--home", str(tmp_path))
    assert code == 2 and "--role" in err
    code, _, err = token(capsys, "create", "ci", "--role", "root", "--home", str(tmp_path))
    assert code == 2 and "invalid choice" in err
