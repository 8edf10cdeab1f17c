"""Query Database and Write To Database through the real engine, on SQLite and on a real PostgreSQL:
the rows published, what is in the tables afterwards, bound parameters, limits, timeouts and the
errors a user reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbtargets import KINDS, PASSWORD_ENV, Target, act, errors, run, save, target
from servers import free_port

import engine
from engine.config.connections import Connections
from engine.config.connections import test_connection as connection_test
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from engine.errors import RunbookError

HOSTS = """CREATE TABLE hosts (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE,
           site VARCHAR(20), cores INTEGER CHECK (cores > 0))"""
HOSTS_ROWS = [(1, "web01", "north", 4), (2, "web02", "north", 8), (3, "db01", "south", 16)]
INJECTION = "x'; DROP TABLE hosts; --"


@pytest.fixture(params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    yield from target(request, tmp_path, monkeypatch)


@pytest.fixture
def hosts(db: Target) -> Target:
    db.sql(HOSTS)
    for row in HOSTS_ROWS:
        db.sql("INSERT INTO hosts VALUES (:id, :name, :site, :cores)",
               **dict(zip(["id", "name", "site", "cores"], row, strict=True)))
    return db


def query(id_: str = "q", **properties: object) -> dict[str, object]:
    return act(id_, "data.query", connection="cmdb", **properties)


def write(id_: str = "w", **properties: object) -> dict[str, object]:
    return act(id_, "data.write", connection="cmdb", **properties)


# -- Query Database -------------------------------------------------------------------------------------

async def test_query_publishes_one_row_per_result_row_with_the_columns(hosts: Target, tmp_path: Path):
    result = await run(tmp_path, [query(query="SELECT name, site, cores FROM hosts ORDER BY id")],
                       cmdb=hosts.keys())
    assert result.status == "success", result
    assert result.rows("q") == [{"name": "web01", "site": "north", "cores": 4},
                                {"name": "web02", "site": "north", "cores": 8},
                                {"name": "db01", "site": "south", "cores": 16}]


async def test_parameters_are_bound_so_a_hostile_value_is_only_data(hosts: Target, tmp_path: Path):
    hosts.sql("INSERT INTO hosts VALUES (9, :name, 'east', 1)", name=INJECTION)
    result = await run(tmp_path, [
        act("start", "core.split", text=f"{INJECTION}|web02", separator="|"),
        query(query="SELECT id, name FROM hosts WHERE name = :name", parameters={"name": "{{start.item}}"}),
    ], cmdb=hosts.keys())
    assert result.status == "success", result
    # one query per incoming row, each with that row's value; the hostile one matched itself
    assert sorted(result.rows("q"), key=lambda r: r["id"]) == [{"id": 2, "name": "web02"},
                                                               {"id": 9, "name": INJECTION}]
    assert len(result.activity("q").instances) == 2
    assert "hosts" in hosts.tables()
    assert len(hosts.sql("SELECT * FROM hosts")) == 4


async def test_no_result_rows_publish_nothing_and_nothing_after_runs(hosts: Target, tmp_path: Path):
    result = await run(tmp_path, [
        query(query="SELECT name FROM hosts WHERE site = :site", parameters={"site": "nowhere"}),
        act("after", "core.junction", republish=None),
    ], cmdb=hosts.keys())
    assert result.status == "success"
    instance = result.activity("q").instances[0]
    assert instance.status == "success" and instance.rows == []


async def test_values_are_json_friendly(db: Target, tmp_path: Path):
    if db.kind == "postgresql":
        sql = ("SELECT 12.50::numeric(10,2) AS price, DATE '2026-12-05' AS day, "
               "TIMESTAMP WITH TIME ZONE '2026-12-05 10:30:00+00' AS at, NULL::text AS nothing, "
               "true AS yes, 2.5::float8 AS ratio, '\\x0102'::bytea AS raw, ARRAY[1,2] AS list, "
               "'{\"a\": 1}'::jsonb AS doc, INTERVAL '90 seconds' AS took")
        expected = {"price": "12.50", "day": "2026-12-05", "at": "2026-12-05T10:30:00+00:00",
                    "nothing": None, "yes": True, "ratio": 2.5, "raw": "AQI=", "list": [1, 2],
                    "doc": {"a": 1}, "took": 90.0}
    else:
        sql = "SELECT 12.5 AS ratio, NULL AS empty, x'0102' AS raw, 'text' AS word, 3 AS n"
        expected = {"ratio": 12.5, "empty": None, "raw": "AQI=", "word": "text", "n": 3}
    result = await run(tmp_path, [query(query=sql)], cmdb=db.keys())
    assert result.rows("q") == [expected]


async def test_more_rows_than_max_rows_fails_and_says_so(hosts: Target, tmp_path: Path):
    result = await run(tmp_path, [query(query="SELECT name FROM hosts", max_rows=2)], cmdb=hosts.keys())
    assert errors(result, "q") == ['query on connection "cmdb": more than 2 rows: narrow the query or '
                                   'raise Maximum rows (max_rows)']
    exact = await run(tmp_path, [query(query="SELECT name FROM hosts", max_rows=3)], cmdb=hosts.keys())
    assert len(exact.rows("q")) == 3


async def test_a_slow_query_is_cancelled_at_its_timeout(db: Target, tmp_path: Path):
    started = time.monotonic()
    result = await run(tmp_path, [query(query=db.slow_query, timeout_s=0.5)], cmdb=db.keys())
    took = time.monotonic() - started
    assert errors(result, "q") == ['query on connection "cmdb": cancelled after the timeout of 0.5 s']
    assert took < 10
    # the connection is fine afterwards, and the limit was for that statement only
    again = await run(tmp_path, [query(query="SELECT 1 AS one", timeout_s=30)], cmdb=db.keys())
    assert again.rows("q") == [{"one": 1}]


async def test_bad_sql_fails_with_what_the_database_said(db: Target, tmp_path: Path):
    result = await run(tmp_path, [query(query="SELECT * FROM no_such_table")], cmdb=db.keys())
    said = {"sqlite": "no such table: no_such_table",
            "postgresql": 'relation "no_such_table" does not exist'}[db.kind]
    assert errors(result, "q") == [f'query on connection "cmdb": {said}']


async def test_parameter_mistakes_are_named(hosts: Target, tmp_path: Path):
    missing = await run(tmp_path, [query(query="SELECT name FROM hosts WHERE site = :site")],
                        cmdb=hosts.keys())
    assert errors(missing, "q") == ['query on connection "cmdb": parameter "site" is used (:site) but not '
                                    'given in Parameters']
    unused = await run(tmp_path, [query(query="SELECT name FROM hosts", parameters={"site": "x"})],
                       cmdb=hosts.keys())
    assert errors(unused, "q") == ['query on connection "cmdb": parameter "site" is not used in the '
                                   'query: write :site where its value goes']


async def test_two_columns_of_one_name_are_an_error(hosts: Target, tmp_path: Path):
    joined = "SELECT a.name, b.name FROM hosts a JOIN hosts b ON a.id = b.id"
    result = await run(tmp_path, [query(query=joined)], cmdb=hosts.keys())
    assert errors(result, "q") == ['query on connection "cmdb": two result columns are called "name": name '
                                   'them apart with AS']


# -- Write To Database -----------------------------------------------------------------------------------

async def test_insert_writes_one_row_per_incoming_row(db: Target, tmp_path: Path):
    db.sql("CREATE TABLE audit (host VARCHAR(50), position INTEGER, note VARCHAR(100))")
    result = await run(tmp_path, [
        act("start", "core.split", text="app01,app02", separator=","),
        write(table="audit", values={"host": "{{start.item}}", "position": "{{start.index}}",
                                     "note": INJECTION}),
    ], cmdb=db.keys())
    assert result.status == "success", errors(result, "w")
    assert result.rows("w") == [{"rows_affected": 1}, {"rows_affected": 1}]
    assert sorted(db.sql("SELECT host, position, note FROM audit")) == [("app01", 0, INJECTION),
                                                                       ("app02", 1, INJECTION)]


async def test_insert_quotes_table_and_column_names(db: Target, tmp_path: Path):
    db.sql('CREATE TABLE "Asset List" ("Host Name" VARCHAR(50), "select" INTEGER)')
    result = await run(tmp_path, [write(table="Asset List", values={"Host Name": "web01", "select": 3})],
                       cmdb=db.keys())
    assert result.rows("w") == [{"rows_affected": 1}]
    assert db.sql('SELECT "Host Name", "select" FROM "Asset List"') == [("web01", 3)]


async def test_a_hostile_table_name_is_one_quoted_name(hosts: Target, tmp_path: Path):
    result = await run(tmp_path, [write(table='hosts"; DROP TABLE hosts; --', values={"name": "x"})],
                       cmdb=hosts.keys())
    assert len(errors(result, "w")) == 1
    assert 'insert into hosts"; DROP TABLE hosts; -- on connection "cmdb":' in errors(result, "w")[0]
    assert len(hosts.sql("SELECT * FROM hosts")) == 3


async def test_statement_updates_and_publishes_how_many_rows(hosts: Target, tmp_path: Path):
    result = await run(tmp_path, [write(statement="UPDATE hosts SET cores = cores * 2 WHERE site = :site",
                                        parameters={"site": "north"})], cmdb=hosts.keys())
    assert result.rows("w") == [{"rows_affected": 2}]
    assert hosts.sql("SELECT name, cores FROM hosts ORDER BY id") == [("web01", 8), ("web02", 16),
                                                                      ("db01", 16)]


async def test_a_failing_write_changes_nothing(hosts: Target, tmp_path: Path):
    # cores - 5 breaks the CHECK on web01 (4) after other rows may already have been changed
    result = await run(tmp_path, [write(statement="UPDATE hosts SET cores = cores - :n",
                                        parameters={"n": 5})], cmdb=hosts.keys())
    [error] = errors(result, "w")
    assert error.startswith('write on connection "cmdb": ') and "check" in error.lower()
    assert hosts.sql("SELECT cores FROM hosts ORDER BY id") == [(4,), (8,), (16,)]


def test_write_takes_table_or_statement_not_both(tmp_path: Path):
    path = save(tmp_path, [write(table="hosts", statement="DELETE FROM hosts", values={"a": 1})])
    with pytest.raises(RunbookError, match=r'activity "w", key "properties": give either table \(with '
                                           r'values\) or statement \(with parameters\), not both'):
        engine.load_runbook(path)


def test_a_list_cannot_be_bound(tmp_path: Path):
    path = save(tmp_path, [query(query="SELECT 1 WHERE 1 = :ids", parameters={"ids": [1, 2]})])
    with pytest.raises(RunbookError, match='"ids": a list or object cannot be bound'):
        engine.load_runbook(path)


# -- the connection ------------------------------------------------------------------------------------

def connections(**keys: object) -> Connections:
    return Connections(Config(connections={"cmdb": Connection(kind="database", **keys)}),
                       Registry.from_entry_points().backends)


async def test_connections_test_runs_select_1(db: Target):
    answered, said = await connection_test(connections(**db.keys()), "cmdb")
    assert answered, said
    assert said.startswith(f"SELECT 1 answered ({db.kind}, ")
    if db.password is not None:  # the URL is shown with the password hidden
        assert db.password not in said and ":***@127.0.0.1:" in said


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # SQLite has no password
async def test_a_wrong_password_is_refused_without_showing_it(hosts: Target, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password-42")
    result = await run(tmp_path, [query(query="SELECT 1 AS one")], cmdb=hosts.keys())
    [error] = errors(result, "q")
    assert error.startswith('query on connection "cmdb": ')
    assert 'password authentication failed for user "runbooks"' in error
    assert "not-the-password-42" not in result.model_dump_json()


async def test_an_unreachable_server_is_named(tmp_path: Path):
    port = free_port()  # nothing listens there
    result = await run(tmp_path, [query(query="SELECT 1")],
                       cmdb={"url": f"postgresql://nobody@127.0.0.1:{port}/x", "connect_timeout_s": 3})
    [error] = errors(result, "q")
    assert error.startswith('query on connection "cmdb": connection failed') and str(port) in error


async def test_cancelling_the_job_stops_the_statement_on_the_server(db: Target, tmp_path: Path):
    db.sql("CREATE TABLE marks (n INTEGER)")
    config = Config(connections={"cmdb": Connection(kind="database", **db.keys())})
    runbook = engine.load_runbook(save(tmp_path, [query(query=db.slow_query)]))
    handle = engine.Engine(config, Registry.from_entry_points()).start(runbook)
    await asyncio.sleep(1.0)  # the statement is running
    if db.kind == "postgresql":
        assert db.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' "
                      "AND state = 'active'") == [(1,)]
    started = time.monotonic()
    handle.cancel()
    result = await handle.wait()
    assert result.status == "cancelled"
    # the server stops it too, instead of sleeping on for 30 s
    deadline = time.monotonic() + 10
    while db.kind == "postgresql" and db.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                                             "'SELECT pg_sleep%' AND state = 'active'") != [(0,)]:
        assert time.monotonic() < deadline, "the statement still runs on the server"
        await asyncio.sleep(0.1)
    # SQLite: a write needs the running read to have ended (it holds the file's shared lock)
    written = await run(tmp_path, [write(table="marks", values={"n": 1})],
                        cmdb=db.keys(connect_timeout_s=3))
    assert written.rows("w") == [{"rows_affected": 1}], errors(written, "w")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
async def test_pool_size_bounds_the_connections_and_the_rest_wait(db: Target, tmp_path: Path):
    result = await run(tmp_path, [
        act("start", "core.split", text="1,2,3", separator=","),
        query(query="SELECT :n AS n, (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user "
                    "AND application_name = 'interlock') AS open_connections FROM pg_sleep(0.3)",
              parameters={"n": "{{start.item}}"}),
    ], cmdb=db.keys(pool_size=1))
    assert result.status == "success", errors(result, "q")
    assert sorted(row["n"] for row in result.rows("q")) == ["1", "2", "3"]
    assert {row["open_connections"] for row in result.rows("q")} == {1}
