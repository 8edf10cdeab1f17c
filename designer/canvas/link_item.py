"""A link on the canvas: a curve from the source's output handle to the target's input, with an arrow,
its label or condition summary and, during a run, its counts; coloured by kind and dashed when disabled.
A link whose other end is missing dangles from the end that exists, red, with the problem marker."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from designer.links.placement import Obstacles, place

from . import style
from .markers import MARKER_RADIUS, ProblemMarkers, paint_marker

ARROW = 9.0


def straight(start: QPointF, end: QPointF) -> QPainterPath:
    path = QPainterPath(start)
    path.lineTo(end)
    return path


def arrow_head(path: QPainterPath) -> QPolygonF:
    tip = path.pointAtPercent(1.0)
    angle = math.radians(-path.angleAtPercent(0.98))
    return QPolygonF([
        tip, QPointF(tip.x() - ARROW * math.cos(angle - 0.45), tip.y() - ARROW * math.sin(angle - 0.45)),
        QPointF(tip.x() - ARROW * math.cos(angle + 0.45), tip.y() - ARROW * math.sin(angle + 0.45))])


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve, Orchestrator-like: leaves to the right, enters from the left."""
    path = QPainterPath(start)
    bend = max(40.0, abs(end.x() - start.x()) / 2)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
    return path


DANGLING = 90.0  # length of the arrow drawn for a link whose other end is missing
# Unit directions tried for a dangling arrow, until one is clear of boxes: right, then diagonals, then
# steep ones that fit between boxes set close together.
DANGLING_DIRECTIONS = ((1.0, 0.0), (0.71, -0.71), (0.71, 0.71), (0.27, -0.96), (0.27, 0.96))
PILL_HEIGHT = 18.0
PILL_GAP = 2.0


def no_obstacles(rect: QRectF) -> list[QRectF]:
    return []


class LinkItem(ProblemMarkers, QGraphicsPathItem):
    """All geometry (curve, arrow, text pills, marker, bounds) is laid out in `_layout`, called with
    prepareGeometryChange whenever anything that is painted changes: paint() only draws what was laid
    out, inside boundingRect(), so the view never leaves a half-drawn label behind."""

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
        self.dangling = ""  # "target" or "source": that end's activity is missing
        self._ends: tuple[QPointF | None, QPointF | None] = (None, None)
        self._obstacles: Obstacles = no_obstacles
        self._arrow = QPolygonF()
        self._pills: list[tuple[str, QRectF]] = []
        self._marker = QPointF()
        self._bounds = QRectF()
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)

    def set_info(self, *, summary: str, kind: str, enabled: bool, color: str) -> None:
        self.summary, self.kind, self.enabled, self.custom_color = summary, kind, enabled, color
        self._refresh_tooltip()
        self._layout()

    def set_counts(self, text: str) -> None:
        """The run counts ("2 passed · 1 filtered"), shown under the link's own label; "" hides them."""
        if self.overlay.get("text", "") != text:
            self.overlay = {"text": text} if text else {}
            self._layout()

    def set_problems(self, errors: list[str], warnings: list[str]) -> None:
        changed = (errors, warnings) != (self.errors, self.warnings)
        super().set_problems(errors, warnings)
        if changed:
            self._layout()  # the marker comes and goes

    def _refresh_tooltip(self) -> None:
        lines = [f"{self.source} → {self.target}", self.summary or "passes what succeeded (default)"]
        if self.dangling:
            missing = self.target if self.dangling == "target" else self.source
            lines.append(f'✖ no activity "{missing}": the link goes nowhere')
        lines += [f"✖ {m}" for m in self.errors] + [f"⚠ {m}" for m in self.warnings]
        self.setToolTip("\n".join(lines))

    def set_ends(self, start: QPointF | None, end: QPointF | None,
                 obstacles: Obstacles = no_obstacles) -> None:
        """Where the link runs (None: that end's activity is missing, the link dangles from the other);
        `obstacles` gives the activity boxes its texts must stay clear of."""
        self._ends, self._obstacles = (start, end), obstacles
        dangling = "target" if end is None and start is not None else "source" if start is None else ""
        if dangling != self.dangling:
            self.dangling = dangling
            self._refresh_tooltip()
        self._layout()

    def texts(self) -> list[str]:
        """What is written on the link: its label (or conditions), then the run counts."""
        return [text for text, _rect in self._pills]

    def text_rects(self) -> list[QRectF]:
        return [self.mapRectToScene(rect) for _text, rect in self._pills]

    def marker_center(self) -> QPointF:
        return self.mapToScene(self._marker)

    def _layout(self) -> None:
        """Lay the link out once: painting then only draws (links repaint on every pan). Everything is
        computed first — placing the texts asks the scene for boxes, which re-indexes it — and only
        then is the geometry changed, between prepareGeometryChange() and update()."""
        path = self._route()
        arrow = arrow_head(path) if not path.isEmpty() else QPolygonF()
        texts = [t for t in (self.summary, self.overlay.get("text", "")) if t]
        metrics = QFontMetricsF(style.small_font())
        widths = [metrics.horizontalAdvance(t) + 12 for t in texts]
        size = QSizeF(max(widths, default=0), len(texts) * (PILL_HEIGHT + PILL_GAP) - PILL_GAP)
        block = place(path, size, self._obstacles) if texts and not path.isEmpty() else QRectF()
        pills = []
        top = block.top()
        for text, width in zip(texts, widths, strict=True):
            pills.append((text, QRectF(block.center().x() - width / 2, top, width, PILL_HEIGHT)))
            top += PILL_HEIGHT + PILL_GAP
        if self.dangling:
            marker = path.pointAtPercent(1.0 if self.dangling == "target" else 0.0)
            direction = path.pointAtPercent(1.0) - path.pointAtPercent(0.0)
            scale = (MARKER_RADIUS + 4) / max(1.0, math.hypot(direction.x(), direction.y()))
            marker += direction * scale * (1 if self.dangling == "target" else -1)
        elif pills:
            marker = pills[0][1].topRight()
        else:
            marker = path.pointAtPercent(0.5)
        bounds = path.boundingRect().united(arrow.boundingRect())
        for _text, rect in pills:
            bounds = bounds.united(rect)
        r = MARKER_RADIUS + 2
        bounds = bounds.united(QRectF(marker.x() - r, marker.y() - r, 2 * r, 2 * r))
        self.prepareGeometryChange()
        self.setPath(path)
        self._arrow, self._pills, self._marker = arrow, pills, marker
        self._bounds = bounds.adjusted(-4, -4, 4, 4) if not path.isEmpty() else QRectF()
        self.update()

    def _route(self) -> QPainterPath:
        """The curve between the ends; with one end missing, a short straight arrow from the other, in
        the first of DANGLING_DIRECTIONS that does not run into a box."""
        start, end = self._ends
        if start is not None and end is not None:
            return curve(start, end)
        if start is None and end is None:
            return QPainterPath()
        sign = 1 if end is None else -1
        anchor: QPointF = start if start is not None else end  # type: ignore[assignment]
        for dx, dy in DANGLING_DIRECTIONS:
            other = anchor + QPointF(dx, dy) * DANGLING * sign
            probe = QRectF(anchor, other).normalized().adjusted(-2, -2, 2, 2)
            if not [box for box in self._obstacles(probe) if not box.contains(anchor)]:  # not its own box
                break
        else:
            other = anchor + QPointF(DANGLING * sign, 0)
        return straight(anchor, other) if sign > 0 else straight(other, anchor)

    def color(self) -> Any:
        if self.errors or self.dangling:
            return style.ERROR
        if self.custom_color:
            return QColor(self.custom_color)
        return style.LINK_COLORS.get(self.kind, style.LINK_COLORS["success"])

    def mouseDoubleClickEvent(self, event: Any) -> None:
        self.scene().edit_requested.emit("link", f"{self.source}->{self.target}")  # type: ignore[attr-defined]

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)  # easy to click
        shape = stroker.createStroke(self.path())
        for _text, rect in self._pills:
            shape.addRect(rect)  # a label is a handle on its link too
        return shape.simplified()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: Any = None) -> None:
        path = self.path()
        if path.isEmpty():
            return  # both ends missing: nothing to draw from; the Problems panel lists it
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        color = style.SELECTED if self.isSelected() else self.color()
        pen = QPen(color, 2.6 if self.isSelected() else 1.6)
        if not self.enabled or self.dangling:
            pen.setStyle(Qt.PenStyle.DashLine)
        if lod >= style.LOD_PLAIN:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        if lod < style.LOD_PLAIN:
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawPolygon(self._arrow)
        painter.setFont(style.small_font())
        for index, (text, rect) in enumerate(self._pills):
            counts = index == len(self._pills) - 1 and bool(self.overlay.get("text"))
            painter.setPen(QPen(style.MUTED if counts else color, 1))
            painter.setBrush(style.NODE_FILL if counts else style.BACKGROUND)
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(style.TEXT)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if self.errors or self.dangling:
            paint_marker(painter, self._marker, style.ERROR)
        elif self.warnings:
            paint_marker(painter, self._marker, style.WARNING)
