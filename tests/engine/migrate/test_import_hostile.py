"""Files that are not Runbook Designer exports, or are hostile: `interlock import` exits 2 with a message
that names the file, never a traceback, never expands an entity, reads no network and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from exports import START, Folder, Policy, activity, export_xml, guid, link, sample_export
from importing import cli

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
