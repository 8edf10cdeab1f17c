"""The designer's main window: palette, canvas, properties, problems and undo history; File, Edit,
View and Runbook menus with the platform's standard shortcuts; window layout and recent files kept in
QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QUndoView,
    QWidget,
)

from engine.config.connections import Connections
from engine.config.registry import Registry
from engine.config.settings import load_config
from engine.errors import InterlockError, RunbookError
from engine.format.document import Document
from engine.format.fileio import save_runbook
from engine.format.model import Activity, Link, Note, Runbook
from engine.history import open_history
from engine.run.executor import Engine

from . import clipboard, commands
from .canvas.legend import toggle_legend
from .canvas.scene import RunbookScene
from .canvas.view import RunbookView
from .connections_dialog import ConnectionsDialog
from .files import open_for_editing
from .history_panel import HistoryPanel
from .inspector import Inspector
from .instances import InstancesPanel
from .layout import layered_positions
from .links.editor import LinkDialog
from .log_panel import LogPanel
from .palette import Palette
from .problems import ProblemsPanel
from .run_dialog import ParametersDialog
from .run_view import RunController
from .scope import as_tuples, scope_fields
from .tester import Tester
from .validation import LiveValidator

FILE_FILTER = "Interlock runbooks (*.json);;All files (*)"
MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, registry: Registry | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.registry = registry or Registry.from_entry_points()
        self.settings = settings or QSettings("Interlock", "Designer")
        self.path: Path | None = None
        self.document = Document(Runbook(name="New Runbook"))
        self.undo_stack = QUndoStack(self)
        self.paste_placement = clipboard.Placement()  # at the mouse, or 40 px further each time
        self.scene = RunbookScene(self.document, self.registry)
        self.scene.setParent(self)  # destroyed with the window, not at interpreter exit
        self.view = RunbookView(self.scene)
        self.setCentralWidget(self.view)
        self.palette = Palette(self.registry)
        self.inspector = Inspector(self.document, self.registry)
        self.inspector.property_form.suggestions["connection"] = self.connection_names
        self.problems = ProblemsPanel()
        self.log_panel = LogPanel()
        self.instances_panel = InstancesPanel()
        self.history_panel = HistoryPanel()
        self.validator = LiveValidator(self.document, self.registry, self)
        self.runner = RunController(self.document, self.scene, self.registry, self)
        self.tester = Tester(self)
        self.docks = {
            "palette": self._dock("Activities", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea),
            "properties": self._dock("Properties", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea),
            "problems": self._dock("Problems", self.problems, Qt.DockWidgetArea.BottomDockWidgetArea),
            "history": self._dock("Undo history", QUndoView(self.undo_stack),
                                  Qt.DockWidgetArea.BottomDockWidgetArea),
            "log": self._dock("Run log", self.log_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
            "instances": self._dock("Instances", self.instances_panel,
                                    Qt.DockWidgetArea.BottomDockWidgetArea),
            "runs": self._dock("Run history", self.history_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        self.tabifyDockWidget(self.docks["problems"], self.docks["runs"])
        self.tabifyDockWidget(self.docks["problems"], self.docks["instances"])
        self.tabifyDockWidget(self.docks["problems"], self.docks["history"])
        self.tabifyDockWidget(self.docks["problems"], self.docks["log"])
        self.docks["problems"].raise_()
        self.resizeDocks([self.docks["problems"]], [150], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["palette"], self.docks["properties"]], [230, 480],
                         Qt.Orientation.Horizontal)
        self.status_problems = QLabel()
        self.status_zoom = QLabel("100%")
        self.statusBar().addPermanentWidget(self.status_problems)
        self.statusBar().addPermanentWidget(self.status_zoom)
        self._connect()
        self._build_menus()
        self._restore_layout()
        self._update_title()
        self.validator.run_now()
        self.history_panel.refresh()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        self.scene.moved.connect(lambda moves, notes: self.undo_stack.push(
            commands.MoveItems(self.document, moves, notes)))
        self.scene.link_requested.connect(self.add_link)
        self.scene.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.scene.edit_requested.connect(self._edit_requested)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.view.activity_dropped.connect(self.add_activity)
        self.view.zoom_changed.connect(lambda z: self.status_zoom.setText(f"{z * 100:.0f}%"))
        self.palette.activated.connect(lambda t: self.add_activity(t, self.view.mapToScene(
            self.view.viewport().rect().center())))
        self.inspector.activity_edited.connect(lambda old, new, text: self.undo_stack.push(
            commands.ReplaceActivity(self.document, old, new, text)))
        self.inspector.link_edited.connect(lambda old, new: self.undo_stack.push(
            commands.ReplaceLink(self.document, old, new)))
        self.inspector.link_edit_requested.connect(self.edit_link)
        self.inspector.meta_edited.connect(lambda name, text: self.undo_stack.push(
            commands.SetMeta(self.document, name, text)))
        self.problems.problem_activated.connect(self._problem_activated)
        self.runner.started.connect(self._run_started)
        self.runner.stopped.connect(self.tester.reset)
        self.runner.events.connect(self._tester_sees)
        self.tester.paused.connect(self._paused)
        self.history_panel.job_opened.connect(self.open_history_job)
        self.runner.events.connect(lambda batch: self.log_panel.add(batch, self.scene.names()))
        self.runner.finished.connect(self._run_finished)
        self.validator.checked.connect(self._show_problems)
        self.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.undo_stack.indexChanged.connect(lambda _i: self.inspector.refresh())
        self.document.subscribe(lambda change: change.kind == "meta" and self._update_title())

    # -- menus ---------------------------------------------------------------------------------------

    def _action(self, menu: QMenu, text: str, slot: object, shortcut: QKeySequence | str | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())  # type: ignore[operator]
        menu.addAction(action)
        self.addAction(action)  # shortcuts work whatever has focus
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        std = QKeySequence.StandardKey
        self._action(file, "&New", self.new_runbook, std.New)
        self._action(file, "&Open…", self.open_dialog, std.Open)
        self.recent_menu = file.addMenu("Open &Recent")
        self._fill_recent()
        self._action(file, "&Save", self.save, std.Save)
        self._action(file, "Save &As…", self.save_as, std.SaveAs)
        file.addSeparator()
        self._action(file, "&Export Image…", self.export_image, "Ctrl+E")
        self._action(file, "Export for &Headless Run…", self.export_headless, None,
                     "The runbook, the runbooks it invokes, a connections template and the command to run")
        file.addSeparator()
        self._action(file, "&Quit", self.close, std.Quit)

        edit = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence(std.Undo))
        redo = self.undo_stack.createRedoAction(self, "&Redo")
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
        self._action(view, "&Fit All", self.view.fit_all, "Ctrl+0")
        self._action(view, "Actual &Size", lambda: self.view.set_zoom(1.0), "Ctrl+1")
        self._action(view, "Fit &Selection", self.view.fit_selection, "Ctrl+2")
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
                                       "Run the runbook on the engine and watch it on the canvas")
        self.stop_action = self._action(runbook, "&Stop", self.runner.stop, "Shift+F5",
                                        "Cancel the running job")
        self.stop_action.setEnabled(False)
        self._action(runbook, "Clear Run State", self.runner.clear, "Ctrl+Shift+R")
        self._action(runbook, "Co&nnections…", self.show_connections, "Ctrl+Shift+K",
                     "The connections runs use, with a Test button for each")
        self._action(runbook, "Connections &Config…", self.choose_config, None,
                     "Which interlock.toml runs use (default: ./interlock.toml, the user config, or the "
                     "built-in simulated lab)")
        runbook.addSeparator()
        self._action(runbook, "Run in &Tester…", lambda: self.run_dialog(step=True), "F6",
                     "Run one instance at a time; Step and Continue")
        self.step_action = self._action(runbook, "Ste&p", self.tester.step, "F10", "Let one instance run")
        self.continue_action = self._action(runbook, "&Continue", self.tester.continue_, "F8",
                                            "Run on, stopping only at breakpoints")
        self._action(runbook, "Toggle &Breakpoint", self.toggle_breakpoint, "F9",
                     "Pause before each instance of the selected activity")
        runbook.addSeparator()
        self._action(runbook, "Auto-&Layout", self.auto_layout, "Ctrl+L")
        self._action(runbook, "&Validate", self.validate_now, "F7")
        self._action(runbook, "Runbook &Properties", self._show_runbook_properties, "Ctrl+Shift+P")

    # -- files ---------------------------------------------------------------------------------------

    def _update_title(self) -> None:
        name = self.document.runbook.name
        where = str(self.path) if self.path else "unsaved"
        self.setWindowTitle(f"{name} — {where}[*] — Interlock Designer")
        self.setWindowModified(not self.undo_stack.isClean())

    def confirm_discard(self) -> bool:
        if self.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f'Save the changes to "{self.document.runbook.name}"?',
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _show(self, runbook: Runbook, path: Path | None, checked: bool = False) -> None:
        """Show a runbook; `checked` when the engine's loader has just validated it (its warnings are
        on the runbook), so it is not validated a second time."""
        self.inspector.schedules_file = self._schedules_file()
        self.undo_stack.clear()
        self.path = path
        self.validator.file_name = str(path) if path else "(unsaved)"
        self.document.reset(runbook)
        self.inspector.show_runbook()
        self._update_title()
        self.view.show_runbook()  # readable at first sight, centred on the start
        if checked:
            self.validator.accept(list(runbook.warnings))
        else:
            self.validator.run_now()

    def new_runbook(self) -> None:
        if self.confirm_discard():
            self._show(Runbook(name="New Runbook"), None)

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self, "Open runbook", start, FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        if not self.confirm_discard():
            return False
        try:
            runbook, checked = open_for_editing(path, self.registry)
        except RunbookError as exc:
            QMessageBox.critical(self, "Cannot open runbook", str(exc))
            return False
        self._show(runbook, Path(path).resolve(), checked)
        self._remember(Path(path).resolve())
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else str(Path.cwd() / f"{self.document.runbook.name}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save runbook", start, FILE_FILTER)
        if not path:
            return False
        return self._write(Path(path))

    def _write(self, path: Path) -> bool:
        try:
            save_runbook(self.document.runbook, path)  # the engine's serializer: byte-stable
        except OSError as exc:
            QMessageBox.critical(self, "Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        self.path = path.resolve()
        self.validator.file_name = str(self.path)
        self.undo_stack.setClean()
        self._remember(self.path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {self.path}", 4000)
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
        from engine.config.settings import load_config

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
            self.resize(1400, 860)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.validator.shutdown()
        self.scene.selectionChanged.disconnect(self._selection_changed)
        event.accept()

    # -- editing -------------------------------------------------------------------------------------

    def add_activity(self, type_name: str, at: QPointF) -> str | None:
        kind = self.registry.get(type_name)
        if kind is None:
            return None
        name = self.document.unique_name(kind.display_name)
        activity = Activity(id=self.document.unique_id(name), type=type_name, name=name,
                            at=(int(round(at.x() / 20) * 20), int(round(at.y() / 20) * 20)))
        self.undo_stack.push(commands.AddItems(self.document, f"Add {name}", activities=[activity]))
        self.scene.select_only([activity.id])
        return activity.id

    def add_link(self, source: str, target: str) -> None:
        refusal = self.document.link_refusal(source, target)
        if refusal:
            self.statusBar().showMessage(f"Link refused: {refusal}", 6000)
            return
        link = Link(from_=source, to=target)
        self.undo_stack.push(commands.AddItems(self.document, "Add link", links=[link]))

    def add_note(self) -> None:
        center = self.view.mapToScene(self.view.viewport().rect().center())
        note = Note(text="Note", at=(int(center.x()), int(center.y())))
        self.undo_stack.push(commands.AddItems(self.document, "Add note", notes=[note]))

    def delete_selection(self) -> None:
        ids = self.scene.selected_activity_ids()
        keys = [k for k in self.scene.selected_link_keys() if k[0] not in ids and k[1] not in ids]
        notes = self.scene.selected_note_indices()
        if ids or keys or notes:
            self.undo_stack.push(commands.RemoveItems(self.document, ids, keys, notes))

    def select_all(self) -> None:
        for item in self.scene.items():
            item.setSelected(True)

    def copy(self) -> None:
        ids = self.scene.selected_activity_ids()
        notes = self.scene.selected_note_indices()
        if ids or notes:
            QApplication.clipboard().setText(clipboard.fragment(self.document, ids, notes))

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self, text: str | None = None) -> None:
        text = QApplication.clipboard().text() if text is None else text
        try:
            at, repeat = self.paste_placement.next(text, self.view.mouse_scene_pos())
            step = clipboard.PASTE_OFFSET * repeat
            activities, links, notes = clipboard.paste_items(self.document, text, (step, step), at=at,
                                                             registry=self.registry)
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return
        if activities or notes:
            self.undo_stack.push(commands.AddItems(self.document, f"Paste {len(activities)} activities",
                                                   activities, links, notes))
            self.scene.select_only([a.id for a in activities])

    def duplicate(self) -> None:
        ids = self.scene.selected_activity_ids()
        if ids:
            self.paste(clipboard.fragment(self.document, ids, self.scene.selected_note_indices()))

    def auto_layout(self) -> None:
        positions = layered_positions(self.document.runbook)
        moves = {a.id: (a.at, positions[a.id]) for a in self.document.activities if positions[a.id] != a.at}
        if moves:
            self.undo_stack.push(commands.MoveItems(self.document, moves, {}))
            self.undo_stack.command(self.undo_stack.count() - 1).setText("Auto-layout")
            self.view.fit_all()

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

    def _edit_requested(self, kind: str, key: str) -> None:
        if kind == "activity":
            self.docks["properties"].show()
            self.docks["properties"].raise_()
            self.inspector.tabs.setCurrentIndex(0)
        elif kind == "link":
            source, _, target = key.partition("->")
            self.edit_link(source, target)
        elif kind == "note":
            self.edit_note(int(key))

    def edit_note(self, index: int, text: str | None = None) -> None:
        """Change a sticky note's text (asked for in a dialog unless given)."""
        note = self.document.notes[index]
        if text is None:
            text, ok = QInputDialog.getMultiLineText(self, "Note", "Text of the note:", note.text)
            if not ok:
                return
        if text != note.text:
            self.undo_stack.push(commands.ReplaceNote(self.document, index, note,
                                                      note.model_copy(update={"text": text})))

    def _toggle_snap(self) -> None:
        self.scene.snap_to_grid = not self.scene.snap_to_grid

    def _show_runbook_properties(self) -> None:
        self.scene.clearSelection()
        self.inspector.show_runbook()
        self.docks["properties"].show()

    # -- running -------------------------------------------------------------------------------------

    def run_dialog(self, step: bool = False) -> None:
        """Ask for the parameters, then run (F5), or run in the tester one instance at a time (F6)."""
        errors = [p for p in self.validator.problems if p.severity == "error"]
        if errors:
            QMessageBox.critical(self, "Cannot run", "Fix the runbook's problems first:\n\n"
                                 + "\n".join(str(p) for p in errors[:10]))
            return
        engine = Engine(self.runner.config, self.registry)
        declared = engine.start_parameters(self.document.runbook)
        dialog = ParametersDialog(self.document.runbook.name, declared, self)
        if dialog.exec():
            self.run(dialog.values(), step=step)

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

    def _run_started(self, job_id: str) -> None:
        self.log_panel.start([a.name for a in self.document.activities])
        self.docks["log"].show()
        self.docks["log"].raise_()
        self.run_action.setEnabled(False)
        self.stop_action.setEnabled(True)
        self.statusBar().showMessage(f"Running job {job_id}…")

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

    def _tester_sees(self, batch: list) -> None:
        for event in batch:
            if event.kind == "instance_finished":
                self.tester.note_finished(event.activity, event.instance)

    def toggle_breakpoint(self) -> None:
        for activity_id in self.scene.selected_activity_ids():
            on = self.tester.toggle_breakpoint(activity_id)
            self.scene.activity_items[activity_id].set_breakpoint(on)

    def _paused(self, point: object) -> None:
        """The job waits before an instance: show where and with which inputs."""
        name, number = getattr(point, "name", ""), getattr(point, "instance", 0)
        self.statusBar().showMessage(f"Paused before {name} [{number}]: Step (F10) or Continue (F8)")
        self.instances_panel.show_paused(point)
        self.docks["instances"].show()
        self.docks["instances"].raise_()

    def _show_instances(self, activity_id: str) -> None:
        """The selected activity's instances in the current (or last) run."""
        if self.runner.counts is None or not self.document.has_activity(activity_id):
            return
        events = self.runner.finished_instances.get(activity_id, [])
        self.instances_panel.show_instances(self.document.activity(activity_id).name, events)

    def _run_finished(self, result: object) -> None:
        self.tester.reset()
        self.history_panel.refresh()
        self.run_action.setEnabled(True)
        self.stop_action.setEnabled(False)
        status = getattr(result, "status", "?")
        self.statusBar().showMessage(f"Job {getattr(result, 'job_id', '')} ended: {status}", 10000)

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

    def _show_problems(self, problems: list) -> None:
        self.scene.show_problems(problems)
        self.problems.show_problems(problems)
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
