"""Monitor File watching a real directory: which files become events, one event per burst of writes,
created / changed / deleted, patterns and subfolders, a missing folder, and a watch that stops without
leaving a thread behind."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import ActivityError
from nodes.monitor.file import FileProperties, MonitorFile

SETTLE = 0.3


class Context:
    activity_id = "drop"
    activity_name = "File Dropped"
    runbook_path: str | None = None
    config = None

    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, message: str, level: str = "info") -> None:
        self.lines.append(message)


class Watch:
    """A monitor.file watch running in the background, its events collected as they come."""

    def __init__(self, **properties: Any) -> None:
        self.properties = FileProperties(settle_s=SETTLE, **properties)
        self.rows: list[dict[str, Any]] = []
        self.events: AsyncIterator[dict[str, Any]] = MonitorFile().watch(self.properties, Context())
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Watch:
        async def collect() -> None:
            async for row in self.events:
                self.rows.append(row)
        self.task = asyncio.create_task(collect())
        await asyncio.sleep(0.5)  # the watcher is set up in a worker thread
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.events.aclose()

    async def until(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.rows) < count:
                await asyncio.sleep(0.05)
        await asyncio.sleep(SETTLE * 3)  # and nothing more comes
        return self.rows


async def test_a_dropped_file_is_one_created_event_with_its_details(tmp_path):
    async with Watch(folder=str(tmp_path)) as watch:
        (tmp_path / "report.csv").write_text("a,b\n1,2\n")
        rows = await watch.until(1)
    assert len(rows) == 1
    row = rows[0]
    assert row["event"] == "created" and row["name"] == "report.csv"
    assert row["path"] == str(tmp_path / "report.csv") and row["folder"] == str(tmp_path)
    assert row["size"] == 8 and row["modified_at"].endswith("+00:00")


async def test_a_file_written_in_a_burst_is_one_event(tmp_path):
    async with Watch(folder=str(tmp_path)) as watch:
        with open(tmp_path / "big.bin", "wb") as out:
            for _ in range(10):
                out.write(b"x" * 1000)
                out.flush()
                await asyncio.sleep(0.02)
        rows = await watch.until(1)
    assert [(r["name"], r["event"], r["size"]) for r in rows] == [("big.bin", "created", 10_000)]


async def test_changed_and_deleted_events_when_asked_for(tmp_path):
    existing = tmp_path / "state.txt"
    existing.write_text("old")
    async with Watch(folder=str(tmp_path), events=["changed", "deleted"]) as watch:
        existing.write_text("new text")
        await watch.until(1)
        existing.unlink()
        (tmp_path / "other.txt").write_text("created: not asked for")
        rows = await watch.until(2)
    assert [(r["name"], r["event"]) for r in rows] == [("state.txt", "changed"), ("state.txt", "deleted")]
    assert rows[0]["size"] == 8 and rows[1]["size"] == 0 and rows[1]["modified_at"] == ""


async def test_only_names_matching_the_pattern_in_any_case_and_subfolders_only_when_asked(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    async with Watch(folder=str(tmp_path), pattern="*.csv") as flat, \
            Watch(folder=str(tmp_path), pattern="*.csv", include_subfolders=True) as deep:
        (tmp_path / "a.csv").write_text("1")
        (tmp_path / "B.CSV").write_text("2")
        (tmp_path / "c.txt").write_text("3")
        (sub / "d.csv").write_text("4")
        await deep.until(3)
        await flat.until(2)
    assert sorted(r["name"] for r in flat.rows) == ["B.CSV", "a.csv"]
    assert sorted(r["name"] for r in deep.rows) == ["B.CSV", "a.csv", "d.csv"]


async def test_a_temporary_file_created_and_deleted_in_one_burst_is_not_reported(tmp_path):
    async with Watch(folder=str(tmp_path), events=["created", "deleted"]) as watch:
        temp = tmp_path / "~lock.tmp"
        temp.write_text("x")
        temp.unlink()
        (tmp_path / "real.txt").write_text("y")
        rows = await watch.until(1)
    assert [r["name"] for r in rows] == ["real.txt"]


async def test_a_folder_that_does_not_exist_is_an_error_naming_the_monitor_and_the_folder(tmp_path):
    watch = MonitorFile().watch(FileProperties(folder=str(tmp_path / "nope")), Context())
    with pytest.raises(ActivityError) as error:
        await anext(watch)
    assert str(error.value) == f'monitor "File Dropped": folder "{tmp_path / "nope"}" does not exist'


def test_bad_settings_are_refused_by_the_properties_model(tmp_path):
    with pytest.raises(ValidationError):
        FileProperties(folder=str(tmp_path), events=["renamed"])
    with pytest.raises(ValidationError):
        FileProperties(folder=str(tmp_path), events=[])
    with pytest.raises(ValidationError):
        FileProperties(folder="")


async def test_closing_the_watch_stops_it_at_once_and_leaves_no_task_behind(tmp_path):
    loop = asyncio.get_running_loop()
    for number in range(3):
        async with Watch(folder=str(tmp_path)) as watch:
            (tmp_path / f"f{number}.txt").write_text("x")
            await watch.until(1)
            started = loop.time()
        assert loop.time() - started < 1.0  # the watch thread noticed its stop event
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("watch ")]


def test_fire_now_takes_the_newest_matching_file(tmp_path):
    import os
    (tmp_path / "old.csv").write_text("1")
    os.utime(tmp_path / "old.csv", (1_000_000_000, 1_000_000_000))
    (tmp_path / "new.csv").write_text("22")
    (tmp_path / "newest.txt").write_text("not matching")
    properties = FileProperties(folder=str(tmp_path), pattern="*.csv")
    row = MonitorFile().fire_now(properties, Context())
    assert row is not None and row["name"] == "new.csv" and row["event"] == "created" and row["size"] == 2
    assert MonitorFile().fire_now(FileProperties(folder=str(tmp_path), pattern="*.xml"), Context()) is None


def test_a_relative_folder_is_read_from_the_runbook_files_folder(tmp_path):
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "x.txt").write_text("x")
    context = Context()
    context.runbook_path = str(tmp_path / "book.json")
    row = MonitorFile().fire_now(FileProperties(folder="drop"), context)
    assert row is not None and row["path"] == str(Path(tmp_path / "drop" / "x.txt"))
