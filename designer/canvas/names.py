"""An activity's name as the box shows it: whole, wrapped on at most two lines — in a slightly smaller
type before anything is cut — and elided only beyond that (the tooltip has it whole)."""

from __future__ import annotations

import re
from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QTextLayout, QTextOption

from . import style

MAX_LINES = 2
SIZES = (9.0, 8.5, 8.0)  # points: the name font, then smaller before eliding


def _font(size: float) -> QFont:
    font = QFont(style.name_font())
    font.setPointSizeF(size)
    return font


def _wrapped(text: str, font: QFont, width: float) -> list[tuple[int, int]]:
    """(start, length) of each line of `text` wrapped at word boundaries (anywhere in a long word)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append((line.textStart(), line.textLength()))
    layout.endLayout()
    return lines


@lru_cache(maxsize=4096)
def name_lines(name: str, width: float) -> tuple[QFont, tuple[str, ...]]:
    """The font and the (at most two) lines to draw `name` in a box `width` wide."""
    for size in SIZES:
        font = _font(size)
        lines = _wrapped(name, font, width)
        if len(lines) <= MAX_LINES:
            return font, tuple(name[start:start + length].strip() for start, length in lines)
    start, length = lines[0]
    rest = name[lines[1][0]:].strip()
    second = QFontMetricsF(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return font, (name[start:start + length].strip(), second)


def subtitle(name: str, type_label: str) -> str:
    """The type under the name, unless the name already says it ("Stop VM", "Stop VM (2)")."""
    bare = re.sub(r" \(\d+\)$", "", name)
    return "" if bare.casefold() == type_label.casefold() else type_label
