"""The run history's key cases on both back-ends (DESIGN §6.5): the SQLite file and a real PostgreSQL
(tests/servers/postgres.py, a fresh database per test, created by `interlock db upgrade`) keep the same
data and answer the same queries; and a PostgreSQL history is used through `[history] url` by
`interlock run`, `history` and `show`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from test_history import T0, T1, job_events, result_for

from engine.cli.main import main
from engine.config.settings import load_config
from engine.errors import ActivityError
from engine.history import RunHistory, SQLiteHistory, open_counters, open_history
from engine.history import buffered as buffered_history
from engine.history.owner import Owner, this_process
from engine.history.store import HistoryError
from engine.run.events import InstanceFinished, JobStarted

PASSWORD_ENV = "INTERLOCK_TEST_HISTORY_PASSWORD"
Opener = Callable[[], RunHistory]


def history_config(folder: Path, url: str) -> Path:
    """A config whose history is the PostgreSQL database at `url` (password from the environment)."""
    path = folder / "interlock.toml"
    path.write_text(f'[history]\nurl = "{url}"\npassword_env = "{PASSWORD_ENV}"\n', encoding="utf-8")
    return path


@pytest.fixture
def pg_config(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config on a new, empty database of the suite's PostgreSQL (not yet upgraded)."""
    server = request.getfixturevalue("postgres")
    database = f"history_{secrets.token_hex(6)}"
    server.admin(f'CREATE DATABASE "{database}" OWNER "{server.user}"', database="postgres")
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    return history_config(tmp_path, server.url(database).replace("postgresql+psycopg://", "postgresql://"))


@pytest.fixture(params=["sqlite", "postgres"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the history of one back-end; every call a new store on the same data."""
    if request.param == "sqlite":
        yield lambda: SQLiteHistory(tmp_path / "history.sqlite3")
        return
    config_path = request.getfixturevalue("pg_config")
    assert main(["db", "upgrade", "--config", str(config_path)]) == 0
    config = load_config(config_path)
    yield lambda: open_history(config=config)


def test_a_started_job_is_listed_as_running_at_once(opener: Opener) -> None:
    with opener() as writer, opener() as reader:
        writer.record(JobStarted(job_id="job-1", at=T0, runbook="Demo", path="/rb/demo.json"))
        assert [(j.job_id, j.status, j.path) for j in reader.jobs()] == \
            [("job-1", "running", "/rb/demo.json")]


def test_events_instances_and_result_are_read_back(opener: Opener) -> None:
    with opener() as store:
        for event in job_events("job-1", instances=3, status="failed"):
            store.record(event)
        store.save_result(result_for("job-1", status="failed"))
    with opener() as store:
        stored = store.job("job-1")
        lines = store.event_lines("job-1", after=2, limit=3)
    assert stored.summary.status == "failed" and stored.summary.duration_s == 2.5
    assert stored.summary.parameters == {"Batch": "1"}
    assert [(i.instance, i.status, i.error, i.rows) for i in stored.instances] == [
        (0, "failed", "boom", [{"item": "vm0", "index": 0}]),
        (1, "success", None, [{"item": "vm1", "index": 1}]),
        (2, "success", None, [{"item": "vm2", "index": 2}])]
    assert [e.kind for e in stored.events] == [e.kind for e in job_events("x", instances=3)]
    assert stored.result is not None and stored.result.returned == {"count": 2}
    assert [n for n, _ in lines] == [3, 4, 5]
    assert json.loads(lines[0][1])["kind"] == "instance_finished"  # 1 job, 2 started


def test_a_result_saved_without_events_still_gives_instances(opener: Opener) -> None:
    with opener() as store:
        store.save_result(result_for("api-job"))
        stored = store.job("api-job")
    assert [(i.activity, i.instance, i.status, i.attempts) for i in stored.instances] == [
        ("split", 0, "success", 1), ("split", 1, "failed", 3)]


def test_jobs_are_newest_first_filtered_and_found_by_prefix(opener: Opener) -> None:
    with opener() as store:
        for job_id, runbook, status, started in (("a-1", "One", "success", "2026-01-01T00:00:00+00:00"),
                                                 ("b-2", "Two", "failed", "2026-01-02T00:00:00+00:00"),
                                                 ("b-3", "One", "success", "2026-01-03T00:00:00+00:00")):
            for event in job_events(job_id, instances=1, status=status, runbook=runbook, started=started,
                                    finished=started):
                store.record(event)
        store.set_started_by("b-2", "alice")
        assert [j.job_id for j in store.jobs()] == ["b-3", "b-2", "a-1"]
        assert [j.job_id for j in store.jobs(limit=1)] == ["b-3"]
        assert [j.job_id for j in store.jobs(runbook="One")] == ["b-3", "a-1"]
        assert [j.job_id for j in store.jobs(status="failed")] == ["b-2"]
        assert [j.job_id for j in store.jobs(since="2026-01-02", until="2026-01-02T23:59")] == ["b-2"]
        assert [(j.job_id, j.started_by) for j in store.jobs(started_by="alice")] == [("b-2", "alice")]
        assert [j.job_id for j in store.jobs(path="/rb/demo.json")] == ["b-3", "b-2", "a-1"]
        assert store.job("a").summary.job_id == "a-1"
        with pytest.raises(HistoryError, match='"b" is ambiguous: it starts b-'):
            store.job("b")
        with pytest.raises(HistoryError, match='no job "zz"'):
            store.job("zz")
        with pytest.raises(HistoryError, match='no job "b_"'):  # `_` is a character, not a wildcard
            store.job("b_")


def record_start(store: RunHistory, job_id: str, owner: Owner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record a job's start as if the given process ran it, and one instance it finished."""
    with monkeypatch.context() as patch:
        patch.setattr(buffered_history, "this_process", lambda: owner)
        store.record(JobStarted(job_id=job_id, at=T0, runbook="Demo"))
        store.record(InstanceFinished(job_id=job_id, at=T1, activity="a", name="A", instance=0,
                                      status="success", started_at=T0, finished_at=T1, duration_s=2.5,
                                      attempts=1))
        store.flush()


def test_a_job_whose_process_is_gone_is_interrupted_when_the_history_is_opened(
        opener: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    me = this_process()
    with opener() as store:
        record_start(store, "gone", Owner(me.host, me.pid, me.started - 1000.0), monkeypatch)
        record_start(store, "live", me, monkeypatch)
        record_start(store, "elsewhere", Owner("some-other-host", 1, 1.0), monkeypatch)
    with opener() as store:
        statuses = {job.job_id: (job.status, job.finished_at) for job in store.jobs()}
        assert statuses == {"gone": ("interrupted", T1), "live": ("running", None),
                            "elsewhere": ("running", None)}
        assert [(i.activity, i.status) for i in store.job("gone").instances] == [("a", "success")]


# -- PostgreSQL through the configuration and the CLI -------------------------------------------------


def write_runbook(folder: Path) -> Path:
    document = {"format": "interlock.runbook/1", "name": "Hello history", "activities": [
        {"id": "start", "type": "core.initialize_data", "name": "Start", "properties": {}},
        {"id": "done", "type": "core.return_data", "name": "Done",
         "properties": {"data": {"greeting": "hello"}}}],
        "links": [{"from": "start", "to": "done"}]}
    path = folder / "hello.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_run_history_and_show_use_the_postgresql_history(
        pg_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--config", str(pg_config)]) == 0
    capsys.readouterr()
    assert main(["run", str(write_runbook(tmp_path)), "--json", "--config", str(pg_config)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "success" and result["returned"] == {"greeting": "hello"}

    assert main(["history", "--json", "--config", str(pg_config)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(j["job_id"], j["runbook"], j["status"]) for j in listed] == \
        [(result["job_id"], "Hello history", "success")]
    assert main(["show", result["job_id"][:8], "--json", "--config", str(pg_config)]) == 0
    assert json.loads(capsys.readouterr().out) == result
    assert not (tmp_path / "home" / "history.sqlite3").exists()


def test_db_upgrade_creates_the_schema_and_a_second_run_changes_nothing(
        pg_config: Path, capsys: pytest.CaptureFixture[str], postgres: Any) -> None:
    assert main(["db", "upgrade", "--config", str(pg_config)]) == 0
    assert "was empty" in capsys.readouterr().out
    assert main(["db", "upgrade", "--config", str(pg_config)]) == 0
    assert "up to date" in capsys.readouterr().out
    database = load_config(pg_config).history.url.rsplit("/", 1)[-1]
    tables = {row[0] for row in postgres.admin(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", database=database)}
    assert {"jobs", "instances", "events", "counters", "alembic_version"} <= tables


def test_a_database_that_was_not_upgraded_says_to_run_db_upgrade(
        pg_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(write_runbook(tmp_path)), "--json", "--config", str(pg_config)]) == 2
    error = capsys.readouterr().err
    assert "run `interlock db upgrade`" in error and str(pg_config) in error


def test_a_wrong_password_is_a_clear_error_without_the_password(
        pg_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password-0123")
    assert main(["db", "upgrade", "--config", str(pg_config)]) == 2
    error = capsys.readouterr().err
    assert "password authentication failed" in error and "[history]" in error
    assert "not-the-password-0123" not in error


def test_a_password_in_the_url_or_an_unknown_key_is_refused(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "interlock.toml"
    config.write_text('[history]\nurl = "postgresql://runbooks:secret@db.example/runs"\n', encoding="utf-8")
    assert main(["history", "--config", str(config)]) == 2
    error = capsys.readouterr().err
    assert "must not hold a password" in error and "secret@" not in error
    config.write_text('[history]\nurl = "postgresql://runbooks@db.example/runs"\npassword = "x"\n',
                      encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(config)]) == 2
    assert 'key "history.password"' in capsys.readouterr().err


@pytest.fixture(params=["sqlite", "postgres"])
def counter_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        store: Any = open_counters(tmp_path / "history.sqlite3")
    else:
        config_path = request.getfixturevalue("pg_config")
        assert main(["db", "upgrade", "--config", str(config_path)]) == 0
        store = open_counters(config=load_config(config_path))
    yield store
    store.close()


def test_counters_change_atomically_from_many_threads(counter_store: Any) -> None:
    assert counter_store.change("Tickets", "get", 0, 5) == 5
    assert counter_store.stored() == []  # reading a counter never changed writes nothing
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: counter_store.change("Tickets", "increment", 1, 5), range(40)))
    assert counter_store.change("Tickets", "get", 0, 5) == 45
    assert counter_store.change("Tickets", "decrement", 3, 5) == 42
    assert [(c.name, c.value) for c in counter_store.stored()] == [("Tickets", 42)]
    assert counter_store.change("Tickets", "reset", 0, 5) == 5
    with pytest.raises(ActivityError, match="beyond the range of a 64-bit integer"):
        counter_store.change("Tickets", "increment", 2**63 - 1, 5)
    assert counter_store.change("Tickets", "get", 0, 5) == 5
