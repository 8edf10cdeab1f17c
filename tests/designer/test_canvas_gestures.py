"""Mouse gestures on the canvas as a user makes them: a click selects and never moves anything; a drag
moves what was dragged and snaps only that, as one undoable step."""

from __future__ import annotations

from pathlib import Path

from gestures import click_item, drag_item, opened_copy, window  # noqa: F401 - window is a fixture

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def test_clicking_each_activity_moves_nothing_and_saves_the_same_bytes(window, tmp_path):
    path = opened_copy(window, tmp_path)
    off_grid = [a.id for a in window.document.activities if a.at[0] % 20 or a.at[1] % 20]
    assert off_grid, "the seed has activities off the 20 px grid: the case this test is about"
    for activity in list(window.document.activities):
        click_item(window, activity.id)
        assert window.scene.selected_activity_ids() == [activity.id]
    assert window.undo_stack.count() == 0
    assert not window.isWindowModified()
    assert window.save()
    assert path.read_bytes() == SEED.read_bytes()


def test_a_drag_snaps_only_what_was_dragged_in_one_undoable_step(window, tmp_path):
    path = opened_copy(window, tmp_path)
    before = {a.id: a.at for a in window.document.activities}
    drag_item(window, "stop_vm", (47, 33))
    after = {a.id: a.at for a in window.document.activities}
    moved = {k for k in before if before[k] != after[k]}
    assert moved == {"stop_vm"}
    x, y = after["stop_vm"]
    assert x % 20 == 0 and y % 20 == 0 and (x, y) != before["stop_vm"]
    assert window.undo_stack.count() == 1 and window.undo_stack.text(0) == "Move 1 item"
    window.undo_stack.undo()
    assert window.save()
    assert path.read_bytes() == SEED.read_bytes()


def test_a_drag_back_to_where_it_started_is_no_move(window, tmp_path):
    opened_copy(window, tmp_path)
    drag_item(window, "get_vms", (0, 0))
    assert window.undo_stack.count() == 0
