"""Copy and paste as a user does it: the copy lands at the mouse (or 40 px further for each repeated
paste), and a pasted group is valid as pasted — its subscriptions, link ends and a junction's
`republish` point at the copies when their source was copied too."""

from __future__ import annotations

from pathlib import Path

from gestures import window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def problems(window) -> list[str]:
    window.validator.run_now().result()
    QTest.qWait(50)
    return sorted(f"{p.severity}: {p.message}" for p in window.validator.problems)


def copy_paste(window, ids: list[str]) -> list[str]:
    window.scene.select_only(ids)
    window.copy()
    window.paste()
    return sorted(window.scene.selected_activity_ids())


def test_a_pasted_group_raises_no_new_problem(window):
    assert window.open_file(SEED)
    before = problems(window)
    pasted = copy_paste(window, ["get_vms", "start_maintenance", "stop_vm"])
    assert pasted == ["get_vms_2", "start_maintenance_2", "stop_vm_2"]
    assert problems(window) == before
    # the copy of the first activity keeps its incoming link from outside, so it is no second start,
    # and its subscription to Custom Start stays valid; inner links and subscriptions follow the copies
    assert window.document.link("custom_start", "get_vms_2") is not None
    assert window.document.link("get_vms_2", "start_maintenance_2").include[0].field == "get_vms_2.status"
    assert window.document.activity("stop_vm_2").properties["vm_id"] == "{{get_vms_2.vm_id}}"
    assert window.document.link("stop_vm_2", "wait_stopped") is None  # nothing outside changes
    window.undo_stack.undo()
    assert problems(window) == before


def test_a_pasted_junction_returns_data_from_the_copy_of_its_branch(window):
    assert window.open_file(SEED)
    before = problems(window)
    copy_paste(window, ["stop_vm", "new_checkpoint", "wait_checkpoints", "start_vm"])
    assert window.document.activity("wait_checkpoints_2").properties["republish"] == "stop_vm_2"
    assert window.document.activity("start_vm_2").properties["vm_id"] == "{{stop_vm_2.vm_id}}"
    assert problems(window) == before


def test_paste_lands_at_the_mouse(window, qtbot):
    assert window.open_file(SEED)
    window.scene.select_only(["stop_vm", "wait_stopped"])  # top-left of the two: (650, 60)
    window.copy()
    window.view.set_zoom(1.0)
    window.view.centerOn(QPointF(900, 600))
    viewport = window.view.viewport()
    mouse = window.view.mapFromScene(QPointF(1003, 611))
    QTest.mouseMove(viewport, mouse)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.document.activity("stop_vm_2").at == (1000, 620)  # the mouse, on the grid
    assert window.document.activity("wait_stopped_2").at == (1000 + 220, 620 + 160)
    QTest.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.document.activity("stop_vm_3").at == (1040, 660)  # same spot again: 40 px further


def test_repeated_paste_without_the_mouse_steps_40_px(window):
    assert window.open_file(SEED)
    window.scene.select_only(["stop_vm"])
    window.copy()
    window.paste()
    window.paste()
    assert window.document.activity("stop_vm_2").at == (690, 100)
    assert window.document.activity("stop_vm_3").at == (730, 140)
