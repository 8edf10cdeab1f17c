"""The run history's tables for SQLAlchemy (the PostgreSQL back-end; DESIGN §6.5): the same columns as the
SQLite file's, values as JSON text, times as ISO-8601 text so that both sort and filter alike. Alembic's
migrations (migrations/versions/) create and change them; this is what the code reads and writes."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Identity, Index, Integer, MetaData, Table, Text

metadata = MetaData()

jobs = Table(
    "jobs", metadata,
    Column("job_id", Text, primary_key=True),
    # insertion order: the tie-breaker of jobs started at the same instant (SQLite's rowid)
    Column("n", BigInteger, Identity(), nullable=False),
    Column("runbook", Text, nullable=False, server_default=""),
    Column("path", Text),
    Column("parameters", Text, nullable=False, server_default="{}"),
    Column("status", Text, nullable=False, server_default="running"),
    Column("started_at", Text),
    Column("finished_at", Text),
    Column("result", Text),
    Column("owner_host", Text),
    Column("owner_pid", Integer),
    Column("owner_started", Float),
    Column("started_by", Text),
    Index("jobs_started", "started_at"),
    Index("jobs_runbook", "runbook"),
    Index("jobs_status", "status"),
)

instances = Table(
    "instances", metadata,
    Column("job_id", Text, primary_key=True),
    Column("activity", Text, primary_key=True),
    Column("instance", Integer, primary_key=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("started_at", Text),
    Column("finished_at", Text),
    Column("duration_s", Float),
    Column("attempts", Integer),
    Column("error", Text),
    Column("rows", Text, nullable=False, server_default="[]"),
)

events = Table(
    "events", metadata,
    Column("job_id", Text, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("at", Text),
    Column("json", Text, nullable=False),
)

counters = Table(
    "counters", metadata,
    Column("name", Text, primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated_at", Text),
)
