"""The example monitor runbook, "Archive Dropped Files", end to end in real processes: `interlock
scheduler` keeps it armed on a real folder and starts one job per dropped file (a failing job does not
disarm it) and stops cleanly on SIGTERM; `interlock run` waits for one file, runs once and exits."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from engine.history import open_history

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "archive-dropped-files.json"
EXE = shutil.which("interlock", path=str(Path(sys.executable).parent)) or "interlock"
STARTUP = 60  # seconds a process may take to start on a busy machine


def site(tmp_path: Path) -> Path:
    """The example runbook in a folder with its drop folder (and no archive folder yet)."""
    folder = tmp_path / "site"
    (folder / "drop").mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "archive-dropped-files.json")
    return folder


def wait_for(condition: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what()
        time.sleep(0.1)


def test_the_scheduler_archives_each_dropped_file_in_its_own_job_and_stops_on_sigterm(tmp_path):
    folder = site(tmp_path)
    (folder / "schedules.toml").write_text('[[schedule]]\nname = "archive"\n'
                                           'runbook = "archive-dropped-files.json"\nmonitor = true\n')
    log = tmp_path / "scheduler.log"
    with open(log, "w") as err:
        process = subprocess.Popen([EXE, "scheduler", "--schedules", str(folder / "schedules.toml")],
                                   stderr=err, stdout=subprocess.DEVNULL, env=dict(os.environ))
    text = log.read_text

    def count(word: str) -> int:
        return sum(line.endswith(word) for line in text().splitlines())

    try:
        wait_for(lambda: "armed:" in text(), STARTUP, text)
        time.sleep(0.5)
        # No archive folder yet: the job fails, and the monitor stays armed.
        (folder / "drop" / "early.txt").write_text("too early")
        wait_for(lambda: count(" failed") == 1, 30, text)
        (folder / "archive").mkdir()
        (folder / "drop" / "a.txt").write_text("first")
        (folder / "drop" / "b.txt").write_text("second")
        wait_for(lambda: count(" success") == 2, 30, text)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "stopping" in text() and "Traceback" not in text()
    assert sorted(p.name for p in (folder / "archive").iterdir()) == ["a.txt", "b.txt"]
    assert [p.name for p in (folder / "drop").iterdir()] == ["early.txt"]
    with open_history() as store:
        jobs = store.jobs(limit=10)
        results = [store.job(job.job_id).result for job in jobs]
    assert sorted(job.status for job in jobs) == ["failed", "success", "success"]
    assert sorted(r.returned.get("archived", "") for r in results) == ["", "a.txt", "b.txt"]
    failed = next(r for r in results if r.status == "failed")
    assert failed.activities[0].instances[0].rows[0]["name"] == "early.txt"
    assert "mv exited with code" in failed.activities[1].instances[0].error


def test_interlock_run_waits_for_one_file_runs_once_and_exits(tmp_path):
    folder = site(tmp_path)
    (folder / "archive").mkdir()
    log = tmp_path / "run.log"
    with open(log, "w") as err:
        process = subprocess.Popen([EXE, "run", str(folder / "archive-dropped-files.json"), "--json",
                                    "--wait-timeout", "120"], stderr=err, stdout=subprocess.PIPE, text=True,
                                   env=dict(os.environ))
    try:
        wait_for(lambda: "waits for a file matching * created in drop" in log.read_text(), STARTUP,
                 log.read_text)
        time.sleep(0.5)
        (folder / "drop" / "report.pdf").write_text("%PDF")
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()
    result = json.loads(out)
    assert result["status"] == "success" and result["returned"] == {"archived": "report.pdf", "size": 4}
    assert (folder / "archive" / "report.pdf").read_text() == "%PDF"
