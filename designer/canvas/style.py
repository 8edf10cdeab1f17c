"""Sizes, colours and icons of the canvas, in one place so items and exports agree."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from engine.paths import resources_dir

NODE_WIDTH = 176
NODE_HEIGHT = 64
HANDLE_RADIUS = 6
GRID = 20  # snap step and background grid
ICON_SIZE = 28
LOD_PLAIN = 0.3  # below this zoom, nodes are drawn as plain boxes without text

BACKGROUND = QColor("#f6f7f9")
GRID_COLOR = QColor("#e3e6ea")
NODE_FILL = QColor("#ffffff")
NODE_BORDER = QColor("#9aa3ad")
SELECTED = QColor("#2f7ed8")
TEXT = QColor("#1f2933")
MUTED = QColor("#6b7785")
ERROR = QColor("#d64545")
WARNING = QColor("#e0a100")
LINK_COLORS = {"success": QColor("#5f6b7a"), "failure": QColor("#d64545"), "data": QColor("#2f7ed8")}
NOTE_FILL = QColor("#fff5b8")
# One colour per run state: an activity's frame, its count badges and the legend all take it from here.
STATE_COLORS = {"waiting": QColor("#9aa3ad"), "running": QColor("#1f8fd6"), "success": QColor("#2e9e5b"),
                "warning": QColor("#e0a100"), "failed": QColor("#d64545"), "cancelled": QColor("#a24bc2")}
STATE_WORDS = {"waiting": ("Waiting", "not started yet"), "running": ("Running", "instances running now"),
               "success": ("Succeeded", "instances that succeeded"),
               "warning": ("Warning", "instances that ended with a warning"),
               "failed": ("Failed", "instances that failed"),
               "cancelled": ("Cancelled", "instances stopped by Stop or a timeout")}
# A junction's states are shown in the colour of the activity state they amount to.
JUNCTION_STATES = {"fired": "success", "not reached": "waiting", "blocked": "warning"}
RUN_COLORS = {**STATE_COLORS, **{name: STATE_COLORS[state] for name, state in JUNCTION_STATES.items()}}
NOTE_BORDER = QColor("#e5d56f")
# An imported Orchestrator activity with no Interlock counterpart (a placeholder) is hatched in this colour.
PLACEHOLDER_HATCH = QColor("#c98a1b")


@lru_cache(maxsize=1)
def name_font() -> QFont:
    font = QFont()
    font.setPointSizeF(9)
    font.setBold(True)
    return font


@lru_cache(maxsize=1)
def small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8)
    return font


def icon_path(name: str) -> str:
    return str(resources_dir() / "icons" / f"{name}.svg")


@lru_cache(maxsize=256)
def icon_pixmap(name: str, color: str, size: int = ICON_SIZE) -> QPixmap:
    """An activity's icon drawn in its colour (the SVGs use currentColor); cached per icon and colour."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    try:
        data = Path(icon_path(name or "program")).read_bytes()
    except OSError:
        return QPixmap.fromImage(image)
    renderer = QSvgRenderer(QByteArray(data.replace(b"currentColor", color.encode())))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QPixmap.fromImage(image)


def snap(value: float, enabled: bool = True) -> int:
    return round(value / GRID) * GRID if enabled else round(value)
