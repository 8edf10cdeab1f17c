"""Reading and writing runbook files (DESIGN §2): a file saved unchanged gives the same bytes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import nodes.core
from engine import Registry, Runbook, RunbookError, dumps_runbook, load_runbook, save_runbook
from engine.format.model import FORMAT

REGISTRY = Registry([nodes.core.PACK])

FULL = {
    "format": FORMAT,
    "name": "Round Trip",
    "description": "Every part of the format, so that every part must round-trip.",
    "activities": [
        {"id": "custom_start", "type": "core.initialize_data", "name": "Custom Start", "at": [0, 160],
         "properties": {"parameters": [{"name": "Items", "type": "string", "default": "a,b"},
                                       {"name": "Count", "type": "number", "required": False}]}},
        {"id": "split", "type": "core.split", "version": 1, "name": "Split Items",
         "description": "one row each", "at": [200, -40], "enabled": True,
         "properties": {"text": "{{custom_start.Items}}", "separator": ",", "trim": False},
         "run": {"timeout_s": 2.5, "on_timeout": "warn", "retry": {"max_attempts": 2, "delay_s": 0.5},
                 "max_parallel": 4},
         "flatten": {"mode": "csv"}},
        {"id": "check", "type": "core.compare_values", "name": "Check \u00e9l\u00e9ment", "at": [400, 160],
         "properties": {"left": "{{split.item}}", "op": "between", "right": [1, 10]},
         "run": {"loop": {"max_attempts": 3, "exit": [{"status": ["success", "warning"]}],
                          "continue": [{"field": "check.result", "op": "equals", "value": False}]}}},
        {"id": "join", "type": "core.junction", "name": "Join", "at": [600, 160],
         "properties": {"republish": "check", "require": "all"}},
        {"id": "spare", "type": "core.delay", "name": "Spare", "at": [600, 400], "enabled": False,
         "properties": {"seconds": 1}},
    ],
    "links": [
        {"from": "custom_start", "to": "split"},
        {"from": "split", "to": "check",
         "include": [{"field": "split.item", "op": "is_not_empty"}, {"status": "failed"}],
         "exclude": [{"field": "split.item", "op": "matches", "value": "^skip"}],
         "label": "Items", "color": "#336699", "delay_s": 0.25},
        {"from": "check", "to": "join", "enabled": True},
        {"from": "join", "to": "spare", "enabled": False},
    ],
    "notes": [{"text": "Checks every item.\nSecond line.", "at": [10, 300], "size": [240, 80]}],
}

# Hand-written in the canonical layout: 2-space indent, short flat values on one line.
HAND_WRITTEN = """\
{
  "format": "interlock.runbook/1",
  "name": "VM Checkpoint",
  "description": "Checkpoint every VM of a batch while it is stopped.",
  "activities": [
    {
      "id": "custom_start",
      "type": "core.initialize_data",
      "name": "Custom Start",
      "at": [0, 160],
      "properties": {
        "parameters": [
          {"name": "Batch Number", "type": "string"}
        ]
      }
    },
    {
      "id": "split",
      "type": "core.split",
      "name": "Split Batch",
      "at": [200, 160],
      "properties": {"text": "{{custom_start.Batch Number}}", "separator": ","}
    },
    {
      "id": "wait",
      "type": "core.junction",
      "name": "Wait for All",
      "at": [400, 160],
      "properties": {"republish": null}
    }
  ],
  "links": [
    {"from": "custom_start", "to": "split"},
    {
      "from": "split",
      "to": "wait",
      "include": [
        {"field": "split.item", "op": "not_equals", "value": "none"}
      ],
      "label": "Items"
    }
  ]
}
"""


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_canonical_file_round_trips_to_the_same_bytes(tmp_path):
    text = dumps_runbook(Runbook.model_validate(FULL))
    path = write(tmp_path / "full.json", text)
    loaded = load_runbook(path, REGISTRY)
    assert loaded.warnings == []
    assert dumps_runbook(loaded) == text
    copy = tmp_path / "copy.json"
    save_runbook(loaded, copy)
    assert copy.read_bytes() == path.read_bytes()
    # and once more, from the copy
    assert dumps_runbook(load_runbook(copy, REGISTRY)) == text


def test_canonical_text_holds_exactly_what_was_given(tmp_path):
    text = dumps_runbook(Runbook.model_validate(FULL))
    assert json.loads(text) == FULL
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "\r" not in text and "\t" not in text
    assert "\u00e9l\u00e9ment" in text  # UTF-8, not \\u escapes


def test_hand_written_canonical_file_round_trips(tmp_path):
    path = write(tmp_path / "vm-checkpoint.json", HAND_WRITTEN)
    loaded = load_runbook(path, REGISTRY)
    assert dumps_runbook(loaded) == HAND_WRITTEN
    save_runbook(loaded, path)
    assert path.read_bytes() == HAND_WRITTEN.encode("utf-8")


def test_saving_after_an_edit_changes_only_the_edited_line(tmp_path):
    path = write(tmp_path / "vm-checkpoint.json", HAND_WRITTEN)
    loaded = load_runbook(path, REGISTRY)
    loaded.activity("split").at = (220, 160)
    save_runbook(loaded, path)
    before, after = HAND_WRITTEN.splitlines(), path.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [('      "at": [200, 160],', '      "at": [220, 160],')]


def test_positions_stay_integers(tmp_path):
    doc = json.loads(HAND_WRITTEN)
    doc["activities"][1]["at"] = [200.0, -160.0]  # a tool that writes floats
    doc["notes"] = [{"text": "n", "at": [5.0, 6.0], "size": [100, 50.0]}]
    path = write(tmp_path / "floats.json", json.dumps(doc))
    loaded = load_runbook(path, REGISTRY)
    at = loaded.activity("split").at
    assert at == (200, -160) and all(type(v) is int for v in at)
    saved = json.loads(dumps_runbook(loaded))
    assert saved["activities"][1]["at"] == [200, -160]
    assert '"at": [200, -160]' in dumps_runbook(loaded)
    assert saved["notes"] == [{"text": "n", "at": [5, 6], "size": [100, 50]}]
    for activity in saved["activities"]:
        assert all(type(v) is int for v in activity["at"])


def test_fractional_position_is_refused(tmp_path):
    doc = json.loads(HAND_WRITTEN)
    doc["activities"][1]["at"] = [200.5, 160]
    path = write(tmp_path / "fraction.json", json.dumps(doc))
    with pytest.raises(RunbookError) as raised:
        load_runbook(path, REGISTRY)
    located = [p for p in raised.value.problems if p.activity == "split" and p.key == "at[0]"]
    assert len(located) == 1 and "fractional" in located[0].message


def test_keys_are_written_in_the_fixed_order(tmp_path):
    def reverse(value, free=False):
        # the keys of the format are reordered; a type's properties are kept as the author wrote them
        if isinstance(value, dict) and not free:
            return {k: reverse(v, k == "properties") for k, v in reversed(list(value.items()))}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        return value

    scrambled = reverse(FULL)
    assert next(iter(scrambled)) == "notes"
    path = write(tmp_path / "scrambled.json", json.dumps(scrambled, indent=4))
    loaded = load_runbook(path, REGISTRY)
    text = dumps_runbook(loaded)
    assert text == dumps_runbook(Runbook.model_validate(FULL))
    saved = json.loads(text)
    assert list(saved) == ["format", "name", "description", "activities", "links", "notes"]
    assert list(saved["activities"][1]) == ["id", "type", "version", "name", "description", "at", "enabled",
                                            "properties", "run", "flatten"]
    assert list(saved["links"][1]) == ["from", "to", "include", "exclude", "label", "color", "delay_s"]
    assert list(saved["activities"][2]["run"]["loop"]) == ["max_attempts", "exit", "continue"]
    assert list(saved["activities"][1]["run"]) == ["timeout_s", "on_timeout", "retry", "max_parallel"]
    assert list(saved["notes"][0]) == ["text", "at", "size"]
    # activities and links stay in authored order (never sorted)
    assert [a["id"] for a in saved["activities"]] == [a["id"] for a in FULL["activities"]]
    assert [(k["from"], k["to"]) for k in saved["links"]] == [(k["from"], k["to"]) for k in FULL["links"]]


def test_format_comes_first_even_when_a_model_is_built_in_code():
    built = Runbook(name="Built", activities=[], links=[])
    text = dumps_runbook(built)
    assert list(json.loads(text)) == ["format", "name", "activities", "links"]
    assert text.startswith('{"format": "interlock.runbook/1", ')  # short enough for one line


def test_defaults_are_not_added(tmp_path):
    minimal = {
        "format": FORMAT, "name": "Minimal",
        "activities": [{"id": "start", "type": "core.initialize_data", "name": "Start"},
                       {"id": "wait", "type": "core.junction", "name": "Wait"}],
        "links": [{"from": "start", "to": "wait"}],
    }
    path = write(tmp_path / "minimal.json", json.dumps(minimal))
    loaded = load_runbook(path, REGISTRY)
    assert loaded.activity("start").enabled is True and loaded.activity("start").version == 1
    assert json.loads(dumps_runbook(loaded)) == minimal


def test_a_default_written_explicitly_is_kept(tmp_path):
    doc = json.loads(HAND_WRITTEN)
    doc["activities"][1].update(version=1, enabled=True, description="")
    doc["links"][0].update(enabled=True, delay_s=0, exclude=[])
    path = write(tmp_path / "explicit.json", json.dumps(doc))
    saved = json.loads(dumps_runbook(load_runbook(path, REGISTRY)))
    assert saved == doc


def test_save_is_atomic_and_leaves_no_temp_file(tmp_path):
    path = write(tmp_path / "runbook.json", HAND_WRITTEN)
    loaded = load_runbook(path, REGISTRY)
    loaded.name = "Renamed"
    save_runbook(loaded, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runbook.json"]
    assert load_runbook(path, REGISTRY).name == "Renamed"
    assert loaded.path == str(path.resolve())


def test_a_failed_save_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = write(tmp_path / "runbook.json", HAND_WRITTEN)
    loaded = load_runbook(path, REGISTRY)
    loaded.name = "Half Written"

    def crash(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        save_runbook(loaded, path)
    assert path.read_bytes() == HAND_WRITTEN.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runbook.json"]


def test_save_writes_lf_line_endings_in_utf8(tmp_path):
    loaded = Runbook.model_validate(FULL)
    path = tmp_path / "new.json"
    save_runbook(loaded, path)
    data = path.read_bytes()
    assert b"\r\n" not in data
    assert data.decode("utf-8") == dumps_runbook(loaded)
    assert "\u00e9l\u00e9ment".encode() in data


def test_bundled_example_runbooks_are_in_canonical_form():
    """What the designer would write: opening and saving an example changes nothing."""
    examples = Path(__file__).resolve().parents[3] / "resources" / "examples"
    for path in examples.glob("*.json"):
        if path.name == "lab.json":
            continue
        assert dumps_runbook(load_runbook(path)) == path.read_text(encoding="utf-8"), path.name
