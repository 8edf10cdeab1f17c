"""`interlock-designer [RUNBOOK]`: the desktop designer. The engine's asyncio loop runs inside Qt's
event loop through qasync, so runs (a later issue) and the canvas share one thread."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="interlock-designer", description="Design Interlock runbooks.")
    parser.add_argument("runbook", nargs="?", help="a runbook file to open")
    args = parser.parse_args(argv)

    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .settings import redirect_qt_settings

    redirect_qt_settings()  # before Qt makes any QSettings of its own
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Interlock Designer")
    app.setOrganizationName("Interlock")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    window.show()
    if args.runbook:
        window.open_file(args.runbook)  # a file that cannot be opened is explained; the window stays
    with loop:
        loop.run_until_complete(_until_closed(app))
    return 0


async def _until_closed(app: object) -> None:
    import asyncio

    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)  # type: ignore[attr-defined]
    await closed.wait()


if __name__ == "__main__":
    raise SystemExit(main())
