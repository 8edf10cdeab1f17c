"""A sticky note: text on a yellow card, moved and edited like an activity (no effect on runs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
)

from . import style

if TYPE_CHECKING:
    from .scene import RunbookScene


class NoteItem(QGraphicsObject):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.text = ""
        self.size = (200, 100)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)

    def set_info(self, text: str, size: tuple[int, int]) -> None:
        self.prepareGeometryChange()
        self.text, self.size = text, size
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.size[0], self.size[1]).adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: Any = None) -> None:
        box = QRectF(0, 0, self.size[0], self.size[1])
        painter.setPen(QPen(style.SELECTED if self.isSelected() else style.NOTE_BORDER,
                            2 if self.isSelected() else 1))
        painter.setBrush(style.NOTE_FILL)
        painter.drawRect(box)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < style.LOD_PLAIN:
            return
        painter.setPen(style.TEXT)
        painter.setFont(style.small_font())
        painter.drawText(box.adjusted(8, 6, -8, -6), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, self.text)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene: RunbookScene = self.scene()  # type: ignore[assignment]
        scene.edit_requested.emit("note", str(self.index))
