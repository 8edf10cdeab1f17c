"""Where a link's texts go on the canvas: on the link where it is visible between the boxes, else just
above (or below) it, clear of every activity box, so a label is never hidden under a box — also on
links too short to hold it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSizeF
from PySide6.QtGui import QPainterPath

Obstacles = Callable[[QRectF], list[QRectF]]  # the activity boxes that intersect a rect

ALONG = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74)  # points on the link tried first, middle outward
STEP = 12.0  # how far each try off the link moves
TRIES_OFF = 12


def _centred(at: QPointF, size: QSizeF) -> QRectF:
    return QRectF(at.x() - size.width() / 2, at.y() - size.height() / 2, size.width(), size.height())


def place(path: QPainterPath, size: QSizeF, obstacles: Obstacles) -> QRectF:
    """A rect of `size` for the link's texts: centred on the link if some point of it has room,
    otherwise the nearest spot straight above or below the link's middle that is clear of boxes."""
    if path.isEmpty():
        return _centred(path.currentPosition(), size)
    for t in ALONG:
        rect = _centred(path.pointAtPercent(t), size)
        if not obstacles(rect):
            return rect
    middle = path.pointAtPercent(0.5)
    for step in range(1, TRIES_OFF + 1):
        for sign in (-1, 1):  # above first: the eye reads a label above its line
            rect = _centred(middle + QPointF(0, sign * step * STEP), size)
            if not obstacles(rect):
                return rect
    return _centred(middle, size)
