"""The run history in PostgreSQL (DESIGN §6.5): the same data and queries as the SQLite file, in a database
several machines share. Writes are batched as in SQLite (`buffered.py`), one transaction per batch; the
schema is Alembic's (`schema.py`, `interlock db upgrade`) and is checked when the history is opened.
Opening it marks `interrupted` the running jobs of this host whose process is gone (`owner.py`); jobs of
other hosts are theirs to judge.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from ..config.settings import Config
from ..run.clock import iso, now
from ..run.counters import CounterAction, next_value
from ..run.result import JobResult
from . import rows as stored
from . import schema
from .buffered import (
    EVENT_COLUMNS,
    FLUSH_AFTER_S,
    INSTANCE_ROW_COLUMNS,
    JOB_START_COLUMNS,
    BufferedHistory,
    result_instances,
)
from .owner import Owner, is_gone, this_host
from .rows import INSTANCE_COLUMNS, SUMMARY_COLUMNS, dumps
from .store import HistoryError, JobSummary, StoredCounter, StoredJob
from .tables import counters, events, instances, jobs

_SUMMARY = [jobs.c[name] for name in SUMMARY_COLUMNS]


def _upsert(table: Any, keys: Sequence[str], rows: list[dict[str, Any]]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other column given: the same key is replaced."""
    statement = insert(table)
    columns = [name for name in rows[0] if name not in keys]
    return statement.on_conflict_do_update(index_elements=list(keys),
                                           set_={name: statement.excluded[name] for name in columns})


def _dicts(columns: Sequence[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


class PostgresHistory(BufferedHistory):
    """The run history in a PostgreSQL database created by `interlock db upgrade`."""

    def __init__(self, engine: Engine, where: str, *, flush_after_s: float = FLUSH_AFTER_S) -> None:
        self.where = where
        super().__init__(flush_after_s)
        self._engine = engine
        try:
            schema.require_current(engine, where)
            self._mark_interrupted()
        except BaseException:
            engine.dispose()
            raise

    @classmethod
    def from_config(cls, config: Config, **keywords: Any) -> PostgresHistory:
        return cls(schema.open_engine(config), schema.where(config), **keywords)

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[Connection]:
        """One transaction; a database error is a HistoryError saying what the server said."""
        try:
            with self._engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise schema.failure(doing, self.where, exc) from None

    def _mark_interrupted(self) -> None:
        with self._transaction("open the run history") as db:
            owners = (jobs.c.job_id, jobs.c.owner_host, jobs.c.owner_pid, jobs.c.owner_started)
            mine = and_(jobs.c.status == "running", jobs.c.owner_host == this_host())
            running = db.execute(select(*owners).where(mine)).all()
            gone = [job_id for job_id, host, pid, started in running
                    if pid is not None and started is not None and is_gone(Owner(host, pid, started))]
            if not gone:
                return
            last = select(func.max(events.c.at)).where(events.c.job_id == jobs.c.job_id).scalar_subquery()
            db.execute(update(jobs).where(jobs.c.job_id.in_(gone), jobs.c.status == "running")
                       .values(status="interrupted", finished_at=func.coalesce(last, jobs.c.started_at)))

    # -- writing ---------------------------------------------------------------------------------

    def _write(self, job_rows: list[tuple[str, tuple[Any, ...]]], instance_rows: list[tuple[Any, ...]],
               event_rows: list[tuple[Any, ...]]) -> None:
        with self._transaction("write the run history") as db:
            # Job rows first: an instance or event may belong to a job started in this batch.
            for op, values in job_rows:
                if op == "start":
                    row = dict(zip(JOB_START_COLUMNS, values, strict=True))
                    db.execute(_upsert(jobs, ["job_id"], [row]), row)
                else:
                    status, finished_at, job_id = values
                    db.execute(update(jobs).where(jobs.c.job_id == job_id)
                               .values(status=status, finished_at=finished_at))
            self._insert_instances(db, _dicts(INSTANCE_ROW_COLUMNS, instance_rows))
            if event_rows:
                rows = _dicts(EVENT_COLUMNS, event_rows)
                db.execute(_upsert(events, ["job_id", "seq"], rows), rows)

    @staticmethod
    def _insert_instances(db: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            db.execute(_upsert(instances, ["job_id", "activity", "instance"], rows), rows)

    def save_result(self, result: JobResult) -> None:
        """Store the final job result document (flushing buffered events first)."""
        row: dict[str, Any] = {"job_id": result.job_id, "runbook": result.runbook, "status": result.status,
                               "started_at": result.started_at, "finished_at": result.finished_at}
        try:
            document = result.model_dump(mode="json")
            row.update(parameters=dumps(document["parameters"]), result=dumps(document))
        except (ValueError, TypeError, RecursionError) as exc:
            # The job's end is still recorded (its status and events are); only the document is not.
            self._save_row(row)
            raise HistoryError(f"{self.where}: job {result.job_id}: its result document cannot be stored "
                               f"({type(exc).__name__}: {exc}); its status and events are") from None
        self._save_row(row, result)

    def _save_row(self, row: dict[str, Any], result: JobResult | None = None) -> None:
        self.flush()
        with self._write_lock, self._transaction("write the run history") as db:
            db.execute(_upsert(jobs, ["job_id"], [row]), row)
            if result is not None and db.execute(
                    select(literal(1)).where(instances.c.job_id == result.job_id).limit(1)).first() is None:
                # A result saved without its events still gets instance rows.
                self._insert_instances(db, _dicts(INSTANCE_ROW_COLUMNS, result_instances(result)))

    def set_started_by(self, job_id: str, who: str) -> None:
        """Record who started a job (after its start was recorded)."""
        self.flush()
        with self._write_lock, self._transaction("write the run history") as db:
            db.execute(update(jobs).where(jobs.c.job_id == job_id).values(started_by=who))

    def close(self) -> None:
        """Flush and close; the store cannot be used afterwards."""
        self._stop_flusher()
        try:
            self.flush()
        finally:
            self._engine.dispose()

    # -- reading ---------------------------------------------------------------------------------

    def _read(self, statement: Any) -> list[Sequence[Any]]:
        with self._transaction("read the run history") as db:
            return list(db.execute(statement).all())

    def jobs(self, limit: int = 20, runbook: str | None = None, status: str | None = None, *,
             path: str | None = None, since: str | None = None, until: str | None = None,
             started_by: str | None = None) -> list[JobSummary]:
        """Past jobs, newest first; optionally only those of one runbook (by name, or by its file's
        path), one status, started in [since, until] (ISO-8601 texts), or started by one user."""
        self.flush()
        filters = ((jobs.c.runbook, operator.eq, runbook), (jobs.c.status, operator.eq, status),
                   (jobs.c.path, operator.eq, path), (jobs.c.started_at, operator.ge, since),
                   (jobs.c.started_at, operator.le, until), (jobs.c.started_by, operator.eq, started_by))
        conditions = [op(column, value) for column, op, value in filters if value is not None]
        statement = (select(*_SUMMARY).where(and_(True, *conditions))
                     .order_by(jobs.c.started_at.desc().nulls_last(), jobs.c.n.desc()).limit(max(limit, 0)))
        return [stored.summary(row) for row in self._read(statement)]

    def job(self, job_id: str) -> StoredJob:
        """One job by its id or a unique prefix of it; HistoryError when unknown or ambiguous."""
        self.flush()
        prefix = job_id.strip()
        if not prefix:
            raise HistoryError("give a job id (or the first characters of one)")
        rows = self._read(
            select(*_SUMMARY, jobs.c.result)
            .where((jobs.c.job_id == prefix) | jobs.c.job_id.like(stored.like_prefix(prefix), escape="\\"))
            .order_by((jobs.c.job_id == prefix).desc(), jobs.c.started_at.desc().nulls_last()).limit(6))
        problem = stored.ambiguity(prefix, [row[0] for row in rows], self.where)
        if problem is not None:
            raise problem
        row = rows[0]
        found = row[0]
        instance_rows = self._read(
            select(*[instances.c[name] for name in INSTANCE_COLUMNS]).where(instances.c.job_id == found)
            .order_by(instances.c.finished_at.asc().nulls_first(), instances.c.activity,
                      instances.c.instance))
        event_rows = self._read(select(events.c.json).where(events.c.job_id == found).order_by(events.c.seq))
        return StoredJob(summary=stored.summary(row[:8]), result=stored.result(self.where, found, row[8]),
                         instances=[stored.instance(r) for r in instance_rows],
                         events=[stored.event(r[0]) for r in event_rows])

    def event_lines(self, job_id: str, after: int = 0, limit: int = 10_000) -> list[tuple[int, str]]:
        """A job's stored events after the first `after` ones, as (number from 1, JSON text)."""
        self.flush()
        rows = self._read(select(events.c.seq, events.c.json)
                          .where(events.c.job_id == job_id, events.c.seq >= max(after, 0))
                          .order_by(events.c.seq).limit(limit))
        return [(seq + 1, text) for seq, text in rows]


class PostgresCounters:
    """Counters (DESIGN §6.1) in the PostgreSQL history's database: each change is one transaction that
    locks the counter's row (created at its default first), so changes from any machine never get lost."""

    def __init__(self, config: Config) -> None:
        self.where = schema.where(config)
        self._config = config
        self._engine: Engine | None = None  # connected at the first use, as the SQLite counters are

    def _begin(self) -> Any:
        if self._engine is None:
            engine = schema.open_engine(self._config)
            try:
                schema.require_current(engine, self.where)
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
        return self._engine.begin()

    def change(self, name: str, action: CounterAction, amount: int, default: int) -> int:
        """Apply `action` and return the value afterwards (a counter never changed starts at `default`)."""
        try:
            with self._begin() as db:
                mine = counters.c.name == name
                if action == "get":
                    value = db.execute(select(counters.c.value).where(mine)).scalar()
                    return default if value is None else value
                db.execute(insert(counters).values(name=name, value=default).on_conflict_do_nothing())
                current = db.execute(select(counters.c.value).where(mine).with_for_update()).scalar_one()
                value = next_value(name, action, current, amount, default)
                db.execute(update(counters).where(mine).values(value=value, updated_at=iso(now())))
                return value
        except SQLAlchemyError as exc:
            raise schema.failure(f"{action} the counter", self.where, exc) from None

    def stored(self) -> list[StoredCounter]:
        """Every counter that has been changed, by name (one created at its default and never changed
        again by a failed change is listed too: it holds its default)."""
        try:
            with self._begin() as db:
                rows = db.execute(select(counters.c.name, counters.c.value, counters.c.updated_at)
                                  .order_by(counters.c.name)).all()
        except SQLAlchemyError as exc:
            raise schema.failure("read the counters", self.where, exc) from None
        return [StoredCounter(name=r[0], value=r[1], updated_at=r[2]) for r in rows]

    def exists(self) -> bool:
        return True  # the database is made by `interlock db upgrade`; opening it says when it was not

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
