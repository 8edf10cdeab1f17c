"""The run log as a person reads it: activities by name (never by id), and room for its lines from the
first start (not two rows until the panel is dragged taller)."""

from __future__ import annotations

from gestures import window  # noqa: F401 - window is a fixture

from designer.log_panel import event_line
from engine.run.events import LinkEvaluated, LogLine

NAMES = {"start_vm": "Start VM", "stop_maintenance": "Stop Maintenance"}
AT = "2026-12-05T08:00:00+00:00"


def test_link_and_log_lines_name_activities_by_name():
    link = LinkEvaluated.model_validate({"job_id": "j", "at": AT, "from": "start_vm",
                                         "to": "stop_maintenance", "passed": 2, "filtered": 1})
    _, activity, _, message = event_line(link, NAMES)
    assert activity == "Start VM"
    assert message == "link Start VM -> Stop Maintenance: 2 passed, 1 filtered"
    log = LogLine(job_id="j", at=AT, level="warning", message="slow host", activity="start_vm")
    _, activity, level, message = event_line(log, NAMES)
    assert (activity, level, message) == ("Start VM", "warning", "warning: Start VM: slow host")


def test_the_run_log_has_room_for_its_lines_at_first_start(window, qtbot):
    window.docks["log"].raise_()
    qtbot.waitUntil(lambda: window.log_panel.view.isVisible(), timeout=2000)
    view = window.log_panel.view
    rows = view.viewport().height() // view.verticalHeader().defaultSectionSize()
    assert rows >= 8, f"the run log shows {rows} rows"
    assert window.docks["properties"].width() >= 400  # the property form's tables are readable
