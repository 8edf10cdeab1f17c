"""Code properties (ActivityType.code_properties): a subscription inside a script is never substituted
into its text; the activity gets the text pieces and the values apart (CodeWithData), while the other
properties of the same activity are substituted as usual."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from testpack import PACK as TEST_PACK

from engine import Engine, Runbook, load_runbook
from engine.activity import ActivityType, CodeText, CodeWithData, Pack, RunContext
from engine.config.registry import Registry
from engine.config.settings import Config
from nodes.core import PACK as CORE_PACK


class ShowProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CodeText = Field("", title="Code", description="Some code")
    label: str = Field("", title="Label", description="Plain text")


class Show(ActivityType):
    """Publishes what it received: the code's pieces and values, and the label."""

    type_name = "codetest.show"
    display_name = "Show Code"
    Properties = ShowProperties
    code_properties: ClassVar[frozenset[str]] = frozenset({"code"})

    async def run(self, properties: ShowProperties, context: RunContext) -> dict[str, Any]:
        code = CodeWithData.of(properties.code)
        return {"pieces": list(code.pieces), "values": list(code.values), "label": properties.label,
                "kind": type(properties.code).__name__}


def _engine() -> Engine:
    return Engine(Config(), Registry([CORE_PACK, TEST_PACK, Pack("codetest", "Code test", [Show])]))


def _runbook(tmp_path: Path, code: str, rows: list[dict[str, Any]]) -> Runbook:
    path = tmp_path / "runbook.json"
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Code", "activities": [
        {"id": "start", "type": "test.rows", "name": "Start", "properties": {"rows": rows}},
        {"id": "show", "type": "codetest.show", "name": "Show",
         "properties": {"code": code, "label": "for {{start.who}}"}},
    ], "links": [{"from": "start", "to": "show"}]}), encoding="utf-8")
    return load_runbook(path, _engine().registry)


async def test_a_subscribed_value_reaches_the_code_as_data_never_as_text(tmp_path: Path) -> None:
    hostile = '"; Remove-Item C:\\ -Recurse; "'
    runbook = _runbook(tmp_path, 'Write-Output "{{start.who}}" # {{start.n}} \\{{literal}}',
                       [{"who": hostile, "n": 7}, {"who": "web01", "n": 8}])
    result = await _engine().run(runbook)
    assert result.status == "success", result
    rows = result.rows("show")
    assert [r["values"] for r in rows] == [[hostile, 7], ["web01", 8]]  # typed, per incoming row
    assert rows[0]["pieces"] == ['Write-Output "', '" # ', " {{literal}}"]  # the escape is resolved
    assert all(hostile not in piece for r in rows for piece in r["pieces"])
    assert rows[0]["kind"] == "CodeWithData"
    assert [r["label"] for r in rows] == [f"for {hostile}", "for web01"]  # an ordinary property: text


async def test_code_without_subscriptions_stays_plain_text(tmp_path: Path) -> None:
    runbook = _runbook(tmp_path, "print('hello')", [{"who": "x"}])
    (row,) = (await _engine().run(runbook)).rows("show")
    assert (row["kind"], row["pieces"], row["values"]) == ("str", ["print('hello')"], [])


async def test_a_whole_code_of_one_subscription_is_one_value(tmp_path: Path) -> None:
    runbook = _runbook(tmp_path, "{{start.who}}", [{"who": ["a", "b"]}])
    (row,) = (await _engine().run(runbook)).rows("show")
    assert (row["pieces"], row["values"]) == (["", ""], [["a", "b"]])


async def test_missing_data_fails_the_instance_as_for_any_property(tmp_path: Path) -> None:
    runbook = _runbook(tmp_path, "x = {{start.nothere}}", [{"who": "x"}])
    result = await _engine().run(runbook)
    (instance,) = result.activity("show").instances
    assert instance.status == "failed" and "nothere" in (instance.error or "")


def test_code_text_is_a_string_for_the_schema_and_validation() -> None:
    schema = ShowProperties.model_json_schema()["properties"]["code"]
    assert schema["type"] == "string" and schema["title"] == "Code"
    assert ShowProperties.model_validate({"code": "x"}).code == "x"
    code = CodeWithData(("a", "b"), (1,))
    assert ShowProperties.model_validate({"code": code}).code is code
    try:
        ShowProperties.model_validate({"code": 3})
    except ValueError as exc:
        assert "must be text" in str(exc)
    else:
        raise AssertionError("a number is not code")
