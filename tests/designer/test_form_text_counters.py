"""The designer draws a property form for the text pack, Wait, the counters and Send Platform Event, and
an edit in it is saved with the property's type (a number as a number, the mapping table as a list)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from forms import form  # noqa: F401 - form is a fixture
from PySide6.QtWidgets import QSpinBox

from nodes.core.counters import GetCounter, ModifyCounter
from nodes.core.wait import Wait
from nodes.system.platform_event import SendPlatformEvent
from nodes.text.format_datetime import FormatDateTime
from nodes.text.generate_random import GenerateRandom
from nodes.text.map_published_data import MapPublishedData

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MAPPING = {"value": "srv-web01", "rules": [{"pattern": "srv-web*", "outputs": {"team": "Web"}}],
           "default": {"team": "Ops"}}


@pytest.mark.parametrize(("kind", "properties"), [
    (GenerateRandom, {"length": 20, "symbols": True, "secret": True}),
    (FormatDateTime, {"input": "2024-03-05", "output_format": "dd/MM/yyyy", "add_days": -1}),
    (MapPublishedData, MAPPING),
    (Wait, {"until": "22:00", "time_zone": "Europe/Paris"}),
    (GetCounter, {"name": "Tickets"}),
    (ModifyCounter, {"name": "Tickets", "action": "set", "value": 5}),
    (SendPlatformEvent, {"type": "warning", "summary": "Disk low", "details": "5% free"}),
])
def test_each_form_shows_every_property(form: Any, kind: Any, properties: dict[str, Any]) -> None:
    widget, _ = form
    widget.show_model(kind.Properties, properties, [], {})
    assert set(widget.editors) == set(kind.Properties.model_fields)


def test_modify_counter_value_is_a_number_or_none(form: Any) -> None:
    widget, emitted = form
    widget.show_model(ModifyCounter.Properties, {"name": "Tickets", "action": "increment"}, [], {})
    value = widget.editors["value"].editor
    assert isinstance(value, QSpinBox) and value.text() == "none"  # empty: increment by 1
    value.setValue(-3)
    value.editingFinished.emit()
    value.setValue(value.minimum())
    value.editingFinished.emit()
    assert emitted == [{"name": "Tickets", "action": "increment", "value": -3},
                       {"name": "Tickets", "action": "increment"}]
