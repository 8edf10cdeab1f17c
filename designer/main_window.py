"""The designer's main window: palette, runbook folders, one tab per open runbook (its canvas), and
the current tab's properties, problems, run log and instances in docks, with the undo history and the
run history; File, Edit, View and Runbook menus with the platform's standard shortcuts, and a toolbar
with the same actions. Window layout, recent files and the last folder are kept in the designer's
settings (designer/settings.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent, QUndoGroup
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QUndoView,
    QWidget,
)

from engine.config.registry import Registry
from engine.config.settings import load_config
from engine.errors import InterlockError, RunbookError
from engine.format.document import Document
from engine.format.fileio import save_runbook

from . import commands
from .canvas.legend import toggle_legend
from .canvas.scene import RunbookScene
from .canvas.view import RunbookView
from .catalogue import CataloguePanel
from .editing import EditingMixin
from .files import open_for_editing
from .history_panel import HistoryPanel
from .import_dialog import import_orchestrator_export
from .inspector import Inspector
from .instances import InstancesPanel
from .links.editor import LinkDialog
from .log_panel import LogPanel
from .palette import Palette
from .problems import ProblemsPanel
from .run_view import RunController
from .runbook_tab import RunbookTab
from .running import RunningMixin
from .scope import as_tuples, scope_fields
from .server_run import ServerTarget, open_server_job, run_on_server, server_jobs
from .settings import designer_settings, redirect_qt_settings
from .tester import Tester
from .toolbar import build_toolbar, icon, tooltip
from .validation import LiveValidator

FILE_FILTER = "Interlock runbooks (*.json);;All files (*)"
MAX_RECENT = 8
# Docks' first sizes (px), before the user arranges them: room for the run log's lines.
BOTTOM_DOCK_HEIGHT = 300
SIDE_DOCK_WIDTHS = (230, 480)
# The current tab's panels, each shown in its dock: {dock key: RunbookTab attribute}.
TAB_PANELS = {"properties": "inspector", "problems": "problems", "log": "log_panel",
              "instances": "instances_panel"}


class MainWindow(EditingMixin, RunningMixin, QMainWindow):
    def __init__(self, registry: Registry | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        redirect_qt_settings()  # before any dialog: Qt's own settings stay under INTERLOCK_HOME
        self.registry = registry or Registry.from_entry_points()
        self.settings = settings or designer_settings()
        self.snap_to_grid = True
        self.undo_group = QUndoGroup(self)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.palette = Palette(self.registry)
        self.catalogue = CataloguePanel()
        self.history_panel = HistoryPanel()
        self.stacks = {key: QStackedWidget() for key in TAB_PANELS}
        self.docks = {
            "palette": self._dock("Activities", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea),
            "catalogue": self._dock("Runbooks", self.catalogue, Qt.DockWidgetArea.LeftDockWidgetArea),
            "properties": self._dock("Properties", self.stacks["properties"],
                                     Qt.DockWidgetArea.RightDockWidgetArea),
            "problems": self._dock("Problems", self.stacks["problems"],
                                   Qt.DockWidgetArea.BottomDockWidgetArea),
            "history": self._dock("Undo history", QUndoView(self.undo_group),
                                  Qt.DockWidgetArea.BottomDockWidgetArea),
            "log": self._dock("Run log", self.stacks["log"], Qt.DockWidgetArea.BottomDockWidgetArea),
            "instances": self._dock("Instances", self.stacks["instances"],
                                    Qt.DockWidgetArea.BottomDockWidgetArea),
            "runs": self._dock("Run history", self.history_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        self.tabifyDockWidget(self.docks["palette"], self.docks["catalogue"])
        self.docks["palette"].raise_()
        self.docks["catalogue"].hide()  # shown by File → Open Folder
        for key in ("runs", "instances", "history", "log"):
            self.tabifyDockWidget(self.docks["problems"], self.docks[key])
        self.docks["problems"].raise_()
        self.status_problems = QLabel()
        self.status_zoom = QLabel("100%")
        self.statusBar().addPermanentWidget(self.status_problems)
        self.statusBar().addPermanentWidget(self.status_zoom)
        self.parameters_label = QLabel()
        self._sized_docks = False
        self._connect()
        self._build_menus()
        self._build_toolbar()
        self.new_runbook()
        self._restore_layout()
        self.validator.run_now()
        self.history_panel.refresh()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        self.palette.activated.connect(lambda t: self.add_activity(t, self.view.mapToScene(
            self.view.viewport().rect().center())))
        self.history_panel.job_opened.connect(self.open_history_job)
        self.history_panel.server_jobs = lambda runbook, status: server_jobs(
            ServerTarget.load(self.settings), runbook, status)
        self.history_panel.server_job_opened.connect(lambda job_id: open_server_job(self, job_id))
        self.catalogue.runbook_activated.connect(self.open_file)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.tabs.tabCloseRequested.connect(lambda index: self.close_tab(self.tabs.widget(index)))

    # -- tabs: the current one is what the menus, the toolbar and the docks act on ------------------------

    @property
    def tab(self) -> RunbookTab:
        return self.tabs.currentWidget()  # type: ignore[return-value]

    def open_tabs(self) -> list[RunbookTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    # The current tab's parts, by their old names: code and tests written for one runbook keep working.
    path = property(lambda self: self.tab.path)
    document: Document = property(lambda self: self.tab.document)  # type: ignore[assignment]
    undo_stack = property(lambda self: self.tab.undo_stack)
    scene: RunbookScene = property(lambda self: self.tab.scene)  # type: ignore[assignment]
    view: RunbookView = property(lambda self: self.tab.view)  # type: ignore[assignment]
    inspector: Inspector = property(lambda self: self.tab.inspector)  # type: ignore[assignment]
    problems: ProblemsPanel = property(lambda self: self.tab.problems)  # type: ignore[assignment]
    log_panel: LogPanel = property(lambda self: self.tab.log_panel)  # type: ignore[assignment]
    instances_panel: InstancesPanel = property(lambda self: self.tab.instances_panel)  # type: ignore[assignment]
    validator: LiveValidator = property(lambda self: self.tab.validator)  # type: ignore[assignment]
    runner: RunController = property(lambda self: self.tab.runner)  # type: ignore[assignment]
    tester: Tester = property(lambda self: self.tab.tester)  # type: ignore[assignment]
    paste_placement = property(lambda self: self.tab.paste_placement)

    def _add_tab(self, tab: RunbookTab, index: int = -1) -> RunbookTab:
        """Wire a tab's signals to the window (each bound to its tab: a background tab's run still
        reports to its own panels) and show it."""
        tab.scene.snap_to_grid = self.snap_to_grid
        for key, attribute in TAB_PANELS.items():
            self.stacks[key].addWidget(getattr(tab, attribute))
        tab.changed.connect(lambda: self._tab_retitled(tab))
        tab.scene.link_requested.connect(self.add_link)
        tab.scene.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        tab.scene.edit_requested.connect(self._edit_requested)
        tab.scene.selectionChanged.connect(self._selection_changed)
        tab.view.activity_dropped.connect(self.add_activity)
        tab.view.zoom_changed.connect(
            lambda z: tab is self.tab and self.status_zoom.setText(f"{z * 100:.0f}%"))
        tab.problems.problem_activated.connect(self._problem_activated)
        tab.validator.checked.connect(lambda _problems: tab is self.tab and self._show_problem_counts())
        tab.runner.started.connect(lambda job_id: self._run_started(tab, job_id))
        tab.runner.finished.connect(lambda result: self._run_finished(tab, result))
        tab.tester.paused.connect(lambda point: self._paused(tab, point))
        index = self.tabs.insertTab(index, tab, tab.title())
        self.tabs.setCurrentIndex(index)
        self._tab_retitled(tab)
        return tab

    def _tab_changed(self, _index: int) -> None:
        tab = self.tab
        if tab is None:
            return
        for key, attribute in TAB_PANELS.items():
            self.stacks[key].setCurrentWidget(getattr(tab, attribute))
        self.undo_group.setActiveStack(tab.undo_stack)
        self.status_zoom.setText(f"{tab.view.zoom() * 100:.0f}%")
        self._show_problem_counts()
        self._update_run_actions()
        self._update_title()

    def _tab_retitled(self, tab: RunbookTab) -> None:
        index = self.tabs.indexOf(tab)
        if index < 0:
            return
        self.tabs.setTabText(index, tab.title())
        self.tabs.setTabToolTip(index, str(tab.path) if tab.path else "not saved yet")
        if tab is self.tab:
            self._update_title()

    def tab_of(self, path: Path) -> RunbookTab | None:
        resolved = path.resolve()
        return next((t for t in self.open_tabs() if t.path == resolved), None)

    def close_tab(self, tab: RunbookTab) -> bool:
        """Close one runbook (asking before unsaved changes or a running job are lost); the window
        always keeps one tab: closing the last leaves a new, empty runbook."""
        if not self._may_close(tab):
            return False
        if self.tabs.count() == 1:
            self.new_runbook()
        self._drop_tab(tab)
        return True

    def _may_close(self, tab: RunbookTab) -> bool:
        if tab.runner.running:
            self.tabs.setCurrentWidget(tab)
            answer = QMessageBox.question(
                self, "Job running", f'A job of "{tab.document.runbook.name}" is running. Stop it and close?',
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer not in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Discard):
                return False
        return self.confirm_discard(tab)

    def _drop_tab(self, tab: RunbookTab) -> None:
        """Take a tab out of the window; its objects go once its job (if any) has ended, since the
        job's last events still reach them."""
        tab.scene.selectionChanged.disconnect(self._selection_changed)
        self.undo_group.removeStack(tab.undo_stack)
        self.tabs.removeTab(self.tabs.indexOf(tab))
        panels = [getattr(tab, attribute) for attribute in TAB_PANELS.values()]
        for key, panel in zip(TAB_PANELS, panels, strict=True):
            self.stacks[key].removeWidget(panel)

        def destroy() -> None:
            tab.shutdown()
            for panel in panels:
                panel.deleteLater()
            tab.deleteLater()

        if tab.runner.running:
            tab.runner.finished.connect(lambda _result: destroy())
            tab.runner.stop()
        else:
            destroy()

    # -- menus ---------------------------------------------------------------------------------------

    def _action(self, menu: QMenu, text: str, slot: Any, shortcut: QKeySequence | str | None = None,
                tip: str = "", icon_name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name is not None:
            action.setIcon(icon(icon_name))
        action.setStatusTip(tip)
        action.setToolTip(tooltip(action) + (f"\n{tip}" if tip else ""))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.addAction(action)  # shortcuts work whatever has focus
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        std = QKeySequence.StandardKey
        self._action(file, "&New", self.new_runbook, std.New, "A new runbook in a new tab")
        self._action(file, "&Open…", self.open_dialog, std.Open, "Open a runbook file in a tab")
        self.open_folder_action = self._action(
            file, "Open &Folder…", self.open_folder_dialog, "Ctrl+Shift+O",
            "Show the runbooks under a folder (the catalogue) in the Runbooks panel", "open_folder")
        self.recent_menu = file.addMenu("Open &Recent")
        self._fill_recent()
        self._action(file, "&Import Orchestrator Export…", lambda: import_orchestrator_export(self), "Ctrl+I",
                     "Bring runbooks over from a System Center Orchestrator export (.ois_export), as "
                     "interlock import does: opens them and the import report")
        self._action(file, "&Save", self.save, std.Save)
        self._action(file, "Save &As…", self.save_as, std.SaveAs)
        self._action(file, "&Close Tab", lambda: self.close_tab(self.tab), std.Close)
        file.addSeparator()
        self._action(file, "&Export Image…", self.export_image, "Ctrl+E")
        self._action(file, "Export for &Headless Run…", self.export_headless, None,
                     "The runbook, the runbooks it invokes, a connections template and the command to run")
        file.addSeparator()
        self._action(file, "&Quit", self.close, std.Quit)

        edit = bar.addMenu("&Edit")
        undo = self.undo_group.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence(std.Undo))
        redo = self.undo_group.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence(std.Redo))
        edit.addActions([undo, redo])
        self.addActions([undo, redo])
        edit.addSeparator()
        self._action(edit, "Cu&t", self.cut, std.Cut)
        self._action(edit, "&Copy", self.copy, std.Copy)
        self._action(edit, "&Paste", self.paste, std.Paste)
        self._action(edit, "&Duplicate", self.duplicate, "Ctrl+D")
        self._action(edit, "&Delete", self.delete_selection, std.Delete)
        edit.addSeparator()
        self._action(edit, "Select &All", self.select_all, std.SelectAll)
        self._action(edit, "Add &Note", self.add_note, "Ctrl+Shift+N")

        view = bar.addMenu("&View")
        self._action(view, "Zoom &In", lambda: self.view.zoom_by(1.25), std.ZoomIn)
        self._action(view, "Zoom &Out", lambda: self.view.zoom_by(0.8), std.ZoomOut)
        self.fit_action = self._action(view, "&Fit All", lambda: self.view.fit_all(), "Ctrl+0",
                                       "Show the whole runbook", "fit")
        self._action(view, "Actual &Size", lambda: self.view.set_zoom(1.0), "Ctrl+1")
        self._action(view, "Fit &Selection", lambda: self.view.fit_selection(), "Ctrl+2")
        snap = self._action(view, "Snap to &Grid", self._toggle_snap, "Ctrl+G")
        snap.setCheckable(True)
        snap.setChecked(True)
        self._action(view, "&Legend", lambda: toggle_legend(self), "Ctrl+Shift+L",
                     "What each colour on the canvas means")
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())

        runbook = bar.addMenu("&Runbook")
        self.run_action = self._action(runbook, "&Run…", self.run_dialog, "F5",
                                       "Run the runbook on the engine and watch it on the canvas", "run")
        self._action(runbook, "Run on Ser&ver…", lambda: run_on_server(self), None,
                     "Start the runbook (a file of the server's catalogue) on a runbook server and watch "
                     "it on the canvas")
        self.stop_action = self._action(runbook, "&Stop", lambda: self.runner.stop(), "Shift+F5",
                                        "Cancel the running job", "stop")
        self.stop_action.setEnabled(False)
        self._action(runbook, "Clear Run State", lambda: self.runner.clear(), "Ctrl+Shift+R")
        self.parameters_action = self._action(
            runbook, "P&arameters…", self.edit_parameters, "Ctrl+Shift+F5",
            "The start parameters the next run begins with", "parameters")
        self._action(runbook, "Co&nnections…", self.show_connections, "Ctrl+Shift+K",
                     "The connections runs use, with a Test button for each")
        self._action(runbook, "Connections &Config…", self.choose_config, None,
                     "Which interlock.toml runs use (default: ./interlock.toml, the user config, or the "
                     "built-in simulated lab)")
        runbook.addSeparator()
        self.tester_action = self._action(runbook, "Run in &Tester…", lambda: self.run_dialog(step=True),
                                          "F6", "Run one instance at a time; Step and Continue", "tester")
        self.step_action = self._action(runbook, "Ste&p", lambda: self.tester.step(), "F10",
                                        "Let one instance run", "step")
        self.continue_action = self._action(runbook, "&Continue", lambda: self.tester.continue_(), "F8",
                                            "Run on, stopping only at breakpoints", "continue")
        self.breakpoint_action = self._action(runbook, "Toggle &Breakpoint", self.toggle_breakpoint, "F9",
                                              "Pause before each instance of the selected activity",
                                              "breakpoint")
        runbook.addSeparator()
        self._action(runbook, "Auto-&Layout", self.auto_layout, "Ctrl+L")
        self.validate_action = self._action(runbook, "&Validate", self.validate_now, "F7",
                                            "Check the runbook now (the same checks as interlock validate)",
                                            "validate")
        self._action(runbook, "Runbook &Properties", self._show_runbook_properties, "Ctrl+Shift+P")

    def _build_toolbar(self) -> None:
        self.toolbar = build_toolbar(self, [
            self.run_action, self.stop_action, self.parameters_action, None,
            self.tester_action, self.step_action, self.continue_action, self.breakpoint_action, None,
            self.validate_action, self.fit_action, None, self.open_folder_action], self.parameters_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    # -- files ---------------------------------------------------------------------------------------

    def _update_title(self) -> None:
        name = self.document.runbook.name
        where = str(self.path) if self.path else "unsaved"
        self.setWindowTitle(f"{name} — {where}[*] — Interlock Designer")
        self.setWindowModified(not self.undo_stack.isClean())
        self._update_parameters_label()

    def confirm_discard(self, tab: RunbookTab | None = None) -> bool:
        tab = tab or self.tab
        if not tab.modified:
            return True
        self.tabs.setCurrentWidget(tab)
        answer = QMessageBox.question(
            self, "Unsaved changes", f'Save the changes to "{tab.document.runbook.name}"?',
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_runbook(self) -> RunbookTab:
        """A new, empty runbook in a new tab."""
        tab = RunbookTab(self.registry, self.undo_group, self.connection_names)
        tab.inspector.variables = self.config_variables
        return self._add_tab(tab)

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(self.catalogue.root or Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self, "Open runbook", start, FILE_FILTER)
        if path:
            self.open_file(path)

    def open_folder_dialog(self) -> None:
        start = str(self.catalogue.root or (self.path.parent if self.path else Path.cwd()))
        folder = QFileDialog.getExistingDirectory(self, "Open folder of runbooks", start)
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | Path) -> None:
        """Show the runbooks under `folder` in the Runbooks panel (remembered for the next start)."""
        root = Path(folder).resolve()
        self.catalogue.show_folder(root)
        self.settings.setValue("folder", str(root))
        self.docks["catalogue"].show()
        self.docks["catalogue"].raise_()

    def open_file(self, path: str | Path) -> bool:
        """Open a runbook in a tab: the tab that has it already, else a new one (replacing an untouched
        new runbook)."""
        existing = self.tab_of(Path(path))
        if existing is not None:
            self.tabs.setCurrentWidget(existing)
            existing.inspector.schedules_file = self._schedules_file()
            return True
        try:
            runbook, checked = open_for_editing(path, self.registry)
        except RunbookError as exc:
            QMessageBox.critical(self, "Cannot open runbook", str(exc))
            return False
        resolved = Path(path).resolve()
        tab = self.tab if self.tab.pristine() else self.new_runbook()
        tab.inspector.schedules_file = self._schedules_file()
        tab.load(runbook, resolved, checked)
        self._remember(resolved)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        folder = self.catalogue.root or Path.cwd()
        start = str(self.path) if self.path else str(folder / f"{self.document.runbook.name}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save runbook", start, FILE_FILTER)
        if not path:
            return False
        return self._write(Path(path))

    def _write(self, path: Path) -> bool:
        other = self.tab_of(path)
        if other is not None and other is not self.tab:
            QMessageBox.critical(self, "Cannot save", f"{path} is open in another tab: close that tab first")
            return False
        try:
            save_runbook(self.document.runbook, path)  # the engine's serializer: byte-stable
        except OSError as exc:
            QMessageBox.critical(self, "Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        tab = self.tab
        new_file = tab.path != path.resolve()
        tab.set_path(path)
        tab.undo_stack.setClean()
        self._remember(tab.path)
        self._update_title()
        if new_file and self.catalogue.root is not None and tab.path.is_relative_to(self.catalogue.root):
            self.catalogue.refresh()  # a new file in the folder shown: list it
        self.statusBar().showMessage(f"Saved {tab.path}", 4000)
        return True
    def export_image(self) -> None:
        """A picture (PNG, SVG) drawn by the canvas, or the graph as DOT or Mermaid text."""
        from engine.format.export import render_text

        from .export import render_image  # Qt rendering code, only loaded when used

        start = str((self.path or Path.cwd() / "runbook").with_suffix(".png"))
        path, _ = QFileDialog.getSaveFileName(
            self, "Export image", start,
            "PNG image (*.png);;SVG image (*.svg);;Graphviz DOT (*.dot *.gv);;Mermaid (*.mmd *.md)")
        if not path:
            return
        suffix = Path(path).suffix.lower()
        if suffix in (".dot", ".gv", ".mmd", ".md"):
            fmt = "dot" if suffix in (".dot", ".gv") else "mermaid"
            Path(path).write_text(render_text(self.document.runbook, fmt), encoding="utf-8")
        else:
            fmt = "svg" if suffix == ".svg" else "png"
            Path(path).write_bytes(render_image(self.document.runbook, fmt, self.registry))
        self.statusBar().showMessage(f"Exported {path}", 4000)

    def export_headless(self) -> None:
        from engine.bundle import export_for_headless_run

        if (self.path is None or not self.undo_stack.isClean()) and not self.save():
            return  # what is exported is the file on disk: save first
        folder = QFileDialog.getExistingDirectory(self, "Export for headless run: choose an empty folder")
        if not folder:
            return
        if any(Path(folder).iterdir()):
            QMessageBox.critical(self, "Export for headless run",
                                 f"{folder} is not empty: choose a new folder")
            return
        try:
            made = export_for_headless_run(self.path, folder, self.registry, load_config(None))
        except InterlockError as exc:
            QMessageBox.critical(self, "Export for headless run", str(exc))
            return
        notes = "".join(f"\n\nNote: {w}" for w in made.warnings)
        QMessageBox.information(self, "Exported for headless run",
                                f"{len(made.runbooks)} runbook(s) and interlock.toml written to {folder}.\n\n"
                                f"Run it there with:\n{made.command}{notes}")

    def _remember(self, path: Path) -> None:
        recent = [p for p in self._recent() if p != str(path)]
        self.settings.setValue("recent", [str(path), *recent][:MAX_RECENT])
        self._fill_recent()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for entry in self._recent():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _c=False, p=entry: self.open_file(p))
        self.recent_menu.setEnabled(bool(self._recent()))

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        if isinstance(state, QByteArray):
            self._sized_docks = self.restoreState(state)  # the user's own sizes win
        folder = self.settings.value("folder")
        if folder and Path(str(folder)).is_dir():
            self.catalogue.show_folder(Path(str(folder)))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized_docks:
            # Sizes given before the window has its own are lost: give them at the first show.
            self._sized_docks = True
            self.resizeDocks([self.docks["problems"]], [BOTTOM_DOCK_HEIGHT], Qt.Orientation.Vertical)
            self.resizeDocks([self.docks["palette"], self.docks["properties"]], list(SIDE_DOCK_WIDTHS),
                             Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not all(self._may_close(tab) for tab in self.open_tabs()):
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        for tab in self.open_tabs():
            tab.scene.selectionChanged.disconnect(self._selection_changed)
            tab.shutdown()
        event.accept()

    def _edit_requested(self, kind: str, key: str) -> None:
        if kind == "activity":
            if self.open_invoked(key):
                return
            self.docks["properties"].show()
            self.docks["properties"].raise_()
            self.inspector.tabs.setCurrentIndex(0)
        elif kind == "link":
            source, _, target = key.partition("->")
            self.edit_link(source, target)
        elif kind == "note":
            self.edit_note(int(key))

    def edit_link(self, source: str, target: str) -> None:
        link = self.document.link(source, target)
        if link is None:
            return
        names = {a.id: a.name for a in self.document.activities}
        fields = as_tuples(scope_fields(self.document.runbook, self.registry, source, leaving=True))
        dialog = LinkDialog(link, fields, names, self)
        if dialog.exec():
            new = dialog.result_link()
            if new != link:
                self.undo_stack.push(commands.ReplaceLink(self.document, link, new))

    def open_invoked(self, activity_id: str) -> bool:
        """An activity that invokes a runbook (Invoke Runbook) opens its child in a tab; the child's path
        is relative to this runbook's file, as the engine reads it. False for other activities."""
        activity = self.document.activity(activity_id)
        kind = self.registry.get(activity.type)
        children = kind.invoked_runbooks(activity.properties) if kind is not None else []
        if not children:
            return False
        where = f'"{activity.name}" (property "path": {children[0]})'
        if self.path is None:
            QMessageBox.critical(self, "Cannot open the invoked runbook",
                                 f"{where}: save this runbook first — the path is relative to its file")
            return True
        child = (self.path.parent / children[0]).resolve()
        if not child.is_file():
            QMessageBox.critical(self, "Cannot open the invoked runbook", f"{where}: no file at {child}")
            return True
        self.open_file(child)
        return True

    # -- selection and problems ----------------------------------------------------------------------

    def _selection_changed(self) -> None:
        ids = self.scene.selected_activity_ids()
        keys = self.scene.selected_link_keys()
        if len(ids) == 1 and not keys:
            self.inspector.show_activity(ids[0])
            self._show_instances(ids[0])
        elif len(keys) == 1 and not ids:
            self.inspector.show_link(keys[0])
        elif not ids and not keys:
            self.inspector.show_runbook()

    def validate_now(self) -> None:
        self.validator.run_now()
        self.docks["problems"].show()
        self.docks["problems"].raise_()

    def _show_problem_counts(self) -> None:
        errors, warnings = self.problems.counts()
        self.status_problems.setText("No problems" if not (errors or warnings)
                                     else f"{errors} error{'s' * (errors != 1)}, "
                                          f"{warnings} warning{'s' * (warnings != 1)}")

    def _problem_activated(self, problem: object) -> None:
        activity = getattr(problem, "activity", None)
        link = getattr(problem, "link", None)
        if link is not None:
            self.scene.select_only(link_keys=[tuple(link)])
            item = self.scene.link_items.get(tuple(link))  # type: ignore[arg-type]
        elif activity is not None:
            self.scene.select_only([activity])
            item = self.scene.activity_items.get(activity)
        else:
            return
        if item is not None:
            self.view.centerOn(item)
