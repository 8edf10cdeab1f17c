"""The view around the scene: zoom with the wheel, pan with the middle button (or Space + drag),
rubber-band selection, fit all / fit selection, a cached grid, and drops from the palette."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from . import style

ACTIVITY_MIME = "application/x-interlock-activity-type"
MIN_ZOOM, MAX_ZOOM = 0.1, 3.0
OPEN_MIN_ZOOM = 0.75  # a runbook opens no smaller than this: names stay readable
FIT_MARGIN = 40


class RunbookView(QGraphicsView):
    activity_dropped = Signal(str, QPointF)  # type name, scene position
    zoom_changed = Signal(float)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setAcceptDrops(True)
        self.setSceneRect(QRectF(-5000, -5000, 20000, 20000))
        self._panning: QPointF | None = None
        self._space_down = False
        self._mouse: QPointF | None = None  # where the mouse is over the canvas (None: elsewhere)
        self._auto_fit = False  # refit on resize, until the user zooms or pans
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.actionTriggered.connect(self._user_moved)  # only the user's own scrolling

    # -- zoom ----------------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        self._user_moved()
        self._scale_to(factor)

    def _scale_to(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        self.setTransform(self.transform().fromScale(factor, factor))
        self._zoomed()

    def _zoomed(self) -> None:
        zoom = self.zoom()
        scene = self.scene()
        if hasattr(scene, "set_overview"):
            scene.set_overview(zoom < style.LOD_PLAIN)
        self.zoom_changed.emit(zoom)

    def _user_moved(self, *_args: object) -> None:
        self._auto_fit = False

    def zoom_by(self, step: float) -> None:
        self.set_zoom(self.zoom() * step)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:  # Shift+wheel scrolls sideways
            self._user_moved()
            super().wheelEvent(event)
            return
        self.zoom_by(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)

    def fit(self, rect: QRectF) -> None:
        self._user_moved()
        if rect.isEmpty():
            return
        self.fitInView(rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN),
                       Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:  # a small runbook is shown at its natural size, not blown up
            self._scale_to(1.0)
            self.centerOn(rect.center())
        self._zoomed()

    def fit_all(self) -> None:
        self.fit(self.scene().itemsBoundingRect())

    def fit_selection(self) -> None:
        rect = QRectF()
        for item in self.scene().selectedItems():
            rect = rect.united(item.sceneBoundingRect())
        self.fit(rect if not rect.isEmpty() else self.scene().itemsBoundingRect())

    def show_runbook(self) -> None:
        """How a runbook opens: readable at first sight, and refitted on resize until the user zooms
        or pans (see _open_fit)."""
        self._auto_fit = True
        self._open_fit()

    def _open_fit(self) -> None:
        """100 %, or smaller to fit the whole runbook but never below OPEN_MIN_ZOOM; centred on the
        start activity as far as that shows no empty canvas beside the runbook."""
        scene = self.scene()
        bounds = scene.itemsBoundingRect().adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
        viewport = self.viewport().rect()
        if bounds.isEmpty() or viewport.isEmpty():
            self._scale_to(1.0)
            return
        fit = min(viewport.width() / bounds.width(), viewport.height() / bounds.height())
        zoom = max(OPEN_MIN_ZOOM, min(1.0, fit))
        self._scale_to(zoom)
        start = scene.start_rect() if hasattr(scene, "start_rect") else QRectF()
        focus = start.center() if not start.isEmpty() else bounds.center()
        x = _centred(focus.x(), bounds.left(), bounds.right(), viewport.width() / zoom)
        y = _centred(focus.y(), bounds.top(), bounds.bottom(), viewport.height() / zoom)
        self.centerOn(QPointF(x, y))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self._open_fit()

    # -- pan -----------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.viewport().unsetCursor()
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
                self._space_down and event.button() == Qt.MouseButton.LeftButton):
            self._panning = event.position()
            self._user_moved()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouse_scene_pos(self) -> tuple[int, int] | None:
        """The mouse's scene position while it is over the canvas (a paste lands there), else None."""
        if self._mouse is None:
            return None
        at = self.mapToScene(self._mouse.toPoint())
        return (round(at.x()), round(at.y()))

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._mouse = None
        return super().viewportEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._mouse = event.position()
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.horizontalScrollBar().setValue(int(self.horizontalScrollBar().value() - delta.x()))
            self.verticalScrollBar().setValue(int(self.verticalScrollBar().value() - delta.y()))
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None:
            self._panning = None
            self.viewport().unsetCursor()
            return
        super().mouseReleaseEvent(event)

    # -- background ----------------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, style.BACKGROUND)
        if self.zoom() < 0.5:
            return  # a dense grid far away is noise, and slow
        painter.setPen(style.GRID_COLOR)
        step = style.GRID * (2 if self.zoom() < 0.8 else 1)
        left = int(rect.left()) - int(rect.left()) % step
        top = int(rect.top()) - int(rect.top()) % step
        lines = [QLineF(x, rect.top(), x, rect.bottom()) for x in range(left, int(rect.right()) + 1, step)]
        lines += [QLineF(rect.left(), y, rect.right(), y) for y in range(top, int(rect.bottom()) + 1, step)]
        painter.drawLines(lines)  # one call: a Python loop of drawLine cost ~2 ms a frame

    # -- drops from the palette ----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(ACTIVITY_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(ACTIVITY_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(ACTIVITY_MIME):
            super().dropEvent(event)
            return
        type_name = bytes(event.mimeData().data(ACTIVITY_MIME).data()).decode()
        self.activity_dropped.emit(type_name, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()


def _centred(want: float, low: float, high: float, span: float) -> float:
    """Where to centre a view `span` wide on `want` without showing past [low, high] (centre the
    whole when it fits)."""
    if high - low <= span:
        return (low + high) / 2
    return min(max(want, low + span / 2), high - span / 2)
