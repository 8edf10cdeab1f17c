"""resources/schema/runbook.schema.json: generated from engine.model, checked in, never stale (DESIGN §2)."""

from __future__ import annotations

import copy
import json

import pytest

import nodes.core
from engine import Registry
from engine.format.model import FORMAT, Runbook
from engine.format.schema import REGENERATE, SCHEMA_ID, SCHEMA_PATH, main, runbook_schema, schema_text
from engine.format.validate import check_document

# A runbook that uses every part of the format, valid for the engine too.
EXAMPLE = {
    "format": FORMAT,
    "name": "Schema Example",
    "description": "Every key of the format once.",
    "activities": [
        {"id": "custom_start", "type": "core.initialize_data", "name": "Custom Start", "at": [0, 160],
         "properties": {"parameters": [{"name": "Items", "type": "string"}]}},
        {"id": "split", "type": "core.split", "version": 1, "name": "Split Items",
         "description": "one row each", "at": [200, 160], "enabled": True,
         "properties": {"text": "{{custom_start.Items}}", "separator": ","},
         "run": {"timeout_s": 5, "on_timeout": "warn", "retry": {"max_attempts": 2, "delay_s": 0.5,
                                                                  "backoff": 2},
                 "max_parallel": 4},
         "flatten": {"mode": "separator", "separator": ";"}},
        {"id": "check", "type": "core.compare_values", "name": "Check", "at": [400, 160],
         "properties": {"left": "{{split.item}}", "op": "equals", "right": "a"},
         "run": {"loop": {"delay_s": 0, "max_attempts": 3, "exit": [{"status": "success"}],
                          "continue": [{"field": "check.result", "op": "equals", "value": False}]}}},
        {"id": "join", "type": "core.junction", "name": "Join", "at": [600, 160],
         "properties": {"republish": "check", "require": "settled"}},
    ],
    "links": [
        {"from": "custom_start", "to": "split"},
        {"from": "split", "to": "check",
         "include": [{"field": "split.item", "op": "is_not_empty"}, {"status": ["warning", "failed"]}],
         "exclude": [{"field": "split.index", "op": "between", "value": [10, 20]}],
         "label": "Items", "color": "#336699", "delay_s": 0.25, "enabled": True},
        {"from": "check", "to": "join"},
    ],
    "notes": [{"text": "A sticky note", "at": [10, 10], "size": [200, 100]}],
}


def test_checked_in_schema_is_current():
    assert SCHEMA_PATH.exists(), f"{SCHEMA_PATH} is missing: generate it with `{REGENERATE}`"
    checked_in = SCHEMA_PATH.read_text(encoding="utf-8")
    assert checked_in == schema_text(), (
        f"{SCHEMA_PATH} is stale (engine.format.model changed since it was generated): "
        f"regenerate it with `{REGENERATE}` and commit it")


def test_schema_is_identified_and_titled():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$id"] == SCHEMA_ID
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "Interlock runbook" in schema["title"]
    assert list(schema)[:3] == ["$schema", "$id", "title"]


def test_schema_uses_the_file_keys_not_python_names():
    schema = runbook_schema()
    defs = schema["$defs"]
    assert "from" in defs["Link"]["properties"] and "from_" not in defs["Link"]["properties"]
    assert "continue" in defs["Loop"]["properties"] and "continue_" not in defs["Loop"]["properties"]
    assert schema["properties"]["format"]["const"] == FORMAT
    assert schema["required"][0] == "format"
    for name in ("Activity", "Link", "Note", "RunBehaviour", "Retry", "Loop", "Flatten",
                 "StatusCondition", "DataCondition"):
        assert defs[name]["additionalProperties"] is False, name
    assert schema["additionalProperties"] is False


def test_schema_has_only_json_schema_bound_keywords():
    text = schema_text()
    for pydantic_only in ('"ge":', '"gt":', '"le":', '"lt":'):
        assert pydantic_only not in text
    defs = runbook_schema()["$defs"]
    assert defs["Link"]["properties"]["delay_s"]["minimum"] == 0
    assert defs["Retry"]["properties"]["backoff"]["minimum"] == 1
    timeout = defs["RunBehaviour"]["properties"]["timeout_s"]["anyOf"][0]
    assert timeout == {"type": "number", "exclusiveMinimum": 0}


def test_schema_text_is_canonical_and_stable():
    text = schema_text()
    assert text == schema_text()
    assert text.endswith("}\n") and "\t" not in text
    assert json.loads(text) == runbook_schema()


def test_main_writes_the_schema_and_check_detects_staleness(tmp_path, capsys):
    target = tmp_path / "schema" / "runbook.schema.json"
    assert main(["-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    assert main(["--check", "-o", str(target)]) == 0

    target.write_text(schema_text().replace("Interlock runbook", "Old runbook"), encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "stale" in err and REGENERATE in err

    missing = tmp_path / "nowhere.json"
    assert main(["--check", "-o", str(missing)]) == 1
    assert not missing.exists()


def test_main_prints_to_stdout(capsys):
    assert main(["-o", "-"]) == 0
    assert capsys.readouterr().out == schema_text()


def test_example_is_valid_for_the_engine():
    # the example the schema test relies on must itself be a good runbook
    runbook, problems = check_document(copy.deepcopy(EXAMPLE), "example.json", Registry([nodes.core.PACK]))
    assert [str(p) for p in problems] == []
    assert isinstance(runbook, Runbook)


def _invalid_variants() -> list[tuple[str, dict]]:
    variants = []

    def variant(label, change):
        doc = copy.deepcopy(EXAMPLE)
        change(doc)
        variants.append((label, doc))

    variant("unknown top-level key", lambda d: d.update(colour="red"))
    variant("missing format", lambda d: d.pop("format"))
    variant("newer format", lambda d: d.update(format="interlock.runbook/2"))
    variant("missing name", lambda d: d.pop("name"))
    variant("unknown activity key", lambda d: d["activities"][0].update(colour="red"))
    variant("bad id slug", lambda d: d["activities"][0].update(id="Custom-Start"))
    variant("bad type", lambda d: d["activities"][0].update(type="initialize_data"))
    variant("fractional position", lambda d: d["activities"][0].update(at=[0.5, 1]))
    variant("version 0", lambda d: d["activities"][0].update(version=0))
    variant("unknown link key", lambda d: d["links"][0].update(weight=1))
    variant("empty include", lambda d: d["links"][0].update(include=[]))
    variant("unknown op", lambda d: d["links"][1]["include"][0].update(op="like"))
    variant("unknown status", lambda d: d["links"][1]["include"][1].update(status="done"))
    variant("negative delay", lambda d: d["links"][1].update(delay_s=-1))
    variant("zero timeout", lambda d: d["activities"][1]["run"].update(timeout_s=0))
    variant("loop key as python name", lambda d: d["activities"][2]["run"]["loop"].update(
        continue_=d["activities"][2]["run"]["loop"].pop("continue")))
    return variants


INVALID = _invalid_variants()


@pytest.mark.parametrize(("label", "doc"), INVALID, ids=[label for label, _ in INVALID])
def test_schema_agrees_with_the_models_on_invalid_files(label, doc):
    # the models refuse each variant; the schema must refuse it too (checked below with jsonschema)
    _, problems = check_document(doc, "bad.json", Registry([nodes.core.PACK]))
    assert any(p.severity == "error" for p in problems), label


def test_jsonschema_accepts_the_example_and_refuses_bad_files():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = [e.message for e in validator.iter_errors(EXAMPLE)]
    assert errors == []
    accepted = [label for label, doc in INVALID if validator.is_valid(doc)]
    assert accepted == [], f"the schema accepts files the engine refuses: {accepted}"


def test_jsonschema_agrees_with_the_models_on_every_runbook_in_the_repository():
    jsonschema = pytest.importorskip("jsonschema")
    from pydantic import ValidationError

    root = SCHEMA_PATH.parent.parent.parent
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    files = [*root.glob("resources/examples/**/*.json"), *root.glob("tests/**/fixtures/**/*.json")]
    checked = []
    for path in sorted(files):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            continue
        try:
            Runbook.model_validate(document, by_name=False)
            model_valid = True
        except ValidationError:
            model_valid = False
        assert validator.is_valid(document) == model_valid, path
        checked.append(path.name)
    if not checked:
        pytest.skip("no runbook files in resources/examples or tests fixtures yet")
