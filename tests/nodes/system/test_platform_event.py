"""Send Platform Event: the event is in the job's events (what `interlock run --events`, the progress
lines and the designer's run log show) and in the stored history, and the activity publishes it."""

from __future__ import annotations

import json

import pytest
from chains import cli_run, run_chain, step

from engine.cli.main import main
from engine.history import open_history


def test_the_event_reaches_the_events_the_history_and_the_published_data(tmp_path, capsys):
    code, out, err = cli_run(
        tmp_path, capsys, step("split", "core.split", text="web01,web02", separator=","),
        step("event", "system.send_platform_event", type="warning", summary="{{split.item}} is low on disk",
             details="free space under 5%"),
        extra=("--events",))
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    logged = sorted((e["level"], e["message"], e["activity"]) for e in events if e["kind"] == "log")
    assert logged == [("warning", "web01 is low on disk — free space under 5%", "event"),
                      ("warning", "web02 is low on disk — free space under 5%", "event")]
    assert "warning: Event: web01 is low on disk — free space under 5%" in err  # the progress lines
    job_id = events[0]["job_id"]
    with open_history() as history:
        stored = history.job(job_id)
    assert sorted(e.message for e in stored.events if e.kind == "log") == [m for _, m, _ in logged]
    sent = sorted((r["summary"], r["type"], r["details"]) for i in stored.instances if i.activity == "event"
                  for r in i.rows)
    assert sent == [("web01 is low on disk", "warning", "free space under 5%"),
                    ("web02 is low on disk", "warning", "free space under 5%")]
    capsys.readouterr()
    assert main(["show", job_id]) == 0  # the stored job, as `interlock show` prints it
    shown = capsys.readouterr().out
    assert "Log" in shown and "warning: Event: web02 is low on disk — free space under 5%" in shown


@pytest.mark.parametrize("severity", ["info", "warning", "error"])
async def test_each_severity_is_the_log_level_and_the_instance_succeeds(tmp_path, severity):
    events = []
    result = await run_chain(tmp_path, step("event", "system.send_platform_event", type=severity,
                                            summary="Backup finished"), events=events)
    assert result.status == "success"
    assert result.rows("event") == [{"type": severity, "summary": "Backup finished", "details": ""}]
    assert [(e.level, e.message) for e in events if e.kind == "log"] == [(severity, "Backup finished")]


async def test_the_designer_run_log_shows_it_at_its_level(tmp_path):
    from designer.log_panel import event_line

    events = []
    await run_chain(tmp_path, step("event", "system.send_platform_event", type="error", summary="Job stuck",
                                   details="queue depth 900"), events=events)
    log = next(e for e in events if e.kind == "log")
    _, activity, level, message = event_line(log, {"event": "Raise Alarm"})
    assert (activity, level) == ("Raise Alarm", "error")
    assert "Job stuck — queue depth 900" in message


@pytest.mark.parametrize(("properties", "message"), [
    ({"summary": ""}, "at least 1 character"),
    ({"summary": "x", "type": "critical"}, "'info', 'warning' or 'error'"),
])
def test_bad_properties_are_refused_before_the_run(tmp_path, capsys, properties, message):
    code, _, err = cli_run(tmp_path, capsys, step("event", "system.send_platform_event", **properties))
    assert code == 2 and message in err
