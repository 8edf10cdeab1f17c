"""The data activities from the command line: `interlock run --json` of a runbook file with a
`[connections.cmdb]` config, on SQLite (a path relative to the config file) and on a real PostgreSQL
(password from the environment, never in the output); and `interlock connections test`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbtargets import KINDS, PASSWORD_ENV, Target, act, save, target

from engine.cli.main import main


@pytest.fixture(params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    yield from target(request, tmp_path, monkeypatch)


def config_file(folder: Path, db: Target, extra: str = "") -> Path:
    url = "sqlite:///cmdb.sqlite" if db.kind == "sqlite" else db.url  # relative to the config's folder
    lines = ["[connections.cmdb]", 'kind = "database"', f'url = "{url}"']
    if db.password is not None:
        lines.append(f'password_env = "{PASSWORD_ENV}"')
    path = folder / "interlock.toml"
    path.write_text("\n".join([*lines, extra, ""]), encoding="utf-8")
    return path


def inventory_runbook(folder: Path) -> Path:
    """Sites from XML, the hosts of each site from the database, one audit row written per host."""
    sites = "<sites><site code='north'/><site code='south'/><site code='east'/></sites>"
    return save(folder, [
        act("sites", "data.query_xml", xml=sites, xpath="/sites/site/@code"),
        act("hosts", "data.query", connection="cmdb",
            query="SELECT name, cores FROM hosts WHERE site = :site ORDER BY name",
            parameters={"site": "{{sites.value}}"}),
        act("audit", "data.write", connection="cmdb", table="audit",
            values={"host": "{{hosts.name}}", "site": "{{sites.value}}"}),
    ], [{"from": "sites", "to": "hosts"}, {"from": "hosts", "to": "audit"}], name="inventory.json")


def rows(document: dict, activity_id: str) -> list[dict]:
    return [row for activity in document["activities"] if activity["id"] == activity_id
            for instance in activity["instances"] for row in instance["rows"]]


def test_run_json_publishes_the_rows_and_writes_the_table(db: Target, tmp_path: Path, capsys):
    db.sql("CREATE TABLE hosts (name VARCHAR(20), site VARCHAR(20), cores INTEGER)")
    db.sql("CREATE TABLE audit (host VARCHAR(20), site VARCHAR(20))")
    for name, site, cores in [("web01", "north", 4), ("web02", "north", 8), ("db01", "south", 16)]:
        db.sql("INSERT INTO hosts VALUES (:name, :site, :cores)", name=name, site=site, cores=cores)
    config = config_file(tmp_path, db)
    code = main(["run", str(inventory_runbook(tmp_path)), "--json", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)
    assert document["status"] == "success"
    assert sorted(rows(document, "hosts"), key=lambda r: r["name"]) == [
        {"name": "db01", "cores": 16}, {"name": "web01", "cores": 4}, {"name": "web02", "cores": 8}]
    assert rows(document, "audit") == [{"rows_affected": 1}] * 3
    assert sorted(db.sql("SELECT host, site FROM audit")) == [("db01", "south"), ("web01", "north"),
                                                             ("web02", "north")]
    if db.password is not None:
        assert db.password not in out + err


def test_an_unknown_connection_key_names_file_connection_and_key(db: Target, tmp_path: Path, capsys):
    config = config_file(tmp_path, db, 'pasword_env = "X"')
    runbook = save(tmp_path, [act("q", "data.query", connection="cmdb", query="SELECT 1")])
    code = main(["run", str(runbook), "--json", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code != 0
    assert f'{config}: connections.cmdb: key "pasword_env": unknown key' in out + err


def test_a_password_in_the_url_is_refused(tmp_path: Path, capsys):
    config = tmp_path / "interlock.toml"
    config.write_text('[connections.cmdb]\nkind = "database"\nurl = "postgresql://u:hunter2@db/x"\n')
    runbook = save(tmp_path, [act("q", "data.query", connection="cmdb", query="SELECT 1")])
    code = main(["run", str(runbook), "--config", str(config)])
    out, err = capsys.readouterr()
    assert code != 0
    assert 'connections.cmdb: key "url": must not hold a password' in out + err
    assert "hunter2" not in out + err


def test_connections_test_answers(db: Target, tmp_path: Path, capsys):
    code = main(["connections", "test", "cmdb", "--config", str(config_file(tmp_path, db))])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert f"SELECT 1 answered ({db.kind})" in out + err
