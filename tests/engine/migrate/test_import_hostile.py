"""Files that are not Runbook Designer exports, or are hostile: `interlock import` exits 2 with a message
that names the file, never a traceback, never expands an entity, reads no network and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from exports import START, Folder, Policy, activity, export_xml, guid, link, sample_export
from importing import cli

from engine.cli.main import main
from engine.migrate import MAX_EXPORT_BYTES

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">'
                            for i in range(1, 10))
                  + ']><ExportData><Policies>&lol9;</Policies></ExportData>')
EXTERNAL = ('<!DOCTYPE ExportData [<!ENTITY x SYSTEM "http://127.0.0.1:9/secret">]>'
            '<ExportData><Policies>&x;</Policies></ExportData>')

CASES = {
    "not_xml.ois_export": b"PK\x03\x04 this is a zip, not an export",
    "empty.ois_export": b"",
    "truncated.ois_export": sample_export().encode()[:5000],
    "billion_laughs.ois_export": BILLION_LAUGHS.encode(),
    "no_declaration_laughs.ois_export": BILLION_LAUGHS.split("?>", 1)[1].encode(),
    "external_entity.ois_export": EXTERNAL.encode(),
    "declaration.ois_export": ('<?xml version="1.0" encoding="utf-8"?>' + sample_export()).encode(),
    "namespace.ois_export": sample_export().replace("<ExportData>", '<ExportData xmlns="urn:scorch">',
                                                     1).encode(),
    "policy_exports.ois_export": b"<PolicyExports><Policy><Name>x</Name></Policy></PolicyExports>",
    "activities.ois_export": b"<Activities><Activity type='Run .Net Script'/></Activities>",
    "no_policies.ois_export": b"<ExportData><EncryptionSalt>x</EncryptionSalt></ExportData>",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_exports_exit_2_naming_the_file_and_write_nothing(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_bytes(CASES[name])
    code, out, err = cli(capsys, "import", source, "-o", tmp_path / "out")
    assert code == 2, err
    assert str(source) in err
    assert "Traceback" not in err and out == ""
    assert "lollol" not in err
    assert not (tmp_path / "out").exists()


def test_the_messages_say_what_is_wrong(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    expected = {"truncated.ois_export": "not well-formed XML", "billion_laughs.ois_export": "declaration",
                "no_declaration_laughs.ois_export": "entities",
                "policy_exports.ois_export": "not a Runbook Designer export",
                "namespace.ois_export": "not a Runbook Designer export"}
    for name, words in expected.items():
        source = tmp_path / name
        source.write_bytes(CASES[name])
        _, _, err = cli(capsys, "import", source, "-o", tmp_path / "out")
        assert words in err, (name, err)


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    source = tmp_path / "huge.ois_export"
    with source.open("wb") as f:  # sparse: 300 MB on paper, nothing on disk
        f.truncate(300 * 2**20)
    assert source.stat().st_size > MAX_EXPORT_BYTES
    code, _, err = cli(capsys, "import", source, "-o", tmp_path / "out")
    assert code == 2 and str(source) in err and "300 MB" in err and "200 MB" in err


def test_missing_file_folder_and_output_over_a_file(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    code, _, err = cli(capsys, "import", tmp_path / "nope.ois_export")
    assert code == 2 and "nope.ois_export" in err and "Traceback" not in err
    code, _, err = cli(capsys, "import", tmp_path)
    assert code == 2 and str(tmp_path) in err
    source = tmp_path / "ok.ois_export"
    source.write_text(sample_export(), encoding="utf-8")
    (tmp_path / "taken").write_text("a file")
    code, _, err = cli(capsys, "import", source, "-o", tmp_path / "taken")
    assert code == 2 and "taken" in err and "not a folder" in err


def test_odd_but_well_formed_exports_import(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Duplicate and empty names, names that give the same id, numbers that are not numbers, a link to
    itself, unknown elements: imported, each runbook valid, the oddities reported."""
    start = activity(1, "Старт", START, ("x", "1.5"))  # type: ignore[arg-type]
    same = activity(2, "Same Name", START)
    also = activity(3, "same name", START)
    blank = activity(4, "", START)
    policies = [Policy(guid(10), "Odd", [start, same, also, blank, link(5, start, same), link(6, same, same),
                                         link(7, start, also), link(8, start, blank)]),
                Policy(guid(11), "Odd", [])]
    source = tmp_path / "odd.ois_export"
    source.write_text(export_xml(Folder(guid(9), "Top", policies)), encoding="utf-8")
    code, out, err = cli(capsys, "import", source, "-o", tmp_path / "out", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [r["path"] for r in report["runbooks"]] == ["Odd.json", "Odd 2.json"]
    document = json.loads((tmp_path / "out" / "Odd.json").read_text(encoding="utf-8"))
    assert [a["id"] for a in document["activities"]] == ["start", "same_name", "same_name_2", "activity"]
    assert [a["name"] for a in document["activities"]] == ["Старт", "Same Name", "same name 2",
                                                            "Custom Start"]
    assert document["activities"][0]["at"] == [0, 1]
    warnings = "\n".join(report["runbooks"][0]["warnings"])
    assert "does not join two activities" in warnings and '"same name 2"' in warnings
    code, _, err = cli(capsys, "validate", *sorted((tmp_path / "out").glob("*.json")))
    assert code == 0, err


def _import_and_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path, top: Folder) -> dict:
    source = tmp_path / "edge.ois_export"
    source.write_text(export_xml(top), encoding="utf-8")
    code, out, err = cli(capsys, "import", source, "-o", tmp_path / "out", "--json")
    assert code == 0, err
    report = json.loads(out)
    files = [tmp_path / "out" / r["path"] for r in report["runbooks"]]
    code, _, err = cli(capsys, "validate", *files)
    assert code == 0, err
    return report


def test_numbers_beyond_any_range_import_as_valid_numbers(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    start = activity(1, "Start", START, ("inf", "9" * 5000),  # type: ignore[arg-type]
                     ASW_ObjectTimeout="1e300")
    other = activity(2, "Other", START, ("nan", "-1e999"))  # type: ignore[arg-type]
    late = link(3, start, other, delay="1e400")  # type: ignore[arg-type]
    late.fields["Color"] = "9" * 400
    _import_and_validate(capsys, tmp_path, Folder(guid(9), "Top", [Policy(guid(10), "Numbers",
                                                                          [start, other, late])]))
    document = json.loads((tmp_path / "out" / "Numbers.json").read_text(encoding="utf-8"))
    assert all(abs(v) <= 10**9 for a in document["activities"] for v in a["at"])


def test_a_very_long_name_gives_a_file_name_the_system_accepts(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    long_name = "Проверка " * 40
    report = _import_and_validate(capsys, tmp_path, Folder(guid(9), "Top", [], [
        Folder(guid(8), long_name, [Policy(guid(10), long_name, [activity(1, "Start", START)]),
                                    Policy(guid(11), long_name + "2", [activity(2, "Start", START)])])]))
    paths = [r["path"] for r in report["runbooks"]]
    assert len(set(paths)) == 2 and all(len(part.encode()) <= 255 for p in paths for part in p.split("/"))
    assert report["runbooks"][0]["name"] == long_name  # the runbook keeps its whole name


def test_duplicate_and_empty_parameter_names_stay_distinct(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    from exports import COMPARE, sub
    start = activity(1, "Start", START, tables={"CUSTOM_START_PARAMETERS": [
        {"UniqueID": guid(0xF1), "Value": "Name", "Type": "String"},
        {"UniqueID": guid(0xF2), "Value": "name", "Type": "String"},
        {"UniqueID": guid(0xF3), "Value": "", "Type": "String"}]})
    use = activity(2, "Use", COMPARE, StringToCompare=sub(start.id, guid(0xF2)),
                   StringToCompareTo=sub(start.id, guid(0xF3)))
    policy = Policy(guid(10), "Params", [start, use, link(3, start, use)])
    _import_and_validate(capsys, tmp_path, Folder(guid(9), "Top", [policy]))
    document = json.loads((tmp_path / "out" / "Params.json").read_text(encoding="utf-8"))
    names = [p["name"] for p in document["activities"][0]["properties"]["parameters"]]
    assert names[0] == "Name" and len({n.casefold() for n in names}) == 3 and all(names)
    props = document["activities"][1]["properties"]
    assert (props["left"], props["right"]) == (f"{{{{start.{names[1]}}}}}", f"{{{{start.{names[2]}}}}}")


def test_a_runbook_that_starts_with_a_placeholder_still_validates(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    from exports import RETURN
    monitor = activity(1, "Monitor Date/Time",
                       ("Monitor Date/Time", "{257A2C51-67E6-40C6-8F49-4059E9C3D45E}"))
    done = activity(2, "Return Data", RETURN)
    report = _import_and_validate(capsys, tmp_path, Folder(guid(9), "Top", [
        Policy(guid(10), "Monitored", [monitor, done, link(3, monitor, done)])]))
    assert "start" in "\n".join(report["runbooks"][0]["warnings"]).lower()


def test_an_output_folder_that_cannot_be_made_exits_2(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    source = tmp_path / "ok.ois_export"
    source.write_text(sample_export(), encoding="utf-8")
    (tmp_path / "file").write_text("x")
    code, _, err = cli(capsys, "import", source, "-o", tmp_path / "file" / "sub")
    assert code == 2 and "Traceback" not in err and str(tmp_path / "file") in err


def test_a_runbook_with_two_start_points_keeps_one_and_says_so(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    from exports import COMPARE
    start = activity(1, "Start", START)
    stray = activity(2, "Stray", COMPARE)  # never linked: Interlock runs a runbook from one start
    report = _import_and_validate(capsys, tmp_path, Folder(guid(9), "Top", [
        Policy(guid(10), "Two", [stray, start])]))
    document = json.loads((tmp_path / "out" / "Two.json").read_text(encoding="utf-8"))
    assert [a.get("enabled", True) for a in document["activities"]] == [False, True]
    assert any('"Stray"' in w and "start point" in w for w in report["runbooks"][0]["warnings"])


def test_a_subscription_that_cannot_be_written_is_literal_text_named_in_the_report(tmp_path: Path) -> None:
    from exports import COMPARE, sub
    from importing import runbook

    from engine.migrate import import_export
    start = activity(1, "Start", START, tables={"CUSTOM_START_PARAMETERS": [
        {"UniqueID": guid(0xF1), "Value": "Name", "Type": "String"}]})
    # PowerShell's ${…} around a subscription: "{" then "{{start.Name}}" reads as a malformed reference
    use = activity(2, "Use", COMPARE, StringToCompare="${" + sub(start.id, guid(0xF1)) + "}")
    source = tmp_path / "brace.ois_export"
    source.write_text(export_xml(Folder(guid(9), "Top", [Policy(guid(10), "Brace",
                                                                [start, use, link(3, start, use)])])))
    report = import_export(source, tmp_path / "out")
    path, _ = runbook(report, "Brace")
    assert main(["validate", str(path)]) == 0
    assert any('activity "Use"' in w and "${" in w and "literal" in w for w in report.runbooks[0].warnings)
