"""The designer watching a big run: the VM Checkpoint runbook on a 1,000-VM lab, run in-process from a
MainWindow on the Qt event loop (qasync), while a 5 ms heartbeat timer measures how long the event loop
is ever kept from turning — the longest stall a user would feel. Also counts the canvas repaints.

    python benchmarks/live.py            # 1,000 VMs
    python benchmarks/live.py --quick    # 200 VMs
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.main_window import MainWindow  # noqa: E402
from engine.config.settings import Config, Connection  # noqa: E402
from engine.gcpolicy import settle_for_jobs  # noqa: E402
from nodes.backends.simulated.lab import Lab, LabVm, Latency, dump_lab  # noqa: E402

RUNBOOK = HERE.parent / "resources" / "examples" / "vm-checkpoint.json"
GOAL_MS = 50.0
HEARTBEAT_MS = 5


def lab_of(vms: int) -> Lab:
    statuses = ("Running", "Stopped", "Saved", "Paused")
    machines = [LabVm(id=f"vm-{n:05d}", name=f"vm-{n:05d}", status=statuses[n % 4], host=f"hv{n % 10:02d}",
                      custom_properties={"1": "1"}) for n in range(vms)]
    return Lab(vms=machines, latency_s=Latency(get=0.05, start=0.05, stop=0.05, checkpoint=0.05,
                                               maintenance=0.05), time_scale=1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    vms = 200 if parser.parse_args().quick else 1000
    print(f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}")
    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder:
        lab = Path(folder) / "lab.json"
        lab.write_text(dump_lab(lab_of(vms)))
        window = MainWindow(settings=QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        window.resize(1600, 1000)
        window.show()
        window.runner.config_fixed = True
        window.runner.config = Config(connections={"default": Connection(kind="simulated", lab=str(lab))})
        window.open_file(RUNBOOK)
        settle_for_jobs()
        gaps: list[float] = []
        repaints = 0
        clock = QElapsedTimer()
        heartbeat = QTimer(interval=HEARTBEAT_MS)

        def beat() -> None:
            gaps.append(clock.nsecsElapsed() / 1e6)
            clock.restart()

        heartbeat.timeout.connect(beat)

        def painted(_counts: object) -> None:
            nonlocal repaints
            repaints += 1

        window.runner.progressed.connect(painted)

        async def run() -> tuple[object, float]:
            done = asyncio.get_running_loop().create_future()
            window.runner.finished.connect(lambda r: done.done() or done.set_result(r))
            clock.start()
            heartbeat.start()
            started = time.perf_counter()
            window.run({"Batch Number": "1"})
            result = await done
            heartbeat.stop()
            return result, time.perf_counter() - started

        with loop:
            result, elapsed = loop.run_until_complete(run())
        stalls = [gap - HEARTBEAT_MS for gap in gaps[1:]]
        instances = sum(len(a.instances) for a in result.activities)  # type: ignore[attr-defined]
        worst = max(stalls)
        print(f"live run of the VM Checkpoint runbook on a {vms:,}-VM lab in the designer: {instances:,} "
              f"instances, {window.runner.events_seen:,} events in {elapsed:.2f} s; "
              f"{repaints} canvas repaints ({repaints / elapsed:.1f} a second, cap 20); event-loop stalls: "
              f"median {statistics.median(stalls):.1f} ms, longest {worst:.1f} ms (goal ≤ {GOAL_MS:.0f} ms); "
              f"job {result.status}")  # type: ignore[attr-defined]
        window.undo_stack.setClean()
        window.close()


if __name__ == "__main__":
    main()
