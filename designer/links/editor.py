"""The link dialog (include / exclude conditions, label, colour, delay, enabled) and the junction editor.

Both edit the file's own shapes — a `Link` and a junction's properties dict — and keep what the user did
not touch exactly as it was loaded, so opening a dialog and pressing OK never changes the saved bytes.
Mistakes are shown inline in the user's words; a pydantic traceback is never what they see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.format.model import Link

from .rows import ConditionTable, Field, StatusRow

EMPTY_INCLUDE = "A link needs at least one include condition, or keep the default (succeeded)"
_TAB_HELP = {
    "include": "The link passes a token when any of these conditions holds…",
    "exclude": "…and none of these holds. Leave empty to exclude nothing.",
}
_FIELD_WORDS = {"from": "source", "to": "target", "label": "label", "color": "colour", "delay_s": "delay",
                "enabled": "enabled", "include": "include", "exclude": "exclude"}


def _explain(error: ValidationError) -> str:
    """pydantic's errors as short lines: `Include row 1: the field must read activity_id.field`."""
    lines = []
    for item in error.errors():
        loc = [part for part in item["loc"] if part not in ("status", "data")]
        where = _FIELD_WORDS.get(str(loc[0]), str(loc[0])).capitalize() if loc else "Link"
        if len(loc) > 1 and isinstance(loc[1], int):
            where += f" row {loc[1] + 1}"
        message = str(item["msg"]).removeprefix("Value error, ")
        if loc and loc[-1] == "field" and item["type"] == "string_pattern_mismatch":
            message = "the field must read activity_id.field, e.g. get_vms.status"
        lines.append(f"{where}: {message}")
    return "\n".join(lines)


class LinkDialog(QDialog):
    """Edits one link. `fields` are the (activity_id, activity name, field) the source's data scope
    offers; `names` maps activity ids to display names."""

    def __init__(self, link: Link, fields: list[tuple[str, str, str]], names: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._link = link
        self._original = link.model_dump(mode="json", by_alias=True, exclude_unset=True)
        source, target = names.get(link.from_, link.from_), names.get(link.to, link.to)
        self.setWindowTitle(f"Link: {source} → {target}")
        self.resize(760, 560)

        heading = QLabel(f"From <b>{source}</b> to <b>{target}</b>")
        self.tabs = QTabWidget()
        self.include_table = self._add_tab("Include", fields, names, link.from_)
        self.exclude_table = self._add_tab("Exclude", fields, names, link.from_)
        original_include = self._original.get("include")
        self.include_table.load(original_include if original_include is not None else [{"status": "success"}])
        self.exclude_table.load(self._original.get("exclude", []))
        for table in (self.include_table, self.exclude_table):
            table.rows_changed.connect(self._clear_error)

        self.label_edit = QLineEdit(link.label)
        self.label_edit.setPlaceholderText("shown on the link instead of its conditions")
        self.color_button = QPushButton()
        self.color_button.clicked.connect(self._choose_color)
        self.auto_color = QPushButton("Use automatic")
        self.auto_color.setToolTip("Colour the link by its kind: success, failure or data")
        self.auto_color.clicked.connect(lambda: self.set_color(""))
        color_row = QHBoxLayout()
        color_row.addWidget(self.color_button)
        color_row.addWidget(self.auto_color)
        color_row.addStretch(1)
        self.delay = QDoubleSpinBox()
        self.delay.setRange(0, 7 * 24 * 3600)
        self.delay.setDecimals(2)
        self.delay.setSuffix(" s")
        self.delay.setMaximumWidth(140)
        self.delay.setValue(float(link.delay_s))
        self._shown_delay = self.delay.value()  # rounded to the box's decimals: unchanged keeps the file's
        self.delay.setToolTip("Hold each token this long before the target starts")
        self.enabled = QCheckBox("Enabled (a disabled link passes nothing)")
        self.enabled.setChecked(link.enabled)
        general = QGroupBox("General")
        form = QFormLayout(general)
        form.addRow("Label", self.label_edit)
        form.addRow("Colour", color_row)
        form.addRow("Delay", self.delay)
        form.addRow("", self.enabled)
        self.set_color(link.color)

        self.error_label = QLabel()
        self.error_label.setObjectName("link_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(general)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _add_tab(self, title: str, fields: Sequence[Field], names: Mapping[str, str],
                 source: str) -> ConditionTable:
        table = ConditionTable(fields, names, source)
        table.setObjectName(f"{title.lower()}_table")
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel(_TAB_HELP[title.lower()]))
        layout.addWidget(table, 1)
        buttons = QHBoxLayout()
        actions = (("Add data condition", table.add_data), ("Add status condition", table.add_status),
                   ("Remove", table.remove_current))
        for text, action in actions:
            button = QPushButton(text)
            button.setObjectName(f"{title.lower()}_{text.lower().replace(' ', '_')}")
            button.clicked.connect(lambda _=False, act=action: act())
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        remove = buttons.itemAt(2).widget()
        table.rows_changed.connect(lambda: remove.setEnabled(bool(table.rows)))
        self.tabs.addTab(page, title)
        return table

    # -- colour -----------------------------------------------------------------------------------------

    def color(self) -> str:
        """The chosen colour as `#rrggbb`, or "" for automatic (by the link's kind)."""
        return self._color

    def set_color(self, color: str) -> None:
        self._color = color
        if color and QColor(color).isValid():
            self.color_button.setText(color)
            self.color_button.setStyleSheet(f"background: {color}; color: "
                                            f"{'#000' if QColor(color).lightness() > 128 else '#fff'};")
        else:
            self.color_button.setText("Automatic")
            self.color_button.setStyleSheet("")
        self.auto_color.setVisible(bool(color))

    def _choose_color(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._color or "#4a90d9"), self, "Link colour")
        if chosen.isValid():
            self.set_color(chosen.name())

    # -- result -----------------------------------------------------------------------------------------

    def _include(self) -> list[dict[str, Any]] | None:
        """None (the default) when the tab holds just the single succeeded row the default shows, unless
        the file wrote that out itself: then it stays written out."""
        conditions = self.include_table.conditions()
        rows = self.include_table.rows
        if len(rows) == 1 and isinstance(rows[0], StatusRow) and rows[0].checked() == ["success"]:
            original = self._original.get("include")
            return original if original is not None and conditions == original else None
        return conditions

    def _problems(self) -> list[str]:
        problems = []
        if not self.include_table.rows:
            problems.append(EMPTY_INCLUDE)
        for title, table in (("Include", self.include_table), ("Exclude", self.exclude_table)):
            for index, row in enumerate(table.rows, 1):
                problem = row.problem()
                if problem:
                    problems.append(f"{title} row {index}: {problem}")
        return problems

    def _data(self) -> dict[str, Any]:
        data = dict(self._original)
        delay = self.delay.value()
        shown_delay = self._link.delay_s if delay == self._shown_delay else delay

        def put(key: str, value: Any, default: Any) -> None:
            if key in data and data[key] == value:
                return  # unchanged: keep it as written (5 stays 5, not 5.0)
            if value == default:
                data.pop(key, None)
            else:
                data[key] = value

        put("include", self._include(), None)
        put("exclude", self.exclude_table.conditions(), [])
        put("label", self.label_edit.text(), "")
        put("color", self._color, "")
        put("delay_s", int(shown_delay) if float(shown_delay).is_integer() else shown_delay, 0)
        put("enabled", self.enabled.isChecked(), True)
        return data

    def _build(self) -> tuple[Link | None, str]:
        problems = self._problems()
        if problems:
            return None, "\n".join(problems)
        try:
            return Link.model_validate(self._data(), by_name=False), ""
        except ValidationError as error:
            return None, _explain(error)

    def result_link(self) -> Link:
        """The edited link (same ends). Raises ValueError, with the message the dialog shows, when the
        conditions are not valid."""
        link, error = self._build()
        if link is None:
            raise ValueError(error)
        return link

    def error_text(self) -> str:
        """The message currently shown under the tables ("" when none)."""
        return self.error_label.text() if not self.error_label.isHidden() else ""

    def _clear_error(self) -> None:
        self.error_label.hide()

    def accept(self) -> None:
        link, error = self._build()
        if link is None:
            self.error_label.setText(error)
            self.error_label.show()
            return
        super().accept()


class JunctionEditor(QWidget):
    """A junction's two properties (DESIGN §3.5). Emits `edited(properties)` on every user change;
    `set_junction` itself emits nothing."""

    edited = Signal(object)  # the properties dict (object: passed whole, never made a QVariantMap)

    REQUIRE_HELP: ClassVar[dict[str, str]] = {
        "settled": "Settled: fire when every branch is done, even ones that never ran",
        "all": "All: also need data from every incoming link",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._properties: dict[str, Any] = {}
        self.republish = QComboBox()
        self.republish.setToolTip("Which branch's rows continue after the junction; <None>: one empty row")
        self.require = QComboBox()
        for value, help_text in self.REQUIRE_HELP.items():
            self.require.addItem(value.capitalize(), value)
            self.require.setItemData(self.require.count() - 1, help_text, Qt.ItemDataRole.ToolTipRole)
        self.require_help = QLabel()
        self.require_help.setWordWrap(True)
        self.require_help.setStyleSheet("color: palette(mid);")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Return data from", self.republish)
        form.addRow("Require", self.require)
        form.addRow("", self.require_help)
        self._loading = False
        self.republish.currentIndexChanged.connect(self._emit)
        self.require.currentIndexChanged.connect(self._emit)
        self.set_junction({}, [])

    def set_junction(self, properties: dict[str, Any], predecessors: list[tuple[str, str]]) -> None:
        """Show a junction's properties; `predecessors` are its direct predecessors as (id, name)."""
        self._loading = True
        try:
            self._load(properties, predecessors)
        finally:
            self._loading = False

    def _load(self, properties: dict[str, Any], predecessors: list[tuple[str, str]]) -> None:
        self._properties = dict(properties)
        republish = properties.get("republish")
        self.republish.clear()
        self.republish.addItem("<None>", None)
        for activity_id, name in predecessors:
            self.republish.addItem(name, activity_id)
        index = self.republish.findData(republish) if republish is not None else 0
        if index < 0:  # a file naming a non-predecessor: show it rather than silently changing it
            self.republish.addItem(f"{republish} (not a direct predecessor)", republish)
            index = self.republish.count() - 1
        self.republish.setCurrentIndex(index)
        self.require.setCurrentIndex(max(0, self.require.findData(properties.get("require", "settled"))))
        self._show_help()

    def properties(self) -> dict[str, Any]:
        """The properties as edited: `require` stays out when it was absent and is still the default."""
        result = dict(self._properties)
        result["republish"] = self.republish.currentData()
        require = str(self.require.currentData())
        if "require" in self._properties or require != "settled":
            result["require"] = require
        return result

    def _show_help(self) -> None:
        self.require_help.setText(self.REQUIRE_HELP.get(str(self.require.currentData()), ""))

    def _emit(self) -> None:
        self._show_help()
        if not self._loading:
            self.edited.emit(self.properties())
