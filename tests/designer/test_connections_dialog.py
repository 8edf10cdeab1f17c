"""Runbook ▸ Connections…: lists the connections runs use, and Test opens each one in the background
and shows what it found (or why it failed) in its row, while the window stays responsive."""

from __future__ import annotations

from pathlib import Path

from conftest import vm, write_lab
from gestures import drop, window  # noqa: F401


def write_config(folder: Path) -> Path:
    write_lab(folder / "lab.json", [vm("web01"), vm("db01", "Stopped"), vm("mail01")])
    path = folder / "interlock.toml"
    path.write_text('[connections.default]\nkind = "simulated"\nlab = "lab.json"\n\n'
                    '[connections.gone]\nkind = "simulated"\nlab = "missing.json"\n')
    return path


def test_connections_dialog_lists_and_tests_each_connection(window, qtbot, tmp_path):
    window.settings.setValue("config", str(write_config(tmp_path)))
    dialog = window.show_connections()
    assert dialog.names() == ["default", "gone"]
    assert dialog.table.item(0, 1).text() == "simulated"
    assert dialog.test_text("default") == "not tested"
    gone = dialog.test_text("gone")
    assert gone.startswith("config problem:") and "missing.json" in gone

    dialog.test_all_button.click()
    qtbot.waitUntil(lambda: not any(dialog.test_text(n) == "testing…" for n in dialog.names()), timeout=5000)
    assert dialog.test_text("default").startswith("ok: 3 VMs visible")
    assert dialog.test_text("gone").startswith("failed:") and "not found" in dialog.test_text("gone")


def test_a_broken_config_is_shown_not_raised(window, tmp_path):
    broken = tmp_path / "interlock.toml"
    broken.write_text("[connections.default\n")
    window.settings.setValue("config", str(broken))
    dialog = window.show_connections()
    assert dialog.names() == []
    assert "cannot be read" in dialog.source.text() and str(broken) in dialog.source.text()


def test_the_connection_property_offers_the_configured_names(window, tmp_path):
    window.settings.setValue("config", str(write_config(tmp_path)))
    drop(window, "vmm.stop_vm", (200, 100))  # a dropped activity is selected, its properties shown
    editor = window.inspector.property_form.editors["connection"].editor
    completer = editor.completer()
    assert completer is not None
    assert completer.model().stringList() == ["default", "gone"]
    assert "Configured: default, gone" in editor.toolTip()
