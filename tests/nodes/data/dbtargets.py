"""The databases the data tests run against: a SQLite file and a real PostgreSQL (a fresh database of
the suite's server per test). Each gives the keys of a `database` connection (password from an
environment variable) and a way to set up and look at tables behind Interlock's back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine, make_url, text

import engine
from engine.config.registry import Registry
from engine.config.settings import Config, Connection

PASSWORD_ENV = "INTERLOCK_TEST_DB_PASSWORD"
KINDS = ["sqlite", "postgresql"]


@dataclass
class Target:
    kind: str
    url: str  # as a config holds it: no password
    password: str | None
    sql_engine: SqlEngine
    slow_query: str  # runs for many seconds

    def keys(self, **overrides: Any) -> dict[str, Any]:
        keys: dict[str, Any] = {"url": self.url, "connect_timeout_s": 5}
        if self.password is not None:
            keys["password_env"] = PASSWORD_ENV
        keys.update(overrides)
        return {key: value for key, value in keys.items() if value is not None}

    def sql(self, statement: str, **parameters: Any) -> list[tuple[Any, ...]]:
        """Run SQL directly (not through Interlock) and commit; the rows it returns."""
        with self.sql_engine.begin() as connection:
            result = connection.execute(text(statement), parameters)
            return [tuple(row) for row in result] if result.returns_rows else []

    def tables(self) -> set[str]:
        if self.kind == "sqlite":
            return {row[0] for row in self.sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {row[0] for row in self.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def sqlite_target(folder: Path) -> Iterator[Target]:
    path = folder / "cmdb.sqlite"
    sql_engine = create_engine(f"sqlite:///{path}")
    yield Target("sqlite", f"sqlite:///{path}", None, sql_engine,
                 # reads a table, so it holds the file's shared lock while it runs
                 "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                 "WHERE x < (SELECT 1000000000 + count(*) FROM sqlite_master)) SELECT count(*) AS c FROM n")
    sql_engine.dispose()


def postgres_target(server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    from psycopg import sql

    name = f"t_{uuid.uuid4().hex[:12]}"
    server.admin(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name),
                                                                sql.Identifier(server.user)),
                 database="postgres")
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    url = server.url(name)
    sql_engine = create_engine(make_url(url).set(password=server.password))
    yield Target("postgresql", url, server.password, sql_engine, "SELECT pg_sleep(30) AS slept")
    sql_engine.dispose()
    server.admin(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)), database="postgres")


def target(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    """The body of a fixture parametrized over KINDS."""
    if request.param == "sqlite":
        yield from sqlite_target(tmp_path)
    else:
        yield from postgres_target(request.getfixturevalue("postgres"), monkeypatch)


# -- runbooks --------------------------------------------------------------------------------------------

def act(id_: str, type_: str, **properties: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "name": id_.replace("_", " ").title(), "properties": properties}


def save(folder: Path, activities: list[dict[str, Any]], links: list[dict[str, Any]] | None = None,
         name: str = "runbook.json") -> Path:
    path = folder / name
    document = {"format": "interlock.runbook/1", "name": "Data test", "activities": activities,
                "links": links or []}
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def links(*ids: str) -> list[dict[str, Any]]:
    return [{"from": a, "to": b} for a, b in pairwise(ids)]


async def run(folder: Path, activities: list[dict[str, Any]], chain: bool = True,
              **connections: dict[str, Any]) -> engine.JobResult:
    """Run activities (linked one after the other) with `database` connections of these keys."""
    config = Config(connections={name: Connection(kind="database", **keys)
                                 for name, keys in connections.items()})
    path = save(folder, activities, links(*(a["id"] for a in activities)) if chain else None)
    return await engine.Engine(config, Registry.from_entry_points()).run(engine.load_runbook(path))


def errors(result: engine.JobResult, activity_id: str) -> list[str]:
    found = result.activity(activity_id)
    assert found is not None, activity_id
    return [instance.error or "" for instance in found.instances if instance.status == "failed"]
