"""The runbook server's token store, roles, folder scopes and audit log, on a real SQLite file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.config.redaction import remember_secret
from engine.config.settings import Config, Variable
from engine.server.security import (
    ROLES,
    AuditLog,
    Principal,
    SecurityError,
    TokenStore,
    normalise_folder,
)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "server.sqlite3"


@pytest.fixture
def store(store_path: Path):
    tokens = TokenStore(store_path)
    yield tokens
    tokens.close()


def test_a_created_token_verifies_as_its_name_role_and_folders(store: TokenStore) -> None:
    token = store.create("ci", "operator", ["patching"])
    assert token.startswith("il_") and len(token) > 40
    assert store.verify(token) == Principal("ci", "operator", ("patching",))


def test_each_token_is_different_and_only_its_own_verifies(store: TokenStore) -> None:
    first, second = store.create("a", "viewer"), store.create("b", "admin")
    assert first != second
    assert store.verify(first).name == "a" and store.verify(second).name == "b"
    assert store.verify(first[:-1] + ("x" if first[-1] != "x" else "y")) is None
    assert store.verify("") is None and store.verify("il_") is None and store.verify("nope") is None


def test_a_revoked_token_is_refused_and_listed_as_revoked(store: TokenStore) -> None:
    token = store.create("ci", "operator")
    assert store.revoke("ci") is True
    assert store.verify(token) is None
    assert store.revoke("ci") is False  # already revoked
    assert store.revoke("unknown") is False
    [info] = store.list()
    assert info.name == "ci" and info.revoked and info.revoked_at


def test_a_revocation_by_another_process_holds_for_an_open_store(store: TokenStore, store_path: Path) -> None:
    token = store.create("ci", "operator")
    assert store.verify(token) is not None
    other = TokenStore(store_path)
    try:
        other.revoke("ci")
    finally:
        other.close()
    assert store.verify(token) is None


def test_names_are_unique_even_after_revocation(store: TokenStore) -> None:
    store.create("ci", "viewer")
    with pytest.raises(SecurityError, match='a token named "ci" exists already'):
        store.create("ci", "admin")
    store.revoke("ci")
    with pytest.raises(SecurityError, match="revoked"):
        store.create("ci", "admin")


@pytest.mark.parametrize("name", ["", "has space", "-dash-first", "x" * 101, "slash/name"])
def test_a_bad_name_is_refused_with_what_is_allowed(store: TokenStore, name: str) -> None:
    with pytest.raises(SecurityError, match="token name"):
        store.create(name, "viewer")


def test_an_unknown_role_is_refused(store: TokenStore) -> None:
    with pytest.raises(SecurityError, match='unknown role "root"'):
        store.create("ci", "root")  # type: ignore[arg-type]


def test_the_list_holds_role_folders_and_use_but_never_the_token_or_its_hash(store: TokenStore) -> None:
    token = store.create("ci", "operator", ["patching", "backups/nightly"])
    store.create("reader", "viewer")
    assert store.list()[0].last_used_at is None
    store.verify(token)
    listed = store.list()
    assert [(i.name, i.role, i.folders, i.revoked) for i in listed] == [
        ("ci", "operator", ["backups/nightly", "patching"], False), ("reader", "viewer", [], False)]
    assert listed[0].last_used_at is not None and listed[1].last_used_at is None
    dumped = str([info.model_dump() for info in listed])
    assert token not in dumped and store_token_hash(store, "ci") not in dumped


def store_token_hash(store: TokenStore, name: str) -> str:
    db = sqlite3.connect(store.path)
    try:
        return db.execute("SELECT hash FROM tokens WHERE name = ?", (name,)).fetchone()[0]
    finally:
        db.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_store_is_readable_by_its_owner_only(store: TokenStore, store_path: Path) -> None:
    store.create("ci", "viewer")
    modes = {p.name: p.stat().st_mode & 0o777 for p in store_path.parent.glob("server.sqlite3*")}
    assert modes and set(modes.values()) == {0o600}, modes


def test_the_token_is_never_stored_in_clear(store: TokenStore, store_path: Path) -> None:
    token = store.create("ci", "admin")
    store.verify(token)
    store.close()
    on_disk = b"".join(p.read_bytes() for p in store_path.parent.glob("server.sqlite3*"))
    assert b"ci" in on_disk  # the file is what was read
    assert token.encode() not in on_disk
    assert token[3:].encode() not in on_disk and token[3:20].encode() not in on_disk


@pytest.mark.parametrize(("given", "stored"), [
    ("patching", "patching"), ("patching/", "patching"), ("./patching//linux/", "patching/linux"),
    ("patching\\linux", "patching/linux"), ("Patching", "Patching"),
])
def test_folders_are_normalised_but_keep_their_case(given: str, stored: str) -> None:
    assert normalise_folder(given) == stored


@pytest.mark.parametrize("folder", ["..", "../x", "patching/../../etc", "/etc", "C:/x", "", "."])
def test_folders_outside_the_catalogue_or_empty_are_refused(store: TokenStore, folder: str) -> None:
    with pytest.raises(SecurityError, match=f'folder "{folder}"'.replace("\\", "\\\\").replace(".", r"\.")):
        store.create("ci", "operator", [folder])
    assert store.list() == []


def test_a_folder_scope_covers_its_folder_and_deeper_only() -> None:
    scoped = Principal("ci", "operator", ("patching",))
    assert scoped.may_see("patching/a.json")
    assert scoped.may_see("patching/sub/b.json")
    assert scoped.may_see("patching")
    assert scoped.may_see("./patching/a.json") and scoped.may_see("patching\\sub\\b.json")
    assert not scoped.may_see("patchingx/c.json")
    assert not scoped.may_see("../x")
    assert not scoped.may_see("patching/../secret/x.json")
    assert not scoped.may_see("/patching/a.json")
    assert not scoped.may_see("other/a.json")
    assert not scoped.may_see("Patching/a.json")  # case as on disk: another folder there


def test_a_token_without_folders_sees_the_whole_catalogue_but_nothing_outside() -> None:
    everything = Principal("admin", "admin")
    assert everything.may_see("a.json") and everything.may_see("deep/er/b.json")
    assert not everything.may_see("../x.json")


def test_parent_folders_of_a_scope_are_listed_but_their_runbooks_are_not_visible() -> None:
    scoped = Principal("ci", "operator", ("patching/linux",))
    assert scoped.may_list("") and scoped.may_list("patching") and scoped.may_list("patching/linux/x")
    assert not scoped.may_see("patching/windows.json")
    assert not scoped.may_list("backups") and not scoped.may_list("patching/windows")


def test_roles_are_ordered_viewer_operator_admin() -> None:
    assert ROLES == ("viewer", "operator", "admin")
    allowed = {role: [need for need in ROLES if Principal("x", role).can(need)] for role in ROLES}
    assert allowed == {"viewer": ["viewer"], "operator": ["viewer", "operator"],
                       "admin": ["viewer", "operator", "admin"]}


# -- audit log -----------------------------------------------------------------------------------------

def test_audit_entries_come_back_newest_first_and_filtered(store_path: Path) -> None:
    audit = AuditLog(store_path)
    try:
        audit.record("ci", "job.start", "patching/a.json", "127.0.0.1", {"job_id": "j1"})
        audit.record("ci", "job.cancel", "j1", "127.0.0.1")
        audit.record("ops", "job.start", "b.json", "10.0.0.5", {"parameters": {"n": 1}})
        entries = audit.entries()
        assert [(e.who, e.action, e.target, e.source) for e in entries] == [
            ("ops", "job.start", "b.json", "10.0.0.5"), ("ci", "job.cancel", "j1", "127.0.0.1"),
            ("ci", "job.start", "patching/a.json", "127.0.0.1")]
        assert entries[2].detail == {"job_id": "j1"} and entries[1].detail == {}
        assert [e.target for e in audit.entries(who="ci")] == ["j1", "patching/a.json"]
        assert [e.who for e in audit.entries(action="job.start")] == ["ops", "ci"]
        assert len(audit.entries(limit=1)) == 1
        assert audit.entries(since="2999-01-01T00:00:00Z") == []
        assert len(audit.entries(since="2000-01-01")) == 3
        assert entries[0] in audit.entries(since=entries[0].at)
        with pytest.raises(SecurityError, match='since "yesterday"'):
            audit.entries(since="yesterday")
    finally:
        audit.close()


def test_audit_details_never_hold_a_secret(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remember_secret("s3cret-value-read-from-a-vault")
    audit = AuditLog(store_path)
    try:
        audit.record("ci", "job.start", "a.json", "127.0.0.1", {"parameters": {
            "Host": "web1", "Note": "uses s3cret-value-read-from-a-vault", "Password": "hunter22",
            "api_key": "abcd1234"}})
        [entry] = audit.entries()
    finally:
        audit.close()
    assert entry.detail == {"parameters": {"Host": "web1", "Note": "uses ***", "Password": "***",
                                           "api_key": "***"}}
    on_disk = b"".join(p.read_bytes() for p in store_path.parent.glob("server.sqlite3*"))
    assert b"hunter22" not in on_disk and b"s3cret-value" not in on_disk


def test_audit_details_mask_the_configs_secret_variables(store_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("INTERLOCK_TEST_AUDIT_SECRET", "vault-value-9876")
    config = Config(variables={"Svc": Variable(env="INTERLOCK_TEST_AUDIT_SECRET")})
    audit = AuditLog(store_path, config=config)
    try:
        audit.record("ci", "job.start", "a.json", "127.0.0.1", {"parameters": {"Note": "vault-value-9876"}})
        assert audit.entries()[0].detail == {"parameters": {"Note": "***"}}
    finally:
        audit.close()


def test_the_audit_log_is_append_only(store_path: Path) -> None:
    audit = AuditLog(store_path)
    audit.record("ci", "job.start", "a.json", "127.0.0.1")
    audit.close()
    db = sqlite3.connect(store_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE audit SET who = 'someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM audit")
    finally:
        db.close()


def test_tokens_and_audit_share_one_file(store: TokenStore, store_path: Path) -> None:
    store.create("ci", "viewer")
    audit = AuditLog(store_path)
    try:
        audit.record("ci", "job.start", "a.json", "::1")
        assert len(audit.entries()) == 1
    finally:
        audit.close()
    assert [p.name for p in store_path.parent.iterdir() if p.suffix == ".sqlite3"] == ["server.sqlite3"]


def test_an_unreadable_store_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(SecurityError, match=f"{path}"):
        TokenStore(path).create("ci", "viewer")


def test_a_store_written_by_a_newer_interlock_is_refused(store_path: Path) -> None:
    TokenStore(store_path).list()
    db = sqlite3.connect(store_path)
    db.execute("INSERT INTO schema_version (version) VALUES (99)")
    db.commit()
    db.close()
    with pytest.raises(SecurityError, match="newer Interlock"):
        TokenStore(store_path).list()


# -- several processes ---------------------------------------------------------------------------------

CREATOR = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from engine.server.security import TokenStore, SecurityError
    path, prefix, start = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.001)
    store = TokenStore(path)
    for n in range(25):
        token = store.create(f"{prefix}{n}", "operator", ["shared"])
        assert store.verify(token).name == f"{prefix}{n}"
    try:
        store.create("same", "viewer")
        print("created same")
    except SecurityError as exc:
        print("refused same:", exc)
""")


def test_two_processes_creating_tokens_at_once_lose_none_and_one_name_wins(store_path: Path) -> None:
    import time

    start = str(time.time() + 1.0)  # both start writing on a fresh file at the same moment
    processes = [subprocess.Popen([sys.executable, "-c", CREATOR, str(store_path), prefix, start],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for prefix in ("a", "b")]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    said = sorted(out.strip().split(":")[0] for out, _ in outputs)
    assert said == ["created same", "refused same"]
    store = TokenStore(store_path)
    try:
        names = {info.name for info in store.list()}
    finally:
        store.close()
    assert names == {f"{p}{n}" for p in "ab" for n in range(25)} | {"same"}
