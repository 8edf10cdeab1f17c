"""One open runbook in the designer: its document, undo stack, canvas (scene and view), live
validation, runs (controller and tester) and the panels that show them (properties, problems, run log,
instances). Each tab wires its own parts together; the main window shows the current tab's panels in
its docks and points its menus and toolbar at the current tab."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoGroup, QUndoStack
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.config.registry import Registry
from engine.format.document import Change, Document
from engine.format.model import Runbook

from . import clipboard, commands
from .canvas.scene import RunbookScene
from .canvas.view import RunbookView
from .inspector import Inspector
from .instances import InstancesPanel
from .log_panel import LogPanel
from .problems import ProblemsPanel
from .run_view import RunController
from .tester import Tester
from .validation import LiveValidator

NEW_NAME = "New Runbook"


class RunbookTab(QWidget):
    changed = Signal()  # the name, the file or the modified state changed: titles follow

    def __init__(self, registry: Registry, undo_group: QUndoGroup,
                 connection_names: Callable[[], list[str]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.path: Path | None = None
        self.document = Document(Runbook(name=NEW_NAME))
        self.undo_stack = QUndoStack(self)
        undo_group.addStack(self.undo_stack)
        self.paste_placement = clipboard.Placement()  # at the mouse, or 40 px further each time
        self.run_parameters: dict[str, Any] = {}  # what the last run (or Parameters…) was given
        self.scene = RunbookScene(self.document, registry)
        self.scene.setParent(self)  # destroyed with the tab, not at interpreter exit
        self.view = RunbookView(self.scene)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        # Panels shown in the window's docks while this tab is current.
        self.inspector = Inspector(self.document, registry)
        if connection_names is not None:
            self.inspector.property_form.suggestions["connection"] = connection_names
        self.problems = ProblemsPanel()
        self.log_panel = LogPanel()
        self.instances_panel = InstancesPanel()
        self.validator = LiveValidator(self.document, registry, self)
        self.runner = RunController(self.document, self.scene, registry, self)
        self.tester = Tester(self)
        self._connect()

    def _connect(self) -> None:
        push = self.undo_stack.push
        self.scene.moved.connect(lambda moves, notes: push(commands.MoveItems(self.document, moves, notes)))
        self.inspector.activity_edited.connect(
            lambda old, new, text: push(commands.ReplaceActivity(self.document, old, new, text)))
        self.inspector.link_edited.connect(
            lambda old, new: push(commands.ReplaceLink(self.document, old, new)))
        self.inspector.meta_edited.connect(
            lambda name, text: push(commands.SetMeta(self.document, name, text)))
        self.undo_stack.indexChanged.connect(lambda _i: self.inspector.refresh())
        self.undo_stack.cleanChanged.connect(lambda _clean: self.changed.emit())
        self.document.subscribe(self._on_change)
        self.validator.checked.connect(self._show_problems)
        self.runner.started.connect(
            lambda _job: self.log_panel.start([a.name for a in self.document.activities]))
        self.runner.stopped.connect(self.tester.reset)
        self.runner.events.connect(self._events)
        self.runner.finished.connect(lambda _result: self.tester.reset())

    def _on_change(self, change: Change) -> None:
        if change.kind == "meta":
            self.changed.emit()

    def _show_problems(self, problems: list) -> None:
        self.scene.show_problems(problems)
        self.problems.show_problems(problems)

    def _events(self, batch: list) -> None:
        for event in batch:
            if event.kind == "instance_finished":
                self.tester.note_finished(event.activity, event.instance)
        self.log_panel.add(batch, self.scene.names())

    # -- state ---------------------------------------------------------------------------------------

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def pristine(self) -> bool:
        """A new runbook nobody has touched: opening a file replaces it instead of adding a tab."""
        return self.path is None and not self.modified and not self.document.activities \
            and self.undo_stack.count() == 0

    def title(self) -> str:
        return self.document.runbook.name + (" *" if self.modified else "")

    def set_path(self, path: Path) -> None:
        self.path = path.resolve()
        self.validator.file_name = str(self.path)
        self.changed.emit()

    def load(self, runbook: Runbook, path: Path | None, checked: bool = False) -> None:
        """Show a runbook in this tab (a new one, or the untouched new runbook it held): readable,
        centred on its start, with its problems — the loader's warnings when it has just validated the
        file (`checked`), else a check."""
        self.undo_stack.clear()
        self.path = path.resolve() if path else None
        self.validator.file_name = str(self.path) if self.path else "(unsaved)"
        self.document.reset(runbook)
        self.inspector.show_runbook()
        self.changed.emit()
        self.view.show_runbook()
        if checked:
            self.validator.accept(list(self.document.runbook.warnings))
        else:
            self.validator.run_now()

    def shutdown(self) -> None:
        """The tab closes (or the window): stop the job, stop checking, let go of held instances."""
        self.runner.stop()
        self.tester.reset()
        self.validator.shutdown()
        # Its panels live in the window's docks and may go first: nothing may reach them any more.
        self.undo_stack.indexChanged.disconnect()
        self.undo_stack.cleanChanged.disconnect()
