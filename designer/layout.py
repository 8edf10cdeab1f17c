"""Auto-layout (Ctrl+L): the runbook as a layered drawing that reads left to right along the links
(designer/sugiyama.py places activities in columns and rows), turned into canvas positions: integer,
on the 20 px grid, the drawing's top-left kept, each column wide enough for the labels on the links
that leave it, so a label is never under a box. A note that a box would cover moves below the drawing;
the others stay. The same runbook always gives the same positions (they are saved in a git-tracked
file), and a second Ctrl+L changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from designer.canvas import style
from designer.links.summary import link_summary
from designer.sugiyama import arrange
from engine.format.document import Document
from engine.format.model import Runbook

Position = tuple[int, int]
Moves = dict[str, tuple[Position, Position]]
NoteMoves = dict[int, tuple[Position, Position]]
MIN_GAP = 84  # between columns, for the link's curve and arrow
ROW_GAP = 56  # between rows, for a label on a link that changes row and the run badges
LABEL_MARGIN = 24  # each side of a label, so the link is seen leaving and entering it


def estimated_width(text: str) -> float:
    """A label's width when no Qt application is there to measure it (about 7 px a character)."""
    return 7.0 * len(text) + 10


def qt_width() -> Callable[[str], float]:
    """The label's width as the canvas paints it, when a Qt application exists."""
    from PySide6.QtGui import QFontMetricsF, QGuiApplication
    if QGuiApplication.instance() is None:
        return estimated_width
    metrics = QFontMetricsF(style.small_font())
    return lambda text: metrics.horizontalAdvance(text) + 10


def _up(value: float) -> int:
    return -int(-value // style.GRID) * style.GRID


def _down(value: float) -> int:
    return int(value // style.GRID) * style.GRID


def layered_positions(runbook: Runbook, origin: Position | None = None,
                      text_width: Callable[[str], float] | None = None) -> dict[str, Position]:
    """Where each activity goes. origin: the top-left of the drawing (default: where it is now)."""
    activities = runbook.activities
    if not activities:
        return {}
    ids = [a.id for a in activities]
    index = {activity_id: i for i, activity_id in enumerate(ids)}
    layer, rows = arrange(len(ids), [(index[lk.from_], index[lk.to]) for lk in runbook.links
                                     if lk.from_ in index and lk.to in index])
    width = text_width or qt_width()
    names = {a.id: a.name for a in activities}
    labels: dict[tuple[int, int], float] = {}
    for link in runbook.links:
        text = link_summary(link, names) if link.from_ in index and link.to in index else ""
        if text:
            key = (index[link.from_], index[link.to])
            labels[key] = max(labels.get(key, 0.0), width(text))
    xs = _columns(layer, labels)
    if origin is None:  # the drawing stays where it is: a second Ctrl+L changes nothing
        origin = (_down(min(a.at[0] for a in activities)), _down(min(a.at[1] for a in activities)))
    pitch = _up(style.NODE_HEIGHT + ROW_GAP)
    return {ids[i]: (origin[0] + xs[layer[i]], origin[1] + rows[i] * pitch) for i in range(len(ids))}


def layout_moves(document: Document,
                 text_width: Callable[[str], float] | None = None) -> tuple[Moves, NoteMoves]:
    """What Ctrl+L changes, as (old, new) positions of the activities and notes that move."""
    runbook = document.runbook
    at = layered_positions(runbook, text_width=text_width)
    moves = {a.id: (a.at, at[a.id]) for a in runbook.activities if at[a.id] != a.at}
    boxes = [(x, y, x + style.NODE_WIDTH, y + style.NODE_HEIGHT) for x, y in at.values()]
    if not boxes:
        return moves, {}
    left, bottom = min(b[0] for b in boxes), _up(max(b[3] for b in boxes) + ROW_GAP)
    note_moves: NoteMoves = {}
    for i, note in enumerate(runbook.notes or []):
        x, y, w, h = *note.at, *note.size
        if any(x < b[2] and b[0] < x + w and y < b[3] and b[1] < y + h for b in boxes):
            note_moves[i] = (note.at, (left, bottom))
            left = _up(left + w + style.GRID)
    return moves, note_moves


def _columns(layer: list[int], labels: dict[tuple[int, int], float]) -> list[int]:
    """The x of each layer: a gap wide enough for the widest label on a link between two layers."""
    gaps = [MIN_GAP] * (max(layer) + 1)
    for (u, v), width in labels.items():
        if layer[v] == layer[u] + 1:
            gaps[layer[u]] = max(gaps[layer[u]], int(width) + 2 * LABEL_MARGIN)
    xs = [0]
    for gap in gaps[:-1]:
        xs.append(xs[-1] + _up(style.NODE_WIDTH + gap))
    return xs
