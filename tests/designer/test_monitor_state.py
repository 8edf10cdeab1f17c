"""A monitor runbook in the designer: the monitor's tooltip says what starts the runbook; Run arms it
(the status bar and the run log say what it waits for), a file dropped in the real folder is the event,
and the run ends with that file as the monitor's row."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
import qasync
from gestures import window  # noqa: F401 - window is a fixture

from engine.config.settings import Config

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "archive-dropped-files.json"


@pytest.fixture
def qloop(qapp: Any) -> Any:
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


def example(tmp_path: Path) -> Path:
    for folder in ("drop", "archive"):
        (tmp_path / folder).mkdir()
    return Path(shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name))


def test_the_monitors_tooltip_says_what_starts_the_runbook(window, tmp_path):
    assert window.open_file(example(tmp_path))
    tip = window.scene.activity_items["file_dropped"].toolTip()
    assert "Starts this runbook on: a file matching * created in drop" in tip
    assert "Starts this runbook" not in window.scene.activity_items["archive"].toolTip()


def test_run_arms_the_monitor_and_a_dropped_file_starts_the_job(window, qloop, tmp_path):
    assert window.open_file(example(tmp_path))
    window.runner.config_fixed = True
    window.runner.config = Config()
    log = window.log_panel.model if hasattr(window.log_panel, "model") else None

    async def go() -> Any:
        done = asyncio.get_running_loop().create_future()
        window.runner.finished.connect(lambda result: done.done() or done.set_result(result))
        assert window.run({})
        assert "armed: waiting for a file matching * created in drop" in window.statusBar().currentMessage()
        await asyncio.sleep(1.5)  # the watch is set up
        (tmp_path / "drop" / "dropped.txt").write_text("x")
        return await asyncio.wait_for(done, 30)

    result = qloop.run_until_complete(go())
    assert result.status == "success"
    assert result.activities[0].instances[0].rows[0]["name"] == "dropped.txt"
    assert (tmp_path / "archive" / "dropped.txt").exists()
    if log is not None:
        assert any("armed: waiting for a file matching" in line[3] for line in log.lines)
