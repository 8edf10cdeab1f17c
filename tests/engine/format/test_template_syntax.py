"""Malformed `{{...}}` references (issue 14, item 4): each is a validation error naming the file, the
activity or link and the key, instead of literal text that fails at run time far away. `\\{{` stays
the escape for a literal `{{`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import nodes.core
from engine import Registry, RunbookError, load_runbook, validate_file
from engine.format.model import FORMAT
from engine.format.templates import Reference, parse, render_value

REGISTRY = Registry([nodes.core.PACK])

MALFORMED = {
    "{{get_vms.vm_name": "unclosed",
    "VM {{get_vms.vm_name is down": "unclosed",
    "{{}}": "empty reference",
    "{{ }}": "empty reference",
    "{{.vm_name}}": "no activity id",
    "{{start.}}": "no field name",
    "{{start}}": "no field name",
    "{{Get VMs.vm_name}}": "not an activity id",
    "{{start .Items}}": "not an activity id",
    "{{{{start.Items}}}}": '"{" inside a reference',
    "{{start.{{start.Items}}}}": '"{" inside a reference',
    "a {{start.Items}} b {{start.": "unclosed",
}


@pytest.mark.parametrize(("text", "says"), MALFORMED.items())
def test_a_malformed_reference_is_an_error_and_stays_literal_text(text: str, says: str) -> None:
    template = parse(text)
    assert template is not None
    assert len(template.errors) == 1 and says in template.errors[0], template.errors
    assert "\\{{" in template.errors[0]  # says how to write literal braces
    # Rendered anyway (an unvalidated document), the malformed part is the text as written.
    well_formed = "{{start.Items}} b" if text.startswith("a ") else "\0"
    assert render_value(text, lambda ref: "V") == text.replace(well_formed, "V b")


@pytest.mark.parametrize(("text", "rendered"), [
    ("\\{{get_vms.vm_name", "{{get_vms.vm_name"),
    ("\\{{get_vms.vm_name}}", "{{get_vms.vm_name}}"),
    ("\\{{}} and \\{{.x}}", "{{}} and {{.x}}"),
    ("json: {\"a\": {\"b\": 1}}", "json: {\"a\": {\"b\": 1}}"),
    ("{{start.Items}}}", "V}"),
    ("{ {{start.Items}} }", "{ V }"),
    ("{{ start.Batch Number }}", "V"),
])
def test_escapes_and_single_braces_are_not_errors(text: str, rendered: str) -> None:
    template = parse(text)
    assert template is None or template.errors == ()
    assert render_value(text, lambda ref: "V") == rendered


def test_a_well_formed_reference_still_parses() -> None:
    template = parse("x {{get_vms.vm_name}} y {{ custom_start.Batch Number }}")
    assert template is not None and template.errors == ()
    assert template.references == (Reference("get_vms", "vm_name"), Reference("custom_start", "Batch Number"))


# -- validation: located ----------------------------------------------------------------------------

def document(properties: dict[str, Any] | None = None, include: Any = "x", loop_exit: Any = "x") -> dict:
    return {
        "format": FORMAT, "name": "Templates",
        "activities": [
            {"id": "start", "type": "core.initialize_data", "name": "Start",
             "properties": {"parameters": [{"name": "Items", "type": "string", "required": False}]}},
            {"id": "split", "type": "core.split", "name": "Split",
             "properties": properties or {"text": "{{start.Items}}"},
             "run": {"loop": {"max_attempts": 2,
                              "exit": [{"field": "split.item", "op": "equals", "value": loop_exit}]}}},
            {"id": "give", "type": "core.return_data", "name": "Give", "properties": {"data": {}}},
        ],
        "links": [{"from": "start", "to": "split"},
                  {"from": "split", "to": "give",
                   "include": [{"field": "split.item", "op": "equals", "value": include}]}],
    }


def only_error(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "runbook.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    errors = [p for p in validate_file(path, REGISTRY) if p.severity == "error"]
    assert len(errors) == 1, "\n".join(map(str, errors))
    with pytest.raises(RunbookError):
        load_runbook(path, REGISTRY)
    assert str(errors[0]).startswith(f"{path}: ")
    return str(errors[0])


def test_the_base_document_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "runbook.json"
    path.write_text(json.dumps(document()), encoding="utf-8")
    assert validate_file(path, REGISTRY) == []


def test_an_unclosed_reference_in_a_property_is_located(tmp_path: Path) -> None:
    error = only_error(tmp_path, document({"text": "{{start.Items"}))
    assert 'activity "split", key "properties.text": unclosed "{{"' in error


def test_a_malformed_reference_in_a_nested_property_is_located(tmp_path: Path) -> None:
    data = document()
    data["activities"][2]["properties"] = {"data": {"vm": ["ok", "{{start.}}"]}}
    error = only_error(tmp_path, data)
    assert 'activity "give", key "properties.data.vm[1]": no field name' in error


def test_a_malformed_reference_in_a_link_condition_is_located(tmp_path: Path) -> None:
    error = only_error(tmp_path, document(include="{{Start.Items}}"))
    assert 'link "split" -> "give", key "include[0].value": "Start" is not an activity id' in error


def test_a_malformed_reference_in_a_loop_condition_is_located(tmp_path: Path) -> None:
    error = only_error(tmp_path, document(loop_exit=["a", "{{}}"]))
    assert 'activity "split", key "run.loop.exit[0].value[1]": empty reference' in error


def test_a_malformed_reference_is_reported_even_when_the_graph_has_a_cycle(tmp_path: Path) -> None:
    data = document({"text": "{{start.Items"})
    data["links"].append({"from": "give", "to": "split"})
    path = tmp_path / "runbook.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    errors = [str(p) for p in validate_file(path, REGISTRY) if p.severity == "error"]
    assert any('key "properties.text": unclosed' in e for e in errors), errors
    assert any("cycle" in e for e in errors), errors


def test_the_escape_validates(tmp_path: Path) -> None:
    path = tmp_path / "runbook.json"
    path.write_text(json.dumps(document({"text": "\\{{start.Items and \\{{}}"})), encoding="utf-8")
    assert validate_file(path, REGISTRY) == []
