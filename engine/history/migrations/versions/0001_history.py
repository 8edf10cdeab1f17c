"""The run history's first PostgreSQL schema: jobs, their instances and events, and counters.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out rather than taken from tables.py: a migration is frozen as of its version.
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column("n", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("runbook", sa.Text, nullable=False, server_default=""),
        sa.Column("path", sa.Text),
        sa.Column("parameters", sa.Text, nullable=False, server_default="{}"),
        sa.Column("status", sa.Text, nullable=False, server_default="running"),
        sa.Column("started_at", sa.Text),
        sa.Column("finished_at", sa.Text),
        sa.Column("result", sa.Text),
        sa.Column("owner_host", sa.Text),
        sa.Column("owner_pid", sa.Integer),
        sa.Column("owner_started", sa.Float),
        sa.Column("started_by", sa.Text),
    )
    for name, column in (("jobs_started", "started_at"), ("jobs_runbook", "runbook"),
                         ("jobs_status", "status")):
        op.create_index(name, "jobs", [column])
    op.create_table(
        "instances",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column("activity", sa.Text, primary_key=True),
        sa.Column("instance", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text),
        sa.Column("finished_at", sa.Text),
        sa.Column("duration_s", sa.Float),
        sa.Column("attempts", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("rows", sa.Text, nullable=False, server_default="[]"),
    )
    op.create_table(
        "events",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("at", sa.Text),
        sa.Column("json", sa.Text, nullable=False),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.Text),
    )


def downgrade() -> None:
    for table in ("counters", "events", "instances", "jobs"):
        op.drop_table(table)
