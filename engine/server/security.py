"""The runbook server's API tokens, roles, folder scopes and audit log, kept in one SQLite file
(INTERLOCK_HOME's server.sqlite3 unless a path is given).

A token is `il_` + 32 random bytes (URL-safe base64), shown once when it is created and stored only as
its SHA-256: such a token is far too long to guess, so a slow password hash would add nothing but
latency to every request (docs/decisions.md). Roles are ordered viewer < operator < admin; a token may
be limited to folders of the catalogue. The audit log is append-only (triggers refuse UPDATE and DELETE)
and its details pass through the redactor, so a secret in a job's parameters is stored as `***`.
Several processes may share the file: WAL mode, writes take the lock up front and wait for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from .. import paths
from ..config.redaction import MASK, Redactor
from ..config.settings import Config
from ..errors import InterlockError
from ..sqlitedb import NewerSchemaError, immediate, open_migrated

Role = Literal["viewer", "operator", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)  # in order: each role may do what the ones before it may
TOKEN_PREFIX = "il_"
TOKEN_BYTES = 32
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
# Writing last_used_at on every request would make each read a write transaction; once a minute is
# precise enough to tell a token in use from a forgotten one.
LAST_USED_EVERY = timedelta(minutes=1)
# Keys whose values are secrets whatever they hold; masked in audit details besides known secret values.
SECRET_KEYS = re.compile(r"(password|passwd|secret|token|api[_-]?key|credential)", re.IGNORECASE)

_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE tokens (
            name TEXT PRIMARY KEY,
            hash TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            folders TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        )""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX audit_at ON audit (at)",
        "CREATE INDEX audit_who ON audit (who)",
        """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    ],
}


class SecurityError(InterlockError):
    """A token or audit operation that cannot be done; the message names the file or the token."""


STORE_FILE = "server.sqlite3"


def default_path() -> Path:
    return paths.data_dir() / STORE_FILE


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- folder scopes -------------------------------------------------------------------------------------

def normalise_path(path: str) -> str | None:
    """A catalogue path as compared with scopes: forward slashes, no leading/trailing slash, no `.`
    parts; None for a path that climbs out (`..`) or is absolute. Case is kept: paths are compared as
    they are on disk."""
    text = path.strip().replace("\\", "/")
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        return None
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts)


def normalise_folder(folder: str) -> str:
    """A token's folder scope, normalised; SecurityError for one outside the catalogue or empty."""
    normalised = normalise_path(folder)
    if normalised is None:
        raise SecurityError(f'folder "{folder}": a folder scope is a path inside the catalogue, relative '
                            "to it, without `..`")
    if not normalised:
        raise SecurityError(f'folder "{folder}": names no folder; leave --folder out to allow the whole '
                            "catalogue")
    return normalised


@dataclass(frozen=True)
class Principal:
    """Who a request is: a token's name, its role and its folders (() = the whole catalogue)."""

    name: str
    role: Role
    folders: tuple[str, ...] = ()

    def can(self, role: Role) -> bool:
        """Whether this principal has at least `role`."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def may_see(self, runbook_path: str) -> bool:
        """Whether a runbook (or folder) at this catalogue path is in scope: folder "patching" covers
        "patching", "patching/a.json" and "patching/sub/b.json", not "patchingx/c.json" nor "../x"."""
        path = normalise_path(runbook_path)
        if path is None:
            return False
        if not self.folders:
            return True
        return any(path == folder or path.startswith(folder + "/") for folder in self.folders)

    def may_list(self, folder: str) -> bool:
        """Whether a folder is shown at all: in scope, or on the way to a folder in scope (so a token
        for "patching/linux" sees "patching" in a listing, but none of its other runbooks)."""
        path = normalise_path(folder)
        if path is None:
            return False
        return self.may_see(path) or any(scope.startswith(path + "/") for scope in self.folders) or not path


# -- the shared file -----------------------------------------------------------------------------------

class _Database:
    """One connection to the tokens-and-audit file, opened at first use, used by one thread at a time."""

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                _create_private(self.path)
                db = open_migrated(self.path, _MIGRATIONS)
            except NewerSchemaError as exc:
                raise SecurityError(f"{self.path}: written by a newer Interlock ({exc})") from None
            except (OSError, sqlite3.DatabaseError) as exc:
                raise SecurityError(f"{self.path}: cannot open the server's token store: {exc}") from None
            self._db = db
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _create_private(path: Path) -> None:
    """A new store readable by its owner only (SQLite gives its -wal and -shm files the same mode):
    it names every token and role, and the audit log says who did what."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class TokenInfo(BaseModel):
    """A token as listed: never the token, never its hash."""

    name: str = Field(description="The token's unique name (who, in the audit log).")
    role: Role = Field(description="viewer (read), operator (start and cancel jobs), admin (everything).")
    folders: list[str] = Field(default_factory=list, description="Catalogue folders it may see; "
                               "empty: the whole catalogue.")
    created_at: str
    last_used_at: str | None = Field(None, description="Last use, to the minute.")
    revoked: bool = False
    revoked_at: str | None = None


class TokenStore:
    """API tokens: create (the token is returned once), verify, revoke, list."""

    def __init__(self, path: Path | None = None) -> None:
        self._database = _Database(path)
        self.path = self._database.path

    def create(self, name: str, role: Role, folders: Sequence[str] = ()) -> str:
        """A new token for `name`; the only time the token is ever available."""
        if not NAME_PATTERN.fullmatch(name):
            raise SecurityError(f'token name "{name}": use letters, digits, ".", "_", "@" or "-" '
                                "(up to 100, starting with a letter or digit)")
        if role not in ROLES:
            raise SecurityError(f'token "{name}": unknown role "{role}" (one of {", ".join(ROLES)})')
        scope = sorted({normalise_folder(folder) for folder in folders})
        token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        with self._database._lock:
            db = self._database.connection()
            try:
                with immediate(db):
                    row = db.execute("SELECT revoked_at FROM tokens WHERE name = ?", (name,)).fetchone()
                    if row is not None:
                        state = " (revoked; names are not reused, so the audit log stays unambiguous)" \
                            if row[0] else ""
                        raise SecurityError(f'a token named "{name}" exists already{state}: choose '
                                            "another name")
                    db.execute("INSERT INTO tokens (name, hash, role, folders, created_at)"
                               " VALUES (?, ?, ?, ?, ?)",
                               (name, hash_token(token), role, json.dumps(scope), _now()))
            except sqlite3.Error as exc:
                raise SecurityError(f'{self.path}: cannot create token "{name}": {exc}') from None
        return token

    def verify(self, token: str) -> Principal | None:
        """The principal of a valid token; None for an unknown, malformed or revoked one."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        with self._database._lock:
            db = self._database.connection()
            try:
                # The lookup is by the SHA-256 of the token: timing it tells an attacker nothing about a
                # valid token. compare_digest keeps the final check constant-time all the same.
                row = db.execute("SELECT name, hash, role, folders, last_used_at, revoked_at FROM tokens"
                                 " WHERE hash = ?", (digest,)).fetchone()
                if row is None or not hmac.compare_digest(row[1], digest) or row[5] is not None:
                    return None
                name, _, role, folders, last_used, _ = row
                self._touch(db, name, last_used)
            except sqlite3.Error as exc:
                raise SecurityError(f"{self.path}: cannot check a token: {exc}") from None
        return Principal(name=name, role=role, folders=tuple(json.loads(folders)))

    @staticmethod
    def _touch(db: sqlite3.Connection, name: str, last_used: str | None) -> None:
        now = datetime.now(UTC)
        if last_used is not None and now - datetime.fromisoformat(last_used) < LAST_USED_EVERY:
            return
        with immediate(db):
            db.execute("UPDATE tokens SET last_used_at = ? WHERE name = ?",
                       (now.isoformat(timespec="microseconds"), name))

    def revoke(self, name: str) -> bool:
        """Revoke a token at once; False when no such token is active (unknown or revoked before)."""
        with self._database._lock:
            db = self._database.connection()
            try:
                with immediate(db):
                    changed = db.execute("UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at"
                                         " IS NULL", (_now(), name)).rowcount
            except sqlite3.Error as exc:
                raise SecurityError(f'{self.path}: cannot revoke token "{name}": {exc}') from None
        return changed > 0

    def get(self, name: str) -> TokenInfo | None:
        return next((info for info in self.list() if info.name == name), None)

    def list(self) -> list[TokenInfo]:
        """Every token, revoked ones included, by name."""
        with self._database._lock:
            db = self._database.connection()
            try:
                rows = db.execute("SELECT name, role, folders, created_at, last_used_at, revoked_at"
                                  " FROM tokens ORDER BY name").fetchall()
            except sqlite3.Error as exc:
                raise SecurityError(f"{self.path}: cannot list the tokens: {exc}") from None
        return [TokenInfo(name=name, role=role, folders=json.loads(folders), created_at=created,
                          last_used_at=used, revoked=revoked is not None, revoked_at=revoked)
                for name, role, folders, created, used, revoked in rows]

    def close(self) -> None:
        self._database.close()


# -- the audit log -------------------------------------------------------------------------------------

class AuditEntry(BaseModel):
    """One audited action: who did what to what, when and from where."""

    id: int = Field(description="Its number; later entries have higher numbers.")
    at: str = Field(description="When (UTC, ISO 8601).")
    who: str = Field(description="The token's name (or `cli:USER` for a change made on the server's host).")
    action: str = Field(description="What: job.start, job.cancel, schedule.enable, token.create, ...")
    target: str = Field(description="What it was done to: a runbook path, a job id, a schedule, a token.")
    source: str = Field(description="Where from: the client's address, or `local`.")
    detail: dict[str, Any] = Field(default_factory=dict, description="More about it (parameters with "
                                   "secrets shown ***).")


def _mask_secret_keys(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: MASK if isinstance(key, str) and SECRET_KEYS.search(key) and value not in (None, "")
                else _mask_secret_keys(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_mask_secret_keys(value) for value in data]
    return data


class AuditLog:
    """The append-only audit log in the token store's file."""

    def __init__(self, path: Path | None = None, *, config: Config | None = None) -> None:
        self._database = _Database(path)
        self.path = self._database.path
        self._config = config  # whose secrets (connections', secret variables') are masked in details

    def _redact(self, detail: dict[str, Any]) -> dict[str, Any]:
        # Built per entry: an environment variable set since, or a secret read since, counts too.
        return _mask_secret_keys(Redactor.for_config(self._config).value(detail))

    def record(self, who: str, action: str, target: str, source: str, detail: dict[str, Any] | None = None
               ) -> None:
        text = json.dumps(self._redact(detail or {}), ensure_ascii=False, default=str)
        with self._database._lock:
            db = self._database.connection()
            try:
                with immediate(db):
                    db.execute("INSERT INTO audit (at, who, action, target, source, detail)"
                               " VALUES (?, ?, ?, ?, ?, ?)", (_now(), who, action, target, source, text))
            except sqlite3.Error as exc:
                raise SecurityError(f"{self.path}: cannot write the audit log ({action} {target}): {exc}"
                                    ) from None

    def entries(self, *, who: str | None = None, action: str | None = None, since: str | None = None,
                limit: int = 100) -> list[AuditEntry]:
        """Entries newest first, filtered by who, action and time (`since`: ISO 8601, inclusive)."""
        clauses, values = [], []
        for column, operator, value in (("who", "=", who), ("action", "=", action), ("at", ">=", since)):
            if value is not None:
                clauses.append(f"{column} {operator} ?")
                values.append(_since(value) if column == "at" else value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._database._lock:
            db = self._database.connection()
            try:
                rows = db.execute(f"SELECT id, at, who, action, target, source, detail FROM audit{where}"
                                  " ORDER BY id DESC LIMIT ?", (*values, max(0, limit))).fetchall()
            except sqlite3.Error as exc:
                raise SecurityError(f"{self.path}: cannot read the audit log: {exc}") from None
        return [AuditEntry(id=id_, at=at, who=who_, action=action_, target=target, source=source,
                           detail=json.loads(detail))
                for id_, at, who_, action_, target, source, detail in rows]

    def close(self) -> None:
        self._database.close()


def _since(value: str) -> str:
    """An ISO 8601 time as stored (UTC), so that text comparison orders it; naive times are UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SecurityError(f'since "{value}": not an ISO 8601 time (2026-01-31T12:00:00Z)') from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
