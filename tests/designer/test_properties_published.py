"""The Published Data tab: what the selected activity publishes — title, field, type, description —
with the common data every row carries (issue 15, item 13)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gestures import window  # noqa: F401 - window is a fixture

from engine.fielddocs import COMMON_DOCS

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def published_rows(window: Any) -> list[tuple[str, ...]]:
    return window.inspector.published_view.rows()


def select(window: Any, activity_id: str) -> None:
    window.scene.clearSelection()
    window.scene.activity_items[activity_id].setSelected(True)


def open_tab(window: Any) -> None:
    tabs = window.inspector.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Published Data"))


def test_the_tab_lists_own_fields_then_the_common_data(window: Any) -> None:
    assert window.open_file(SEED)
    select(window, "get_vms")
    open_tab(window)
    shown = published_rows(window)
    assert shown[0] == ("VM ID", "vm_id", "text", "The VM's id in the VM manager")
    assert ("Custom property 10", "custom_property_10", "text",
            "SCVMM's Custom10 property of the VM (empty when not set)") in shown
    assert shown[-len(COMMON_DOCS):] == [(d.title, d.name, d.type, d.description) for d in COMMON_DOCS]
    assert window.inspector.published_view.isVisible()


def test_the_tab_follows_the_selection_and_the_properties(window: Any, qtbot: Any) -> None:
    assert window.open_file(SEED)
    open_tab(window)
    select(window, "custom_start")
    assert published_rows(window)[0][:3] == ("Batch Number", "Batch Number", "text")
    select(window, "wait_stopped")  # a junction publishes what it returns data from
    assert published_rows(window)[0][:2] == ("VM ID", "vm_id")
    assert "Get VMs in Batch" in window.inspector.published_view.note.text()
    select(window, "stop_vm")
    assert [r[1] for r in published_rows(window)][:3] == ["vm_id", "vm_name", "status"]
