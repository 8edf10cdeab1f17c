"""A link on the canvas: a curve from the source's output handle to the target's input, with an arrow,
its label or condition summary, coloured by kind and dashed when disabled."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from . import style
from .markers import ProblemMarkers

ARROW = 9.0


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve, Orchestrator-like: leaves to the right, enters from the left."""
    path = QPainterPath(start)
    bend = max(40.0, abs(end.x() - start.x()) / 2)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
    return path


class LinkItem(ProblemMarkers, QGraphicsPathItem):
    def __init__(self, source: str, target: str) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.summary = ""
        self.kind = "success"
        self.enabled = True
        self.custom_color = ""
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.overlay: dict[str, Any] = {}  # run counts painted on the link (the run view sets it)
        self._arrow = QPolygonF()
        self._middle = QPointF()
        self._bounds = QRectF()
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)

    def set_info(self, *, summary: str, kind: str, enabled: bool, color: str) -> None:
        self.summary, self.kind, self.enabled, self.custom_color = summary, kind, enabled, color
        self._refresh_tooltip()
        self.update()

    def _refresh_tooltip(self) -> None:
        lines = [f"{self.source} → {self.target}", self.summary or "passes what succeeded (default)"]
        lines += [f"✖ {m}" for m in self.errors] + [f"⚠ {m}" for m in self.warnings]
        self.setToolTip("\n".join(lines))

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        """Lay the curve out once: painting then only draws (links repaint on every pan)."""
        self.prepareGeometryChange()
        path = curve(start, end)
        self.setPath(path)
        tip = path.pointAtPercent(1.0)
        angle = math.radians(-path.angleAtPercent(0.98))
        self._arrow = QPolygonF([
            tip, QPointF(tip.x() - ARROW * math.cos(angle - 0.45), tip.y() - ARROW * math.sin(angle - 0.45)),
            QPointF(tip.x() - ARROW * math.cos(angle + 0.45), tip.y() - ARROW * math.sin(angle + 0.45))])
        self._middle = path.pointAtPercent(0.5)
        self._bounds = path.boundingRect().adjusted(-80, -24, 80, 24)  # room for the arrow and the label

    def color(self) -> Any:
        if self.errors:
            return style.ERROR
        if self.custom_color:
            from PySide6.QtGui import QColor
            return QColor(self.custom_color)
        return style.LINK_COLORS.get(self.kind, style.LINK_COLORS["success"])

    def mouseDoubleClickEvent(self, event: Any) -> None:
        self.scene().edit_requested.emit("link", f"{self.source}->{self.target}")  # type: ignore[attr-defined]

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)  # easy to click
        return stroker.createStroke(self.path())

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: Any = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        color = style.SELECTED if self.isSelected() else self.color()
        pen = QPen(color, 2.6 if self.isSelected() else 1.6)
        if not self.enabled:
            pen.setStyle(Qt.PenStyle.DashLine)
        if lod >= style.LOD_PLAIN:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = self.path()
        painter.drawPath(path)
        if lod < style.LOD_PLAIN:
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawPolygon(self._arrow)
        text = self.overlay.get("text") or self.summary
        if text:
            self._paint_label(painter, self._middle, text, color)

    def _paint_label(self, painter: QPainter, at: QPointF, text: str, color: Any) -> None:
        painter.setFont(style.small_font())
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 10
        box = QRectF(at.x() - width / 2, at.y() - 9, width, 18)
        painter.setPen(QPen(color, 1))
        painter.setBrush(style.BACKGROUND)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(style.TEXT)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
