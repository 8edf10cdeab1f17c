"""Activity names on the canvas and in exported pictures: the whole name, wrapped on two lines and
elided only beyond; the full name and description in the tooltip; the type under the name only when it
says something the name does not."""

from __future__ import annotations

import json
from pathlib import Path

from gestures import window  # noqa: F401 - window is a fixture

from designer.export import render_image
from engine.format.fileio import load_runbook

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"
LONG = "Checkpoint every virtual machine of the batch while it is stopped and then start it again"


def test_every_seed_name_shows_whole_on_at_most_two_lines(window):
    assert window.open_file(SEED)
    for activity in window.document.activities:
        lines = window.scene.activity_items[activity.id].name_lines()
        assert 1 <= len(lines) <= 2, activity.name
        assert " ".join(lines) == activity.name


def test_a_name_too_long_for_two_lines_is_elided_and_whole_in_the_tooltip(window, tmp_path):
    data = json.loads(SEED.read_text())
    data["activities"][3]["name"] = LONG
    data["activities"][3]["description"] = "Stops <b>the</b> VM"
    path = tmp_path / "long.json"
    path.write_text(json.dumps(data))
    assert window.open_file(path)
    item = window.scene.activity_items["stop_vm"]
    lines = item.name_lines()
    assert len(lines) == 2 and lines[1].endswith("…")
    assert LONG in item.toolTip()
    assert "Stops &lt;b&gt;the&lt;/b&gt; VM" in item.toolTip()  # shown as written, not as markup


def test_the_type_shows_only_when_it_differs_from_the_name(window):
    assert window.open_file(SEED)
    items = window.scene.activity_items
    assert items["stop_vm"].subtitle() == ""  # "Stop VM" of type Stop VM
    assert items["get_vms"].subtitle() == "Get VM"
    assert items["wait_stopped"].subtitle() == "Junction"


def test_exported_pictures_show_the_whole_names(tmp_path):
    svg = render_image(load_runbook(SEED), "svg").decode()
    assert "…" not in svg
    for activity in load_runbook(SEED).activities:
        for word in activity.name.split():
            assert f">{word}" in svg or f" {word}" in svg, (activity.name, word)
