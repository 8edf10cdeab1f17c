"""The run history in SQLite (DESIGN §3.8): jobs, instances with their published rows, events.

`SQLiteHistory.record` is an engine event sink. A job's row is written the moment it starts (status
`running`, with its owner process); its other events are buffered and written in batches, one
transaction each — at 500 buffered events, half a second after the first one waiting (a background
thread), when a job finishes, and on `flush()`/`close()` — because a commit per event would make the
history the bottleneck of a run that starts thousands of instances, while a killed run must still leave
what it did on disk. Opening the history marks `interrupted` the running jobs of this host whose owner
process is gone (`owner.py`).
Several processes may run jobs at once: the database is in WAL mode, writers take the write lock up
front (BEGIN IMMEDIATE) and wait for it up to a busy timeout instead of failing.
Only events and job results are stored, and the engine keeps secrets out of both; no configuration
is ever written here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import paths
from ..run.events import Event
from ..run.result import JobResult
from ..sqlitedb import NewerSchemaError, immediate, open_migrated
from . import rows as stored
from .buffered import FLUSH_AFTER_S, BufferedHistory, result_instances
from .owner import Owner, is_gone, this_host
from .rows import SUMMARY_COLUMNS, dumps
from .store import HistoryError, JobSummary, StoredInstance, StoredJob

SCHEMA_VERSION = 4
_SUMMARY_COLUMNS = ", ".join(SUMMARY_COLUMNS)

# Migrations by the version they lead to; version 1 creates everything. A later version appends
# {2: [...ALTER/CREATE...]} and an older database is brought up to date when it is opened.
_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY,
            runbook TEXT NOT NULL DEFAULT '',
            path TEXT,
            parameters TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'running',
            started_at TEXT,
            finished_at TEXT,
            result TEXT
        )""",
        "CREATE INDEX jobs_started ON jobs (started_at)",
        "CREATE INDEX jobs_runbook ON jobs (runbook)",
        """CREATE TABLE instances (
            job_id TEXT NOT NULL,
            activity TEXT NOT NULL,
            instance INTEGER NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            duration_s REAL,
            attempts INTEGER,
            error TEXT,
            rows TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (job_id, activity, instance)
        )""",
        """CREATE TABLE events (
            job_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            at TEXT,
            json TEXT NOT NULL,
            PRIMARY KEY (job_id, seq)
        )""",
    ],
    # Who runs a job, so that another process can tell a killed run from a running one.
    2: [
        "ALTER TABLE jobs ADD COLUMN owner_host TEXT",
        "ALTER TABLE jobs ADD COLUMN owner_pid INTEGER",
        "ALTER TABLE jobs ADD COLUMN owner_started REAL",
        "CREATE INDEX jobs_status ON jobs (status)",
    ],
    # Counters (DESIGN §6.1): a row once a counter is first changed; until then it is its default.
    3: [
        """CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL,
            updated_at TEXT
        )""",
    ],
    # Who started a job over the runbook server's API (its token's name); NULL for `interlock run`.
    4: [
        "ALTER TABLE jobs ADD COLUMN started_by TEXT",
    ],
}


def connect(path: Path) -> sqlite3.Connection:
    """The history database at `path`, created or brought up to date; HistoryError names the file."""
    try:
        return open_migrated(path, _MIGRATIONS)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot create the run history: {exc.strerror or exc}") from None
    except NewerSchemaError as exc:
        raise HistoryError(f"{path}: the run history was written by a newer Interlock ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"{path}: cannot open the run history: {exc}") from None


class SQLiteHistory(BufferedHistory):
    """The run history in one SQLite file; `record` is an engine sink, `jobs`/`job` read it back."""

    def __init__(self, path: str | Path | None = None, *, flush_after_s: float = FLUSH_AFTER_S) -> None:
        self.path = self.where = Path(path) if path is not None else paths.history_path()
        super().__init__(flush_after_s)
        self._db = self._open()

    # -- opening and migrating -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        db = connect(self.path)
        try:
            self._mark_interrupted(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise HistoryError(f"{self.path}: cannot open the run history: {exc}") from None
        return db

    def _mark_interrupted(self, db: sqlite3.Connection) -> None:
        """Running jobs of this host whose owner process is gone end `interrupted`, at the time of
        the last thing they recorded; what they had finished stays as it was written."""
        running = db.execute("SELECT job_id, owner_host, owner_pid, owner_started FROM jobs"
                             " WHERE status = 'running' AND owner_host = ?", (this_host(),)).fetchall()
        gone = [job_id for job_id, host, pid, started in running
                if pid is not None and started is not None and is_gone(Owner(host, pid, started))]
        if not gone:
            return
        with immediate(db):
            for job_id in gone:
                db.execute(
                    "UPDATE jobs SET status = 'interrupted', finished_at = COALESCE("
                    " (SELECT MAX(at) FROM events WHERE job_id = :job), started_at)"
                    " WHERE job_id = :job AND status = 'running'", {"job": job_id})

    def schema_version(self) -> int:
        return self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    # -- writing ---------------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The database in one immediate transaction; a database error is a HistoryError."""
        try:
            with immediate(self._db):
                yield self._db
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot write the run history: {exc}") from None

    def _write(self, jobs: list[tuple[str, tuple[Any, ...]]], instances: list[tuple[Any, ...]],
               events: list[tuple[Any, ...]]) -> None:
        with self._writing() as db:
            # Job rows first: an instance or event may belong to a job started in this batch.
            for op, values in jobs:
                if op == "start":
                    db.execute(
                        "INSERT INTO jobs (job_id, runbook, path, parameters, started_at, owner_host,"
                        " owner_pid, owner_started) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT (job_id) DO UPDATE SET runbook = excluded.runbook,"
                        " path = excluded.path, parameters = excluded.parameters,"
                        " started_at = excluded.started_at, owner_host = excluded.owner_host,"
                        " owner_pid = excluded.owner_pid, owner_started = excluded.owner_started",
                        values)
                else:
                    db.execute("UPDATE jobs SET status = ?, finished_at = ? WHERE job_id = ?", values)
            db.executemany(
                "INSERT OR REPLACE INTO instances (job_id, activity, instance, name, status,"
                " started_at, finished_at, duration_s, attempts, error, rows)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", instances)
            db.executemany(
                "INSERT OR REPLACE INTO events (job_id, seq, kind, at, json) VALUES (?, ?, ?, ?, ?)",
                events)

    def save_result(self, result: JobResult) -> None:
        """Store the final job result document (flushing buffered events first)."""
        try:
            document = result.model_dump(mode="json")
            stored = dumps(document)
        except (ValueError, TypeError, RecursionError) as exc:
            # The job's end is still recorded (its status and events are); only the document is not.
            self._save_status(result)
            raise HistoryError(f"{self.path}: job {result.job_id}: its result document cannot be stored "
                               f"({type(exc).__name__}: {exc}); its status and events are") from None
        self.flush()
        with self._write_lock, self._writing() as db:
            db.execute(
                "INSERT INTO jobs (job_id, runbook, parameters, status, started_at, finished_at,"
                " result) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET"
                " runbook = excluded.runbook, parameters = excluded.parameters,"
                " status = excluded.status, started_at = excluded.started_at,"
                " finished_at = excluded.finished_at, result = excluded.result",
                (result.job_id, result.runbook, dumps(document["parameters"]), result.status,
                 result.started_at, result.finished_at, stored))
            self._add_missing_instances(result)

    def _save_status(self, result: JobResult) -> None:
        self.flush()
        with self._write_lock, self._writing() as db:
            db.execute(
                "INSERT INTO jobs (job_id, runbook, status, started_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET status = excluded.status,"
                " finished_at = excluded.finished_at",
                (result.job_id, result.runbook, result.status, result.started_at, result.finished_at))

    def _add_missing_instances(self, result: JobResult) -> None:
        # A result saved without its events (e.g. a job run through the Python API with no sink)
        # still gets instance rows, numbered in result order.
        known = self._db.execute("SELECT 1 FROM instances WHERE job_id = ? LIMIT 1", (result.job_id,))
        if known.fetchone():
            return
        rows = result_instances(result)
        self._db.executemany(
            "INSERT OR REPLACE INTO instances (job_id, activity, instance, name, status, started_at,"
            " finished_at, duration_s, attempts, error, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)

    def set_started_by(self, job_id: str, who: str) -> None:
        """Record who started a job (after its start was recorded)."""
        self.flush()
        with self._write_lock, self._writing() as db:
            db.execute("UPDATE jobs SET started_by = ? WHERE job_id = ?", (who, job_id))

    def close(self) -> None:
        """Flush and close; the store cannot be used afterwards."""
        self._stop_flusher()
        try:
            self.flush()
        finally:
            self._db.close()

    # -- reading ---------------------------------------------------------------------------------

    def jobs(self, limit: int = 20, runbook: str | None = None, status: str | None = None, *,
             path: str | None = None, since: str | None = None, until: str | None = None,
             started_by: str | None = None) -> list[JobSummary]:
        """Past jobs, newest first; optionally only those of one runbook (by name, or by its file's
        path), one status, started in [since, until] (ISO-8601 texts), or started by one user."""
        self.flush()
        where, args = [], []
        for column, op, value in (("runbook", "=", runbook), ("status", "=", status), ("path", "=", path),
                                  ("started_at", ">=", since), ("started_at", "<=", until),
                                  ("started_by", "=", started_by)):
            if value is not None:
                where.append(f"{column} {op} ?")
                args.append(value)
        sql = (f"SELECT {_SUMMARY_COLUMNS} FROM jobs"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY started_at DESC, rowid DESC LIMIT ?")
        return [stored.summary(row) for row in self._query(sql, (*args, max(limit, 0)))]

    def job(self, job_id: str) -> StoredJob:
        """One job by its id or a unique prefix of it; HistoryError when unknown or ambiguous."""
        self.flush()
        prefix = job_id.strip()
        if not prefix:
            raise HistoryError("give a job id (or the first characters of one)")
        rows = self._query(
            f"SELECT {_SUMMARY_COLUMNS}, result FROM jobs"
            " WHERE job_id = ? OR job_id LIKE ? ESCAPE '\\' ORDER BY job_id = ? DESC, started_at DESC"
            " LIMIT 6", (prefix, stored.like_prefix(prefix), prefix))
        problem = stored.ambiguity(prefix, [row[0] for row in rows], self.path)
        if problem is not None:
            raise problem
        row = rows[0]
        return StoredJob(
            summary=stored.summary(row[:8]),
            result=stored.result(self.path, row[0], row[8]),
            instances=self._instances_of(row[0]),
            events=self._events_of(row[0]),
        )

    def event_lines(self, job_id: str, after: int = 0, limit: int = 10_000) -> list[tuple[int, str]]:
        """A job's stored events after the first `after` ones, as (number from 1, JSON text): what a
        reader that has seen `after` events has not seen yet."""
        self.flush()
        rows = self._query("SELECT seq, json FROM events WHERE job_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
                           (job_id, max(after, 0), limit))
        return [(seq + 1, text) for seq, text in rows]

    def _query(self, sql: str, args: Iterable[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot read the run history: {exc}") from None

    def _instances_of(self, job_id: str) -> list[StoredInstance]:
        rows = self._query(
            "SELECT activity, name, instance, status, started_at, finished_at, duration_s, attempts,"
            " error, rows FROM instances WHERE job_id = ? ORDER BY finished_at, activity, instance",
            (job_id,))
        return [stored.instance(r) for r in rows]

    def _events_of(self, job_id: str) -> list[Event]:
        rows = self._query("SELECT json FROM events WHERE job_id = ? ORDER BY seq", (job_id,))
        return [stored.event(r[0]) for r in rows]
