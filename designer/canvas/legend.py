"""View → Legend: a small window listing what each colour on the canvas means — run states (the same
colours as the frames and badges, from style.py), junction states, link kinds and problem markers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from . import style

LINK_WORDS = {"success": "Link: passes what succeeded (default)", "data": "Link: filters on data",
              "failure": "Link: routes warnings or failures"}


def _swatch(color: QColor, name: str, frame: bool = True) -> QLabel:
    swatch = QLabel()
    swatch.setObjectName(name)
    swatch.setFixedSize(26, 14)
    look = f"border: 3px solid {color.name()}; background: #ffffff;" if frame else \
        f"background: {color.name()}; border: none; max-height: 3px;"
    swatch.setStyleSheet(f"QLabel#{name} {{ {look} border-radius: 3px; }}")
    return swatch


class Legend(QFrame):
    """The legend window (a tool window over the designer; closed with its title bar or the menu)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool)
        self.setWindowTitle("Legend")
        grid = QGridLayout(self)
        row = 0

        def add(swatch: QLabel, title: str, meaning: str) -> None:
            nonlocal row
            grid.addWidget(swatch, row, 0)
            grid.addWidget(QLabel(f"<b>{title}</b>"), row, 1)
            muted = QLabel(meaning)
            muted.setStyleSheet(f"color: {style.MUTED.name()};")
            grid.addWidget(muted, row, 2)
            row += 1

        grid.addWidget(QLabel("<b>During a run</b> — an activity's frame and its count badges"), row, 0, 1, 3)
        row += 1
        junction_words = {state: name for name, state in style.JUNCTION_STATES.items()}
        for state, color in style.STATE_COLORS.items():
            title, meaning = style.STATE_WORDS[state]
            if state in junction_words:
                meaning += f"; a junction {junction_words[state]}"
            add(_swatch(color, f"legend-{state}"), title, meaning)
        grid.addWidget(QLabel("<b>Links and problems</b>"), row, 0, 1, 3)
        row += 1
        for kind, color in style.LINK_COLORS.items():
            add(_swatch(color, f"legend-link-{kind}", frame=False), LINK_WORDS[kind].split(":")[0],
                LINK_WORDS[kind].split(": ")[1])
        add(_swatch(style.MUTED, "legend-disabled", frame=False), "Dashed", "disabled link or activity")
        add(_swatch(style.ERROR, "legend-error"), "Red marker",
            "an error: hover over it, or see the Problems panel (a red arrow to nowhere: a missing activity)")
        add(_swatch(style.WARNING, "legend-warning"), "Amber marker", "a warning")
        add(_swatch(style.SELECTED, "legend-selected"), "Blue outline", "selected")


def toggle_legend(owner: QWidget) -> Legend:
    """Show the legend beside `owner` (the main window), or hide it when it is shown."""
    legend = owner.findChild(Legend)
    if legend is None:
        legend = Legend(owner)
    if legend.isVisible():
        legend.hide()
    else:
        legend.show()
        legend.raise_()
    return legend
