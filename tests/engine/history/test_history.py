"""The run history store: what is recorded from events and results, how it is read back, and that it
stays correct with batches, several writers, and databases it cannot use."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from engine.history import FLUSH_AT, SCHEMA_VERSION, HistoryError, HistoryStore
from engine.history import buffered as buffered_history
from engine.history.owner import Owner, this_process
from engine.run.events import (
    InstanceFinished,
    InstanceStarted,
    JobFinished,
    JobStarted,
    JunctionResolved,
    LinkEvaluated,
)
from engine.run.result import ActivityResult, InstanceResult, JobResult

T0 = "2026-01-05T10:00:00+00:00"
T1 = "2026-01-05T10:00:02.500000+00:00"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


def count(path: Path, table: str, job_id: str | None = None) -> int:
    """Rows another connection sees: what is really committed, not what a store holds in memory."""
    with sqlite3.connect(path) as other:
        if job_id is None:
            return other.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return other.execute(f"SELECT COUNT(*) FROM {table} WHERE job_id = ?", (job_id,)).fetchone()[0]


def job_events(job_id: str, instances: int = 2, status: str = "success", runbook: str = "Demo",
               started: str = T0, finished: str = T1) -> list:
    events: list = [JobStarted(job_id=job_id, at=started, runbook=runbook, path="/rb/demo.json",
                               parameters={"Batch": "1"})]
    for i in range(instances):
        events.append(InstanceStarted(job_id=job_id, at=started, activity="split", name="Split", instance=i))
        events.append(InstanceFinished(
            job_id=job_id, at=finished, activity="split", name="Split", instance=i,
            status="failed" if status == "failed" and i == 0 else "success", started_at=started,
            finished_at=finished, duration_s=2.5, attempts=1,
            error="boom" if status == "failed" and i == 0 else None, rows=[{"item": f"vm{i}", "index": i}]))
    events.append(LinkEvaluated(job_id=job_id, at=finished, from_="split", to="join", passed=1, filtered=1))
    events.append(JunctionResolved(job_id=job_id, at=finished, activity="join", name="Join", state="fired"))
    events.append(JobFinished(job_id=job_id, at=finished, runbook=runbook, status=status, duration_s=2.5))
    return events


def result_for(job_id: str, status: str = "success", runbook: str = "Demo") -> JobResult:
    return JobResult(
        job_id=job_id, runbook=runbook, status=status, parameters={"Batch": "1"}, started_at=T0,
        finished_at=T1,
        activities=[ActivityResult(id="split", name="Split", state="ran", instances=[
            InstanceResult(status="success", started_at=T0, finished_at=T1,
                           rows=[{"item": "vm0", "index": 0}]),
            InstanceResult(status="failed", started_at=T0, finished_at=T1, error="boom", attempts=3),
        ])],
        junctions={"join": "blocked"}, returned={"count": 2})


def test_a_recorded_job_is_listed_with_its_status_instances_and_events(db: Path) -> None:
    with HistoryStore(db) as store:
        for event in job_events("job-1", instances=3, status="failed"):
            store.record(event)
        jobs = store.jobs()
        stored = store.job("job-1")

    assert [(j.job_id, j.runbook, j.status, j.path) for j in jobs] == \
        [("job-1", "Demo", "failed", "/rb/demo.json")]
    assert jobs[0].parameters == {"Batch": "1"}
    assert jobs[0].duration_s == 2.5
    assert [(i.instance, i.status, i.error, i.rows) for i in stored.instances] == [
        (0, "failed", "boom", [{"item": "vm0", "index": 0}]),
        (1, "success", None, [{"item": "vm1", "index": 1}]),
        (2, "success", None, [{"item": "vm2", "index": 2}]),
    ]
    kinds = [e.kind for e in stored.events]
    assert kinds[0] == "job_started" and kinds[-1] == "job_finished"
    assert len(kinds) == 1 + 3 * 2 + 3
    link = next(e for e in stored.events if e.kind == "link")
    assert isinstance(link, LinkEvaluated) and (link.from_, link.to, link.passed) == ("split", "join", 1)
    assert stored.result is None  # no result document was saved


def test_events_are_written_in_batches_not_one_commit_each(db: Path) -> None:
    store = HistoryStore(db, flush_after_s=60)  # the timed flush is tested on its own below
    store.record(JobStarted(job_id="big", at=T0, runbook="Demo"))
    assert count(db, "events") == 1  # a job is in the history the moment it starts
    for i in range(FLUSH_AT - 1):
        store.record(InstanceStarted(job_id="big", at=T0, activity="a", name="A", instance=i))
    assert count(db, "events") == 1  # 499 buffered: nothing more committed yet
    store.record(InstanceStarted(job_id="big", at=T0, activity="a", name="A", instance=FLUSH_AT))
    assert count(db, "events") == FLUSH_AT + 1
    store.record(InstanceStarted(job_id="big", at=T0, activity="a", name="A", instance=FLUSH_AT + 1))
    assert count(db, "events") == FLUSH_AT + 1
    store.record(JobFinished(job_id="big", at=T1, runbook="Demo", status="success", duration_s=2.5))
    assert count(db, "events") == FLUSH_AT + 3  # the job's end writes what is left
    store.close()


def test_a_started_job_is_listed_as_running_at_once(db: Path) -> None:
    with HistoryStore(db, flush_after_s=60) as store:
        store.record(JobStarted(job_id="now", at=T0, runbook="Demo"))
        with HistoryStore(db) as reader:  # another process's view
            assert [(j.job_id, j.status) for j in reader.jobs()] == [("now", "running")]


def test_buffered_events_reach_the_disk_within_a_second_without_more_events(db: Path) -> None:
    with HistoryStore(db) as store:
        store.record(JobStarted(job_id="j", at=T0, runbook="Demo"))
        store.record(InstanceFinished(job_id="j", at=T0, activity="a", name="A", instance=0,
                                      status="success", started_at=T0, finished_at=T0, duration_s=0.1,
                                      attempts=1))
        assert count(db, "instances") == 0
        deadline = time.monotonic() + 1.0
        while count(db, "instances") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert count(db, "instances") == 1


def test_flush_and_close_write_what_is_buffered(db: Path) -> None:
    store = HistoryStore(db, flush_after_s=60)
    store.record(JobStarted(job_id="j", at=T0, runbook="Demo"))
    store.record(InstanceStarted(job_id="j", at=T0, activity="a", name="A", instance=0))
    assert count(db, "events") == 1
    store.flush()
    assert count(db, "events") == 2
    store.record(InstanceStarted(job_id="j", at=T0, activity="a", name="A", instance=1))
    store.close()
    assert count(db, "events") == 3


def test_saved_result_is_returned_as_it_was_and_sets_the_status(db: Path) -> None:
    result = result_for("job-r", status="warning")
    with HistoryStore(db) as store:
        for event in job_events("job-r"):
            store.record(event)
        store.save_result(result)
        stored = store.job("job-r")
    assert stored.result is not None
    assert stored.result.model_dump(mode="json") == result.model_dump(mode="json")
    assert stored.summary.status == "warning"
    assert stored.summary.path == "/rb/demo.json"  # kept from the job_started event


def test_a_result_saved_without_events_still_gives_instances(db: Path) -> None:
    with HistoryStore(db) as store:
        store.save_result(result_for("lonely"))
        stored = store.job("lonely")
    assert [(i.instance, i.status, i.attempts, i.error) for i in stored.instances] == \
        [(0, "success", 1, None), (1, "failed", 3, "boom")]
    assert stored.summary.status == "success"


def test_a_job_that_never_finished_shows_as_running(db: Path) -> None:
    store = HistoryStore(db)
    for event in job_events("crashed")[:3]:  # started, one instance started and finished
        store.record(event)
    store.close()
    with HistoryStore(db) as reopened:
        stored = reopened.job("crashed")
    assert stored.summary.status == "running"
    assert stored.summary.finished_at is None
    assert len(stored.instances) == 1


def test_jobs_are_newest_first_and_filtered(db: Path) -> None:
    with HistoryStore(db) as store:
        for n, (status, runbook) in enumerate([("success", "A"), ("failed", "B"), ("success", "B")]):
            start = f"2026-01-05T10:0{n}:00+00:00"
            for event in job_events(f"job-{n}", status=status, runbook=runbook, started=start,
                                    finished=start):
                store.record(event)
        assert [j.job_id for j in store.jobs()] == ["job-2", "job-1", "job-0"]
        assert [j.job_id for j in store.jobs(limit=2)] == ["job-2", "job-1"]
        assert [j.job_id for j in store.jobs(runbook="B")] == ["job-2", "job-1"]
        assert [j.job_id for j in store.jobs(status="failed")] == ["job-1"]
        assert [j.job_id for j in store.jobs(runbook="B", status="success")] == ["job-2"]
        assert store.jobs(runbook="nope") == []


def test_a_job_is_found_by_a_unique_prefix(db: Path) -> None:
    with HistoryStore(db) as store:
        for job_id in ("abc123", "abd456", "a_b", "axb"):
            store.save_result(result_for(job_id))
        assert store.job("abc").summary.job_id == "abc123"
        assert store.job("abd456").summary.job_id == "abd456"
        assert store.job("a_").summary.job_id == "a_b"  # "_" is not a wildcard
        with pytest.raises(HistoryError, match='"ab" is ambiguous') as ambiguous:
            store.job("ab")
        assert "abc123" in str(ambiguous.value) and "abd456" in str(ambiguous.value)
        with pytest.raises(HistoryError, match='no job "zzz"'):
            store.job("zzz")
        with pytest.raises(HistoryError, match="give a job id"):
            store.job("  ")


def test_an_exact_id_wins_over_longer_ids_it_prefixes(db: Path) -> None:
    with HistoryStore(db) as store:
        store.save_result(result_for("abc"))
        store.save_result(result_for("abcdef"))
        assert store.job("abc").summary.job_id == "abc"


def test_default_path_is_under_interlock_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERLOCK_HOME", str(tmp_path / "home"))
    with HistoryStore() as store:
        store.save_result(result_for("j"))
    assert (tmp_path / "home" / "history.sqlite3").is_file()


def test_database_is_wal_with_a_schema_version(db: Path) -> None:
    HistoryStore(db).close()
    with sqlite3.connect(db) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    # Opening again does not migrate twice.
    with HistoryStore(db) as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert count(db, "schema_version") == SCHEMA_VERSION  # one row per migration, each done once


def test_a_newer_schema_is_refused_clearly(db: Path) -> None:
    HistoryStore(db).close()
    with sqlite3.connect(db) as other:
        other.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(HistoryError, match="newer Interlock"):
        HistoryStore(db)


def test_a_file_that_is_not_a_database_is_a_clear_error(db: Path) -> None:
    db.write_text("this is not sqlite " * 100)
    with pytest.raises(HistoryError, match=str(db)):
        HistoryStore(db)


def _write_jobs(path: str, worker: int, jobs: int) -> None:
    with HistoryStore(path) as store:
        for n in range(jobs):
            for event in job_events(f"w{worker}-{n}", instances=5):
                store.record(event)
            store.save_result(result_for(f"w{worker}-{n}"))


def test_several_processes_write_the_same_history(db: Path) -> None:
    HistoryStore(db).close()  # created once; the writers then share it
    with ProcessPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(_write_jobs, str(db), w, 15) for w in range(4)]:
            future.result()
    assert count(db, "jobs") == 60
    assert count(db, "instances") == 60 * 5  # from the events; a saved result adds none then
    with HistoryStore(db) as store:
        assert store.job("w3-14").result is not None
        assert len(store.job("w2-7").events) == len(job_events("x", instances=5))


def started_by(db: Path, job_id: str, owner: Owner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record a job's start as if the given process ran it, and instances it finished."""
    with monkeypatch.context() as patch, HistoryStore(db) as store:
        patch.setattr(buffered_history, "this_process", lambda: owner)
        store.record(JobStarted(job_id=job_id, at=T0, runbook="Demo"))
        store.record(InstanceFinished(job_id=job_id, at=T1, activity="a", name="A", instance=0,
                                      status="success", started_at=T0, finished_at=T1, duration_s=2.5,
                                      attempts=1))


def test_a_job_whose_process_is_gone_is_interrupted_with_what_it_finished(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    me = this_process()
    # The same pid with another start time: the pid was reused, the job's own process is gone.
    started_by(db, "reused", Owner(me.host, me.pid, me.started - 1000.0), monkeypatch)
    started_by(db, "live", me, monkeypatch)
    started_by(db, "elsewhere", Owner("some-other-host", 1, 1.0), monkeypatch)
    with HistoryStore(db) as store:
        statuses = {job.job_id: (job.status, job.finished_at) for job in store.jobs()}
        assert statuses == {"reused": ("interrupted", T1), "live": ("running", None),
                            "elsewhere": ("running", None)}
        assert [(i.activity, i.status) for i in store.job("reused").instances] == [("a", "success")]
        assert [j.job_id for j in store.jobs(status="interrupted")] == ["reused"]
