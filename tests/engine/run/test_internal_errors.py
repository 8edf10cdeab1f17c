"""An exception inside the engine's own bookkeeping ends the instance and the job `failed` with the error:
never lost, never recorded as a success, never a job that waits forever."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, Runbook
from engine.cli.main import main
from engine.config import Config
from engine.history import open_history
from engine.run import job as job_module
from engine.run import safety
from engine.run.events import Event


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"k": value}
    return value


def runbook(data: dict[str, Any]) -> Runbook:
    return Runbook.model_validate({
        "format": "interlock.runbook/1", "name": "Deep",
        "activities": [
            {"id": "start", "type": "core.initialize_data", "name": "Start", "at": [0, 0], "properties": {}},
            {"id": "ret", "type": "core.return_data", "name": "Return", "at": [200, 0],
             "properties": {"data": data}},
            {"id": "after", "type": "core.initialize_data", "name": "After", "at": [400, 0],
             "properties": {}},
        ],
        "links": [{"from": "start", "to": "ret"}, {"from": "ret", "to": "after"}],
    })


async def run(book: Runbook, events: list[Event] | None = None) -> Any:
    sinks = [events.append] if events is not None else []
    return await asyncio.wait_for(Engine(Config()).run(book, sinks=sinks), timeout=20)


async def test_a_property_too_deep_to_serialise_fails_the_instance_and_the_job() -> None:
    # Built in Python, past the file reader's depth limit: the engine itself must still cope.
    events: list[Event] = []
    result = await run(runbook({"deep": nested(300)}), events)
    assert result.status == "failed"
    assert "internal error" in (result.error or "") and "Return" in result.error
    returned = result.activity("ret")
    assert [i.status for i in returned.instances] == ["failed"]
    assert "internal error" in returned.instances[0].error
    assert result.activity("after").instances == []  # nothing ran after it
    finished = [e for e in events if e.kind == "job_finished"]
    assert [(e.status, bool(e.error)) for e in finished] == [("failed", True)]


async def test_a_fault_while_recording_an_instance_fails_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: job_module.Job, done: Any) -> None:
        raise RuntimeError("bookkeeping broke")

    monkeypatch.setattr(job_module.Job, "_finish", broken)
    result = await run(runbook({"a": 1}))
    assert result.status == "failed"
    assert "RuntimeError: bookkeeping broke" in result.error


async def test_a_fault_while_routing_fails_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: job_module.Job, *args: Any) -> None:
        raise KeyError("lost token")

    monkeypatch.setattr(job_module.Job, "_route_now", broken)
    result = await run(runbook({"a": 1}))
    assert result.status == "failed" and "KeyError" in result.error


async def test_an_exception_escaping_to_the_loop_fails_the_job_it_came_from() -> None:
    class FakeJob:
        def __init__(self) -> None:
            self.failures: list[str] = []

        def fail_internal(self, exc: BaseException, where: str) -> None:
            self.failures.append(f"{type(exc).__name__}: {exc}")

        def callback(self) -> None:
            raise ValueError("escaped")

    job, bystander = FakeJob(), FakeJob()
    loop = asyncio.get_running_loop()
    before = loop.get_exception_handler()
    with safety.watching(job), safety.watching(bystander):
        loop.call_soon(job.callback)
        await asyncio.sleep(0.01)
    assert job.failures == ["ValueError: escaped"]
    assert bystander.failures == []
    assert loop.get_exception_handler() is before  # put back once no job runs


def test_cli_reports_an_internal_error_as_a_failed_job_without_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(self: job_module.Job, done: Any) -> None:
        raise RuntimeError("bookkeeping broke")

    monkeypatch.setattr(job_module.Job, "_finish", broken)
    path = tmp_path / "small.json"
    path.write_text(json.dumps(runbook({"a": 1}).model_dump(mode="json", by_alias=True, exclude_none=True)))
    code = main(["run", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err and "never retrieved" not in err
    assert "bookkeeping broke" in err
    with open_history() as store:
        [job] = store.jobs()
        assert job.status == "failed"
        assert "bookkeeping broke" in (store.job(job.job_id).result.error or "")
