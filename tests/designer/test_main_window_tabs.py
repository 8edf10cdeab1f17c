"""Several runbooks at once, as in Orchestrator's designer: each runbook in its own tab (document, undo
history, modified state, runs), File → Open Folder lists the runbooks of a folder, and an Invoke
Runbook activity opens its child with one double-click."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from gestures import view_point, window  # noqa: F401 - window is a fixture
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from test_run_view import on_lab, qloop  # noqa: F401 - qloop is a fixture

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def runbook_file(path: Path, name: str, activities: list[dict] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": name,
                                "activities": activities or [], "links": []}))
    return path


def two_open(window, tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "seed.json"
    shutil.copyfile(SEED, first)
    second = runbook_file(tmp_path / "other.json", "Other", [
        {"id": "wait", "type": "core.delay", "name": "Wait", "at": [0, 0], "properties": {"seconds": 1}}])
    assert window.open_file(first)
    assert window.open_file(second)
    return first, second


def test_each_runbook_opens_in_its_own_tab_with_its_own_history(window, tmp_path):
    first, second = two_open(window, tmp_path)
    assert window.tabs.count() == 2  # the untouched new runbook was replaced, not kept
    assert [t.path for t in window.open_tabs()] == [first.resolve(), second.resolve()]
    assert window.windowTitle().startswith("Other")
    window.add_note()
    assert window.isWindowModified() and window.tabs.tabText(1) == "Other *"
    window.tabs.setCurrentIndex(0)
    assert window.windowTitle().startswith("VM Checkpoint") and not window.isWindowModified()
    assert window.document.notes and len(window.document.notes) == 1  # the seed's own note only
    assert window.undo_stack.count() == 0  # the other tab's edit is not in this tab's history
    window.tabs.setCurrentIndex(1)
    window.undo_group.undo()  # Edit → Undo acts on the current tab
    assert window.document.notes == [] and not window.isWindowModified()


def test_opening_an_open_file_again_shows_its_tab(window, tmp_path):
    first, _ = two_open(window, tmp_path)
    assert window.open_file(first)
    assert window.tabs.count() == 2 and window.path == first.resolve()


def test_closing_a_modified_tab_asks_and_cancel_keeps_it(window, tmp_path, monkeypatch):
    _, second = two_open(window, tmp_path)
    window.add_note()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: (
        asked.append(str(args[2])), QMessageBox.StandardButton.Cancel)[1])
    assert not window.close_tab(window.tab)
    assert asked == ['Save the changes to "Other"?'] and window.tabs.count() == 2
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kw: QMessageBox.StandardButton.Save)
    assert window.close_tab(window.tab)
    assert window.tabs.count() == 1 and window.path != second.resolve()
    assert json.loads(second.read_text())["notes"][0]["text"] == "Note"  # saved on the way out


def test_closing_the_last_tab_leaves_a_new_runbook(window, tmp_path):
    path = runbook_file(tmp_path / "only.json", "Only")
    assert window.open_file(path)
    assert window.close_tab(window.tab)
    assert window.tabs.count() == 1 and window.path is None
    assert window.document.runbook.name == "New Runbook"


def test_runs_belong_to_their_tab(window, tmp_path):
    two_open(window, tmp_path)
    seed, other = window.open_tabs()
    assert seed.runner is not other.runner and seed.tester is not other.tester
    window.tabs.setCurrentWidget(seed)
    assert window.runner is seed.runner and window.log_panel is seed.log_panel
    assert window.stacks["log"].currentWidget() is seed.log_panel
    assert window.stacks["properties"].currentWidget() is seed.inspector


def test_open_folder_lists_the_runbooks_as_git_keeps_them(window, tmp_path):
    root = tmp_path / "catalogue"
    top = runbook_file(root / "top.json", "Top")
    nested = runbook_file(root / "vm" / "checkpoint.json", "Checkpoint VMs")
    runbook_file(root / ".git" / "stray.json", "In git's own folder")
    runbook_file(root / ".hidden" / "h.json", "Hidden")
    (root / "vm" / "lab.json").write_text('{"vms": []}')  # JSON, but not a runbook
    (root / "vm" / "broken.json").write_text("{not json")
    (root / "notes.txt").write_text("not a runbook")
    window.open_folder(root)
    items = window.catalogue.items()
    assert set(items) == {str(top.resolve()), str(nested.resolve())}
    assert items[str(nested.resolve())].text(0) == "Checkpoint VMs"
    assert items[str(nested.resolve())].parent().text(0) == "vm"
    assert window.docks["catalogue"].isVisible()
    window.catalogue.tree.itemActivated.emit(items[str(nested.resolve())], 0)
    assert window.path == nested.resolve() and window.document.runbook.name == "Checkpoint VMs"
    assert window.settings.value("folder") == str(root.resolve())


def test_double_clicking_invoke_runbook_opens_the_child_in_a_tab(window, tmp_path):
    child = runbook_file(tmp_path / "children" / "child.json", "Child")
    parent = runbook_file(tmp_path / "parent.json", "Parent", [
        {"id": "invoke", "type": "core.invoke_runbook", "name": "Run the child", "at": [0, 0],
         "properties": {"path": "children/child.json"}}])
    assert window.open_file(parent)
    item = window.scene.activity_items["invoke"]
    window.view.ensureVisible(item)
    at = view_point(window, item.mapToScene(item.box().center()))
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert window.tabs.count() == 2
    assert window.path == child.resolve() and window.document.runbook.name == "Child"
    assert window.undo_stack.count() == 0  # opening is not an edit


def test_an_invoked_runbook_that_is_missing_is_explained(window, tmp_path):
    parent = runbook_file(tmp_path / "parent.json", "Parent", [
        {"id": "invoke", "type": "core.invoke_runbook", "name": "Run the child", "at": [0, 0],
         "properties": {"path": "gone.json"}}])
    assert window.open_file(parent)
    window.scene.edit_requested.emit("activity", "invoke")
    assert window.tabs.count() == 1
    assert '"Run the child"' in window.asked[-1] and str(tmp_path / "gone.json") in window.asked[-1]


def test_saving_over_a_file_open_in_another_tab_is_refused(window, tmp_path):
    first, _ = two_open(window, tmp_path)
    before = first.read_bytes()
    assert not window._write(first)  # the Other tab may not overwrite the seed's open file
    assert "open in another tab" in window.asked[-1] and first.read_bytes() == before


def test_closing_a_tab_whose_job_runs_stops_the_job(window, qloop, make_lab, monkeypatch):
    on_lab(window, make_lab, time_scale=1.0)  # slow enough to be running when the tab closes
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    tab = window.tab

    async def go():
        done = asyncio.get_running_loop().create_future()
        tab.runner.finished.connect(lambda result: done.done() or done.set_result(result))
        assert window.run({"Batch Number": "1"})
        await asyncio.sleep(0.2)
        assert window.close_tab(tab)
        return await asyncio.wait_for(done, 30)

    result = qloop.run_until_complete(go())
    assert result.status == "cancelled"
    assert window.tabs.count() == 1 and window.tab is not tab
