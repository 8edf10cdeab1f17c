"""What the designer needs from every installed activity type: a name, help text, an icon that exists,
a colour, and (for the VM and maintenance packs) published fields known before a run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.config.registry import Registry

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"
TYPES = Registry.from_entry_points().types()


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_every_type_has_display_metadata_and_an_icon(type_name):
    kind = TYPES[type_name]
    assert kind.display_name.strip() and kind.description.strip()
    assert re.fullmatch(r"#[0-9a-f]{6}", kind.color)
    assert (ICONS / f"{kind.icon}.svg").is_file(), f"{type_name}: no icon resources/icons/{kind.icon}.svg"


@pytest.mark.parametrize("type_name", sorted(t for t in TYPES if t.startswith(("vmm.", "monitoring."))))
def test_vm_and_maintenance_types_publish_known_fields_and_a_subject(type_name):
    kind = TYPES[type_name]
    fields = kind.published_fields({})
    assert fields, type_name
    assert kind.subject_field in fields
    assert "connection" in kind.Properties.model_fields
    assert kind.Properties.model_fields["connection"].default == "default"


def test_the_first_set_of_packs_is_installed():
    assert {"vmm.get_vm", "vmm.start_vm", "vmm.stop_vm", "vmm.new_checkpoint", "vmm.get_checkpoint",
            "vmm.restore_checkpoint", "vmm.remove_checkpoint", "monitoring.start_maintenance",
            "monitoring.stop_maintenance"} <= set(TYPES)
