"""A picture of the designer with a runbook open, for the README and the docs:

    QT_QPA_PLATFORM=offscreen python -m designer.screenshot docs/images/designer.png \\
        resources/examples/vm-checkpoint.json --select get_vms
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("runbook")
    parser.add_argument("--select", help="the id of an activity to select (its properties are shown)")
    parser.add_argument("--size", default="1680x940", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(settings=QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        width, height = (int(n) for n in args.size.split("x"))
        window.resize(width, height)
        window.show()
        if not window.open_file(args.runbook):
            return 2
        for _ in range(10):
            app.processEvents()
        window.view.fit_all()
        if args.select:
            window.scene.select_only([args.select])
        window.validator.run_now().result()
        for _ in range(10):
            app.processEvents()
        window.grab().save(args.output)
        window.undo_stack.setClean()
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
