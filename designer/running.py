"""What the Runbook menu and the toolbar do to run the current tab's runbook: the parameters form, the
connections config, runs and the runbook tester, past jobs from the run history. Each tab's runs report
to that tab (a job keeps running when another tab is shown). A mixin of the main window."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMessageBox, QTabWidget

from engine.config.connections import Connections
from engine.config.registry import Registry
from engine.config.settings import load_config
from engine.errors import InterlockError
from engine.format.document import Document
from engine.history import open_history
from engine.run.executor import Engine
from engine.schedule.monitors import start_waiting_text

from .canvas.scene import RunbookScene
from .connections_dialog import ConnectionsDialog
from .history_panel import HistoryPanel
from .instances import InstancesPanel
from .run_dialog import ParametersDialog, parameters_text
from .run_view import RunController
from .runbook_tab import RunbookTab
from .tester import Tester
from .toolbar import tooltip
from .validation import LiveValidator


class RunningMixin:
    registry: Registry
    document: Document
    scene: RunbookScene
    runner: RunController
    tester: Tester
    validator: LiveValidator
    instances_panel: InstancesPanel
    history_panel: HistoryPanel
    tabs: QTabWidget
    docks: dict[str, QDockWidget]
    parameters_label: QLabel
    parameters_action: QAction
    run_action: QAction
    stop_action: QAction
    tester_action: QAction
    path: Path | None

    if TYPE_CHECKING:  # given by the main window
        @property
        def tab(self) -> RunbookTab: ...
        def open_file(self, path: str | Path) -> bool: ...
        def statusBar(self) -> Any: ...

    def _parameters_dialog(self, action: str) -> ParametersDialog | None:
        """The start parameters' form, filled with the values the tab's last run (or Parameters…) used."""
        errors = [p for p in self.validator.problems if p.severity == "error"]
        if errors:
            QMessageBox.critical(self, "Cannot run", "Fix the runbook's problems first:\n\n"
                                 + "\n".join(str(p) for p in errors[:10]))
            return None
        declared = Engine(self.runner.config, self.registry).start_parameters(self.document.runbook)
        return ParametersDialog(self.document.runbook.name, declared, self, self.tab.run_parameters, action)

    def run_dialog(self, step: bool = False) -> None:
        """Ask for the parameters, then run (F5), or run in the tester one instance at a time (F6)."""
        dialog = self._parameters_dialog("Run")
        if dialog is not None and dialog.exec():
            self.tab.run_parameters = dialog.given()
            self._update_parameters_label()
            self.run(dialog.values(), step=step)

    def edit_parameters(self) -> None:
        """Set the start parameters the next run's form begins with, without running."""
        dialog = self._parameters_dialog("Set")
        if dialog is not None and dialog.exec():
            self.tab.run_parameters = dialog.given()
            self._update_parameters_label()

    def _update_parameters_label(self) -> None:
        text = parameters_text(self.tab.run_parameters)
        self.parameters_label.setText(f"Parameters: {text}")
        self.parameters_label.setToolTip("The start parameters the next run's form begins with; "
                                         f"change them with {tooltip(self.parameters_action)}")

    def config_path(self) -> str | None:
        value = self.settings.value("config")
        return str(value) if value else None

    def choose_config(self) -> None:
        """Pick the connections config for runs (remembered); cancel to go back to the default."""
        start = self.config_path() or str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self, "Connections config", start,
                                              "TOML (*.toml);;All files (*)")
        self.settings.setValue("config", path or "")
        where = path or "the default (./interlock.toml, the user config, or the built-in simulated lab)"
        self.statusBar().showMessage(f"Runs use {where}", 6000)

    def connection_names(self) -> list[str]:
        """The connections of the config runs use, offered when a `connection` property is edited."""
        try:
            config = load_config(self.config_path())
        except InterlockError:
            return ["default"]  # a broken config is reported when it is used, not while editing
        return Connections(config, self.registry.backends).names()

    def config_variables(self) -> dict[str, Any]:
        """The global variables of the config runs use, offered by the subscription picker."""
        try:
            config = load_config(self.config_path())
        except InterlockError:
            return {}  # a broken config is reported when it is used, not while editing
        return dict(getattr(config, "variables", {}))  # getattr: until Config.variables lands (issue 16)

    def show_connections(self) -> ConnectionsDialog:
        dialog = ConnectionsDialog(lambda: load_config(self.config_path()), self.registry.backends,
                                   self.choose_config, self)
        dialog.show()
        self.connections_dialog = dialog  # kept, so it is not collected while open (and for tests)
        return dialog

    def _schedules_file(self) -> Path:
        from engine.schedule.schedules import find_schedules

        config_path = self.config_path()
        return find_schedules(None, Path(config_path) if config_path else load_config(None).source)

    def run(self, parameters: dict[str, object], step: bool = False) -> bool:
        self.tester.reset()
        self.tester.step_mode = step
        try:
            if not self.runner.config_fixed:  # read at each run, so edits to the file are picked up
                self.runner.config = load_config(self.config_path())
            self.runner.start(parameters, self.tester)
        except InterlockError as exc:
            QMessageBox.critical(self, "Cannot run", str(exc))
            return False
        return True

    def _update_run_actions(self) -> None:
        running = self.runner.running
        self.run_action.setEnabled(not running)
        self.tester_action.setEnabled(not running)
        self.stop_action.setEnabled(running)

    def _run_started(self, tab: RunbookTab, job_id: str) -> None:
        if tab is self.tab:
            self.docks["log"].show()
            self.docks["log"].raise_()
            self._update_run_actions()
        waiting = start_waiting_text(tab.document.runbook, self.registry)
        armed = f" — armed: waiting for {waiting}" if waiting else ""
        self.statusBar().showMessage(f"Running {tab.document.runbook.name}: job {job_id}{armed}…")

    def open_history_job(self, job_id: str) -> bool:
        """Paint a past job onto the canvas (opening its runbook file first if another is open)."""
        try:
            with open_history() as store:
                stored = store.job(job_id)
            path = stored.summary.path
            if path and (self.path is None or Path(path).resolve() != self.path):
                if not Path(path).is_file():
                    raise InterlockError(f"the runbook of job {job_id} is no longer at {path}")
                if not self.open_file(path):
                    return False
            self.runner.show_stored(stored)
        except InterlockError as exc:
            QMessageBox.critical(self, "Cannot open the job", str(exc))
            return False
        self.statusBar().showMessage(f"Showing job {stored.summary.job_id} ({stored.summary.status}); "
                                     f"Clear Run State (Ctrl+Shift+R) to go back to editing", 10000)
        return True

    def toggle_breakpoint(self) -> None:
        for activity_id in self.scene.selected_activity_ids():
            on = self.tester.toggle_breakpoint(activity_id)
            self.scene.activity_items[activity_id].set_breakpoint(on)

    def _paused(self, tab: RunbookTab, point: object) -> None:
        """The job waits before an instance: show its tab, where it waits and with which inputs."""
        self.tabs.setCurrentWidget(tab)
        name, number = getattr(point, "name", ""), getattr(point, "instance", 0)
        self.statusBar().showMessage(f"Paused before {name} [{number}]: Step (F10) or Continue (F8)")
        tab.instances_panel.show_paused(point)
        self.docks["instances"].show()
        self.docks["instances"].raise_()

    def _show_instances(self, activity_id: str) -> None:
        """The selected activity's instances in the current (or last) run."""
        if self.runner.counts is None or not self.document.has_activity(activity_id):
            return
        events = self.runner.finished_instances.get(activity_id, [])
        self.instances_panel.show_instances(self.document.activity(activity_id).name, events)

    def _run_finished(self, tab: RunbookTab, result: object) -> None:
        self.history_panel.refresh()
        if tab is self.tab:
            self._update_run_actions()
        status = getattr(result, "status", "?")
        self.statusBar().showMessage(f"{tab.document.runbook.name}: job {getattr(result, 'job_id', '')} "
                                     f"ended: {status}", 10000)
