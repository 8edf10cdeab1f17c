"""What activity and link items share: the validation problems they carry and show on hover."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from . import style

MARKER_RADIUS = 8.0


def paint_marker(painter: QPainter, center: QPointF, color: QColor) -> None:
    """The problem marker: a "!" in a disc of the error (or warning) colour."""
    r = MARKER_RADIUS
    painter.setPen(QPen(style.NODE_FILL, 1.5))
    painter.setBrush(QBrush(color))
    painter.drawEllipse(center, r, r)
    painter.setPen(style.NODE_FILL)
    painter.setFont(style.name_font())
    painter.drawText(QRectF(center.x() - r, center.y() - r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, "!")


class ProblemMarkers:
    """Mixin for canvas items: `errors` and `warnings` from live validation; the item repaints and
    rebuilds its tooltip (`_refresh_tooltip`) only when they change."""

    errors: list[str]
    warnings: list[str]
    _refresh_tooltip: Callable[[], None]  # each item words its own tooltip

    def set_problems(self, errors: list[str], warnings: list[str]) -> None:
        if (errors, warnings) != (self.errors, self.warnings):
            self.errors, self.warnings = errors, warnings
            self._refresh_tooltip()
            self.update()  # type: ignore[attr-defined]
