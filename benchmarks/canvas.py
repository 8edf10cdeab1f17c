"""Designer canvas speed, measured in one run and printed as figures with their goals.

    python benchmarks/canvas.py            # 1,000 activities to open, 5,000 + 5,000 links to pan
    python benchmarks/canvas.py --quick    # 200 / 2,000 activities, for a smoke run

1. open a 1,000-activity runbook: the time from `MainWindow.open_file(path)` until the window has
   processed its events and painted once (`QApplication.processEvents()` then a forced
   `viewport().repaint()`) — median of 3 opens, each into a fresh, shown MainWindow with its own
   QSettings in a temporary ini file. The live validation runs in a worker thread and may still be
   busy at that point; the line also says when its markers arrived (not part of the goal).
2. pan a 10,000-item scene: a runbook of 5,000 activities and about 5,000 links opened in a 1600x1000
   MainWindow, once zoomed to fit all (plain boxes by level of detail) and once at 100 %; each frame
   scrolls both scrollbars by 40 px (bouncing at their ends), calls `viewport().repaint()` (which
   paints the whole viewport synchronously) and processes what events are left. Median and 95th
   percentile ms per frame at each zoom.

The runbooks are generated: one start activity, then layers of core.compare_values / core.delay
activities (alternating, valid properties) on a grid, each linked from the activity at the same row of
the layer before and every 20th row from a second one too (about one link per activity), written with
engine.fileio.save_runbook. The line of figure 2 also says how long `open_file` took (not a goal).
Without a display (neither DISPLAY nor WAYLAND_DISPLAY set) the script sets QT_QPA_PLATFORM=offscreen
before PySide6 is imported.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path and would shadow the engine package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (  # noqa: E402
    QCoreApplication,
    QEvent,
    QMessageLogContext,
    QSettings,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.main_window import MainWindow  # noqa: E402
from engine.config.registry import Registry  # noqa: E402
from engine.errors import RunbookError  # noqa: E402
from engine.format.fileio import load_runbook, save_runbook  # noqa: E402
from engine.format.model import Runbook  # noqa: E402

X_STEP, Y_STEP = 240, 100  # grid of the generated runbooks (a box is 168 x 60)
PAN_STEP = 40  # px per frame


def generated_runbook(size: int) -> Runbook:
    """One start activity, then `size - 1` activities in layers of about sqrt(2 * size), linked layer
    to layer."""
    per_layer = max(10, min(100, int(math.sqrt(2 * size))))
    activities: list[dict[str, Any]] = [{"id": "start", "type": "core.delay", "name": "Start",
                                         "at": [0, per_layer // 2 * Y_STEP], "properties": {"seconds": 0}}]
    links: list[dict[str, Any]] = []
    previous = ["start"]
    layer = 1
    while len(activities) < size:
        current = []
        for row in range(min(per_layer, size - len(activities))):
            aid = f"a{layer}_{row}"
            if (layer + row) % 2:
                kind, properties = "core.delay", {"seconds": 0}
            else:
                kind, properties = "core.compare_values", {"left": f"row {row}", "op": "equals",
                                                           "right": f"layer {layer}"}
            activities.append({"id": aid, "type": kind, "name": f"Step {layer}.{row}",
                               "at": [layer * X_STEP, row * Y_STEP], "properties": properties})
            if previous:
                links.append({"from": previous[row % len(previous)], "to": aid})
                if row % 20 == 0 and len(previous) > 1:
                    links.append({"from": previous[(row + 1) % len(previous)], "to": aid})
            current.append(aid)
        previous = current
        layer += 1
    return Runbook.model_validate({"format": "interlock.runbook/1", "name": f"Canvas {size}",
                                   "activities": activities, "links": links}, by_name=False)


def write_runbook(size: int, folder: Path, registry: Registry) -> tuple[Path, int]:
    path = folder / f"canvas-{size}.json"
    book = generated_runbook(size)
    save_runbook(book, path)
    try:  # the file must open cleanly: markers on every item would measure something else
        load_runbook(path, registry)
    except RunbookError as exc:
        raise SystemExit(f"generated runbook is not valid: {str(exc)[:500]}") from None
    return path, len(book.links)


def quiet_offscreen(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages, less the offscreen plugin's note about window size hints (one per window)."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def settle(app: QApplication) -> None:
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


def wait_for(condition: Callable[[], bool], app: QApplication, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out waiting for the window")
        app.processEvents()
        time.sleep(0.001)


def fresh_window(app: QApplication, registry: Registry, folder: Path, n: int,
                 size: tuple[int, int] | None = None) -> MainWindow:
    settings = QSettings(str(folder / f"designer-{n}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(registry, settings)
    if size:
        window.resize(*size)
    window.show()
    if not QTest.qWaitForWindowExposed(window):
        raise SystemExit("the window was never exposed")
    window.validator.run_now().result()  # the empty runbook's check is done: the worker is idle
    settle(app)
    return window


def close_window(window: MainWindow, app: QApplication) -> None:
    window.undo_stack.setClean()
    window.close()
    window.deleteLater()
    settle(app)
    gc.collect()


def open_once(app: QApplication, registry: Registry, folder: Path, path: Path, n: int
              ) -> tuple[float, float, int]:
    """Seconds until painted once, seconds until the validation markers arrived, scene items."""
    window = fresh_window(app, registry, folder, n)
    delivered: list[float] = []
    window.validator.checked.connect(lambda _problems: delivered.append(time.perf_counter()))
    gc.collect()
    started = time.perf_counter()
    if not window.open_file(path):
        raise SystemExit(f"could not open {path}")
    app.processEvents()
    window.view.viewport().repaint()
    painted = time.perf_counter() - started
    wait_for(lambda: bool(delivered), app)
    items = len(window.scene.items())
    close_window(window, app)
    return painted, delivered[0] - started, items


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def pan_frames(window: MainWindow, app: QApplication, frames: int) -> list[float]:
    view = window.view
    viewport = view.viewport()
    bars = [view.horizontalScrollBar(), view.verticalScrollBar()]
    steps = [PAN_STEP, PAN_STEP]
    for _ in range(3):  # warm up: item caches, background cache, fonts
        viewport.repaint()
        app.processEvents()
    times = []
    for _ in range(frames):
        started = time.perf_counter()
        for i, bar in enumerate(bars):
            value = bar.value() + steps[i]
            if not bar.minimum() <= value <= bar.maximum():
                steps[i] = -steps[i]
                value = bar.value() + steps[i]
            bar.setValue(value)
        viewport.repaint()
        app.processEvents()
        times.append(time.perf_counter() - started)
    return times


def pan(app: QApplication, registry: Registry, folder: Path, path: Path, frames: int
        ) -> tuple[int, float, list[tuple[str, float, list[float]]]]:
    window = fresh_window(app, registry, folder, 99, size=(1600, 1000))
    delivered: list[bool] = []
    window.validator.checked.connect(lambda _problems: delivered.append(True))
    started = time.perf_counter()
    if not window.open_file(path):
        raise SystemExit(f"could not open {path}")
    opened = time.perf_counter() - started
    wait_for(lambda: bool(delivered), app)  # no validation competing for the GIL while we paint
    settle(app)
    items = len(window.scene.items())
    view = window.view
    results = []
    view.fit_all()
    settle(app)
    gc.collect()
    results.append(("fit all", view.zoom(), pan_frames(window, app, frames)))
    view.set_zoom(1.0)
    view.centerOn(window.scene.itemsBoundingRect().center())
    settle(app)
    gc.collect()
    results.append(("100 %", view.zoom(), pan_frames(window, app, frames)))
    close_window(window, app)
    return items, opened, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}")
    open_size, pan_size = (200, 2_000) if args.quick else (1_000, 5_000)
    frames = 40 if args.quick else 100

    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        qInstallMessageHandler(quiet_offscreen)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    registry = Registry.from_entry_points()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path, link_count = write_runbook(open_size, folder, registry)
        opens = [open_once(app, registry, folder, path, n) for n in range(3)]
        painted = statistics.median(o[0] for o in opens)
        markers = statistics.median(o[1] for o in opens)
        print(f"1. open a {open_size:,}-activity runbook ({link_count:,} links, {opens[0][2]:,} scene "
              f"items; median of 3 opens into a fresh window): painted after {painted:.3f} s "
              f"(goal ≤ 1 s); validation markers after {markers:.3f} s; "
              f"all opens: {', '.join(f'{o[0]:.3f}' for o in opens)} s")

        path, link_count = write_runbook(pan_size, folder, registry)
        items, opened, results = pan(app, registry, folder, path, frames)
        for label, zoom, times in results:
            print(f"2. pan a {items:,}-item scene ({pan_size:,} activities, {link_count:,} links, "
                  f"open_file took {opened:.1f} s; 1600x1000 window), {label} (zoom {zoom * 100:.0f} %), "
                  f"{frames} frames of {PAN_STEP} px: median {statistics.median(times) * 1e3:.1f} ms, "
                  f"95th percentile {percentile(times, 95) * 1e3:.1f} ms a frame (goal ≤ 16 ms)")


if __name__ == "__main__":
    main()
