"""A property whose key in the file is not a Python name (`from` of Send Email, a field with an alias):
the form shows the stored value under that key and stores what is typed under it."""

from __future__ import annotations

import os
from typing import Any

from forms import form, type_into  # noqa: F401 - a fixture
from PySide6.QtWidgets import QLineEdit

from nodes.net.send_email import SendEmail

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def test_an_aliased_property_is_shown_and_stored_under_its_key_in_the_file(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(SendEmail.Properties, {"connection": "mail", "from": "night@contoso.test"}, [], {})
    assert "sender" not in widget.editors
    line = widget.editors["from"].findChild(QLineEdit)
    assert line.text() == "night@contoso.test"
    assert "Key in the file: from" in widget.labels["from"].toolTip()
    type_into(qtbot, line, "day@contoso.test")
    assert emitted[-1] == {"connection": "mail", "from": "day@contoso.test"}
    SendEmail.Properties.model_validate(emitted[-1])  # what the form stores is what the engine reads
