"""Hostile runbook files (issue 14, items 2-4): deep nesting, huge numbers, duplicate keys, text that
is not text. Each is one located error of validation, never a traceback, and what validates loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import nodes.core
from engine import Registry, RunbookError, load_runbook
from engine.config.registry import Registry as _Registry
from engine.format.fileio import validate_file
from engine.format.model import FORMAT
from engine.format.validate import check_document
from engine.limits import MAX_DEPTH, MAX_INTEGER_DIGITS

REGISTRY: _Registry = Registry([nodes.core.PACK])


def document(data_value: Any = "x", at: Any = 0) -> dict[str, Any]:
    """A valid runbook whose Return Data activity publishes `data_value` (depth: runbook 1, activities 2,
    activity 3, properties 4, data 5, so the value's own containers start at depth 6)."""
    return {
        "format": FORMAT, "name": "Hostile",
        "activities": [
            {"id": "start", "type": "core.initialize_data", "name": "Start", "at": [at, 0],
             "properties": {"parameters": []}},
            {"id": "give", "type": "core.return_data", "name": "Give", "at": [200, 0],
             "properties": {"data": {"x": data_value}}},
        ],
        "links": [{"from": "start", "to": "give"}],
    }


def nested(levels: int) -> Any:
    value: Any = "deep"
    for _ in range(levels):
        value = [value]
    return value


def errors_of(path: Path) -> list[str]:
    problems = validate_file(path, REGISTRY)
    assert all(p.file == str(path) for p in problems)
    errors = [str(p) for p in problems if p.severity == "error"]
    if errors:
        with pytest.raises(RunbookError) as caught:
            load_runbook(path, REGISTRY)
        assert str(caught.value) == "\n".join(errors)
    return errors


def write(tmp_path: Path, text: str | bytes, name: str = "hostile.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_an_unclosed_run_of_100000_brackets_is_one_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[" * 100_000)
    [error] = errors_of(path)
    assert error.startswith(f'{path}: key "[0][0]')
    assert error.endswith(f'": nested deeper than {MAX_DEPTH} levels at line 1, column {MAX_DEPTH + 1}')


def test_a_property_nested_300_levels_is_refused_with_its_key_path(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(document(nested(300)), indent=2))
    [error] = errors_of(path)
    assert error.startswith(f'{path}: key "activities[1].properties.data.x[0]')
    assert f": nested deeper than {MAX_DEPTH} levels at line " in error


def test_nesting_up_to_the_limit_validates_and_loads_one_more_does_not(tmp_path: Path) -> None:
    at_limit = write(tmp_path, json.dumps(document(nested(MAX_DEPTH - 5))), "limit.json")
    assert errors_of(at_limit) == []
    assert load_runbook(at_limit, REGISTRY).activity("give").properties["data"]["x"] == nested(MAX_DEPTH - 5)
    beyond = write(tmp_path, json.dumps(document(nested(MAX_DEPTH - 4))), "beyond.json")
    [error] = errors_of(beyond)
    assert f"nested deeper than {MAX_DEPTH} levels" in error


def test_a_5000_digit_integer_is_refused_where_it_stands(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(document(at=12345), indent=2).replace("12345", "9" * 5000))
    [error] = errors_of(path)
    assert error == (f'{path}: key "activities[0].at[0]": an integer of 5000 digits: at most '
                     f'{MAX_INTEGER_DIGITS} digits are allowed at line 10, column 9')


def test_integers_up_to_the_digit_limit_pass(tmp_path: Path) -> None:
    largest = 10 ** MAX_INTEGER_DIGITS - 1
    assert errors_of(write(tmp_path, json.dumps(document(-largest)), "ok.json")) == []
    [error] = errors_of(write(tmp_path, json.dumps(document(largest + 1)), "big.json"))
    assert f"an integer of {MAX_INTEGER_DIGITS + 1} digits" in error
    assert 'key "activities[1].properties.data.x"' in error


@pytest.mark.parametrize("number", ["1e999", "-1e999", "NaN", "Infinity", "-Infinity"])
def test_numbers_that_are_not_finite_are_refused(tmp_path: Path, number: str) -> None:
    text = json.dumps(document("HERE")).replace('"HERE"', number)
    [error] = errors_of(write(tmp_path, text))
    assert 'key "activities[1].properties.data.x"' in error and "line 1, column" in error


def test_a_duplicate_key_names_the_key_path(tmp_path: Path) -> None:
    text = json.dumps(document(), indent=2).replace('"name": "Give",', '"name": "Give",\n "name": "Again",')
    path = write(tmp_path, text)
    [error] = errors_of(path)
    assert error == (f'{path}: key "activities[1].name": duplicate key "name": a key may appear once in an '
                     f'object at line 21, column 2')


def test_a_duplicate_top_level_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '{"format": "interlock.runbook/1", "name": "a", "name": "b", "activities": []}')
    assert errors_of(path) == [f'{path}: key "name": duplicate key "name": a key may appear once in an '
                               f'object at line 1, column 48']


def test_keys_equal_after_escapes_are_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, '{"format": "interlock.runbook/1", "name": "a", "n\\u0061me": "b"}')
    [error] = errors_of(path)
    assert 'duplicate key "name"' in error


def test_a_lone_surrogate_escape_is_refused_a_pair_is_text(tmp_path: Path) -> None:
    good = json.dumps(document("\U0001f600"))  # ensure_ascii writes the pair \ud83d\ude00
    assert "\\ud83d\\ude00" in good
    assert errors_of(write(tmp_path, good, "pair.json")) == []
    bad = write(tmp_path, good.replace("\\ud83d\\ude00", "\\ud83d"), "lone.json")
    [error] = errors_of(bad)
    assert "lone UTF-16 surrogate" in error and 'key "activities[1].properties.data.x"' in error


@pytest.mark.parametrize(("raw", "said"), [
    (b'{"name": "a\xff"}', "not UTF-8 text"),
    (b'{"name": "a\x00"}', "not valid JSON: Invalid control character"),
    (b"\x00", "not valid JSON"),
    (b"", "not valid JSON"),
])
def test_bytes_that_are_not_json_text_are_one_error(tmp_path: Path, raw: bytes, said: str) -> None:
    path = write(tmp_path, raw)
    [error] = errors_of(path)
    assert error.startswith(f"{path}: {said}")


def test_validation_of_a_parsed_document_applies_the_same_limits() -> None:
    """The designer validates documents it holds in memory: the limits hold there too."""
    _, problems = check_document(document(nested(200)), "memory", REGISTRY)
    deepest = ("activities[1].properties.data.x" + "[0]" * (MAX_DEPTH - 5))[:80] + "…"
    assert [str(p) for p in problems] == [f'memory: key "{deepest}": nested deeper than {MAX_DEPTH} levels']
    _, problems = check_document(document(float("inf")), "memory", REGISTRY)
    assert [p.key for p in problems] == ["activities[1].properties.data.x"]


def test_a_subscription_to_an_activity_with_broken_properties_is_no_traceback(tmp_path: Path) -> None:
    """Found by the fuzz test: a start parameter without a name made the field check fail with a
    TypeError; the broken parameter is the one error, the subscription is not judged on it."""
    for parameters in ([{"type": "string"}, {"name": 5}], 5):
        data = document("{{start.Batch}}")
        data["activities"][0]["properties"]["parameters"] = parameters
        path = write(tmp_path, json.dumps(data))
        errors = errors_of(path)
        assert errors and all('activity "start", key "properties.parameters' in e for e in errors), errors
