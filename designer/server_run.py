"""Runbook → Run on Server…: the open runbook, found in the catalogue folder the server serves, started on
a runbook server (interlock server) and shown live on the canvas from the job's event stream — the same
events, counts and run view as a local run. The history panel lists a server's jobs through the same
settings, and opening one replays its stored events onto the canvas.

The server's URL, the token's source (an environment variable or a keyring entry), the CA file and the
catalogue folder are remembered in the designer's settings; the token itself never is. The network
work runs in a worker thread; its events reach the window through queued Qt signals, painted at most
20 times a second like a local run.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from engine.errors import InterlockError
from engine.history import JobSummary
from engine.run.events import Event, InstanceFinished, event_from_dict
from engine.run.executor import Engine
from engine.run.progress import ProgressCounts
from engine.server.client import DEFAULT_TOKEN_ENV, Client, resolve_token

if TYPE_CHECKING:
    from .run_view import RunController

SETTINGS_GROUP = "server"
BATCH_S = 0.05  # events are handed to the window at most 20 times a second
TOKEN_SOURCES = (("Environment variable", "env"), ("OS keyring (service:user)", "keyring"))


@dataclass
class ServerTarget:
    """Where and how to reach the server; everything but the token, which is read when used."""

    url: str = ""
    token_source: str = "env"  # "env" or "keyring"
    token_name: str = DEFAULT_TOKEN_ENV  # the variable's name, or "service:user"
    ca_file: str = ""
    catalogue: str = ""  # the local folder holding the catalogue the server serves (its git checkout)

    @classmethod
    def load(cls, settings: QSettings) -> ServerTarget:
        target = cls()
        for item in fields(cls):
            value = settings.value(f"{SETTINGS_GROUP}/{item.name}")
            if value:
                setattr(target, item.name, str(value))
        return target

    def save(self, settings: QSettings) -> None:
        for item in fields(self):
            settings.setValue(f"{SETTINGS_GROUP}/{item.name}", getattr(self, item.name))

    def client(self) -> Client:
        if not self.url.startswith(("http://", "https://")):
            raise InterlockError(f'server "{self.url}": expected an http:// or https:// address')
        keyring = self.token_name if self.token_source == "keyring" else None
        token = resolve_token(None if keyring else self.token_name, keyring)
        return Client(self.url, token, ca_file=self.ca_file or None)

    def catalogue_path(self, file: Path | None) -> str:
        """The runbook's path in the server's catalogue: relative to the catalogue folder."""
        if file is None:
            raise InterlockError("save the runbook in the catalogue folder first: the server runs files "
                                 "of its catalogue, not the designer's unsaved copy")
        if not self.catalogue:
            raise InterlockError("choose the catalogue folder (the server's runbooks, as git keeps them)")
        try:
            return Path(file).resolve().relative_to(Path(self.catalogue).resolve()).as_posix()
        except ValueError:
            raise InterlockError(f"{file} is not under the catalogue folder {self.catalogue}") from None


class ServerDialog(QDialog):
    """The server's address, where its token comes from, its CA and the local catalogue folder."""

    def __init__(self, target: ServerTarget, parent: QWidget | None = None, action: str = "Run") -> None:
        super().__init__(parent)
        self.setWindowTitle("Runbook server")
        self.url = QLineEdit(target.url, placeholderText="https://runbooks.example.org:8181")
        self.source = QComboBox()
        for title, key in TOKEN_SOURCES:
            self.source.addItem(title, key)
        self.source.setCurrentIndex(max(0, self.source.findData(target.token_source)))
        self.token_name = QLineEdit(target.token_name)
        self.token_name.setToolTip("The name of the environment variable, or service:user in the OS "
                                   "keyring. The token itself is never stored by the designer.")
        self.ca_file = QLineEdit(target.ca_file, placeholderText="the system's CAs")
        self.catalogue = QLineEdit(target.catalogue)
        form = QFormLayout(self)
        form.addRow("Server URL", self.url)
        form.addRow("Token from", self.source)
        form.addRow("Variable or entry", self.token_name)
        form.addRow("CA certificate", self._browse(self.ca_file, folder=False))
        form.addRow("Catalogue folder", self._browse(self.catalogue, folder=True))
        button = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(button.Ok | button.Cancel)
        buttons.button(button.Ok).setText(action)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self, edit: QLineEdit, *, folder: bool) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        button = QPushButton("Browse…")
        row.addWidget(edit)
        row.addWidget(button)

        def pick() -> None:
            chosen = (QFileDialog.getExistingDirectory(self, "Catalogue folder", edit.text()) if folder
                      else QFileDialog.getOpenFileName(self, "CA certificate", edit.text())[0])
            if chosen:
                edit.setText(chosen)
        button.clicked.connect(pick)
        return box

    def target(self) -> ServerTarget:
        return ServerTarget(self.url.text().strip(), self.source.currentData(),
                            self.token_name.text().strip(), self.ca_file.text().strip(),
                            self.catalogue.text().strip())


class ServerJob(QObject):
    """One job on a server, shown by a tab's run view: started (or only watched), its events read in a
    worker thread and fed to the view's counts and signals as a local run's are."""

    started = Signal(str)  # job id
    finished = Signal(object)  # the job document (dict) from the server
    failed = Signal(str)  # why the job could not be started or followed
    _batch = Signal(object)  # a list of event dicts, from the worker thread
    _done = Signal(object)

    def __init__(self, target: ServerTarget, runner: RunController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.runner = runner
        self.job_id = ""
        self.events_seen = 0
        self.document: dict[str, Any] | None = None
        self._thread: threading.Thread | None = None
        self._batch.connect(self._apply)
        self._done.connect(self._end)

    def start(self, runbook: str, parameters: dict[str, Any]) -> None:
        """Start `runbook` (its catalogue path) on the server and follow it."""
        self._begin(lambda client: str(client.start(runbook, parameters)["job_id"]))

    def watch(self, job_id: str) -> None:
        """Follow (or replay, when it has ended) a job already on the server."""
        self._begin(lambda _client: job_id)

    def cancel(self) -> None:
        if self.job_id:
            job_id = self.job_id
            threading.Thread(target=self._quietly, args=(lambda c: c.cancel(job_id),), daemon=True).start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _begin(self, job_of: Callable[[Client], str]) -> None:
        client = self.target.client()  # a missing token or bad URL is reported before anything starts
        runbook = self.runner.document.runbook
        engine = Engine(self.runner.config, self.runner.registry)
        junctions = {a.id for a in runbook.activities if a.type in engine.junction_types()}
        self.runner.counts = ProgressCounts(runbook, junctions, engine.subject_fields(runbook))
        self.runner.finished_instances = {}
        self.runner.scene.show_run(self.runner.counts)
        self._thread = threading.Thread(target=self._work, args=(client, job_of), daemon=True,
                                        name="interlock-server-job")
        self._thread.start()

    def _work(self, client: Client, job_of: Callable[[Client], str]) -> None:
        try:
            with client:
                job_id = job_of(client)
                self.job_id = job_id
                self._batch.emit([{"kind": "_started", "job_id": job_id}])
                pending: list[dict[str, Any]] = []
                sent = time.monotonic()
                for event in client.events(job_id):
                    pending.append(event.data)
                    if time.monotonic() - sent >= BATCH_S:
                        self._batch.emit(pending)
                        pending, sent = [], time.monotonic()
                self._batch.emit(pending)
                self._done.emit(client.job(job_id))
        except InterlockError as exc:
            with contextlib.suppress(RuntimeError):
                self._done.emit(str(exc))
        except RuntimeError:
            pass  # the tab was closed: nobody is left to show the job to (it goes on on the server)

    def _quietly(self, call: Callable[[Client], object]) -> None:
        try:
            with self.target.client() as client:
                call(client)
        except InterlockError as exc:
            self._done.emit(str(exc))

    def _apply(self, batch: list[dict[str, Any]]) -> None:
        counts = self.runner.counts
        events: list[Event] = []
        for data in batch:
            if data.get("kind") == "_started":
                self.started.emit(data["job_id"])
                continue
            try:
                event = event_from_dict(data)
            except ValidationError:
                continue  # an event kind of a newer server: nothing to paint
            self.events_seen += 1
            events.append(event)
            if counts is not None:
                counts.update(event)
            if isinstance(event, InstanceFinished) and event.job_id == self.job_id:
                self.runner.finished_instances.setdefault(event.activity, []).append(event)
        if counts is not None and events:
            self.runner.scene.show_run(counts)
            self.runner.events.emit(events)
            self.runner.progressed.emit(counts)

    def _end(self, outcome: object) -> None:
        if isinstance(outcome, dict):
            self.document = outcome
            self.finished.emit(outcome)
        else:
            self.failed.emit(str(outcome))


def server_jobs(target: ServerTarget, runbook: str | None, status: str | None,
                limit: int = 200) -> list[JobSummary]:
    """The server's jobs as the history panel lists local ones."""
    with target.client() as client:
        return [JobSummary.model_validate(job) for job in client.jobs(runbook=runbook, status=status,
                                                                       limit=limit)]


def ask_target(window: Any, action: str) -> ServerTarget | None:
    """The server dialog, filled from the settings; the answer is remembered (never the token)."""
    dialog = ServerDialog(ServerTarget.load(window.settings), window, action)
    if not dialog.exec():
        return None
    target = dialog.target()
    target.save(window.settings)
    return target


def run_on_server(window: Any, target: ServerTarget | None = None,
                  parameters: dict[str, Any] | None = None) -> ServerJob | None:
    """Runbook → Run on Server…: the parameters form, then the server dialog; the job is shown on the
    current tab's canvas as it runs. Tests pass `target` and `parameters` to skip the dialogs."""
    if parameters is None:
        form = window._parameters_dialog("Run on Server")
        if form is None or not form.exec():
            return None
        window.tab.run_parameters = form.given()
        parameters = form.given()
    target = target or ask_target(window, "Run")
    if target is None:
        return None
    try:
        path = target.catalogue_path(window.path)
        job = _follow(window, target)
        job.start(path, parameters)
    except InterlockError as exc:
        QMessageBox.critical(window, "Cannot run on the server", str(exc))
        return None
    return job


def open_server_job(window: Any, job_id: str, target: ServerTarget | None = None) -> ServerJob | None:
    """A server job from the history panel, replayed onto the canvas from its stored events (its runbook
    is opened from the catalogue folder when another one is shown)."""
    target = target or ServerTarget.load(window.settings)
    try:
        with target.client() as client:
            document = client.job(job_id)
        _open_runbook_of(window, target, document)
        job = _follow(window, target)
        job.watch(job_id)
    except InterlockError as exc:
        QMessageBox.critical(window, "Cannot open the server's job", str(exc))
        return None
    return job


def _open_runbook_of(window: Any, target: ServerTarget, document: dict[str, Any]) -> None:
    path = document.get("path") or document.get("runbook_path")
    if not path or not target.catalogue:
        return  # the open runbook is taken to be the job's
    local = Path(path) if Path(path).is_absolute() else Path(target.catalogue) / path
    if local.is_file() and (window.path is None or local.resolve() != Path(window.path).resolve()):
        window.open_file(local)


def _follow(window: Any, target: ServerTarget) -> ServerJob:
    """A ServerJob on the current tab, reported in the status bar; Stop (Shift+F5) cancels it on the
    server while it runs."""
    tab = window.tab
    job = ServerJob(target, tab.runner, tab)
    name = tab.document.runbook.name

    stop: list[object] = []  # the Stop action's connection while the job runs

    def started(job_id: str) -> None:
        window.statusBar().showMessage(f"Running {name} on {target.url}: job {job_id}…")
        stop.append(window.stop_action.triggered.connect(job.cancel))
        window.stop_action.setEnabled(True)

    def ended() -> None:
        while stop:
            window.stop_action.triggered.disconnect(stop.pop())
        window._update_run_actions()

    job.started.connect(started)
    job.finished.connect(lambda doc: (ended(), window.statusBar().showMessage(
        f"{name}: job {doc.get('job_id', '')} on {target.url} ended: {doc.get('status', '?')}", 10000)))
    job.failed.connect(lambda message: (ended(), QMessageBox.critical(window, "The server's job", message)))
    window.server_job = job  # kept, so it is not collected while it runs (and for tests)
    return job
