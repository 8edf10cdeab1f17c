"""The main window's toolbar: Run, Stop, the Runbook Tester (run in tester, step, continue,
breakpoint), Validate, Fit and the run parameters. It holds the menus' own QActions, so a button and
its menu entry are one action (one slot, one enabled state, one shortcut); tooltips name the shortcut."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QStyle, QToolBar, QWidget

ICON_SIZE = 20

STANDARD_ICONS = {
    "run": QStyle.StandardPixmap.SP_MediaPlay,
    "stop": QStyle.StandardPixmap.SP_MediaStop,
    "tester": QStyle.StandardPixmap.SP_MediaPause,
    "step": QStyle.StandardPixmap.SP_MediaSkipForward,
    "continue": QStyle.StandardPixmap.SP_MediaSeekForward,
    "validate": QStyle.StandardPixmap.SP_DialogApplyButton,
    "fit": QStyle.StandardPixmap.SP_TitleBarMaxButton,
    "parameters": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "open_folder": QStyle.StandardPixmap.SP_DirOpenIcon,
}


def _dot(color: str) -> QIcon:
    """A filled dot: the breakpoint's own mark on the canvas."""
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor(color)))
    painter.drawEllipse(4, 4, ICON_SIZE - 8, ICON_SIZE - 8)
    painter.end()
    return QIcon(pixmap)


def icon(name: str) -> QIcon:
    if name == "breakpoint":
        return _dot("#d64545")
    return QApplication.style().standardIcon(STANDARD_ICONS[name])


def tooltip(action: QAction) -> str:
    """"Run (F5)": the action's words without mnemonics or ellipsis, and its shortcut."""
    words = action.text().replace("&", "").rstrip("…").strip()
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    return f"{words} ({keys})" if keys else words


def build_toolbar(parent: QWidget, actions: list[QAction | None], parameters: QLabel) -> QToolBar:
    """The toolbar of `actions` (None: a separator), ending with the parameters' summary."""
    bar = QToolBar("Runbook toolbar", parent)
    bar.setObjectName("toolbar-runbook")  # saveState() needs a name
    bar.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action in actions:
        if action is None:
            bar.addSeparator()
        else:
            bar.addAction(action)
    parameters.setContentsMargins(6, 0, 6, 0)
    bar.addWidget(parameters)
    return bar
