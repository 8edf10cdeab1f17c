"""The data activities from the command line: `interlock run --json` of the Site Inventory example
(resources/examples/site-inventory.json) with a `[connections.cmdb]` config, on SQLite (a path
relative to the config file) and on a real PostgreSQL (password from the environment, never in the
output); and `interlock connections test`."""

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


# Reads resources/examples/sites.xml beside it: sites north and south are active, east is not.
EXAMPLE = Path(__file__).resolve().parents[3] / "resources" / "examples" / "site-inventory.json"


def rows(document: dict, activity_id: str) -> list[dict]:
    return [row for activity in document["activities"] if activity["id"] == activity_id
            for instance in activity["instances"] for row in instance["rows"]]


def test_the_site_inventory_example_publishes_the_rows_and_writes_the_table(db: Target, tmp_path: Path,
                                                                           capsys):
    db.sql("CREATE TABLE hosts (name VARCHAR(20), site VARCHAR(20), os_version VARCHAR(20))")
    db.sql("CREATE TABLE inventory_audit (host VARCHAR(20), site VARCHAR(20), os_version VARCHAR(20))")
    for name, site, os_version in [("web01", "north", "12.8"), ("web02", "north", "12.9"),
                                   ("db01", "south", "11.11"), ("mail01", "east", "12.9")]:
        db.sql("INSERT INTO hosts VALUES (:name, :site, :os)", name=name, site=site, os=os_version)
    code = main(["run", str(EXAMPLE), "--json", "--config", str(config_file(tmp_path, db))])
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)
    assert document["status"] == "success"
    assert [row["value"] for row in rows(document, "sites")] == ["north", "south"]
    assert sorted(rows(document, "hosts"), key=lambda r: r["name"]) == [
        {"name": "db01", "os_version": "11.11"}, {"name": "web01", "os_version": "12.8"},
        {"name": "web02", "os_version": "12.9"}]
    assert rows(document, "audit") == [{"rows_affected": 1}] * 3
    assert sorted(db.sql("SELECT host, site, os_version FROM inventory_audit")) == [
        ("db01", "south", "11.11"), ("web01", "north", "12.8"), ("web02", "north", "12.9")]
    if db.password is not None:
        assert db.password not in out + err


def test_an_unknown_connection_key_names_file_connection_and_key(db: Target, tmp_path: Path, capsys):
    config = config_file(tmp_path, db, 'pasword_env = "X"')
    runbook = save(tmp_path, [act("q", "data.query", connection="cmdb", query="SELECT 1")])
    code = main(["run", str(runbook), "--json", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code != 0
    assert f'{config}: connections.cmdb: key "pasword_env": unknown key' in out + err


@pytest.mark.parametrize("url", ["postgresql://u:hunter2@db/x", "postgresql://u@db/x?password=hunter2",
                                 "mssql+pyodbc://u@db/x?PWD=hunter2"])
def test_a_password_in_the_url_is_refused(tmp_path: Path, capsys, url: str):
    config = tmp_path / "interlock.toml"
    config.write_text(f'[connections.cmdb]\nkind = "database"\nurl = "{url}"\n')
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
    assert f"SELECT 1 answered ({db.kind}, " in out + err
