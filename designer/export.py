"""Pictures of a runbook: the designer's own scene rendered offscreen to PNG or SVG, for File → Export
Image and for `interlock export --format png|svg` (registered in the `interlock.exporters` group)."""

from __future__ import annotations

import os
import sys

from engine.config.registry import Registry
from engine.format.model import Runbook

MARGIN = 30
PNG_SCALE = 2.0  # sharp on high-density screens and in documents


def ensure_application() -> object:
    """A QApplication for rendering; headless (offscreen) when there is no display, as in CI."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        if sys.platform.startswith("linux") and not has_display:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([sys.argv[0] if sys.argv else "interlock"])
    return app


def render_image(runbook: Runbook, fmt: str, registry: Registry | None = None) -> bytes:
    ensure_application()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgGenerator
    from PySide6.QtWidgets import QGraphicsItem

    from engine.format.document import Document

    from .canvas.scene import RunbookScene
    from .canvas.style import BACKGROUND

    scene = RunbookScene(Document(runbook), registry or Registry.from_entry_points())
    for item in scene.items():  # drawn, not copied from a bitmap cache: sharp, and text stays text in SVG
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    source = scene.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    if source.isEmpty():
        source = QRectF(0, 0, 200, 100)
    if fmt == "svg":
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(runbook.name)
        painter = QPainter(generator)
        painter.fillRect(QRectF(0, 0, source.width(), source.height()), BACKGROUND)
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
        buffer.close()
        return bytes(data.data())
    if fmt != "png":
        raise ValueError(f"cannot draw {fmt!r}: png or svg")
    image = QImage(int(source.width() * PNG_SCALE), int(source.height() * PNG_SCALE),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, image.width(), image.height()), source)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def export_image(runbook: Runbook, fmt: str) -> bytes:
    """The `interlock.exporters` entry point: `interlock export RUNBOOK --format png|svg`."""
    return render_image(runbook, fmt)
