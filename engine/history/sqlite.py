"""The run history in SQLite (DESIGN §3.8): jobs, instances with their published rows, events.

`SQLiteHistory.record` is an engine event sink. It buffers events and writes them in batches, one
transaction each (at 500 buffered events, when a job finishes, on `flush()`/`close()`), because a commit
per event would make the history the bottleneck of a run that starts thousands of instances.
Several processes may run jobs at once: the database is in WAL mode, writers take the write lock up
front (BEGIN IMMEDIATE) and wait for it up to a busy timeout instead of failing.
Only events and job results are stored, and the engine keeps secrets out of both; no configuration
is ever written here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import paths
from ..run.events import Event, event_from_dict
from ..run.result import JobResult
from .store import HistoryError, JobSummary, RunHistory, StoredInstance, StoredJob

SCHEMA_VERSION = 1
FLUSH_AT = 500
BUSY_TIMEOUT_S = 30.0

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
}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _duration(started: str | None, finished: str | None) -> float | None:
    if not started or not finished:
        return None
    try:
        return round((datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds(), 3)
    except ValueError:
        return None


class SQLiteHistory(RunHistory):
    """The run history in one SQLite file; `record` is an engine sink, `jobs`/`job` read it back."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else paths.history_path()
        self._lock = threading.Lock()  # sinks may be called from worker threads
        self._jobs: list[tuple[str, tuple[Any, ...]]] = []  # job rows, in event order
        self._instances: list[tuple[Any, ...]] = []
        self._events: list[tuple[Any, ...]] = []
        self._seq: dict[str, int] = {}  # next event number per job
        self._db = self._open()

    # -- opening and migrating -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are explicit, so each batch is exactly one.
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                 check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            self._migrate(db)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{self.path}: cannot open the run history: {exc}") from None
        except OSError as exc:
            raise HistoryError(f"{self.path}: cannot create the run history: {exc.strerror or exc}") from None
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")  # two processes opening a new file must not both create it
        try:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > SCHEMA_VERSION:
                raise HistoryError(f"{self.path}: the run history was written by a newer Interlock "
                                   f"(schema {current}, this one reads up to {SCHEMA_VERSION})")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version]:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        return self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    # -- writing ---------------------------------------------------------------------------------

    def record(self, event: Event) -> None:
        """Engine sink: buffer one event; written at FLUSH_AT buffered events or when a job finishes."""
        data = event.to_dict()
        with self._lock:
            seq = self._seq.get(event.job_id, 0)
            self._seq[event.job_id] = seq + 1
            self._events.append((event.job_id, seq, event.kind, event.at, _dumps(data)))
            if event.kind == "job_started":
                self._jobs.append(("start", (
                    event.job_id, data.get("runbook", ""), data.get("path"),
                    _dumps(data.get("parameters") or {}), event.at)))
            elif event.kind == "instance_finished":
                self._instances.append((
                    event.job_id, data["activity"], data["instance"], data.get("name", ""),
                    data["status"], data.get("started_at"), data.get("finished_at"),
                    data.get("duration_s"), data.get("attempts"), data.get("error"),
                    _dumps(data.get("rows") or [])))
            elif event.kind == "job_finished":
                self._jobs.append(("finish", (data["status"], event.at, event.job_id)))
            if event.kind == "job_finished" or len(self._events) >= FLUSH_AT:
                self._flush_locked()

    def flush(self) -> None:
        """Write every buffered event now, in one transaction."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if not (self._events or self._jobs or self._instances):
            return
        jobs, instances, events = self._jobs, self._instances, self._events
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Job rows first: an instance or event may belong to a job started in this batch.
                for op, values in jobs:
                    if op == "start":
                        self._db.execute(
                            "INSERT INTO jobs (job_id, runbook, path, parameters, started_at)"
                            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET"
                            " runbook = excluded.runbook, path = excluded.path,"
                            " parameters = excluded.parameters, started_at = excluded.started_at",
                            values)
                    else:
                        self._db.execute("UPDATE jobs SET status = ?, finished_at = ? WHERE job_id = ?",
                                         values)
                self._db.executemany(
                    "INSERT OR REPLACE INTO instances (job_id, activity, instance, name, status,"
                    " started_at, finished_at, duration_s, attempts, error, rows)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", instances)
                self._db.executemany(
                    "INSERT OR REPLACE INTO events (job_id, seq, kind, at, json) VALUES (?, ?, ?, ?, ?)",
                    events)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot write the run history: {exc}") from None
        # Cleared only once written, so a failed batch is retried by the next flush.
        self._jobs, self._instances, self._events = [], [], []

    def save_result(self, result: JobResult) -> None:
        """Store the final job result document (flushing buffered events first)."""
        document = result.model_dump(mode="json")
        with self._lock:
            self._flush_locked()
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute(
                        "INSERT INTO jobs (job_id, runbook, parameters, status, started_at, finished_at,"
                        " result) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET"
                        " runbook = excluded.runbook, parameters = excluded.parameters,"
                        " status = excluded.status, started_at = excluded.started_at,"
                        " finished_at = excluded.finished_at, result = excluded.result",
                        (result.job_id, result.runbook, _dumps(document["parameters"]), result.status,
                         result.started_at, result.finished_at, _dumps(document)))
                    self._add_missing_instances(result)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise HistoryError(f"{self.path}: cannot write the run history: {exc}") from None

    def _add_missing_instances(self, result: JobResult) -> None:
        # A result saved without its events (e.g. a job run through the Python API with no sink)
        # still gets instance rows, numbered in result order.
        known = self._db.execute("SELECT 1 FROM instances WHERE job_id = ? LIMIT 1", (result.job_id,))
        if known.fetchone():
            return
        rows = [
            (result.job_id, activity.id, index, activity.name, inst.status, inst.started_at,
             inst.finished_at, _duration(inst.started_at, inst.finished_at), inst.attempts, inst.error,
             _dumps(inst.rows))
            for activity in result.activities for index, inst in enumerate(activity.instances)
        ]
        self._db.executemany(
            "INSERT OR REPLACE INTO instances (job_id, activity, instance, name, status, started_at,"
            " finished_at, duration_s, attempts, error, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)

    def close(self) -> None:
        """Flush and close; the store cannot be used afterwards."""
        try:
            self.flush()
        finally:
            self._db.close()

    # -- reading ---------------------------------------------------------------------------------

    def jobs(self, limit: int = 20, runbook: str | None = None,
             status: str | None = None) -> list[JobSummary]:
        """Past jobs, newest first; optionally only those of one runbook (by name) or one status."""
        self.flush()
        where, args = [], []
        if runbook is not None:
            where.append("runbook = ?")
            args.append(runbook)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        sql = ("SELECT job_id, runbook, path, parameters, status, started_at, finished_at FROM jobs"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY started_at DESC, rowid DESC LIMIT ?")
        return [self._summary(row) for row in self._query(sql, (*args, max(limit, 0)))]

    def job(self, job_id: str) -> StoredJob:
        """One job by its id or a unique prefix of it; HistoryError when unknown or ambiguous."""
        self.flush()
        prefix = job_id.strip()
        if not prefix:
            raise HistoryError("give a job id (or the first characters of one)")
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._query(
            "SELECT job_id, runbook, path, parameters, status, started_at, finished_at, result FROM jobs"
            " WHERE job_id = ? OR job_id LIKE ? ESCAPE '\\' ORDER BY job_id = ? DESC, started_at DESC"
            " LIMIT 6", (prefix, escaped + "%", prefix))
        if not rows:
            raise HistoryError(f'no job "{prefix}" in the run history ({self.path})')
        if len(rows) > 1 and rows[0][0] != prefix:
            shown = ", ".join(row[0] for row in rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise HistoryError(f'job id "{prefix}" is ambiguous: it starts {shown}; give more characters')
        row = rows[0]
        return StoredJob(
            summary=self._summary(row[:7]),
            result=self._result(row[0], row[7]),
            instances=self._instances_of(row[0]),
            events=self._events_of(row[0]),
        )

    def _query(self, sql: str, args: Iterable[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot read the run history: {exc}") from None

    def _summary(self, row: tuple[Any, ...]) -> JobSummary:
        job_id, runbook, path, parameters, status, started_at, finished_at = row
        return JobSummary(job_id=job_id, runbook=runbook, path=path, status=status,
                          parameters=json.loads(parameters or "{}"), started_at=started_at,
                          finished_at=finished_at, duration_s=_duration(started_at, finished_at))

    def _result(self, job_id: str, text: str | None) -> JobResult | None:
        if not text:
            return None
        try:
            return JobResult.model_validate_json(text)
        except ValidationError as exc:
            raise HistoryError(f"{self.path}: job {job_id}: stored result cannot be read: {exc}") from None

    def _instances_of(self, job_id: str) -> list[StoredInstance]:
        rows = self._query(
            "SELECT activity, name, instance, status, started_at, finished_at, duration_s, attempts,"
            " error, rows FROM instances WHERE job_id = ? ORDER BY finished_at, activity, instance",
            (job_id,))
        return [StoredInstance(activity=r[0], name=r[1], instance=r[2], status=r[3], started_at=r[4],
                               finished_at=r[5], duration_s=r[6], attempts=r[7], error=r[8],
                               rows=json.loads(r[9])) for r in rows]

    def _events_of(self, job_id: str) -> list[Event]:
        rows = self._query("SELECT json FROM events WHERE job_id = ? ORDER BY seq", (job_id,))
        return [event_from_dict(json.loads(r[0])) for r in rows]
