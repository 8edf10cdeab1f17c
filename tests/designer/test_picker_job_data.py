"""The subscription picker offers job data and the config's variables besides the ancestors' published
data, inserts `{{job.FIELD}}` / `{{var.NAME}}`, shows them readably and never shows a secret's value
(issue 16, items 1 and 5)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gestures
import pytest
from forms import form  # noqa: F401 - a fixture
from gestures import window  # noqa: F401 - a fixture
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from test_properties_picker import NAMES, rows, seed_scope

from designer.scope import global_fields
from designer.subscriptions import from_display, to_display
from engine.config.settings import Config
from nodes.vmm.stop_vm import StopVm

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

IDS = {name: activity_id for activity_id, name in NAMES.items()}
SECRET_VALUE = "hunter2-never-shown"
VARIABLES = {
    "Mail Server": SimpleNamespace(value="smtp.contoso.local", env=None, keyring=None, secret=False),
    "Svc Password": SimpleNamespace(value=None, env="SVC_PASSWORD", keyring=None, secret=True),
}


@pytest.mark.parametrize(("stored", "shown"), [
    ("{{job.runbook}}", "{runbook from job data}"),
    ("Job {{job.job_id}} on {{job.server}}", "Job {job_id from job data} on {server from job data}"),
    ("{{var.Mail Server}}", "{Mail Server from variables}"),
    ("{{var.Mail Server}} and {{get_vms.vm_id}}",
     '{Mail Server from variables} and {vm_id from "Get VMs in Batch"}'),
    # Literal text that reads like a shown job field or variable is marked, so it stays text.
    ("{x from variables}", "\\{x from variables}"),
    ("{x from job data} ", "\\{x from job data} "),
    ("\\{{var.x}}", "\\{{var.x}}"),
])
def test_job_data_and_variables_show_readably_and_read_back(stored: str, shown: str) -> None:
    assert to_display(stored, NAMES) == shown
    assert from_display(shown, IDS) == stored


def test_an_activity_named_like_a_source_is_not_confused_with_it() -> None:
    names = {"job_data": "job data", "var": "Variables"}  # "var" in a scope's names is the group, not an id
    assert to_display("{{job_data.x}}", names) == '{x from "job data"}'
    assert from_display('{x from "job data"}', {"job data": "job_data"}) == "{{job_data.x}}"
    assert from_display('{x from "Variables"}', {"Variables": "var"}) == '{x from "Variables"}'


_PIECES = st.one_of(
    st.text(alphabet='ab {}\\"."from jobdatvris', max_size=8),
    st.sampled_from(["{x from variables}", "{y from job data}", " from variables", "\\{{", "\\", "}}"]),
    st.builds(lambda i, f: f"{{{{{i}.{f}}}}}", st.sampled_from([*NAMES, "job", "var", "nope"]),
              st.sampled_from(["runbook", "Mail Server", "a from variables", 'x from "Custom Start"'])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=6).map("".join))
def test_round_trip_holds_with_job_data_and_variables(stored: str) -> None:
    assert from_display(to_display(stored, NAMES), IDS) == stored


def test_global_fields_list_job_data_and_variables_and_no_secret_value() -> None:
    fields = global_fields(VARIABLES)
    job = [(f.activity_name, f.field) for f in fields if f.activity_id == "job"]
    assert job == [("Job data", n) for n in ("runbook", "job_id", "server", "started_at", "parent_job_id")]
    variables = {f.field: f for f in fields if f.activity_id == "var"}
    assert variables["Mail Server"].description == "Value: smtp.contoso.local"
    assert variables["Svc Password"].type == "secret"
    assert "SVC_PASSWORD" in variables["Svc Password"].description


def test_the_picker_offers_job_data_and_variables_and_inserts_them(form: Any, qtbot: Any) -> None:
    widget, emitted = form
    widget.show_model(StopVm.Properties, {}, seed_scope("stop_vm") + global_fields(VARIABLES), NAMES)
    button = widget.editors["vm_id"].scope_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    shown = rows(button.picker)
    groups = list(dict.fromkeys(r[0] for r in shown))
    assert groups[-2:] == ["Job data", "Variables"]  # after the activities' published data
    assert any(r[:4] == ("Job data", "Runbook", "runbook", "text") for r in shown)
    assert ("Variables", "Mail Server", "Mail Server", "text", "Value: smtp.contoso.local") in shown
    password = next(r for r in shown if r[2] == "Svc Password")
    assert password[3] == "secret"
    qtbot.keyClicks(button.picker.search, "mail server")
    qtbot.keyClick(button.picker.search, Qt.Key.Key_Return)
    assert widget.editors["vm_id"].editor.text() == "{Mail Server from variables}"
    assert emitted[-1] == {"vm_id": "{{var.Mail Server}}"}

    gestures.pick(widget.editors["connection"].scope_button, "Job data", "server")
    assert widget.editors["connection"].editor.text() == "{server from job data}"
    assert emitted[-1]["connection"] == "{{job.server}}"


def test_typing_the_shown_form_stores_the_reference(form: Any, qtbot: Any) -> None:
    from forms import type_into

    widget, emitted = form
    widget.show_model(StopVm.Properties, {}, seed_scope("stop_vm") + global_fields({}), NAMES)
    type_into(qtbot, widget.editors["vm_id"].editor, "vm-{runbook from JOB DATA}-{Svc from variables}")
    # Typed, the sources match whatever the case, as activity names do.
    assert emitted[-1] == {"vm_id": "vm-{{job.runbook}}-{{var.Svc}}"}


@pytest.mark.skipif("variables" not in Config.model_fields, reason="Config.variables lands with issue 16")
def test_the_window_offers_the_configs_variables_without_a_secret_value(
        window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_PASSWORD", SECRET_VALUE)
    config = tmp_path / "interlock.toml"
    config.write_text('[variables]\n"Mail Server" = "smtp.contoso.local"\n'
                      '"Svc Password" = { env = "SVC_PASSWORD" }\n', encoding="utf-8")
    window.settings.setValue("config", str(config))
    gestures.opened_copy(window, tmp_path)
    window.scene.select_only(["custom_start"])  # the first activity: no ancestors, job data and variables
    button = window.inspector.property_form.editors["parameters"].scope_button
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    shown = rows(button.picker)
    assert {r[2] for r in shown if r[0] == "Variables"} == {"Mail Server", "Svc Password"}
    assert {r[2] for r in shown if r[0] == "Job data"} >= {"runbook", "job_id"}
    assert not any(SECRET_VALUE in cell for r in shown for cell in r)
    button.picker.hide()
