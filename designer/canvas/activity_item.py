"""An activity on the canvas: a box with its icon, name and type, an output handle to drag links
from, and markers for validation problems. Painted by level of detail; no widgets inside. A placeholder
of an Orchestrator import is hatched, with its original type under its name."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
)

from ..placeholders import replace_hint
from . import names, style
from .markers import ProblemMarkers, paint_marker

if TYPE_CHECKING:
    from .scene import RunbookScene


BAND_WIDTH = 40.0  # the tinted band with the icon
TEXT_LEFT = BAND_WIDTH + 4  # right of the icon band
TEXT_WIDTH = style.NODE_WIDTH - TEXT_LEFT - 6.0  # up to the output handle


class ActivityItem(ProblemMarkers, QGraphicsObject):
    def __init__(self, activity_id: str) -> None:
        super().__init__()
        self.activity_id = activity_id
        self.name = activity_id
        self.description = ""
        self.type_label = ""
        self.icon = ""
        self.color = "#5b7fa6"
        self.enabled = True
        self.junction = False
        self.placeholder: str | None = None  # the Orchestrator type a placeholder stands for
        self.monitor: str | None = None
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.overlay: dict[str, Any] = {}  # run state painted on top (the run view sets it)
        self.breakpoint = False
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)

    # -- model -------------------------------------------------------------------------------------

    def set_info(self, *, name: str, type_label: str, icon: str, color: str, enabled: bool,
                 junction: bool, description: str = "", placeholder: str | None = None,
                 monitor: str | None = None) -> None:
        self.name, self.type_label, self.icon, self.color = name, type_label, icon, color
        self.description, self.placeholder = description, placeholder
        self.monitor = monitor  # what a monitor activity waits for (engine.schedule.monitors)
        self.enabled, self.junction = enabled, junction
        self._refresh_tooltip()
        self.update()

    def set_breakpoint(self, on: bool) -> None:
        self.breakpoint = on
        self.update()

    def _refresh_tooltip(self) -> None:
        text = html.escape  # names, descriptions and messages are the runbook's text, not markup
        lines = [f"<b>{text(self.name)}</b> <span style='color:#6b7785'>({self.activity_id})</span>",
                 text(self.type_label)]
        if self.description:
            lines.append(f"<i>{text(self.description)}</i>")
        if self.monitor is not None:
            lines.append(f"Starts this runbook on: {text(self.monitor)}<br>"
                         "<i>Armed by interlock scheduler (monitor = true), or by Run</i>")
        if self.placeholder is not None:
            lines.append(f"<span style='color:{style.PLACEHOLDER_HATCH.name()}'>"
                         f"{text(replace_hint(self.placeholder))}</span>")
        lines += [f"<span style='color:#d64545'>✖ {text(m)}</span>" for m in self.errors]
        lines += [f"<span style='color:#b07d00'>⚠ {text(m)}</span>" for m in self.warnings]
        self.setToolTip("<br>".join(lines))

    # -- geometry ----------------------------------------------------------------------------------

    def box(self) -> QRectF:
        return QRectF(0, 0, style.NODE_WIDTH, style.NODE_HEIGHT)

    def handle_center(self) -> QPointF:
        return QPointF(style.NODE_WIDTH, style.NODE_HEIGHT / 2)

    def handle_rect(self) -> QRectF:
        r = style.HANDLE_RADIUS + 3  # a little larger than drawn: easier to grab
        c = self.handle_center()
        return QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)

    def output_point(self) -> QPointF:
        return self.mapToScene(self.handle_center())

    def input_point(self) -> QPointF:
        return self.mapToScene(QPointF(0, style.NODE_HEIGHT / 2))

    def boundingRect(self) -> QRectF:
        pad = style.HANDLE_RADIUS + 4
        return self.box().adjusted(-4, -10, pad, 10)  # below: the run badges

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.box().adjusted(0, 0, style.HANDLE_RADIUS + 2, 0))
        return path

    # -- painting ----------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: Any = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        color = QColor(self.color)
        selected = self.isSelected()
        border = style.SELECTED if selected else (style.ERROR if self.errors else style.NODE_BORDER)
        pen = QPen(border, 2.4 if selected else 1.2)
        if not self.enabled:
            pen.setStyle(Qt.PenStyle.DashLine)
        box = self.box()
        if lod < style.LOD_PLAIN:  # far away: a plain coloured box, cheap to draw by the thousand
            painter.setPen(pen)
            painter.setBrush(color if self.enabled else style.MUTED)
            painter.drawRect(box)
            self._paint_hatch(painter, box, 0)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(style.NODE_FILL if self.enabled else QColor("#eef0f2"))
        painter.drawRoundedRect(box, 6, 6)
        self._paint_hatch(painter, box, 6)
        band = QRectF(0, 0, BAND_WIDTH, style.NODE_HEIGHT)
        path = QPainterPath()
        path.addRoundedRect(band, 6, 6)
        path.addRect(QRectF(BAND_WIDTH / 2, 0, BAND_WIDTH / 2, style.NODE_HEIGHT))
        painter.setPen(Qt.PenStyle.NoPen)
        tint = QColor(color)
        tint.setAlpha(40 if self.enabled else 20)
        painter.setBrush(tint)
        painter.drawPath(path.simplified())
        icon = style.icon_pixmap(self.icon, self.color if self.enabled else "#9aa3ad")
        corner = QPointF((BAND_WIDTH - style.ICON_SIZE) / 2, (style.NODE_HEIGHT - style.ICON_SIZE) / 2)
        painter.drawPixmap(corner, icon)
        self._paint_name(painter)
        self._paint_handle(painter, color)
        if self.breakpoint:  # a red dot on the left edge, as debuggers show it
            painter.setPen(QPen(style.NODE_FILL, 1.5))
            painter.setBrush(style.ERROR)
            painter.drawEllipse(QPointF(0, 10), 6, 6)
        self._paint_markers(painter)
        self._paint_overlay(painter)

    def name_lines(self) -> list[str]:
        """The name as drawn: whole on one or two lines, elided only when longer than that."""
        return list(names.name_lines(self.name, TEXT_WIDTH)[1])

    def subtitle(self) -> str:
        if self.placeholder is not None:  # what it was in Orchestrator says what to replace it with
            return self.placeholder
        return names.subtitle(self.name, self.type_label)

    def _paint_hatch(self, painter: QPainter, box: QRectF, radius: float) -> None:
        """A placeholder's body is hatched: at a glance, what an import could not bring over."""
        if self.placeholder is None:
            return
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(style.PLACEHOLDER_HATCH, Qt.BrushStyle.BDiagPattern))
        painter.drawRoundedRect(box, radius, radius)
        painter.restore()

    def _paint_name(self, painter: QPainter) -> None:
        font, lines = names.name_lines(self.name, TEXT_WIDTH)
        subtitle = self.subtitle()
        painter.setFont(font)
        spacing = painter.fontMetrics().lineSpacing()
        height = len(lines) * spacing
        # with the type under it, the name sits at the top; alone, it is centred in the box
        top = 6 if subtitle else (style.NODE_HEIGHT - height) / 2
        painter.setPen(style.TEXT if self.enabled else style.MUTED)
        for index, line in enumerate(lines):
            painter.drawText(QRectF(TEXT_LEFT, top + index * spacing, TEXT_WIDTH, spacing),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), line)
        if subtitle:
            painter.setFont(style.small_font())
            painter.setPen(style.MUTED)
            painter.drawText(QRectF(TEXT_LEFT, 44, TEXT_WIDTH, 16), Qt.AlignmentFlag.AlignLeft,
                             painter.fontMetrics().elidedText(subtitle, Qt.TextElideMode.ElideRight,
                                                              int(TEXT_WIDTH)))

    def _paint_handle(self, painter: QPainter, color: QColor) -> None:
        painter.setPen(QPen(style.NODE_FILL, 1.5))
        painter.setBrush(color)
        painter.drawEllipse(self.handle_center(), style.HANDLE_RADIUS, style.HANDLE_RADIUS)

    def _paint_markers(self, painter: QPainter) -> None:
        if self.errors or self.warnings:
            marker = style.ERROR if self.errors else style.WARNING
            paint_marker(painter, QPointF(style.NODE_WIDTH - 10, 0), marker)

    def badges(self) -> list[tuple[str, str]]:
        """(text, state) of each run badge: the counts of running, succeeded, warning, failed and
        cancelled instances, each in its state's colour (a junction: its state in words)."""
        if "done" not in self.overlay:
            state = self.overlay.get("state")
            return [(state, state)] if state else []
        cancelled = self.overlay.get("cancelled", 0)
        numbers = {"running": self.overlay.get("running", 0), "success": self.overlay["done"],
                   "warning": self.overlay.get("warned", 0),
                   "failed": self.overlay.get("failed", 0) - cancelled,  # the engine counts both as failed
                   "cancelled": cancelled}
        return [(str(n), state) for state, n in numbers.items() if n]

    def _paint_overlay(self, painter: QPainter) -> None:
        """During a run: the state as a coloured frame, and badges with running / done / warning /
        failed instance counts (a junction: its state in words)."""
        state = self.overlay.get("state")
        if not state:
            return
        color = style.RUN_COLORS.get(state, style.MUTED)
        painter.setPen(QPen(color, 3.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(self.box().adjusted(-2, -2, 2, 2), 7, 7)
        painter.setFont(style.small_font())
        metrics = painter.fontMetrics()
        badges = [(text, style.RUN_COLORS.get(name, style.MUTED)) for text, name in self.badges()]
        x = style.NODE_WIDTH - 4
        for text, badge_color in reversed(badges):
            width = metrics.horizontalAdvance(text) + 10
            x -= width
            box = QRectF(x, style.NODE_HEIGHT - 7, width, 15)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(badge_color)
            painter.drawRoundedRect(box, 7, 7)
            painter.setPen(style.NODE_FILL)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            x -= 3

    # -- interaction -------------------------------------------------------------------------------

    def runbook_scene(self) -> RunbookScene:
        return self.scene()  # type: ignore[return-value]

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.handle_rect().contains(event.pos()):
            self.runbook_scene().begin_link(self, event.scenePos())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.runbook_scene().linking:
            self.runbook_scene().drag_link(event.scenePos())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.runbook_scene().linking:
            self.runbook_scene().end_link(event.scenePos())
            return
        super().mouseReleaseEvent(event)

    def hoverMoveEvent(self, event: Any) -> None:
        over_handle = self.handle_rect().contains(event.pos())
        self.setCursor(Qt.CursorShape.CrossCursor if over_handle else Qt.CursorShape.ArrowCursor)
        super().hoverMoveEvent(event)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.runbook_scene().edit_requested.emit("activity", self.activity_id)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.scene() is not None:
            self.runbook_scene().activity_moved_live(self.activity_id)
        return super().itemChange(change, value)
