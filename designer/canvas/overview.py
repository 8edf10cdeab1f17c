"""Far away, the whole runbook as one picture: every activity a coloured box, every link a line, drawn
in a handful of calls and cached. Thousands of separate items would each cost a call into Python per
frame; below style.LOD_PLAIN the scene hides them and shows this instead (zoom in to edit)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from . import style

if TYPE_CHECKING:
    from .scene import RunbookScene


class OverviewItem(QGraphicsItem):
    def __init__(self) -> None:
        super().__init__()
        self._boxes: dict[tuple[str, bool], list[QRectF]] = {}
        self._links = QPainterPath()
        self._bounds = QRectF()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(-0.5)

    def rebuild(self, scene: RunbookScene) -> None:
        self.prepareGeometryChange()
        boxes: dict[tuple[str, bool], list[QRectF]] = defaultdict(list)
        bounds = QRectF()
        for item in scene.activity_items.values():
            rect = item.box().translated(item.pos())
            boxes[(item.color, item.enabled)].append(rect)
            bounds = bounds.united(rect)
        links = QPainterPath()
        for link in scene.link_items.values():
            links.addPath(link.path())
        self._boxes, self._links = dict(boxes), links
        self._bounds = bounds.united(links.boundingRect()).adjusted(-4, -4, 4, 4)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: Any = None) -> None:
        painter.setPen(QPen(style.LINK_COLORS["success"], 0))  # cosmetic: one pixel at any zoom
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._links)
        painter.setPen(Qt.PenStyle.NoPen)
        for (color, enabled), rects in self._boxes.items():
            painter.setBrush(QColor(color) if enabled else style.MUTED)
            painter.drawRects(rects)
