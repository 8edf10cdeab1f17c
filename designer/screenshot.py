"""A picture of the designer with a runbook open, for the README and the docs:

    QT_QPA_PLATFORM=offscreen python -m designer.screenshot docs/images/designer.png \\
        resources/examples/vm-checkpoint.json --select get_vms --run "Batch Number=1"

The runbook is shown as it opens (readable, centred on its start). With --run it is first run on the
connections of the default config (the built-in simulated lab when there is none) and pictured with its
run state; the run is recorded in a throw-away INTERLOCK_HOME unless one is set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any


def _parameters(pairs: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f'--run "{pair}": write NAME=VALUE')
        values[name] = value
    return values


def _run(app: Any, window: Any, parameters: dict[str, Any], timeout_s: float = 60) -> str:
    """Run the open runbook inside Qt's loop (qasync, as the designer does) to its end: its status."""
    import qasync

    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)

    async def go() -> str:
        done = asyncio.get_running_loop().create_future()
        window.runner.finished.connect(lambda result: done.done() or done.set_result(result))
        if not window.run(parameters):
            return "not started"
        result = await asyncio.wait_for(done, timeout_s)
        await asyncio.sleep(0.2)  # the last coalesced repaint
        return str(result.status)

    try:
        return loop.run_until_complete(go())
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("runbook")
    parser.add_argument("--select", help="the id of an activity to select (its properties are shown)")
    parser.add_argument("--size", default="2300x1000",
                        help="window size, WIDTHxHEIGHT (the default shows the whole seed at 77 %%)")
    parser.add_argument("--run", action="append", metavar="NAME=VALUE",
                        help="run the runbook first with this start parameter (repeat for more)")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        if args.run is not None:
            os.environ.setdefault("INTERLOCK_HOME", str(Path(folder) / "home"))  # no user history
        window = MainWindow(settings=QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        width, height = (int(n) for n in args.size.split("x"))
        window.resize(width, height)
        window.show()
        if not window.open_file(args.runbook):
            return 2
        for _ in range(10):
            app.processEvents()
        if args.select:
            window.scene.select_only([args.select])
        window.validator.run_now().result()
        if args.run is not None:
            status = _run(app, window, _parameters(args.run))
            print(f"run: {status}")
        for _ in range(10):
            app.processEvents()
        window.grab().save(args.output)
        window.undo_stack.setClean()
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
