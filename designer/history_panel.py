"""Run history in the designer: past jobs from the same store as `interlock history` (headless ones
too), filterable by runbook and status; opening one paints its final states and counts on the canvas
and fills the instance inspector from the stored events. The source switch lists a runbook server's
jobs instead (through `server_jobs`, set by the window), opened by replaying their events."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.errors import InterlockError
from engine.history import HistoryError, JobSummary, open_history

JOB_ROLE = Qt.ItemDataRole.UserRole
STATUSES = ("", "success", "warning", "failed", "cancelled", "running", "interrupted")
STATUS_HELP = {
    "interrupted": "The process running this job ended before the job did (killed, crashed or shut down).\n"
                   "Open it to see which instances had finished; nothing was undone.",
    "running": "Still running, or its process ended on another host that shares this history.",
}


class HistoryPanel(QWidget):
    job_opened = Signal(str)  # a job id
    server_job_opened = Signal(str)  # a job id on the server
    ServerJobs = Callable[[str | None, str | None], list[JobSummary]]  # (runbook, status) -> jobs

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runbook = QLineEdit(placeholderText="Runbook name")
        self.runbook.setClearButtonEnabled(True)
        self.source = QComboBox()
        self.source.addItem("This machine", "local")
        self.source.addItem("Server", "server")
        self.source.setToolTip("Jobs of this machine's run history, or of the runbook server "
                               "(Runbook → Run on Server… sets which)")
        self.server_jobs: HistoryPanel.ServerJobs | None = None
        self.status = QComboBox()
        for status in STATUSES:
            self.status.addItem(status or "Any status", status)
        refresh = QPushButton("Refresh")
        self.open_button = QPushButton("Open on canvas")
        self.jobs = QTreeWidget()
        self.jobs.setHeaderLabels(["Started", "Runbook", "Status", "Duration", "Parameters", "Job"])
        self.jobs.setRootIsDecorated(False)
        self.jobs.setColumnWidth(0, 150)
        self.jobs.setColumnWidth(1, 180)
        bar = QHBoxLayout()
        for widget in (self.source, self.runbook, self.status, refresh, self.open_button):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.jobs)
        refresh.clicked.connect(self.refresh)
        self.runbook.editingFinished.connect(self.refresh)
        self.status.currentIndexChanged.connect(self.refresh)
        self.source.currentIndexChanged.connect(self.refresh)
        self.open_button.clicked.connect(self._open_current)
        self.jobs.itemActivated.connect(self._open)

    @property
    def from_server(self) -> bool:
        return self.source.currentData() == "server"

    def refresh(self) -> None:
        if self.from_server:
            self._refresh_server()
            return
        try:
            with open_history() as store:
                jobs = store.jobs(limit=200, runbook=self.runbook.text().strip() or None,
                                  status=self.status.currentData() or None)
        except HistoryError as exc:
            self.jobs.clear()
            QTreeWidgetItem(self.jobs, ["", str(exc)])
            return
        self.show_jobs(jobs)

    def show_jobs(self, jobs: list[JobSummary]) -> None:
        self.jobs.clear()
        for job in jobs:
            duration = f"{job.duration_s:.1f} s" if job.duration_s is not None else ""
            parameters = ", ".join(f"{k}={v}" for k, v in job.parameters.items())
            item = QTreeWidgetItem(self.jobs, [(job.started_at or "")[:19].replace("T", " "), job.runbook,
                                               job.status, duration, parameters, job.job_id])
            item.setData(0, JOB_ROLE, job.job_id)
            if job.status in STATUS_HELP:
                item.setToolTip(2, STATUS_HELP[job.status])

    def _refresh_server(self) -> None:
        if self.server_jobs is None:
            return
        try:
            jobs = self.server_jobs(self.runbook.text().strip() or None, self.status.currentData() or None)
        except InterlockError as exc:  # no token, unreachable, refused: said in the list, not a dialog
            self.jobs.clear()
            QTreeWidgetItem(self.jobs, ["", str(exc)])
            return
        self.show_jobs(jobs)

    def _open(self, item: QTreeWidgetItem) -> None:
        job_id = item.data(0, JOB_ROLE)
        if job_id:
            (self.server_job_opened if self.from_server else self.job_opened).emit(job_id)

    def _open_current(self) -> None:
        item = self.jobs.currentItem()
        if item is not None:
            self._open(item)
