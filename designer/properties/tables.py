"""What kind of editor a property needs, how its value reads as editable text, and the table editors.

Text in an editor always shows subscriptions the Opalis way and stores them as ids (designer.subscriptions).
A value that does not fit its typed editor (a subscription in a number, a hand-edited file) is edited as
text, never dropped: the engine validates and converts it, the form only keeps types right.
"""

from __future__ import annotations

import enum
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.subscriptions import ScopeField, from_display, shown_text, to_display
from engine.fielddocs import readable_title
from engine.format.jsonread import loads  # a runbook file's rules: what it could not hold stays text

from .picker import ScopeButton


class _Missing:
    """A key that is not in the properties dict (as opposed to a None value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_SCALARS: dict[Any, str] = {str: "text", bool: "bool", int: "int", float: "float", Any: "any"}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Kind:
    """The editor a property's annotation calls for.

    name: text | int | float | number | bool | choice | any | json (scalars) or rows | list | dict
    (tables). `any` (an `Any` field) takes text as text, and a JSON list or object as that structure;
    `json` (a value the typed editor cannot show) takes JSON.
    """

    name: str
    optional: bool = False
    choices: tuple[Any, ...] = ()
    item: Kind | None = None  # list items / dict values
    model: type[BaseModel] | None = None  # the row model of `rows`

    @property
    def is_table(self) -> bool:
        return self.name in ("rows", "list", "dict")


def classify(annotation: Any) -> Kind:
    """The Kind for a field annotation. Unions: `X | None` is an optional X, `int | float` a number, a
    union with str takes text (as `Any` does), other unions are edited as JSON."""
    optional = False
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        args = get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        optional = len(rest) < len(args)
        if set(rest) == {int, float}:
            return Kind("number", optional)
        if len(rest) != 1:
            return Kind("any" if str in rest else "json", optional)
        annotation = rest[0]
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in _SCALARS:
        return Kind(_SCALARS[annotation], optional)
    if origin is Literal:
        return Kind("choice", optional, choices=args)
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return Kind("choice", optional, choices=tuple(member.value for member in annotation))
    if origin is list and args:
        if inspect.isclass(args[0]) and issubclass(args[0], BaseModel):
            return Kind("rows", optional, model=args[0])
        if args[0] in _SCALARS and args[0] is not bool:
            return Kind("list", optional, item=classify(args[0]))
    if origin is dict and len(args) == 2 and args[0] is str and (
            args[1] in _SCALARS or get_origin(args[1]) is Literal):
        return Kind("dict", optional, item=classify(args[1]))
    return Kind("json", optional)


def kind_of(info: FieldInfo) -> Kind:
    """The Kind of a model field: its annotation's, or a choice when the model lists the values a text
    field takes (`json_schema_extra={"enum": [...]}`, as Compare Values' `op`)."""
    kind = classify(info.annotation)
    extra = info.json_schema_extra
    enum_ = extra.get("enum") if isinstance(extra, dict) else None
    if kind.name == "text" and isinstance(enum_, list) and enum_:
        return Kind("choice", kind.optional, choices=tuple(enum_))
    return kind


def fits(kind: Kind, value: Any) -> bool:
    """Whether the typed editor for `kind` can show `value` without losing it."""
    if value is MISSING or kind.name in ("text", "any", "json"):
        return True
    if value is None:
        return kind.optional
    if kind.name == "bool":
        return isinstance(value, bool)
    if kind.name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind.name in ("float", "number"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind.name == "choice":
        return value in kind.choices
    if kind.name == "rows":
        assert kind.model is not None
        known = set(kind.model.model_fields)
        return isinstance(value, list) and all(isinstance(r, dict) and set(r) <= known for r in value)
    if kind.name == "list":
        return isinstance(value, list) and all(not isinstance(v, list | dict) for v in value)
    if kind.name == "dict":
        return isinstance(value, dict) and all(not isinstance(v, list | dict) for v in value.values())
    return False


class Naming:
    """Activity ids and names of one runbook, for converting text between stored and shown forms."""

    def __init__(self, names: dict[str, str], scope: Sequence[ScopeField] = ()) -> None:
        self.names = {f.activity_id: f.activity_name for f in scope} | dict(names)
        self.ids = {name: activity_id for activity_id, name in self.names.items()}

    def show(self, text: str) -> str:
        return to_display(text, self.names)

    def store(self, text: str) -> str:
        return from_display(text, self.ids)


def text_of(kind: Kind, value: Any, naming: Naming) -> str:
    """How a stored value reads in a text editor (None and a missing key read as empty)."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, str):
        shown = naming.show(value)
        # A string is quoted only when, typed back, it would read as another value.
        quote = _is_json(shown) if kind.name == "json" else kind.name == "any" and _read_any(shown) != shown
        return json.dumps(shown, ensure_ascii=False) if quote else shown
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(_map_text(value, naming.show), ensure_ascii=False)


def value_of(kind: Kind, text: str, naming: Naming) -> Any:
    """The stored value of text typed into an editor of `kind`: a number field saves a number, a true /
    false field a boolean, a text field text; text that does not convert stays text (a subscription,
    or a mistake the validation names)."""
    if kind.name == "any":
        return _map_text(_read_any(text), naming.store)
    try:
        if kind.name in ("int", "number"):
            return int(text)
    except ValueError:
        pass
    try:
        if kind.name in ("float", "number"):
            return float(text)
        if kind.name == "json":
            return _map_text(loads(text), naming.store)
    except ValueError:  # json.JSONDecodeError is a ValueError
        pass
    if kind.name == "bool" and text.strip().casefold() in _TRUE | _FALSE:
        return text.strip().casefold() in _TRUE
    return naming.store(text)


def _read_any(text: str) -> Any:
    """What text typed into an `Any` field means: a JSON list or object is that structure ([low, high]
    for between); a JSON string is unquoted only when its text would itself read as something else;
    anything else — numbers, true, null included — is the text as typed."""
    try:
        parsed = loads(text)
    except ValueError:
        return text
    if isinstance(parsed, list | dict):
        return parsed
    if isinstance(parsed, str) and _read_any(parsed) != parsed:
        return parsed
    return text


def _is_json(text: str) -> bool:
    try:
        loads(text)
    except ValueError:
        return False
    return True


def _map_text(value: Any, convert: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, list):
        return [_map_text(v, convert) for v in value]
    if isinstance(value, dict):
        return {k: _map_text(v, convert) for k, v in value.items()}
    return value


# What a sibling "type" cell's value makes of a `typed_by` column (a parameter's default follows its type).
_TYPED_BY: dict[str, Kind] = {"string": Kind("text"), "text": Kind("text"), "number": Kind("number"),
                              "int": Kind("int"), "float": Kind("float"), "boolean": Kind("bool"),
                              "bool": Kind("bool")}


@dataclass(frozen=True)
class Column:
    key: str
    kind: Kind
    default: Any = MISSING  # MISSING: required
    description: str = ""
    typed_by: str | None = None  # the row's field whose value ("string", "number", ...) types this one
    title: str = ""  # the header; made from the key when empty

    @property
    def is_text(self) -> bool:
        return self.kind.name not in ("choice", "bool")


def typed_by(info: FieldInfo) -> str | None:
    """The sibling field that gives this field its type, from the model's form hint
    (`json_schema_extra={"typed_by": "type"}`)."""
    extra = info.json_schema_extra
    hint = extra.get("typed_by") if isinstance(extra, dict) else None
    return hint if isinstance(hint, str) else None


_MIN_TEXT = 90  # px: room to type into an empty text column
_MAX_ROWS = 8  # rows shown before the table scrolls
_CHECK = Qt.ItemDataRole.UserRole + 1  # a checkbox cell
_SET = Qt.ItemDataRole.UserRole + 2  # a checkbox cell the file or the user set (unset: omitted)
_KEY = Kind("key")  # dict keys are plain text: they never subscribe


class EditTable(QWidget):
    """A list of sub-models (one column per field), a list of scalars, or a dict (key, value).

    Empty cells are left out of a row and empty rows out of the list, so a row being typed in does not
    become a half-written entry. `changed` fires once per committed cell edit, add or remove that changes
    `value()`.
    """

    changed = Signal()

    def __init__(self, kind: Kind, value: Any, scope: Sequence[ScopeField], naming: Naming,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind, self._naming, self._filling = kind, naming, False
        self._columns = self._columns_of(kind)
        self.table = QTableWidget(0, len(self._columns), self)
        self.table.setHorizontalHeaderLabels([c.title or readable_title(c.key) for c in self._columns])
        for i, column in enumerate(self._columns):
            self.table.horizontalHeaderItem(i).setToolTip(
                "\n".join(filter(None, [column.description, f"Key in the file: {column.key}"])))
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        # Columns are sized to their content (_fit), the spare width goes to the text columns; a
        # table wider than the panel scrolls sideways instead of cutting a value to "{Ba…".
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.add_button = QPushButton("Add", self)
        self.remove_button = QPushButton("Remove", self)
        self.scope_button = ScopeButton(self, scope, self._pick)
        self.scope_button.setToolTip("Subscribe: append published data of an earlier activity to the "
                                     "selected cell")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.scope_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        for row in self._rows_of(value):
            self._append(row)
        self._last = self.value()
        self._fitting = False
        self.table.viewport().installEventFilter(self)
        self._fit()
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_rows)
        self.table.cellChanged.connect(self._cell_changed)

    @staticmethod
    def _columns_of(kind: Kind) -> list[Column]:
        if kind.name == "rows":
            assert kind.model is not None
            return [Column(name, kind_of(info),
                           MISSING if info.is_required() else info.get_default(call_default_factory=True),
                           info.description or "", typed_by(info), info.title or "")
                    for name, info in kind.model.model_fields.items()]
        assert kind.item is not None
        if kind.name == "list":
            return [Column("value", kind.item, title="Value")]
        return [Column("key", _KEY, title="Name"), Column("value", kind.item, title="Value")]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The viewport's own resize: only then is its new width known.
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize and not self._fitting:
            self._fit()
        return super().eventFilter(watched, event)

    def _fit(self) -> None:
        self._fitting = True
        try:
            self._fit_now()
        finally:
            self._fitting = False

    def _fit_now(self) -> None:
        """Each column as wide as its content (text columns at least _MIN_TEXT wide), the spare width to
        the text columns; the table as high as its rows (at least one, at most _MAX_ROWS shown)."""
        table, header = self.table, self.table.horizontalHeader()
        widths = [max(self._content_width(i), header.sectionSizeHint(i), _MIN_TEXT if column.is_text else 0)
                  for i, column in enumerate(self._columns)]
        text_columns = [i for i, column in enumerate(self._columns) if column.is_text] or [len(widths) - 1]
        spare = table.viewport().width() - sum(widths)
        if spare < 0:  # too narrow: the choice columns give up to 40 % (their text elides) before it scrolls
            for i, column in enumerate(self._columns):
                if not column.is_text and spare < 0:
                    give = min(-spare, int(widths[i] * 0.4), max(0, widths[i] - header.sectionSizeHint(i)))
                    widths[i] -= give
                    spare += give
        if spare > 0:
            for n, i in enumerate(text_columns):
                widths[i] += spare // len(text_columns) + (spare % len(text_columns) if n == 0 else 0)
        for i, width in enumerate(widths):
            header.resizeSection(i, width)
        rows = min(max(table.rowCount(), 1), _MAX_ROWS)
        row_height = table.rowHeight(0) if table.rowCount() else table.verticalHeader().defaultSectionSize()
        scroll = table.horizontalScrollBar().sizeHint().height() if sum(widths) > table.viewport().width() \
            else 0
        table.setFixedHeight(header.height() + rows * row_height + 2 * table.frameWidth() + scroll)

    def _rows_of(self, value: Any) -> list[dict[str, Any]]:
        if value is MISSING or value is None:
            return []
        if self._kind.name == "rows":
            return list(value)
        if self._kind.name == "list":
            return [{"value": v} for v in value]
        return [{"key": k, "value": v} for k, v in value.items()]

    def value(self) -> Any:
        """The edited value: list of dicts, list of scalars or dict, as the runbook stores it."""
        rows = [cells for r in range(self.table.rowCount()) if (cells := self._row_value(r))]
        if self._kind.name == "rows":
            return rows
        if self._kind.name == "list":
            return [cells["value"] for cells in rows if "value" in cells]
        return {cells["key"]: cells.get("value", "") for cells in rows if "key" in cells}

    def add_row(self) -> None:
        """Append an empty row and start editing its first text cell."""
        row = self._append({})
        self._fit()
        first = next((i for i, c in enumerate(self._columns) if c.kind.name != "choice"), 0)
        self.table.setCurrentCell(row, first)
        item = self.table.item(row, first)
        if item is not None and not item.data(_CHECK):
            self.table.editItem(item)

    def remove_rows(self) -> None:
        """Remove the selected rows (or the current one)."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows and self.table.currentRow() >= 0:
            rows = {self.table.currentRow()}
        for row in sorted(rows, reverse=True):
            self.table.removeRow(row)
        self._commit()

    def _append(self, cells: dict[str, Any]) -> int:
        self._filling = True
        try:
            row = self.table.rowCount()
            self.table.insertRow(row)
            for col, column in enumerate(self._columns):
                kind = self._kind_in(column, cells.get(column.typed_by, MISSING) if column.typed_by else None)
                self._fill_cell(row, col, column, kind, cells.get(column.key, MISSING))
        finally:
            self._filling = False
        return row

    def _content_width(self, col: int) -> int:
        """The width the column's cells need; a combo box as wide as the choice it shows (not its
        longest choice), so the value columns beside it get the room."""
        combos = [w for r in range(self.table.rowCount())
                  if isinstance(w := self.table.cellWidget(r, col), QComboBox)]
        if not combos:
            return self.table.sizeHintForColumn(col)
        option = QStyleOptionComboBox()
        combos[0].initStyleOption(option)
        metrics = combos[0].fontMetrics()
        return max(combos[0].style().sizeFromContents(
            QStyle.ContentsType.CT_ComboBox, option,
            QSize(metrics.horizontalAdvance(combo.currentText()), metrics.height()), combo).width()
            for combo in combos) + 4

    def _kind_in(self, column: Column, sibling: Any) -> Kind:
        """The column's kind in a row: its own, or the one its `typed_by` sibling names."""
        if column.typed_by is None:
            return column.kind
        if sibling is MISSING:
            sibling = next((c.default for c in self._columns if c.key == column.typed_by), MISSING)
        return _TYPED_BY.get(sibling, column.kind) if isinstance(sibling, str) else column.kind

    def _fill_cell(self, row: int, col: int, column: Column, kind: Kind, value: Any) -> None:
        """`kind` is the cell's kind in this row; a `typed_by` cell stays text, read as that kind."""
        if column.kind.name == "choice" and fits(column.kind, value):
            self.table.setCellWidget(row, col, self._combo(column, value))
            return
        item = QTableWidgetItem()
        item.setToolTip(column.description)
        if column.kind.name == "bool" and fits(column.kind, value):
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            shown = value if value is not MISSING else column.default is True
            item.setCheckState(Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked)
            item.setData(_CHECK, True)
            item.setData(_SET, value is not MISSING)
        elif kind is _KEY:
            item.setText("" if value is MISSING else str(value))
        else:
            item.setText(text_of(kind, value, self._naming))
        self.table.setItem(row, col, item)

    def _combo(self, column: Column, value: Any) -> QComboBox:
        combo = QComboBox(self.table)
        combo.setToolTip(column.description)
        # Item 0 is "not set": the row model's default applies, or the validation asks for a value.
        combo.addItem("" if column.default is MISSING else f"{column.default} (default)")
        for choice in column.kind.choices:
            combo.addItem(str(choice))
        combo.setCurrentIndex(0 if value is MISSING else column.kind.choices.index(value) + 1)
        combo.view().setMinimumWidth(combo.sizeHint().width())  # the list shows whole choices
        combo.currentIndexChanged.connect(lambda _index: self._commit())
        return combo

    def _row_value(self, row: int) -> dict[str, Any]:
        cells: dict[str, Any] = {}
        # Typed columns first: a `typed_by` column reads its text as its sibling's value says.
        order = sorted(range(len(self._columns)), key=lambda c: self._columns[c].typed_by is not None)
        for col in order:
            column = self._columns[col]
            kind = self._kind_in(column, cells.get(column.typed_by, MISSING) if column.typed_by else None)
            value = self._cell_value(row, col, column, kind)
            if value is not MISSING:
                cells[column.key] = value
        return {c.key: cells[c.key] for c in self._columns if c.key in cells}  # the columns' order

    def _cell_value(self, row: int, col: int, column: Column, kind: Kind) -> Any:
        combo = self.table.cellWidget(row, col)
        if isinstance(combo, QComboBox):
            index = combo.currentIndex()
            return column.kind.choices[index - 1] if index > 0 else MISSING
        item = self.table.item(row, col)
        if item is None:
            return MISSING
        if item.data(_CHECK):
            return item.checkState() == Qt.CheckState.Checked if item.data(_SET) else MISSING
        text = item.text()
        if text == "":
            return MISSING
        return text if kind is _KEY else value_of(kind, text, self._naming)

    def _cell_changed(self, row: int, col: int) -> None:
        if self._filling:
            return
        item = self.table.item(row, col)
        if item is not None and item.data(_CHECK) and not item.data(_SET):
            self._filling = True  # marking the cell as set is bookkeeping, not an edit
            item.setData(_SET, True)
            self._filling = False
        self._commit()

    def _pick(self, field: ScopeField) -> None:
        item = self.table.currentItem()
        if item is None or item.data(_CHECK) or self._columns[item.column()].kind is _KEY:
            return
        item.setText(item.text() + shown_text(field))

    def _commit(self) -> None:
        self._fit()
        value = self.value()
        if value != self._last:
            self._last = value
            self.changed.emit()
