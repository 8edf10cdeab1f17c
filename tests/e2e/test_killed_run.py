"""A run killed with SIGKILL is not lost: it is listed `running` while it runs, and `interrupted` with
what it had finished once its process is gone — the VM Checkpoint job on the bundled lab, as the
README runs it, killed at random points."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli.main import main

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

RUNBOOK = str(Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json")
RUN = [sys.executable, "-c", "import sys; from engine.cli.main import main; sys.exit(main(sys.argv[1:]))",
       "run", RUNBOOK, "-p", "Batch Number=1"]


def history(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["history", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def show(capsys: pytest.CaptureFixture[str], job_id: str) -> str:
    assert main(["show", job_id]) == 0
    return capsys.readouterr().out


def wait_for_job(capsys: pytest.CaptureFixture[str], deadline_s: float = 10.0) -> dict:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        jobs = history(capsys)
        if jobs:
            return jobs[0]
        time.sleep(0.05)
    raise AssertionError("the started job never appeared in the history")


# Two points drawn at random (the seed is in any failure message): one while VMs are being stopped,
# one while they are checkpointed or started again; the whole job takes about five seconds. Finished
# instances reach the disk within a second, so the kill comes at least 1.2 s in.
@pytest.mark.parametrize("window", [(1.2, 2.5), (2.5, 4.0)])
def test_a_killed_run_is_listed_interrupted_with_what_it_had_finished(
        window: tuple[float, float], isolated_home: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./interlock.toml: the bundled lab, as the README runs it
    seed = random.randrange(1 << 30)
    delay = random.Random(seed).uniform(*window)
    process = subprocess.Popen(RUN, env={**os.environ, "INTERLOCK_HOME": str(isolated_home)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        running = wait_for_job(capsys)
        assert running["status"] == "running", f"seed {seed}"
        started = time.monotonic()
        time.sleep(max(0.0, delay - 0.2))
        # What another process sees mid-run: the job, still running.
        assert history(capsys)[0]["status"] == "running", f"seed {seed}"
        time.sleep(max(0.0, delay - (time.monotonic() - started)))
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    jobs = history(capsys)
    assert [(j["job_id"], j["status"]) for j in jobs] == [(running["job_id"], "interrupted")], f"seed {seed}"
    assert jobs[0]["finished_at"] is not None
    shown = show(capsys, running["job_id"])
    assert "interrupted" in shown
    # Custom Start and Get VMs ended in the first few hundred milliseconds: they are on disk.
    assert "Custom Start" in shown and "Get VMs in Batch" in shown, shown


def test_a_job_of_a_live_process_stays_running(isolated_home: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    process = subprocess.Popen(RUN, env={**os.environ, "INTERLOCK_HOME": str(isolated_home)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        job = wait_for_job(capsys)
        for _ in range(3):  # each listing opens the history again: a live owner is never interrupted
            assert history(capsys)[0]["status"] == "running"
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C: the job ends cancelled, and says so
        process.wait(timeout=20)
    assert [(j["job_id"], j["status"]) for j in history(capsys)] == [(job["job_id"], "cancelled")]
