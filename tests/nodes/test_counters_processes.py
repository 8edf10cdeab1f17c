"""Counters across processes: 8 `interlock run` processes, each incrementing one counter 100 times (a
hundred instances of Modify Counter at once), on one history file, end at exactly 800."""

from __future__ import annotations

import subprocess
import sys

from chains import chain_file, step

from engine.history import open_counters
from engine.paths import history_path

PROCESSES, INCREMENTS = 8, 100
RUN = "import sys; from engine.cli.main import main; sys.exit(main(sys.argv[1:]))"


def test_eight_processes_of_a_hundred_increments_make_eight_hundred(tmp_path, isolated_home):
    runbook = chain_file(tmp_path, step("items", "core.split", text=",".join(map(str, range(INCREMENTS))),
                                        separator=","),
                         step("count", "core.modify_counter", name="Hits"))
    config = tmp_path / "interlock.toml"
    config.write_text("[counters]\nHits = { default = 0 }\n", encoding="utf-8")
    environment = {"INTERLOCK_HOME": str(isolated_home), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.Popen([sys.executable, "-c", RUN, "run", str(runbook), "--config", str(config)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment, text=True)
            for _ in range(PROCESSES)]
    try:
        errors = [run.communicate(timeout=100)[1] for run in runs]
    finally:
        for run in runs:
            run.kill()
    assert [run.returncode for run in runs] == [0] * PROCESSES, errors
    assert history_path().parent == isolated_home
    assert open_counters().change("Hits", "get", 0, 0) == PROCESSES * INCREMENTS
