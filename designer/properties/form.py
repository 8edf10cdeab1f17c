"""The property form: one editor per field of an activity type's properties model.

The form edits the activity's stored properties dict, not a validated model: the engine validates the
runbook live elsewhere, and a half-typed value must be allowed to exist. A key the file does not have
shows the model's default, greyed, and is written only once the user edits that field, so opening an
activity never rewrites it. A placeholder of an Orchestrator import shows its original settings, read-only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.placeholders import PLACEHOLDER_TYPE, original_type, replace_hint
from designer.subscriptions import ScopeField, reference_text, shown_text
from engine.fielddocs import field_doc

from .picker import ScopeButton
from .settings_view import settings_tree
from .tables import MISSING, EditTable, Kind, Naming, fits, kind_of, text_of, value_of

Commit = Callable[[Any], None]  # the field's new value, or MISSING to remove the key

_INT_RANGE = 2**31 - 1  # QSpinBox holds a C int
_FLOAT_RANGE = 1e12


class PropertyForm(QWidget):
    """Edits one activity's properties; `edited` carries the whole new properties dict after each
    committed edit (never while the form is being filled, never per keystroke)."""

    # object, not dict: a dict signal goes through QVariantMap, which sorts the keys (and the file's key
    # order would change on every edit).
    edited = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._body: QWidget | None = None
        self._model: type[BaseModel] | None = None
        self._values: dict[str, Any] = {}
        self._scope: list[ScopeField] = []
        self._names: dict[str, str] = {}
        # Field name -> its editor (a _ScalarField or an EditTable) and its label, for the panel and tests.
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.placeholder_label: QLabel | None = None  # what a shown placeholder stands for
        # Field name -> where its completions come from when the form is built (the configured
        # connection names for `connection`); the field stays free text, so a name can be typed first.
        self.suggestions: dict[str, Callable[[], list[str]]] = {}

    def show_model(self, model: type[BaseModel], values: dict[str, Any], scope: list[ScopeField],
                   names: dict[str, str]) -> None:
        """Build the form for `model`, filled from `values` (the stored properties).

        `scope` lists the published fields the activity may subscribe to; `names` maps every activity id
        to its name, for showing subscriptions. Showing what the form itself just emitted keeps the form
        as it is, so the focus stays where the user is typing.
        """
        if (model is self._model and values == self._values and list(scope) == self._scope
                and names == self._names and self._body is not None):
            return
        self.clear()
        self._model, self._values = model, copy.deepcopy(values)
        self._scope, self._names = list(scope), dict(names)
        naming = Naming(names, scope)
        body = QWidget(self)
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setContentsMargins(4, 6, 4, 6)  # the tab has its own margins: the width goes to the values
        for field_name, info in model.model_fields.items():
            name = info.alias or field_name  # the key in the file (`from`: no Python name can be it)
            editor = self._editor(name, info, values.get(name, MISSING), naming)
            self.editors[name] = editor
            doc = field_doc(name, info)
            label = QLabel(doc.title, body)
            # The key too: it is what the file, the docs and `interlock validate` messages say.
            label.setToolTip("\n".join(filter(None, [doc.description, f"Key in the file: {name}"])))
            label.setBuddy(editor)
            self.labels[name] = label
            if isinstance(editor, EditTable):  # a table takes the whole width, under its label
                form.addRow(label)
                form.addRow(_with_help(editor, doc.description))
            else:
                form.addRow(label, _with_help(editor, doc.description))
        self._layout.addWidget(body)
        body.show()  # otherwise shown on a queued call: the form would be blank for one event loop turn
        self._body = body

    def show_placeholder(self, properties: dict[str, Any]) -> None:
        """A placeholder of an Orchestrator import: what it was and its original settings, read-only
        (it is there to be replaced by an Interlock activity, not edited)."""
        self.clear()
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 6, 4, 6)
        original = original_type(PLACEHOLDER_TYPE, properties) or PLACEHOLDER_TYPE
        guid = properties.get("type_guid")
        self.placeholder_label = QLabel(replace_hint(original) + (f"\nOrchestrator type GUID: {guid}"
                                                                  if guid else ""), body)
        self.placeholder_label.setWordWrap(True)
        layout.addWidget(self.placeholder_label)
        layout.addWidget(QLabel("<b>Original settings</b> (read-only)", body))
        tree = settings_tree(properties.get("settings", {}), body)
        tree.setObjectName("placeholder-settings")
        layout.addWidget(tree, 1)
        publishes = properties.get("publishes")
        if isinstance(publishes, list) and publishes:
            fields = ", ".join(map(str, publishes))
            shown = QLabel(f"Publishes (what other activities subscribe to): {fields}", body)
            shown.setWordWrap(True)
            layout.addWidget(shown)
        self._layout.addWidget(body)
        body.show()
        self._body = body

    def clear(self) -> None:
        """Empty the form."""
        if self._body is not None:
            # Deleted later: clear() may run from inside one of the body's own signal handlers.
            self._body.hide()
            self._layout.removeWidget(self._body)
            self._body.deleteLater()
            self._body = None
        self._model, self._values, self._scope, self._names = None, {}, [], {}
        self.editors, self.labels, self.placeholder_label = {}, {}, None

    def values(self) -> dict[str, Any]:
        """The properties as edited so far."""
        return copy.deepcopy(self._values)

    def _editor(self, name: str, info: FieldInfo, value: Any, naming: Naming) -> QWidget:
        kind = kind_of(info)

        def commit(new: Any) -> None:
            self._commit(name, new)

        if kind.is_table and fits(kind, value):
            table = EditTable(kind, value, self._scope, naming)
            table.table.setToolTip(info.description or "")
            table.changed.connect(lambda: commit(table.value()))
            return table
        if kind.is_table:  # not the shape the model expects (hand-edited file): keep it, as JSON
            kind = Kind("json", kind.optional)
        suggest = self.suggestions.get(name)
        return _ScalarField(kind, info, value, self._scope, naming, commit,
                            suggestions=suggest() if suggest else ())

    def _commit(self, name: str, value: Any) -> None:
        if value is MISSING:
            self._values.pop(name, None)
        else:
            self._values[name] = value
        self.edited.emit(copy.deepcopy(self._values))


class _ScalarField(QWidget):
    """One scalar property: its typed editor, or a line edit when the value subscribes or does not fit
    the type; the "{…}" button subscribes (a typed field turns into a line edit holding the reference)."""

    def __init__(self, kind: Kind, info: FieldInfo, value: Any, scope: Sequence[ScopeField],
                 naming: Naming, commit: Commit, suggestions: Sequence[str] = ()) -> None:
        super().__init__()
        self._suggestions = list(suggestions)
        self._kind, self._info, self._naming, self._commit = kind, info, naming, commit
        self._default = MISSING if info.is_required() else info.get_default(call_default_factory=True)
        self._last: Any = None
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        typed = kind.name in ("int", "float", "number", "bool", "choice") and fits(kind, value)
        self.editor: QWidget = self._typed_editor(value) if typed else self._line_editor(value)
        known = f"\nConfigured: {', '.join(self._suggestions)}" if self._suggestions else ""
        self.editor.setToolTip((info.description or "") + known)
        # A stretched checkbox takes clicks only on its box: it keeps its size, at the left.
        left = Qt.AlignmentFlag.AlignLeft if isinstance(self.editor, QCheckBox) else Qt.AlignmentFlag(0)
        self._row.addWidget(self.editor, 1, left)
        self.scope_button = ScopeButton(self, scope, self._pick)
        self._row.addWidget(self.scope_button)

    def _line_editor(self, value: Any) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setText(text_of(self._kind, value, self._naming))
        if self._kind.optional and self._default is None:
            edit.setPlaceholderText("none")
        elif self._default is MISSING:
            edit.setPlaceholderText("required")
        elif self._default not in ("", None):
            edit.setPlaceholderText(text_of(self._kind, self._default, self._naming).encode(
                "unicode_escape").decode("ascii"))  # a default such as "\n" must be visible
        extra = self._info.json_schema_extra
        enum = extra.get("enum") if isinstance(extra, dict) else None
        choices = [str(e) for e in enum] if isinstance(enum, list) else self._suggestions
        if choices:
            edit.setCompleter(QCompleter(choices, edit))
        self._last = edit.text()
        edit.editingFinished.connect(self._line_finished)
        return edit

    def _line_finished(self) -> None:
        assert isinstance(self.editor, QLineEdit)
        text = self.editor.text()
        if text == self._last:  # editingFinished also fires on focus-out without a change
            return
        self._last = text
        if text == "" and (self._default is not MISSING or self._kind.name != "text"):
            self._commit(MISSING)  # empty shows the default (or "none"): the key goes
        else:
            self._commit(value_of(self._kind, text, self._naming))

    def _typed_editor(self, value: Any) -> QWidget:
        shown = self._default if value is MISSING else value
        editor: QWidget
        if self._kind.name == "bool":
            editor = QCheckBox(self)
            editor.setChecked(shown is True)
            editor.toggled.connect(self._typed_changed)
        elif self._kind.name == "choice":
            editor = QComboBox(self)
            if self._kind.optional:
                editor.addItem("none")
            editor.addItems([str(c) for c in self._kind.choices])
            editor.setPlaceholderText("required")
            editor.setCurrentIndex(self._choice_index(shown))
            editor.currentIndexChanged.connect(self._typed_changed)
        else:
            editor = self._spin_box(shown)
            editor.editingFinished.connect(self._typed_changed)
        self._last = self._typed_value(editor)
        if value is MISSING:
            _set_unset_look(editor, True)
        return editor

    def _choice_index(self, value: Any) -> int:
        offset = 1 if self._kind.optional else 0
        if value in self._kind.choices:
            return self._kind.choices.index(value) + offset
        return 0 if value is None and self._kind.optional else -1

    def _spin_box(self, value: Any) -> QSpinBox | QDoubleSpinBox:
        is_int = self._kind.name == "int"
        spin: QSpinBox | QDoubleSpinBox = QSpinBox(self) if is_int else QDoubleSpinBox(self)
        low, high = _bounds(self._info, is_int)
        if self._kind.optional or self._default is MISSING:
            # One step below the range stands for "no value": none, or not set yet.
            low -= 1
            spin.setSpecialValueText("none" if self._kind.optional else "not set")
        if isinstance(spin, QDoubleSpinBox):
            spin.setDecimals(max(2, _decimals(value)))
        if isinstance(spin, QSpinBox):
            spin.setRange(int(low), int(high))
            spin.setValue(int(value) if isinstance(value, int | float) else int(low))
        else:
            spin.setRange(low, high)
            spin.setValue(float(value) if isinstance(value, int | float) else low)
        spin.setAccelerated(True)
        return spin

    def _typed_value(self, editor: QWidget) -> Any:
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            index = editor.currentIndex() - (1 if self._kind.optional else 0)
            return self._kind.choices[index] if index >= 0 else MISSING
        assert isinstance(editor, QSpinBox | QDoubleSpinBox)
        if editor.specialValueText() and editor.value() == editor.minimum():
            return MISSING
        value = float(editor.value())
        # int stores whole numbers, number (int | float) a whole value as an int: 3, not 3.0
        whole = self._kind.name == "int" or (self._kind.name == "number" and value.is_integer())
        return int(value) if whole else value

    def _typed_changed(self, *_args: Any) -> None:
        value = self._typed_value(self.editor)
        if value == self._last:
            return
        self._last = value
        _set_unset_look(self.editor, False)
        self._commit(value)

    def _pick(self, field: ScopeField) -> None:
        if isinstance(self.editor, QLineEdit):
            self.editor.insert(shown_text(field))
            self.editor.setFocus()
            self._line_finished()
            return
        # A typed property subscribes through text; the engine converts the value at run time.
        old = self.editor
        self.editor = self._line_editor(MISSING)
        self.editor.setToolTip(old.toolTip())
        self._row.replaceWidget(old, self.editor)
        self._row.setAlignment(self.editor, Qt.AlignmentFlag(0))
        old.hide()
        old.deleteLater()
        self.editor.setText(shown_text(field))
        self._last = self.editor.text()
        self._commit(reference_text(field))


def _with_help(editor: QWidget, description: str) -> QWidget:
    """The editor with its field's description as a small line under it."""
    if not description:
        return editor
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(1)
    layout.addWidget(editor)
    help_line = QLabel(description, box)
    help_line.setWordWrap(True)
    font = help_line.font()
    font.setPointSizeF(font.pointSizeF() * 0.85)
    help_line.setFont(font)
    palette = help_line.palette()
    palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText))
    help_line.setPalette(palette)
    layout.addWidget(help_line)
    return box


def _set_unset_look(editor: QWidget, unset: bool) -> None:
    """Italic (and grey text in a spin box) while the editor shows the model's default, not a stored value.

    Only the text greys: a greyed button or arrow would read as disabled.
    """
    font = editor.font()
    font.setItalic(unset)
    editor.setFont(font)
    if unset and isinstance(editor, QSpinBox | QDoubleSpinBox):
        palette = editor.palette()
        palette.setColor(QPalette.ColorRole.Text, palette.color(QPalette.ColorRole.PlaceholderText))
        editor.setPalette(palette)
    elif not unset:
        editor.setPalette(QPalette())  # an empty palette: inherit the parent's again


def _bounds(info: FieldInfo, is_int: bool) -> tuple[float, float]:
    """The model's ge/gt/le/lt bounds (a strict bound moves one step in for integers)."""
    limit = _INT_RANGE - 1 if is_int else _FLOAT_RANGE  # room for the "none" step below
    low, high = -limit, float(limit)
    step = 1 if is_int else 0
    for constraint in info.metadata:
        if getattr(constraint, "ge", None) is not None:
            low = max(low, constraint.ge)
        if getattr(constraint, "gt", None) is not None:
            low = max(low, constraint.gt + step)
        if getattr(constraint, "le", None) is not None:
            high = min(high, constraint.le)
        if getattr(constraint, "lt", None) is not None:
            high = min(high, constraint.lt - step)
    return low, high


def _decimals(value: Any) -> int:
    if not isinstance(value, float):
        return 0
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0
