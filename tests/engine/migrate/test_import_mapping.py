"""What `interlock import` makes of a realistic Orchestrator export (tests/engine/migrate/exports.py):
the runbooks in the export's folder tree, activities, links, conditions and subscriptions mapped as
DESIGN §6.2 says, secrets and variables, and a report that names everything not carried over."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from exports import CHILD_ID, INVOKE, SEND_EMAIL, START, Folder, Policy, export_xml, guid, write_sample
from exports import activity as make_activity
from exports import link as make_link
from importing import activity, cli, import_sample, link, runbook

from engine.migrate import ImportReport, import_export


@pytest.fixture
def report(tmp_path: Path) -> ImportReport:
    return import_sample(tmp_path)


def test_one_runbook_file_per_orchestrator_runbook_in_the_folder_tree(report: ImportReport,
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "imported"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.json")) == [
        "Patch Server.json", "Routing/Route {{value}}.json", "Дочерние/Проверка сервера.json"]
    assert (out / "variables.toml").is_file() and (out / "import-report.md").is_file()
    assert [(r.name, r.orchestrator_id) for r in report.runbooks][1] == ("Проверка сервера", CHILD_ID)


def test_headline_counts_runnable_activities_and_placeholders(report: ImportReport) -> None:
    assert (report.activities, report.placeholders) == (16, 2)
    headline = "14 of 16 activities imported as runnable Interlock activities, 2 placeholders"
    assert headline in report.headline()
    assert headline in (Path(report.out_dir) / "import-report.md").read_text(encoding="utf-8")


def test_activities_keep_name_position_state_with_readable_unique_ids(report: ImportReport) -> None:
    _, child = runbook(report, "Проверка сервера")
    assert [(a["id"], a["name"], a["at"]) for a in child["activities"]] == [
        ("nachalo", "Начало", [0, 0]), ("proverka_a", "Проверка A", [150, -75]),
        ("proverka_b", "Проверка B", [150, 75]), ("sliyanie", "Слияние", [300, 0]),
        ("vernut", "Вернуть", [450, 0])]
    _, parent = runbook(report, "Patch Server")
    assert activity(parent, "Initialize Data").get("enabled", True) is True
    assert activity(parent, "Send Email")["enabled"] is False


def test_initialize_data_parameters_and_their_guids_become_names(report: ImportReport) -> None:
    _, parent = runbook(report, "Patch Server")
    start = activity(parent, "Initialize Data")
    assert start["type"] == "core.initialize_data"
    assert [(p["name"], p["type"]) for p in start["properties"]["parameters"]] == [
        ("Server Name", "string"), ("Count", "number")]
    script = activity(parent, "Check Server")["properties"]["script"]
    assert script.startswith('$server = "{{initialize_data.Server Name}}"\r\n')  # CRLF kept


def test_invoke_runbook_resolves_the_child_by_guid_despite_a_stale_path(report: ImportReport) -> None:
    path, parent = runbook(report, "Patch Server")
    invoke = activity(parent, "Run Check")
    assert invoke["type"] == "core.invoke_runbook"
    props = invoke["properties"]
    assert props["path"] == "Дочерние/Проверка сервера.json"
    assert (path.parent / props["path"]).is_file()
    # the parameter is named as the child declares it (by its GUID), not by the stale ParameterName
    assert props["parameters"] == {"Имя": "{{check_server.Result}} on {{job.server}}"}
    assert props["wait"] is True


def test_invoke_runbook_by_path_when_the_guid_is_unknown(tmp_path: Path) -> None:
    child = Policy(guid(0x900), "Child", [make_activity(0x901, "Start", START)])
    start = make_activity(0x912, "Start", START)
    caller = make_activity(0x911, "Call", INVOKE, PolicyObjectID=guid(0x999),
                           PolicyPath="Policies\\Top\\Sub\\Child")
    parent = Policy(guid(0x910), "Parent", [start, caller, make_link(0x913, start, caller)])
    source = tmp_path / "x.ois_export"
    source.write_text(export_xml(Folder(guid(1), "Top", [parent], [Folder(guid(2), "Sub", [child])])))
    report = import_export(source, tmp_path / "out")
    document = json.loads((tmp_path / "out" / "Parent.json").read_text())
    assert activity(document, "Call")["properties"]["path"] == "Sub/Child.json"
    assert report.placeholders == 0


def test_junctions_republish_the_selected_branch_or_none(report: ImportReport) -> None:
    _, routing = runbook(report, "Route {{value}}")
    assert activity(routing, "Join")["properties"] == {"republish": "check_a"}
    _, child = runbook(report, "Проверка сервера")
    assert activity(child, "Слияние")["properties"] == {"republish": None}


def test_link_conditions_of_both_forms_and_tabs(report: ImportReport) -> None:
    _, routing = runbook(report, "Route {{value}}")
    first = link(routing, "initialize_data", "check_a")
    assert first["include"] == [{"status": ["success", "warning", "failed"]}]
    assert first["exclude"] == [{"field": "initialize_data.Value", "op": "equals", "value": "skip-a"},
                                {"field": "initialize_data.Value", "op": "starts_with", "value": "never-"}]
    assert "include" not in link(routing, "initialize_data", "check_b")  # no TRIGGERS: returns success
    assert link(routing, "check_b", "join")["include"] == [
        {"field": "check_b.result", "op": "not_equals", "value": "maybe"}]
    _, parent = runbook(report, "Patch Server")
    guarded = link(parent, "check_server", "run_check")
    assert guarded["include"] == [{"field": "check_server.Result", "op": "matches", "value": "^ok$"}]
    assert guarded["exclude"] == [{"field": "check_server.Result", "op": "not_contains", "value": "fail"},
                                  {"status": ["warning", "failed"]}]


def test_links_keep_label_colour_delay_and_disabled_state(report: ImportReport) -> None:
    _, parent = runbook(report, "Patch Server")
    failure = link(parent, "run_check", "return_data")
    assert (failure["label"], failure["color"], failure["delay_s"]) == ("Failure", "#ff0000", 5)
    assert failure["include"] == [{"status": "failed"}]
    assert link(parent, "send_email", "return_data")["enabled"] is False
    assert link(parent, "initialize_data", "check_server")["color"] == "#00ff00"


def test_common_and_type_specific_published_data_are_mapped(report: ImportReport) -> None:
    _, routing = runbook(report, "Route {{value}}")
    assert activity(routing, "Return Data")["properties"]["data"] == {
        "Matched": "{{check_a.result}}", "Status": "{{check_a.@status}}"}
    _, parent = runbook(report, "Patch Server")
    returned = activity(parent, "Return Data")["properties"]["data"]
    assert returned["Child"] == "{{run_check.status}}"
    email = activity(parent, "Send Email")["properties"]["settings"]
    assert email["Subject"] == "Done: {{get_user.Distinguished Name}} in {{job.runbook}}"


def test_unknown_activities_are_disabled_placeholders_keeping_settings_and_published_fields(
        report: ImportReport) -> None:
    _, parent = runbook(report, "Patch Server")
    user = activity(parent, "Get User")
    assert (user["type"], user["enabled"]) == ("orchestrator.unsupported", False)
    assert user["properties"]["type_name"] == "Get User"
    assert user["properties"]["publishes"] == ["Distinguished Name"]
    assert user["properties"]["settings"]["Filters"] == "<Filters/>"
    script = activity(parent, "Check Server")  # a standard activity now: script.run, with its settings
    assert (script["type"], script.get("enabled", True)) == ("script.run", True)
    assert script["properties"]["published"] == [
        {"name": "Result", "variable": "Result", "collection": False}]
    assert script["run"] == {"timeout_s": 300, "on_timeout": "warn"}
    assert script["flatten"] == {"mode": "separator", "separator": ";"}
    email = activity(parent, "Send Email")
    assert email["properties"]["type_guid"] == SEND_EMAIL[1]
    lines = next(r for r in report.runbooks if r.name == "Patch Server").warnings
    assert any('"Get User"' in w and "placeholder" in w for w in lines)


def test_encrypted_values_become_variables_to_fill_in_never_text(report: ImportReport) -> None:
    out = Path(report.out_dir)
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert "AQAAANCMnd8B" not in everything and "c2VjcmV0IGJsb2I=" not in everything
    assert "~De" not in everything and "~Ec" not in everything
    _, parent = runbook(report, "Patch Server")
    password = activity(parent, "Send Email")["properties"]["settings"]["Password"]
    assert password == "{{var.Patch Server Send Email Password}}"
    variables = tomllib.loads((out / "variables.toml").read_text(encoding="utf-8"))["variables"]
    assert variables["Mail Server"] == "smtp.contoso.local"
    assert variables["SMTP Password"] == {"env": "INTERLOCK_SMTP_PASSWORD"}
    assert variables["Patch Server Send Email Password"] == {
        "env": "INTERLOCK_PATCH_SERVER_SEND_EMAIL_PASSWORD"}
    kinds = {v.name: v.kind for v in report.variables}
    assert kinds["SMTP Password"] == kinds["Patch Server Send Email Password"] == "secret"


def test_variables_become_var_references_and_a_missing_one_is_reported(report: ImportReport) -> None:
    _, parent = runbook(report, "Patch Server")
    settings = activity(parent, "Send Email")["properties"]["settings"]
    assert settings["SmtpServer"] == "{{var.Mail Server}}"
    missing = "Variable 000000A3-0000-4000-8000-0000000000A3"
    assert settings["Port"] == f"{{{{var.{missing}}}}}"
    assert {v.name: v.kind for v in report.variables}[missing] == "missing"


def test_what_cannot_be_carried_over_is_kept_as_text_and_reported(report: ImportReport) -> None:
    _, parent = runbook(report, "Patch Server")
    settings = activity(parent, "Send Email")["properties"]["settings"]
    assert settings["Body"].startswith("\\{{not a reference}}")  # literal braces stay literal
    assert "\\{{{0000DEAD" in settings["Body"]
    assert activity(parent, "Return Data")["properties"]["data"]["When"] == \
        "\\{{Run Check.Object.EndTime.UTC.Day}}"
    _, child = runbook(report, "Проверка сервера")
    # after a junction returning <None>, the start's data is not on the path (Orchestrator: neither)
    assert activity(child, "Вернуть")["properties"]["data"] == {"Статус": "готово \\{{nachalo.Имя}}",
                                                                 "Unset": ""}
    warnings = "\n".join(w for r in report.runbooks for w in r.warnings)
    for expected in ("Object.EndTime.UTC.Day", "0000DEAD", "{{nachalo.Имя}}",
                     "does not join two activities", "Variable 000000A3"):
        assert expected in warnings


def test_cli_prints_the_headline_and_json_prints_the_report(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    source = write_sample(tmp_path)
    code, out, err = cli(capsys, "import", source)
    assert (code, err) == (0, "")
    assert "14 of 16 activities imported as runnable Interlock activities, 2 placeholders" in out
    assert (tmp_path / "Patching" / "Patch Server.json").is_file()  # default: the export's name
    code, out, _ = cli(capsys, "import", source, "-o", tmp_path / "again", "--json")
    document = json.loads(out)
    assert code == 0 and set(document) == {"runbooks", "variables", "connections", "warnings"}
    assert set(document["runbooks"][0]) == {"name", "path", "orchestrator_id", "activities", "placeholders",
                                            "warnings"}
    assert document["runbooks"][0]["path"] == "Patch Server.json"


def test_importing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    source = write_sample(tmp_path)
    first, second = import_export(source, tmp_path / "a"), import_export(source, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert first.model_dump() == second.model_dump()
    import_export(source, tmp_path / "a")  # over an earlier import: the same bytes again
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
