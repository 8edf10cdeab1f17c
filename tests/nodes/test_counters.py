"""Get Counter Value and Modify Counter: values kept in the run history's database, defined by the
config's [counters], checked before a job runs."""

from __future__ import annotations

import json
import sqlite3

import pytest
from chains import chain_file, cli_run, error, run_chain, step

from engine import ConfigError, Engine, load_runbook
from engine.cli.main import main
from engine.config.registry import Registry
from engine.config.settings import Config, load_config
from engine.history import open_counters
from engine.history.sqlite import _MIGRATIONS
from engine.paths import history_path

TICKETS = Config(counters={"Tickets": {"default": 10}})


def modify(id_: str, action: str, value: int | None = None, name: str = "Tickets") -> dict:
    properties = {"name": name, "action": action} | ({} if value is None else {"value": value})
    return step(id_, "core.modify_counter", **properties)


async def test_a_counter_starts_at_its_default_and_keeps_each_change(tmp_path):
    result = await run_chain(
        tmp_path, step("before", "core.get_counter", name="Tickets"), modify("up", "increment"),
        modify("up5", "increment", 5), modify("down", "decrement", 2), modify("set", "set", -7),
        modify("reset", "reset"), modify("again", "increment"),
        step("after", "core.get_counter", name="Tickets"), config=TICKETS)
    assert result.status == "success", result
    values = [result.rows(a)[0]["value"] for a in ("before", "up", "up5", "down", "set", "reset", "again",
                                                   "after")]
    assert values == [10, 11, 16, 14, -7, 10, 11, 11]
    assert result.rows("after") == [{"name": "Tickets", "value": 11}]
    # The value outlives the job: it is in the history database, where another job finds it.
    assert open_counters().change("Tickets", "get", 0, 10) == 11
    later = await run_chain(tmp_path, modify("up", "increment"), config=TICKETS)
    assert later.rows("up")[0]["value"] == 12


async def test_each_incoming_row_changes_the_counter_once(tmp_path):
    result = await run_chain(tmp_path, step("split", "core.split", text="a b c d", separator=" "),
                             modify("count", "increment"), config=TICKETS)
    assert sorted(r["value"] for r in result.rows("count")) == [11, 12, 13, 14]


async def test_reading_a_counter_writes_nothing(tmp_path):
    await run_chain(tmp_path, step("get", "core.get_counter", name="Tickets"), config=TICKETS)
    with sqlite3.connect(history_path()) as db:
        assert db.execute("SELECT COUNT(*) FROM counters").fetchone()[0] == 0


async def test_an_undefined_counter_stops_the_job_before_anything_runs(tmp_path):
    runbook = load_runbook(chain_file(tmp_path, step("other", "core.split", text="x"),
                                      modify("up", "increment", name="tickets")))
    engine = Engine(TICKETS, Registry.from_entry_points(), counters=open_counters())
    with pytest.raises(ConfigError) as caught:
        engine.start(runbook)
    assert ('activity "up", key "properties.name": counter "tickets" is not defined '
            '(did you mean "Tickets"?): add it under [counters]') in str(caught.value)


def test_run_of_an_undefined_counter_exits_2_naming_the_config_file(tmp_path, capsys):
    code, out, err = cli_run(tmp_path, capsys, modify("up", "increment", name="Hits"),
                             config_text='[counters]\nTickets = { default = 0 }\n')
    assert code == 2 and out == ""
    assert f'counter "Hits" is not defined: add it under [counters] in {tmp_path / "interlock.toml"}' in err
    assert not history_path().exists() or "Hits" not in history_path().read_bytes().decode("latin-1")


def test_validate_with_config_reports_an_undefined_counter_as_an_error(tmp_path, capsys):
    path = chain_file(tmp_path, modify("up", "increment", name="Hits"))
    config = tmp_path / "ops.toml"
    config.write_text("[counters]\nTickets = 0\n", encoding="utf-8")
    assert main(["validate", str(path), "--config", str(config)]) == 2
    assert 'counter "Hits" is not defined' in capsys.readouterr().err
    config.write_text("[counters]\nHits = { default = 3 }\n", encoding="utf-8")
    assert main(["validate", str(path), "--config", str(config)]) == 0


def test_validate_without_config_only_warns(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = chain_file(tmp_path, modify("up", "increment", name="Hits"))
    assert main(["validate", str(path)]) == 0
    warning = 'warning: activity "up", key "properties.name": counter "Hits" is not defined'
    assert warning in capsys.readouterr().err


async def test_a_counter_chosen_by_a_subscription_is_checked_when_it_runs(tmp_path):
    result = await run_chain(tmp_path, step("split", "core.split", text="Tickets,Nope", separator=","),
                             step("up", "core.modify_counter", name="{{split.item}}"), config=TICKETS)
    instances = result.activity("up").instances
    assert sorted(i.status for i in instances) == ["failed", "success"]
    failed = next(i for i in instances if i.status == "failed")
    assert 'counter "Nope" is not defined: add it under [counters]' in failed.error


async def test_set_without_a_value_is_refused_and_overflow_fails_the_instance(tmp_path, capsys):
    code, _, err = cli_run(tmp_path, capsys, modify("set", "set"), config_text="[counters]\nTickets = 1\n")
    assert code == 2 and 'action "set" needs a value' in err
    result = await run_chain(tmp_path, modify("big", "set", 2**63 - 1), modify("more", "increment"),
                             config=TICKETS)
    assert "would take it beyond the range of a 64-bit integer" in error(result, "more")
    assert open_counters().change("Tickets", "get", 0, 10) == 2**63 - 1


async def test_an_engine_without_a_counter_store_says_so(tmp_path):
    runbook = load_runbook(chain_file(tmp_path, modify("up", "increment")))
    result = await Engine(TICKETS, Registry.from_entry_points()).run(runbook)
    assert "started without a counter store" in error(result, "up")


async def test_a_history_that_cannot_be_written_fails_the_instance_naming_the_file(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    runbook = load_runbook(chain_file(tmp_path, modify("up", "increment")))
    engine = Engine(TICKETS, Registry.from_entry_points(), counters=open_counters(blocker / "h.sqlite3"))
    result = await engine.run(runbook)
    assert f'counter "Tickets": {blocker / "h.sqlite3"}: cannot create the run history' in error(result, "up")


def test_an_older_history_gets_its_counters_table(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # a history written before counters existed (schema 2)
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version in (1, 2):
            for statement in _MIGRATIONS[version]:
                db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?)", (version,))
        db.execute("INSERT INTO jobs (job_id, runbook) VALUES ('j1', 'old job')")
    counters = open_counters(path)
    assert counters.change("Tickets", "increment", 4, 1) == 5
    counters.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT runbook FROM jobs").fetchall() == [("old job",)]


@pytest.mark.parametrize(("text", "message"), [
    ("[counters]\nTickets = 'ten'\n", "a counter is { default = 0 }"),
    ("[counters]\nTickets = { default = 1, step = 2 }\n", 'key "counters.Tickets.step"'),
    ('[counters]\n"{x}" = 0\n', "a counter name cannot hold braces"),
])
def test_bad_counter_definitions_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "interlock.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"interlock\.toml") as caught:
        load_config(path)
    assert message in str(caught.value)


def test_cli_run_publishes_the_counter_value(tmp_path, capsys):
    code, out, err = cli_run(tmp_path, capsys, modify("up", "increment", 3),
                             step("get", "core.get_counter", name="Tickets"),
                             config_text="[counters]\nTickets = { default = 100 }\n", extra=("--json",))
    assert code == 0, err
    result = json.loads(out)
    values = {a["id"]: a["instances"][0]["rows"] for a in result["activities"]}
    assert values == {"up": [{"name": "Tickets", "value": 103}], "get": [{"name": "Tickets", "value": 103}]}


def test_interlock_counters_lists_sets_and_resets(tmp_path, capsys):
    config = tmp_path / "interlock.toml"
    config.write_text("[counters]\nTickets = { default = 10 }\nBuilds = 0\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["counters", "--json", "--config", str(config)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["name"], c["value"], c["updated_at"]) for c in listed] == [("Builds", 0, None),
                                                                          ("Tickets", 10, None)]
    assert main(["counters", "set", "Tickets", "-3", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "Tickets = -3\n"
    assert open_counters().change("Tickets", "get", 0, 10) == -3
    assert main(["counters", "list", "--config", str(config)]) == 0
    assert "-3" in capsys.readouterr().out
    assert main(["counters", "reset", "Tickets", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "Tickets = 10\n"
    assert main(["counters", "reset", "Hits", "--config", str(config)]) == 2
    assert f'counter "Hits" is not defined: add it under [counters] in {config}' in capsys.readouterr().err
