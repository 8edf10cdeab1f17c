"""Which column names Query Database knows before a run (for the designer's picker and validation),
and that it says "not known" whenever the text leaves any doubt."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbtargets import KINDS, Target, act, run, save, target

import engine
from engine.errors import RunbookError
from nodes.data.columns import select_columns


@pytest.mark.parametrize(("sql", "columns"), [
    ("SELECT name, site FROM hosts", ["name", "site"]),
    ("select distinct h.name, h.cores from hosts h where h.site = :site", ["name", "cores"]),
    ('SELECT "Host Name", count(*) AS n, CAST(cores AS text) AS "Cores ""x""" FROM t GROUP BY 1;',
     ["Host Name", "n", 'Cores "x"']),
    ("SELECT coalesce(a, 'x, FROM y') AS value FROM t", ["value"]),
    ("SELECT 1 AS one", ["one"]),
    ("SELECT name FROM a UNION SELECT other FROM b", ["name"]),
    ("SELECT current_date", ["current_date"]),
])
def test_a_plain_select_list_is_read(sql: str, columns: list[str]):
    assert select_columns(sql) == columns


@pytest.mark.parametrize("sql", [
    "SELECT * FROM hosts", "SELECT h.* FROM hosts h", "SELECT a + b FROM t", "SELECT count(*) FROM t",
    "SELECT Name FROM hosts", "SELECT true", "SELECT 1", "SELECT name n FROM t",
    "WITH x AS (SELECT 1 AS a) SELECT a FROM x", "UPDATE t SET a = 1", "SELECT a FROM t; SELECT b FROM u",
    "SELECT a -- the a\nFROM t", "SELECT a INTO copy FROM t", "SELECT [a] FROM t", "SELECT 'open FROM t",
    "SELECT DISTINCT ON (a) a, b FROM t", "",
])
def test_anything_else_is_not_known_before_a_run(sql: str):
    assert select_columns(sql) is None


def test_validation_names_a_misspelt_column(tmp_path: Path):
    path = save(tmp_path, [act("q", "data.query", connection="cmdb", query="SELECT name, site FROM hosts"),
                           act("s", "core.split", text="{{q.nmae}}")], [{"from": "q", "to": "s"}])
    with pytest.raises(RunbookError, match='"q" publishes no field "nmae" \\(it publishes: name, site\\)'):
        engine.load_runbook(path)


@pytest.fixture(params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    yield from target(request, tmp_path, monkeypatch)


async def test_the_names_read_are_the_names_the_database_returns(db: Target, tmp_path: Path):
    db.sql('CREATE TABLE hosts (name VARCHAR(10), "Host Name" VARCHAR(10), cores INTEGER)')
    db.sql("INSERT INTO hosts VALUES ('a', 'b', 2)")
    sql = ('SELECT DISTINCT h.name, "Host Name", cores * 2 AS doubled, count(*) AS n FROM hosts h '
           'GROUP BY h.name, "Host Name", cores')
    result = await run(tmp_path, [act("q", "data.query", connection="cmdb", query=sql)], cmdb=db.keys())
    assert list(result.rows("q")[0]) == select_columns(sql) == ["name", "Host Name", "doubled", "n"]
