"""The properties panel: what is selected, editable. An activity shows Properties, General, Run
behaviour and (read-only) Published Data tabs; a link its conditions; nothing selected, the runbook's
name and description. Every edit is reported as old/new models; the main window makes it an undoable
command."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.config.registry import Registry
from engine.errors import InterlockError
from engine.format.document import Document, LinkKey, changed_copy
from engine.format.model import Activity, Flatten, Link, RunBehaviour
from engine.schedule.schedules import load_schedules

from .canvas import style
from .links.editor import JunctionEditor
from .links.summary import link_summary
from .placeholders import PLACEHOLDER_TYPE
from .properties.form import PropertyForm
from .properties.published import PublishedDataView
from .run_behaviour import RunBehaviourForm
from .scope import as_tuples, global_fields, scope_fields


def schedules_text(runbook_path: str | None, schedules_file: Path | None) -> str:
    """The schedules that run this runbook, read-only: when, and the next runs (issue: schedules)."""
    if runbook_path is None:
        return "<span style='color:#6b7785'>Save the runbook to schedule it.</span>"
    if schedules_file is None or not schedules_file.is_file():
        return "<span style='color:#6b7785'>No schedules file (schedules.toml beside the config).</span>"
    try:
        schedules = load_schedules(schedules_file)
    except InterlockError as exc:
        return f"<span style='color:#d64545'>{html.escape(str(exc))}</span>"
    lines = []
    now = datetime.now(UTC)
    for entry in schedules.schedule:
        if schedules.runbook_path(entry).resolve() != Path(runbook_path).resolve():
            continue
        when = entry.cron or f"every {entry.interval}"
        runs = ", ".join(r.astimezone(entry.zone).strftime("%a %d %b %H:%M") for r in entry.next_runs(now, 3))
        state = "" if entry.enabled else " (disabled)"
        upcoming = html.escape(runs or "none within a year")
        lines.append(f"<b>{html.escape(entry.name)}</b>{state}: {html.escape(when)} {entry.timezone}"
                     f"<br><span style='color:#6b7785'>next: {upcoming}</span>")
    return "<br>".join(lines) or "<span style='color:#6b7785'>Not scheduled.</span>"


class _Debounced(QPlainTextEdit):
    """Multi-line text that reports a change once the user pauses typing."""

    settled = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self, singleShot=True, interval=700)
        self._timer.timeout.connect(lambda: self.settled.emit(self.toPlainText()))
        self.textChanged.connect(self._timer.start)

    def set_quietly(self, text: str) -> None:
        self.blockSignals(True)
        self.setPlainText(text)
        self.blockSignals(False)
        self._timer.stop()


class Inspector(QWidget):
    activity_edited = Signal(object, object, str)  # old Activity, new Activity, undo text
    link_edit_requested = Signal(str, str)
    link_edited = Signal(object, object)  # old Link, new Link
    meta_edited = Signal(str, str)  # name, description

    def __init__(self, document: Document, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.registry = registry
        self.activity_id: str | None = None
        self.link_key: LinkKey | None = None
        self.schedules_file: Path | None = None  # the schedules file runs use (the main window sets it)
        # The config's variables, offered by the subscription picker (the main window sets the source).
        self.variables: Callable[[], Mapping[str, Any]] = dict
        self.pages = QStackedWidget()
        self.pages.addWidget(self._runbook_page())
        self.pages.addWidget(self._activity_page())
        self.pages.addWidget(self._link_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.show_runbook()

    # -- pages ---------------------------------------------------------------------------------------

    def _runbook_page(self) -> QWidget:
        page = QWidget()
        self.runbook_name = QLineEdit()
        self.runbook_description = _Debounced()
        form = QFormLayout(page)
        form.addRow(QLabel("<b>Runbook</b>"))
        form.addRow("Name", self.runbook_name)
        form.addRow("Description", self.runbook_description)
        self.schedules_label = QLabel()
        self.schedules_label.setWordWrap(True)
        self.schedules_label.setTextFormat(Qt.TextFormat.RichText)
        form.addRow("Schedules", self.schedules_label)
        self.runbook_name.editingFinished.connect(self._meta_changed)
        self.runbook_description.settled.connect(lambda _text: self._meta_changed())
        return page

    def _activity_page(self) -> QWidget:
        page = QWidget()
        self.header_icon = QLabel()
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        top = QFormLayout()
        top.addRow(self.header_icon, self.header)
        self.tabs = QTabWidget()
        general = QWidget()
        self.name_edit = QLineEdit()
        self.id_label = QLabel()
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description_edit = _Debounced()
        self.enabled_box = QCheckBox("Enabled (a disabled activity passes nothing on)")
        self.name_error = QLabel()
        self.name_error.setStyleSheet("color: #d64545")
        form = QFormLayout(general)
        form.addRow("Name", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("Id", self.id_label)
        form.addRow("Description", self.description_edit)
        form.addRow("", self.enabled_box)
        self.property_form = PropertyForm()
        self.junction_editor = JunctionEditor()
        self.property_stack = QStackedWidget()
        self.property_stack.addWidget(self._scrolled(self.property_form))
        self.property_stack.addWidget(self._scrolled(self.junction_editor))
        self.run_form = RunBehaviourForm()
        self.tabs.addTab(self.property_stack, "Properties")
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self._scrolled(self.run_form), "Run behaviour")
        self.published_view = PublishedDataView()
        self.tabs.addTab(self.published_view, "Published Data")
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        self.name_edit.editingFinished.connect(self._name_changed)
        self.description_edit.settled.connect(lambda text: self._edit("Edit description", description=text))
        self.enabled_box.toggled.connect(lambda on: self._edit("Enable" if on else "Disable", enabled=on))
        self.property_form.edited.connect(lambda props: self._edit("Edit properties", properties=props))
        self.junction_editor.edited.connect(lambda props: self._edit("Edit junction", properties=props))
        self.run_form.edited.connect(self._run_changed)
        return page

    def _link_page(self) -> QWidget:
        page = QWidget()
        self.link_title = QLabel()
        self.link_title.setWordWrap(True)
        self.link_conditions = QLabel()
        self.link_conditions.setWordWrap(True)
        self.link_enabled = QCheckBox("Enabled (a disabled link passes nothing)")
        edit = QPushButton("Edit conditions…")
        edit.clicked.connect(lambda: self.link_key and self.link_edit_requested.emit(*self.link_key))
        layout = QVBoxLayout(page)
        for widget in (self.link_title, self.link_conditions, self.link_enabled, edit):
            layout.addWidget(widget)
        layout.addStretch()
        self.link_enabled.toggled.connect(self._link_enabled_changed)
        return page

    @staticmethod
    def _scrolled(widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(widget)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        return area

    # -- showing -------------------------------------------------------------------------------------

    def show_runbook(self) -> None:
        self.activity_id, self.link_key = None, None
        self.runbook_name.setText(self.document.runbook.name)
        self.runbook_description.set_quietly(self.document.runbook.description)
        self.schedules_label.setText(schedules_text(self.document.runbook.path, self.schedules_file))
        self.pages.setCurrentIndex(0)

    def show_activity(self, activity_id: str) -> None:
        self.link_key = None
        self.activity_id = activity_id
        self.refresh()
        self.pages.setCurrentIndex(1)

    def show_link(self, key: LinkKey) -> None:
        self.activity_id, self.link_key = None, key
        self.refresh()
        self.pages.setCurrentIndex(2)

    def refresh(self) -> None:
        """Show the document's current state of what is selected (after an edit or an undo)."""
        if self.activity_id is not None and self.document.has_activity(self.activity_id):
            self._fill_activity(self.document.activity(self.activity_id))
        elif self.link_key is not None and self.document.link(*self.link_key) is not None:
            self._fill_link(self.document.link(*self.link_key))  # type: ignore[arg-type]
        else:
            self.show_runbook()

    def _fill_activity(self, activity: Activity) -> None:
        kind = self.registry.get(activity.type)
        names = {a.id: a.name for a in self.document.activities}
        self.header_icon.setPixmap(style.icon_pixmap(kind.icon, kind.color, 32) if kind else QPixmap())
        title = kind.display_name if kind else f"Unknown type {activity.type}"
        about = kind.description if kind else "No installed pack provides this type."
        self.header.setText(f"<b>{title}</b> <span style='color:#6b7785'>{activity.type}</span><br>"
                            f"<span style='color:#6b7785'>{about}</span>")
        for widget in (self.name_edit, self.enabled_box):
            widget.blockSignals(True)
        self.name_edit.setText(activity.name)
        self.enabled_box.setChecked(activity.enabled)
        for widget in (self.name_edit, self.enabled_box):
            widget.blockSignals(False)
        self.name_error.clear()
        self.id_label.setText(activity.id)
        self.description_edit.set_quietly(activity.description)
        scope = scope_fields(self.document.runbook, self.registry, activity.id)
        scope += global_fields(self.variables())  # job data and variables: every activity may read them
        if activity.type == PLACEHOLDER_TYPE:  # an import's placeholder: its settings, read-only
            self.property_form.show_placeholder(dict(activity.properties))
            self.property_stack.setCurrentIndex(0)
        elif kind is not None and kind.kind == "junction":
            predecessors = [(lk.from_, names.get(lk.from_, lk.from_)) for lk in self.document.links
                            if lk.to == activity.id]
            self.junction_editor.set_junction(dict(activity.properties), predecessors)
            self.property_stack.setCurrentIndex(1)
        elif kind is not None:
            self.property_form.show_model(kind.Properties, dict(activity.properties), scope, names)
            self.property_stack.setCurrentIndex(0)
        else:
            self.property_form.clear()
        own = scope_fields(self.document.runbook, self.registry, activity.id, leaving=True)
        self.run_form.show_behaviour(activity.run, activity.flatten, as_tuples(own), names, activity.id)
        self.published_view.show_activity(self.document.runbook, self.registry, activity)

    def _fill_link(self, link: Link) -> None:
        names = {a.id: a.name for a in self.document.activities}
        self.link_title.setText(f"<b>Link</b> from <b>{names.get(link.from_, link.from_)}</b> to "
                                f"<b>{names.get(link.to, link.to)}</b>")
        summary = link_summary(link, names) or "Passes what succeeded (the default)."
        self.link_conditions.setText(summary)
        self.link_enabled.blockSignals(True)
        self.link_enabled.setChecked(link.enabled)
        self.link_enabled.blockSignals(False)

    # -- edits ---------------------------------------------------------------------------------------

    def _edit(self, text: str, **changes: Any) -> None:
        if self.activity_id is None or not self.document.has_activity(self.activity_id):
            return
        old = self.document.activity(self.activity_id)
        if all(getattr(old, key) == value for key, value in changes.items()):
            return
        self.activity_edited.emit(old, changed_copy(old, **changes), text)

    def _name_changed(self) -> None:
        if self.activity_id is None:
            return
        name = self.name_edit.text().strip()
        old = self.document.activity(self.activity_id)
        if name == old.name:
            return
        clash = next((a for a in self.document.activities
                      if a.id != old.id and a.name.casefold() == name.casefold()), None)
        if not name or clash is not None:
            self.name_error.setText("A name is needed" if not name else f'"{clash.name}" is already used')
            return
        self.name_error.clear()
        self._edit("Rename activity", name=name)

    def _run_changed(self, run: dict[str, Any] | None, flatten: dict[str, Any] | None) -> None:
        new_run = RunBehaviour.model_validate(run, by_name=False) if run else None
        new_flatten = Flatten.model_validate(flatten) if flatten else None
        self._edit("Edit run behaviour", run=new_run, flatten=new_flatten)

    def _link_enabled_changed(self, enabled: bool) -> None:
        if self.link_key is None:
            return
        old = self.document.link(*self.link_key)
        if old is not None and old.enabled != enabled:
            self.link_edited.emit(old, old.model_copy(update={"enabled": enabled}))

    def _meta_changed(self) -> None:
        name = self.runbook_name.text().strip() or self.document.runbook.name
        description = self.runbook_description.toPlainText()
        if (name, description) != (self.document.runbook.name, self.document.runbook.description):
            self.meta_edited.emit(name, description)
