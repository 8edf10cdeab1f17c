"""The problems panel: every validation error and warning of the runbook, each naming the activity or
link and key; activating one selects the item on the canvas."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from engine.errors import Problem

PROBLEM_ROLE = Qt.ItemDataRole.UserRole


class ProblemsPanel(QTreeWidget):
    problem_activated = Signal(object)  # the Problem

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Problem", "Where"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setColumnWidth(0, 520)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)

    def show_problems(self, problems: list[Problem]) -> None:
        self.clear()
        style = self.style()
        icons = {"error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                 "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)}
        ordered = sorted(problems, key=lambda p: p.severity != "error")
        for problem in ordered:
            item = QTreeWidgetItem(self, [problem.message, problem.where()])
            item.setIcon(0, icons[problem.severity])
            item.setToolTip(0, str(problem))
            item.setData(0, PROBLEM_ROLE, problem)

    def counts(self) -> tuple[int, int]:
        errors = warnings = 0
        for i in range(self.topLevelItemCount()):
            problem: Problem = self.topLevelItem(i).data(0, PROBLEM_ROLE)
            errors += problem.severity == "error"
            warnings += problem.severity == "warning"
        return errors, warnings

    def _activated(self, item: QTreeWidgetItem) -> None:
        self.problem_activated.emit(item.data(0, PROBLEM_ROLE))
