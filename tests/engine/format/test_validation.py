"""Every validation error of DESIGN §2, from a malformed file, located: file, activity or link, key.

Each case writes one file with one mistake and checks the exact problem it gives — so a mistake is
neither missed nor reported under the wrong activity, link or key, nor drowned in follow-on errors.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

import nodes.core
from engine import Problem, Registry, RunbookError, load_runbook, validate_file
from engine.format.model import FORMAT

REGISTRY = Registry([nodes.core.PACK])


# -- building files -----------------------------------------------------------------------------------

def act(activity_id: str, type_: str = "core.delay", **extra: Any) -> dict[str, Any]:
    """An activity; core.delay by default (it needs `seconds`)."""
    data: dict[str, Any] = {"id": activity_id, "type": type_, "name": extra.pop("name", activity_id.title())}
    if type_ == "core.delay" and "properties" not in extra:
        data["properties"] = {"seconds": 0}
    data.update(extra)
    return data


def start() -> dict[str, Any]:
    return act("start", "core.initialize_data",
               properties={"parameters": [{"name": "Items", "type": "string", "required": False}]})


def link(source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"from": source, "to": target, **extra}


def runbook(activities: list[dict], links: list[dict], **top: Any) -> dict[str, Any]:
    return {"format": FORMAT, "name": "Test", **top, "activities": activities, "links": links}


def write(tmp_path: Path, document: Any, name: str = "runbook.json") -> Path:
    path = tmp_path / name
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[Problem]:
    problems = validate_file(path, REGISTRY)
    return [p for p in problems if p.severity == "error"]


def only_error(path: Path) -> Problem:
    """The single error of a file with one mistake; load_runbook must refuse it with that problem."""
    errors = errors_of(path)
    assert len(errors) == 1, "\n".join(str(p) for p in errors)
    with pytest.raises(RunbookError) as raised:
        load_runbook(path, REGISTRY)
    assert [p for p in raised.value.problems if p.severity == "error"] == errors
    assert str(errors[0]) in str(raised.value)
    return errors[0]


def the_error(path: Path, **where: Any) -> Problem:
    """The one error at this location (other errors may follow from it: see the follow-on test)."""
    errors = errors_of(path)
    found = [p for p in errors if all(getattr(p, k) == v for k, v in where.items())]
    assert len(found) == 1, "\n".join(str(p) for p in errors)
    with pytest.raises(RunbookError) as raised:
        load_runbook(path, REGISTRY)
    assert found[0] in raised.value.problems
    return found[0]


def assert_located(problem: Problem, path: Path, *, activity: str | None = None,
                   link: tuple[str, str] | None = None, key: str | None = None,
                   says: tuple[str, ...] = ()) -> None:
    assert problem.file == str(path)
    assert problem.activity == activity, str(problem)
    assert problem.link == link, str(problem)
    assert problem.key == key, str(problem)
    text = str(problem)
    assert text.startswith(f"{path}: "), text
    if activity is not None:
        assert f'activity "{activity}"' in text
    if link is not None:
        assert f'link "{link[0]}" -> "{link[1]}"' in text
    if key is not None:
        assert f'key "{key}"' in text
    for words in says:
        assert words.lower() in problem.message.lower(), problem.message


def valid_base() -> dict[str, Any]:
    """start -> a -> b: a good file the cases below break one way each."""
    return runbook([start(), act("a"), act("b")], [link("start", "a"), link("a", "b")])


def test_the_base_file_is_valid(tmp_path):
    path = write(tmp_path, valid_base())
    assert validate_file(path, REGISTRY) == []
    loaded = load_runbook(path, REGISTRY)
    assert [a.id for a in loaded.activities] == ["start", "a", "b"]
    assert loaded.warnings == []


# -- unknown keys --------------------------------------------------------------------------------------

def test_unknown_top_level_key(tmp_path):
    doc = valid_base()
    doc["colour"] = "blue"
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, key="colour", says=("unknown key",))


def test_unknown_activity_key(tmp_path):
    doc = valid_base()
    doc["activities"][1]["colour"] = "blue"
    path = write(tmp_path, doc)
    assert_located(the_error(path, activity="a"), path, activity="a", key="colour", says=("unknown key",))


def test_unknown_link_key(tmp_path):
    doc = valid_base()
    doc["links"][1]["weight"] = 3
    path = write(tmp_path, doc)
    assert_located(the_error(path, link=("a", "b")), path, link=("a", "b"), key="weight",
                   says=("unknown key",))


def test_python_field_name_is_an_unknown_key_in_a_file(tmp_path):
    # the model calls it from_, the file calls it "from": "from_" is not a key of the format
    doc = valid_base()
    doc["links"][1] = {"from_": "a", "from": "a", "to": "b"}
    path = write(tmp_path, doc)
    assert_located(the_error(path, link=("a", "b")), path, link=("a", "b"), key="from_",
                   says=("unknown key",))


def test_unknown_property_key_of_a_type(tmp_path):
    doc = valid_base()
    doc["activities"][1]["properties"] = {"seconds": 0, "minutes": 1}
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="a", key="properties.minutes", says=("unknown key",))


def test_missing_required_property(tmp_path):
    doc = valid_base()
    doc["activities"][1]["properties"] = {}
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="a", key="properties.seconds", says=("missing",))


def test_bad_property_type(tmp_path):
    doc = valid_base()
    doc["activities"][1]["properties"] = {"seconds": "soon"}
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="a", key="properties.seconds", says=("'soon'",))


def test_subscription_in_a_typed_property_is_checked_at_run_time_not_refused(tmp_path):
    doc = valid_base()
    doc["activities"][1]["properties"] = {"seconds": "{{start.Items}}"}
    path = write(tmp_path, doc)
    assert validate_file(path, REGISTRY) == []


def test_bad_property_value_deep_inside_a_list(tmp_path):
    doc = valid_base()
    doc["activities"][0]["properties"]["parameters"][0]["type"] = "date"
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="start", key="properties.parameters[0].type",
                   says=("'date'",))


# -- ids and names -------------------------------------------------------------------------------------

def test_duplicate_ids(tmp_path):
    doc = runbook([start(), act("a"), act("a", name="Other A")], [link("start", "a")])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="a", key="id", says=("duplicate",))


def test_duplicate_names_ignore_case(tmp_path):
    doc = valid_base()
    doc["activities"][2]["name"] = "a"  # "A" is taken by activity a
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="b", key="name", says=('"a"', "already used"))


@pytest.mark.parametrize("bad_id", ["Get-VMs", "1st", "get vms", "_x", ""])
def test_bad_id_slug(tmp_path, bad_id):
    doc = runbook([start(), act("a", id=bad_id)], [link("start", bad_id)])
    path = write(tmp_path, doc)
    where = bad_id or "#2"  # an empty id is located by the activity's position
    assert_located(the_error(path, activity=where, key="id"), path, activity=where, key="id",
                   says=("pattern",))


def test_missing_id_is_located_by_position(tmp_path):
    doc = valid_base()
    broken = {k: v for k, v in act("c").items() if k != "id"}
    doc["activities"].append(broken)
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="#4", key="id", says=("missing",))


def test_unknown_activity_type_names_the_pack(tmp_path):
    doc = valid_base()
    doc["activities"][2] = act("b", "vmm.get_vm", properties={})
    path = write(tmp_path, doc)
    problem = only_error(path)
    assert_located(problem, path, activity="b", key="type", says=('"vmm.get_vm"', '"vmm" pack', "core"))


def test_version_newer_than_the_type_supports(tmp_path):
    doc = valid_base()
    doc["activities"][1]["version"] = 2
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="a", key="version",
                   says=("version 2", "core.delay", "up to 1"))


# -- links ---------------------------------------------------------------------------------------------

def test_link_to_missing_activity(tmp_path):
    doc = valid_base()
    doc["links"].append(link("b", "ghost"))
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, link=("b", "ghost"), key="to", says=('"ghost"',))


def test_link_from_missing_activity(tmp_path):
    doc = valid_base()
    doc["links"].append(link("ghost", "b"))
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, link=("ghost", "b"), key="from", says=('"ghost"',))


def test_duplicate_link(tmp_path):
    doc = valid_base()
    doc["links"].append(link("a", "b", label="again"))
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, link=("a", "b"), says=("duplicate link",))


def test_self_link(tmp_path):
    doc = valid_base()
    doc["links"].append(link("b", "b"))
    path = write(tmp_path, doc)
    errors = errors_of(path)
    self_link = [p for p in errors if "itself" in p.message]
    assert len(self_link) == 1, [str(p) for p in errors]
    assert_located(self_link[0], path, link=("b", "b"))
    # a self link is also a (one-activity) cycle; nothing else may be reported
    assert all(p.link == ("b", "b") for p in errors), [str(p) for p in errors]


def test_empty_include_is_refused(tmp_path):
    doc = valid_base()
    doc["links"][1]["include"] = []
    path = write(tmp_path, doc)
    assert_located(the_error(path, link=("a", "b")), path, link=("a", "b"), key="include",
                   says=("empty include", "omit it"))


def test_between_needs_low_and_high(tmp_path):
    doc = runbook([start(), act("a", "core.split", properties={"text": "x"}), act("b")],
                  [link("start", "a"),
                   link("a", "b", include=[{"field": "a.index", "op": "between", "value": 3}])])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, link=("a", "b"), key="include[0].value",
                   says=("between", "[low, high]"))


def test_bad_regular_expression(tmp_path):
    doc = runbook([start(), act("a", "core.split", properties={"text": "x"}), act("b")],
                  [link("start", "a"),
                   link("a", "b", exclude=[{"field": "a.item", "op": "matches", "value": "web("}])])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, link=("a", "b"), key="exclude[0].value",
                   says=("regular expression",))


def test_bad_condition_operator(tmp_path):
    doc = runbook([start(), act("a", "core.split", properties={"text": "x"}), act("b")],
                  [link("start", "a"),
                   link("a", "b", include=[{"field": "a.item", "op": "like", "value": "web"}])])
    path = write(tmp_path, doc)
    problem = the_error(path, link=("a", "b"))
    assert "'like'" in problem.message and "equals" in problem.message
    assert problem.key is not None and problem.key.startswith("include[0]")


@pytest.mark.parametrize(("condition", "key"), [
    ({"field": "a.item", "op": "like", "value": "web"}, "include[0].op"),
    ({"status": "done"}, "include[0].status"),
])
def test_condition_errors_are_located_by_the_keys_of_the_file(tmp_path, condition, key):
    doc = runbook([start(), act("a", "core.split", properties={"text": "x"}), act("b")],
                  [link("start", "a"), link("a", "b", include=[condition])])
    path = write(tmp_path, doc)
    link_errors = [p for p in errors_of(path) if p.link == ("a", "b")]
    assert [p.key for p in link_errors] == [key], [str(p) for p in link_errors]


# -- the graph -----------------------------------------------------------------------------------------

def test_cycle_message_shows_the_cycle(tmp_path):
    doc = runbook([start(), act("a"), act("b"), act("c")],
                  [link("start", "a"), link("a", "b"), link("b", "c"), link("c", "a")])
    path = write(tmp_path, doc)
    problem = only_error(path)
    assert "cycle" in problem.message
    cycle = problem.message.split("cycle: ")[1].split(" (")[0].split(" -> ")
    assert cycle[0] == cycle[-1] and sorted(cycle[:-1]) == ["a", "b", "c"], problem.message
    for source, target in pairwise(cycle):
        assert {"from": source, "to": target} in doc["links"], problem.message
    assert problem.link in set(pairwise(cycle)), problem.message
    assert_located(problem, path, link=problem.link)


def test_more_than_one_start_point(tmp_path):
    doc = runbook([start(), act("a"), act("orphan")], [link("start", "a")])
    path = write(tmp_path, doc)
    errors = errors_of(path)
    assert sorted(p.activity for p in errors) == ["orphan", "start"], [str(p) for p in errors]
    for problem in errors:
        assert_located(problem, path, activity=problem.activity,
                       says=("more than one start point", '"start"', '"orphan"'))


def test_a_disabled_activity_is_not_a_start_point(tmp_path):
    doc = runbook([start(), act("a"), act("orphan", enabled=False)], [link("start", "a")])
    path = write(tmp_path, doc)
    assert validate_file(path, REGISTRY) == []


def test_no_start_point(tmp_path):
    doc = runbook([{**start(), "enabled": False}, act("a")], [link("start", "a")])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, says=("no start point",))


# -- junctions and subscriptions -----------------------------------------------------------------------

def junction_doc(republish: str | None, subscriber_properties: dict[str, Any] | None = None) -> dict:
    """start -> {split, b} -> join -> after; split publishes item/index, b (a delay) publishes seconds."""
    join = act("join", "core.junction", properties={"republish": republish})
    after = act("after", "core.return_data", properties=subscriber_properties or {"data": {}})
    return runbook([start(), act("split", "core.split", properties={"text": "{{start.Items}}"}), act("b"),
                    join, after],
                   [link("start", "split"), link("start", "b"), link("split", "join"), link("b", "join"),
                    link("join", "after")])


def test_junction_republishing_its_predecessors_is_valid(tmp_path):
    for republish in ("split", "b", None):
        path = write(tmp_path, junction_doc(republish), f"{republish}.json")
        assert validate_file(path, REGISTRY) == [], republish


def test_junction_republish_of_a_non_predecessor(tmp_path):
    path = write(tmp_path, junction_doc("start"))  # an ancestor, but not a direct predecessor
    assert_located(only_error(path), path, activity="join", key="properties.republish",
                   says=('"start"', "direct predecessor", "split", "b"))


def test_junction_republish_of_an_unknown_activity(tmp_path):
    path = write(tmp_path, junction_doc("ghost"))
    assert_located(only_error(path), path, activity="join", key="properties.republish", says=('"ghost"',))


def test_junction_require_must_be_settled_or_all(tmp_path):
    doc = junction_doc("split")
    doc["activities"][3]["properties"]["require"] = "any"
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="join", key="properties.require", says=("'any'",))


def test_subscription_to_a_non_ancestor(tmp_path):
    # b and split are siblings: b cannot read split's rows
    doc = runbook([start(), act("split", "core.split", properties={"text": "x"}),
                   act("b", "core.return_data", properties={"data": {"item": "{{split.item}}"}})],
                  [link("start", "split"), link("start", "b")])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="b", key="properties.data.item",
                   says=("{{split.item}}", "cannot be on this path"))


def test_subscription_to_an_unknown_activity(tmp_path):
    doc = runbook([start(), act("b", "core.return_data", properties={"data": {"x": "{{ghost.item}}"}})],
                  [link("start", "b")])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="b", key="properties.data.x", says=('"ghost"',))


def test_subscription_cut_off_by_a_junction_republishing_another_branch(tmp_path):
    path = write(tmp_path, junction_doc("b", {"data": {"item": "item {{split.item}}"}}))
    assert_located(only_error(path), path, activity="after", key="properties.data.item",
                   says=("{{split.item}}", "junction"))


def test_subscription_through_the_republished_branch_is_valid(tmp_path):
    path = write(tmp_path, junction_doc("split", {"data": {"item": "{{split.item}}",
                                                           "items": "{{start.Items}}",
                                                           "status": "{{join.@status}}"}}))
    assert validate_file(path, REGISTRY) == []


def test_republish_null_cuts_off_every_branch(tmp_path):
    path = write(tmp_path, junction_doc(None, {"data": {"items": "{{start.Items}}"}}))
    assert_located(only_error(path), path, activity="after", key="properties.data.items",
                   says=("{{start.Items}}",))


def test_subscription_to_an_unknown_field_of_a_known_schema(tmp_path):
    doc = runbook([start(), act("split", "core.split", properties={"text": "x"}),
                   act("b", "core.return_data", properties={"data": {"x": "{{split.itme}}"}})],
                  [link("start", "split"), link("split", "b")])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="b", key="properties.data.x",
                   says=('"split" publishes no field "itme"', "item", "index"))


def test_subscription_to_an_unknown_common_field(tmp_path):
    doc = runbook([start(), act("b", "core.return_data", properties={"data": {"x": "{{start.@state}}"}})],
                  [link("start", "b")])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, activity="b", key="properties.data.x", says=('"@state"',))


def test_link_condition_on_an_unknown_field(tmp_path):
    doc = runbook([start(), act("split", "core.split", properties={"text": "x"}), act("b")],
                  [link("start", "split"),
                   link("split", "b", include=[{"field": "split.size", "op": "at_least", "value": 1}])])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, link=("split", "b"), key="include[0].field",
                   says=('no field "size"',))


def test_link_condition_on_a_non_ancestor(tmp_path):
    doc = runbook([start(), act("split", "core.split", properties={"text": "x"}), act("b"), act("c")],
                  [link("start", "split"), link("start", "b"),
                   link("b", "c", include=[{"field": "split.item", "op": "equals", "value": "x"}])])
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, link=("b", "c"), key="include[0].field",
                   says=("cannot be on this path",))


def test_subscription_on_some_paths_but_not_all_is_a_warning(tmp_path):
    # c is reached from split and from b: split.item is missing on the tokens that come through b
    doc = runbook([start(), act("split", "core.split", properties={"text": "x"}), act("b"),
                   act("c", "core.return_data", properties={"data": {"item": "{{split.item}}"}})],
                  [link("start", "split"), link("start", "b"), link("split", "c"), link("b", "c")])
    path = write(tmp_path, doc)
    problems = validate_file(path, REGISTRY)
    assert len(problems) == 1, [str(p) for p in problems]
    warning = problems[0]
    assert warning.severity == "warning"
    assert_located(warning, path, activity="c", key="properties.data.item",
                   says=("{{split.item}}", "some incoming paths but not all"))
    assert "warning: " in str(warning)
    loaded = load_runbook(path, REGISTRY)  # a warning does not stop the file from loading
    assert loaded.warnings == [warning]
    assert [a.id for a in loaded.activities] == ["start", "split", "b", "c"]


# -- the file itself -----------------------------------------------------------------------------------

def test_newer_format_is_refused_clearly_and_not_half_read(tmp_path):
    doc = valid_base()
    doc["format"] = "interlock.runbook/2"
    doc["activities"].append({"id": "x", "type": "future.thing", "name": "X", "shiny": True})
    doc["links"].append({"from": "b", "to": "x", "via": "wormhole"})
    path = write(tmp_path, doc)
    problem = only_error(path)  # nothing of the body is checked: a newer body means something else
    assert_located(problem, path, key="format", says=("format 2", "newer", "upgrade"))


def test_unknown_format(tmp_path):
    doc = valid_base()
    doc["format"] = "n8n.workflow"
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, key="format", says=("'n8n.workflow'", FORMAT))


def test_missing_format(tmp_path):
    doc = valid_base()
    del doc["format"]
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, key="format", says=("missing", FORMAT))


def test_not_json_gives_line_and_column(tmp_path):
    text = '{\n  "format": "interlock.runbook/1",\n  "name": "Broken"\n  "activities": []\n}\n'
    path = write(tmp_path, text)
    problem = only_error(path)
    assert_located(problem, path, says=("not valid JSON", "line 4, column 3"))


def test_not_an_object(tmp_path):
    path = write(tmp_path, "[1, 2, 3]\n")
    assert_located(only_error(path), path, says=("one JSON object",))


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"format": "interlock.runbook/1", "name": "Caf\u00e9"}'.encode("latin-1"))
    assert_located(only_error(path), path, says=("UTF-8",))


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.json"
    assert_located(only_error(path), path, says=("file not found",))


def test_missing_name(tmp_path):
    doc = valid_base()
    del doc["name"]
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, key="name", says=("name",))


def test_activities_must_be_a_list(tmp_path):
    doc = valid_base()
    doc["activities"] = {"start": start()}
    doc["links"] = []
    path = write(tmp_path, doc)
    assert_located(only_error(path), path, key="activities", says=("list",))


# -- every problem at once -----------------------------------------------------------------------------

def test_all_problems_of_a_file_are_reported_at_once(tmp_path):
    doc = runbook(
        [start(), act("split", "core.split", properties={"text": "x"}),
         act("stop", "vmm.stop_vm", properties={"vm_id": "{{split.item}}"}),  # 1: pack not installed
         act("wait", name="Split")],  # 2: name of "split"
        [link("start", "split"), link("split", "stop"),
         link("split", "wait", include=[{"field": "split.item", "op": "matches", "value": "[a-"}]),  # 3
         ],
        owner="ops")  # 4: unknown top-level key
    path = write(tmp_path, doc)
    errors = errors_of(path)
    assert len(errors) == 4, "\n".join(str(p) for p in errors)
    by_key = {p.key: p for p in errors}
    assert_located(by_key["owner"], path, key="owner", says=("unknown key",))
    assert_located(by_key["type"], path, activity="stop", key="type", says=('"vmm" pack',))
    assert_located(by_key["name"], path, activity="wait", key="name", says=("already used",))
    assert_located(by_key["include[0].value"], path, link=("split", "wait"), key="include[0].value",
                   says=("regular expression",))
    with pytest.raises(RunbookError) as raised:
        load_runbook(path, REGISTRY)
    message = str(raised.value)
    assert message.count(str(path)) == 4
    assert len(message.splitlines()) == 4


FOLLOW_ON_CASES = {
    "unknown activity key": lambda d: d["activities"][1].update(colour="blue"),
    "bad activity id": lambda d: (d["activities"][1].update(id="A-1"), d["links"][0].update(to="A-1"),
                                  d["links"][1].update({"from": "A-1"})),
    "unknown link key": lambda d: d["links"][1].update(weight=3),
    "empty include": lambda d: d["links"][1].update(include=[]),
    "bad condition op": lambda d: d["links"][1].update(include=[{"field": "a.seconds", "op": "like"}]),
}


@pytest.mark.parametrize("case", list(FOLLOW_ON_CASES))
def test_a_broken_item_causes_no_follow_on_errors(tmp_path, case):
    doc = valid_base()  # start -> a -> b
    FOLLOW_ON_CASES[case](doc)
    path = write(tmp_path, doc)
    errors = errors_of(path)
    assert len(errors) == 1, "\n".join(str(p) for p in errors)


def test_a_bad_item_does_not_hide_the_problems_of_the_others(tmp_path):
    doc = runbook([start(), act("a", at="left"), act("b"), act("c")],
                  [link("start", "b"), link("b", "c"), link("c", "b")])
    path = write(tmp_path, doc)
    errors = errors_of(path)
    messages = [str(p) for p in errors]
    assert any(p.activity == "a" and p.key == "at" for p in errors), messages
    assert any("cycle" in p.message for p in errors), messages
