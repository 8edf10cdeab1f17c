"""The text pack through the engine: Generate Random Text, Format Date/Time and Map Published Data."""

from __future__ import annotations

import json
import string

import pytest
from chains import cli_run, error, run_chain, step

from engine.history import open_history
from nodes.text.generate_random import SYMBOLS

CLASSES = {"upper": string.ascii_uppercase, "lower": string.ascii_lowercase, "digits": string.digits,
           "symbols": SYMBOLS}


# -- Generate Random Text -------------------------------------------------------------------------------

@pytest.mark.parametrize(("length", "chosen"), [
    (4, ["upper", "lower", "digits", "symbols"]), (16, ["upper", "lower", "digits"]), (1, ["digits"]),
    (64, ["symbols", "lower"]), (4096, ["upper"]),
])
async def test_random_text_has_the_length_and_every_chosen_class(tmp_path, length, chosen):
    flags = {name: name in chosen for name in CLASSES}
    result = await run_chain(tmp_path, step("pw", "text.generate_random", length=length, count=25, **flags))
    texts = [row["text"] for row in result.rows("pw")]
    assert result.status == "success" and len(texts) == 25 and len(set(texts)) > 1
    allowed = "".join(CLASSES[name] for name in chosen)
    for text in texts:
        assert len(text) == length
        assert set(text) <= set(allowed)
        assert all(set(text) & set(CLASSES[name]) for name in chosen)


async def test_excluded_characters_never_appear(tmp_path):
    result = await run_chain(tmp_path, step("pw", "text.generate_random", length=200, exclude="0O1lI",
                                            count=5))
    assert not set("".join(r["text"] for r in result.rows("pw"))) & set("0O1lI")


@pytest.mark.parametrize(("properties", "message"), [
    ({"upper": False, "lower": False, "digits": False}, "choose at least one class"),
    ({"upper": False, "lower": False, "exclude": string.digits}, "choose at least one class"),
    ({"length": 2, "symbols": True}, "length 2 cannot hold one character of each of the 4 classes"),
    ({"length": 0}, "greater than or equal to 1"),
])
def test_impossible_random_text_is_refused_before_the_run(tmp_path, capsys, properties, message):
    code, _, err = cli_run(tmp_path, capsys, step("pw", "text.generate_random", **properties))
    assert code == 2 and message in err and '"pw"' in err


def test_a_secret_random_text_reaches_the_next_activity_but_no_log_or_history(tmp_path, capsys):
    code, out, err = cli_run(
        tmp_path, capsys,
        step("pw", "text.generate_random", length=20, secret=True),
        # Regex rules see the real text: 20 characters; *** would not match.
        step("check", "text.map_published_data", value="{{pw.text}}", match="regex",
             rules=[{"pattern": "^[A-Za-z0-9]{20}$", "outputs": {"seen": "twenty characters"}}]),
        step("say", "system.send_platform_event", summary="password: {{pw.text}}"),
        extra=("--json",))
    result = json.loads(out)
    assert code == 0, err
    pw = next(a for a in result["activities"] if a["id"] == "pw")
    check = next(a for a in result["activities"] if a["id"] == "check")
    assert pw["instances"][0]["rows"] == [{"text": "***"}]
    assert check["instances"][0]["rows"][0]["seen"] == "twenty characters"
    assert "password: ***" in err
    with open_history() as history:
        stored = history.job(result["job_id"])
    assert next(inst.rows for inst in stored.instances if inst.activity == "pw") == [{"text": "***"}]
    logged = [e.message for e in stored.events if e.kind == "log"]
    assert logged == ["password: ***"]


# -- Format Date/Time -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("properties", "text"), [
    ({"input": "2024-03-05T14:07:09Z", "output_format": "dd/MM/yyyy HH:mm"}, "05/03/2024 14:07"),
    ({"input": "2024-03-05T14:07:09Z", "output_format": "dddd d MMMM yyyy, h:mm tt",
      "output_time_zone": "America/New_York"}, "Tuesday 5 March 2024, 9:07 AM"),
    ({"input": "05/03/2024 14:07", "input_format": "dd/MM/yyyy HH:mm", "time_zone": "Europe/Paris",
      "output_format": "o"}, "2024-03-05T14:07:00.0000000+01:00"),
    ({"input": "05/03/2024 14:07", "input_format": "dd/MM/yyyy HH:mm", "time_zone": "Europe/Paris",
      "output_time_zone": "UTC", "output_format": "%Y-%m-%d %H:%M %Z"}, "2024-03-05 13:07 UTC"),
    ({"input": "2024-01-31", "time_zone": "UTC", "add_months": 1, "output_format": "yyyy-MM-dd"},
     "2024-02-29"),  # the month's last day, as .NET's AddMonths
    ({"input": "2024-02-29", "time_zone": "UTC", "add_years": -1, "output_format": "yyyy-MM-dd"},
     "2023-02-28"),
    ({"input": "2024-03-30T09:00:00", "time_zone": "Europe/Paris", "add_days": 1,
      "output_format": "yyyy-MM-dd HH:mm zzz"}, "2024-03-31 09:00 +02:00"),  # same wall-clock time across DST
    ({"input": "2024-03-05T14:07:09+01:00", "add_hours": -2, "add_minutes": 30, "add_seconds": 1.5,
      "output_format": "HH:mm:ss.ff"}, "12:37:10.50"),
    ({"input": "2024-03-05T14:07:09+01:00", "output_format": "u"}, "2024-03-05 13:07:09Z"),
])
async def test_format_datetime_writes_the_expected_text(tmp_path, properties, text):
    result = await run_chain(tmp_path, step("fmt", "text.format_datetime", **properties))
    assert result.status == "success", error(result, "fmt")
    assert result.rows("fmt")[0]["text"] == text


async def test_format_datetime_publishes_the_parts_of_the_result(tmp_path):
    result = await run_chain(tmp_path, step("fmt", "text.format_datetime", input="2024-12-31T23:30:00Z",
                                            add_hours=1, output_time_zone="Asia/Tokyo"))
    row = result.rows("fmt")[0]
    assert row == {"text": "2025-01-01 09:30:00", "year": 2025, "month": 1, "day": 1, "hour": 9,
                   "minute": 30, "second": 0, "day_of_week": "Wednesday",
                   "iso": "2025-01-01T09:30:00+09:00"}


@pytest.mark.parametrize(("properties", "message"), [
    ({"input": "yesterday"}, 'property "input": "yesterday" is not an ISO 8601 date/time'),
    ({"input": "2024-31-12", "input_format": "yyyy-MM-dd"},
     'property "input": "2024-31-12" does not match the input format "yyyy-MM-dd"'),
    ({"input": "9999-12-31", "add_days": 1}, "beyond the dates that can be written"),
])
async def test_bad_date_input_fails_the_instance_naming_the_property_and_value(tmp_path, properties, message):
    result = await run_chain(tmp_path, step("fmt", "text.format_datetime", **properties))
    assert result.status == "failed"
    assert message in error(result, "fmt")


@pytest.mark.parametrize(("properties", "message"), [
    ({"time_zone": "Mars/Olympus"}, 'key "properties.time_zone": unknown time zone "Mars/Olympus"'),
    ({"output_time_zone": "Europe/Pariss"}, 'key "properties.output_time_zone": unknown time zone'),
    ({"output_format": "yyyy 'open"}, "\"yyyy 'open\" cannot be used: the quote at position 6 is not closed"),
    ({"input_format": "dd\\"}, "the pattern ends with a backslash"),
])
def test_a_misspelt_zone_or_pattern_is_refused_when_validated(tmp_path, capsys, properties, message):
    code, _, err = cli_run(tmp_path, capsys,
                           step("fmt", "text.format_datetime", input="2024-03-05", **properties))
    assert code == 2 and message in err


@pytest.mark.parametrize(("properties", "message"), [
    ({"output_time_zone": "{{pick.zone}}"}, 'property "output_time_zone": unknown time zone "Europe/Pariss"'),
    ({"output_format": "{{pick.layout}}"},
     'property "output_format": "\'x" cannot be used: the quote at position 1 is not closed'),
])
async def test_a_subscribed_zone_or_pattern_that_cannot_be_used_fails_the_instance(tmp_path, properties,
                                                                                    message):
    result = await run_chain(
        tmp_path, step("pick", "text.map_published_data", value="x",
                       rules=[{"pattern": "*", "outputs": {"zone": "Europe/Pariss", "layout": "'x"}}]),
        step("fmt", "text.format_datetime", input="2024-03-05", **properties))
    assert message in error(result, "fmt")


async def test_a_subscribed_date_that_cannot_be_read_names_the_value(tmp_path):
    result = await run_chain(tmp_path,
                             step("pick", "text.map_published_data", value="x",
                                  rules=[{"pattern": "*", "outputs": {"when": "31.02.2024"}}]),
                             step("fmt", "text.format_datetime", input="{{pick.when}}",
                                  input_format="dd.MM.yyyy"))
    assert '"31.02.2024" does not match the input format "dd.MM.yyyy"' in error(result, "fmt")
    assert "day is out of range" in error(result, "fmt")


# -- Map Published Data ---------------------------------------------------------------------------------

RULES = [
    {"pattern": "srv-web*", "outputs": {"team": "Web", "pager": "web-oncall"}},
    {"pattern": "srv-sql??", "outputs": {"team": "DBA"}},
    {"pattern": "srv-*", "outputs": {"team": "Servers"}},
]


@pytest.mark.parametrize(("value", "expected"), [
    ("srv-web01", {"team": "Web", "pager": "web-oncall", "matched": True, "pattern": "srv-web*"}),
    ("SRV-SQL01", {"team": "DBA", "pager": "ops", "matched": True, "pattern": "srv-sql??"}),  # first wins
    ("srv-sql001", {"team": "Servers", "pager": "ops", "matched": True, "pattern": "srv-*"}),
    ("laptop-7", {"team": "Ops", "pager": "ops", "matched": False, "pattern": ""}),
])
async def test_map_wildcards_first_matching_rule_wins_then_the_defaults(tmp_path, value, expected):
    result = await run_chain(tmp_path, step("map", "text.map_published_data", value=value, rules=RULES,
                                            default={"team": "Ops", "pager": "ops"}))
    assert result.rows("map") == [expected]


async def test_map_regex_equals_and_case(tmp_path):
    rules = [{"pattern": r"9\d%", "outputs": {"sev": "high"}}]
    regex = await run_chain(tmp_path, step("map", "text.map_published_data", value="Disk C: 97% full",
                                           match="regex", rules=rules))
    assert regex.rows("map")[0]["sev"] == "high"
    rules = [{"pattern": "prod", "outputs": {"env": "P"}}]
    exact = await run_chain(tmp_path, step("map", "text.map_published_data", value="Prod", match="equals",
                                           case_sensitive=True, rules=rules, default={"env": "?"}))
    assert exact.rows("map")[0] == {"env": "?", "matched": False, "pattern": ""}


async def test_map_runs_once_per_incoming_row(tmp_path):
    result = await run_chain(
        tmp_path, step("split", "core.split", text="srv-web01,laptop,srv-sql02", separator=","),
        step("map", "text.map_published_data", value="{{split.item}}", rules=RULES, default={"team": "Ops"}))
    assert sorted(r["team"] for r in result.rows("map")) == ["DBA", "Ops", "Web"]


def test_map_publishes_the_fields_of_its_table():
    from engine.config.registry import Registry

    kind = Registry.from_entry_points().get("text.map_published_data")
    properties = {"value": "x", "rules": RULES, "default": {"owner": "", "team": ""}}
    assert kind.published_fields(properties) == ["team", "pager", "owner", "matched", "pattern"]


@pytest.mark.parametrize(("properties", "message"), [
    ({"match": "regex", "rules": [{"pattern": "([a-z", "outputs": {"x": "1"}}]},
     "is not a regular expression"),
    ({"rules": [{"pattern": "*", "outputs": {"@status": "1"}}]}, "cannot be a field name"),
    ({"rules": [{"pattern": "*", "outputs": {"matched": "1"}}]}, "published by the activity itself"),
    ({"rules": []}, "at least 1 item"),
])
def test_a_bad_mapping_table_is_refused_before_the_run(tmp_path, capsys, properties, message):
    code, _, err = cli_run(tmp_path, capsys, step("map", "text.map_published_data", value="v", **properties))
    assert code == 2 and message in err
