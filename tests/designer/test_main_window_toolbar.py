"""The toolbar: Run, Stop, the Runbook Tester, Validate, Fit and the run parameters, with icons and
tooltips that name the shortcut; each button is the menu's own action."""

from __future__ import annotations

from pathlib import Path

from gestures import window  # noqa: F401 - window is a fixture
from PySide6.QtWidgets import QMenu

from designer.run_dialog import ParametersDialog

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"
EXPECTED = {"Run": "F5", "Stop": "Shift+F5", "Parameters": "Ctrl+Shift+F5", "Run in Tester": "F6",
            "Step": "F10", "Continue": "F8", "Toggle Breakpoint": "F9", "Validate": "F7", "Fit All": "Ctrl+0"}


def menu_actions(window) -> set:
    found = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        stack = [menu] if isinstance(menu, QMenu) else []
        while stack:
            current = stack.pop()
            for action in current.actions():
                found.add(action)
                if action.menu() is not None:
                    stack.append(action.menu())
    return found


def test_the_toolbar_holds_the_menus_actions_with_icons_and_shortcuts(window):
    buttons = {a.text().replace("&", "").rstrip("…"): a for a in window.toolbar.actions()
               if not a.isSeparator() and a.text()}
    assert set(EXPECTED) <= set(buttons)
    in_menus = menu_actions(window)
    for words, keys in EXPECTED.items():
        action = buttons[words]
        assert action in in_menus, f"{words}: not the menu's own action"
        assert not action.icon().isNull(), words
        assert action.toolTip().startswith(f"{words} ({keys})"), action.toolTip()
    assert window.toolbar.isVisible()


def test_stop_is_enabled_only_while_the_current_tab_runs(window):
    assert window.run_action.isEnabled() and not window.stop_action.isEnabled()


def test_parameters_are_set_from_the_toolbar_and_start_the_next_run(window, monkeypatch):
    assert window.open_file(SEED)
    assert window.parameters_label.text() == "Parameters: asked at the run"
    shown: list[str] = []

    def answer(dialog: ParametersDialog, value: str | None) -> int:
        editor = dialog.editors["Batch Number"]
        shown.append(editor.text())
        if value is not None:
            editor.setText(value)
        return 1

    monkeypatch.setattr(ParametersDialog, "exec", lambda dialog: answer(dialog, "7"))
    window.validator.run_now().result()
    window.edit_parameters()
    assert window.parameters_label.text() == "Parameters: Batch Number = 7"
    started: list[dict] = []
    monkeypatch.setattr(window, "run", lambda parameters, step=False: started.append(parameters))
    monkeypatch.setattr(ParametersDialog, "exec", lambda dialog: answer(dialog, None))
    window.run_action.trigger()
    assert shown[-1] == "7" and started == [{"Batch Number": "7"}]
