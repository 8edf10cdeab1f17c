"""Query XML through the real engine: one row per match, namespaces, files, hostile documents (entity
bombs, external entities) that must not be expanded, and the errors a user reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbtargets import act, errors, run, save

import engine
from engine.errors import RunbookError

SERVERS = """<?xml version="1.0"?>
<inventory xmlns:h="urn:example:hosts">
  <h:server name="web01" site="north"><h:cores>4</h:cores><h:note>front <b>end</b></h:note></h:server>
  <h:server name="web02" site="north"><h:cores>8</h:cores></h:server>
  <h:server name="db01" site="south"><h:cores>16</h:cores></h:server>
</inventory>"""
NS = {"h": "urn:example:hosts"}


def xml_query(**properties: object) -> dict[str, object]:
    return act("x", "data.query_xml", **properties)


async def test_one_row_per_element_with_its_text_and_xml(tmp_path: Path):
    result = await run(tmp_path, [xml_query(xml=SERVERS, xpath="//h:server[@site='north']/h:note | "
                                                               "//h:server[@site='south']/h:cores",
                                            namespaces=NS)])
    assert result.status == "success", errors(result, "x")
    assert result.rows("x") == [
        {"value": "front end", "xml": '<h:note xmlns:h="urn:example:hosts">front <b>end</b></h:note>',
         "name": "note", "index": 0},
        {"value": "16", "xml": '<h:cores xmlns:h="urn:example:hosts">16</h:cores>', "name": "cores",
         "index": 1},
    ]


async def test_attributes_text_and_computed_values(tmp_path: Path):
    names = await run(tmp_path, [xml_query(xml=SERVERS, xpath="//h:server/@name", namespaces=NS)])
    assert [(r["value"], r["name"], r["xml"]) for r in names.rows("x")] == [
        ("web01", "name", ""), ("web02", "name", ""), ("db01", "name", "")]
    count = await run(tmp_path, [xml_query(xml=SERVERS, xpath="count(//h:server)", namespaces=NS)])
    assert count.rows("x") == [{"value": "3", "xml": "", "name": "", "index": 0}]
    total = await run(tmp_path, [xml_query(xml=SERVERS, xpath="sum(//h:cores) div 3", namespaces=NS)])
    assert total.rows("x")[0]["value"] == "9.333333333333334"
    found = await run(tmp_path, [xml_query(xml=SERVERS, xpath="boolean(//h:server[@site='east'])",
                                           namespaces=NS)])
    assert found.rows("x")[0]["value"] == "false"


async def test_each_match_runs_the_next_activity_once(tmp_path: Path):
    result = await run(tmp_path, [
        xml_query(xml=SERVERS, xpath="//h:server/@name", namespaces=NS),
        act("split", "core.split", text="{{x.value}}-{{x.index}}", separator=","),
    ])
    assert sorted(row["item"] for row in result.rows("split")) == ["db01-2", "web01-0", "web02-1"]


async def test_subscribed_values_go_in_as_xpath_variables(tmp_path: Path):
    result = await run(tmp_path, [
        act("start", "core.split", text="north|' or '1'='1", separator="|"),
        xml_query(xml=SERVERS, xpath="//h:server[@site = $site]/@name", namespaces=NS,
                  variables={"site": "{{start.item}}"}),
    ])
    assert result.status == "success", errors(result, "x")
    # the hostile value is compared as text: it matches no site, and selects nothing more
    assert sorted(row["value"] for row in result.rows("x")) == ["web01", "web02"]
    unknown = await run(tmp_path, [xml_query(xml=SERVERS, xpath="//h:server[@site = $place]",
                                             namespaces=NS)])
    assert errors(unknown, "x") == ["xpath '//h:server[@site = $place]': Undefined variable"]


async def test_no_match_publishes_nothing(tmp_path: Path):
    result = await run(tmp_path, [xml_query(xml=SERVERS, xpath="//nothing")])
    assert result.status == "success"
    assert result.rows("x") == []


async def test_a_file_relative_to_the_runbook(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "servers.xml").write_text(SERVERS, encoding="utf-8")
    result = await run(tmp_path, [xml_query(file="data/servers.xml", xpath="//h:server[h:cores > 5]/@name",
                                            namespaces=NS)])
    assert [row["value"] for row in result.rows("x")] == ["web02", "db01"]
    missing = await run(tmp_path, [xml_query(file="data/missing.xml", xpath="/")])
    [error] = errors(missing, "x")
    assert error.startswith("file: cannot read ") and "data/missing.xml: No such file or directory" in error


async def test_an_entity_bomb_is_not_expanded(tmp_path: Path):
    levels = ['<!ENTITY a0 "lolololololololololo">'] + [
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 12)]
    bomb = f'<?xml version="1.0"?><!DOCTYPE bomb [{"".join(levels)}]><bomb>&a11;</bomb>'
    result = await run(tmp_path, [xml_query(xml=bomb, xpath="/bomb")])
    # either refused or kept as an unexpanded reference: never 10^11 characters
    for row in result.rows("x"):
        assert "lolo" not in row["value"] and len(row["xml"]) < 1000
    assert result.status in ("success", "failed")


async def test_an_external_entity_is_not_read(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    document = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">'
                f'<!ENTITY y SYSTEM "http://127.0.0.1:9/never">]><r><a>&x;</a><b>&y;</b></r>')
    result = await run(tmp_path, [xml_query(xml=document, xpath="/r")])
    assert "TOP-SECRET-CONTENT" not in result.model_dump_json()
    assert result.status == "success", errors(result, "x")
    assert result.rows("x")[0]["xml"] == "<r><a>&x;</a><b>&y;</b></r>"


async def test_bad_xml_and_bad_xpath_name_the_property(tmp_path: Path):
    bad_xml = await run(tmp_path, [xml_query(xml="<a><b></a>", xpath="/a")])
    [error] = errors(bad_xml, "x")
    assert error.startswith("xml: not well-formed XML: Opening and ending tag mismatch")
    assert "line 1" in error and "<string>" not in error
    empty = await run(tmp_path, [xml_query(xml="  ", xpath="/a")])
    assert errors(empty, "x") == ["xml: the document is empty"]
    bad_xpath = await run(tmp_path, [xml_query(xml=SERVERS, xpath="//h:server[")])
    assert errors(bad_xpath, "x") == ["xpath '//h:server[': Invalid expression"]
    unknown_prefix = await run(tmp_path, [xml_query(xml=SERVERS, xpath="//h:server")])
    assert errors(unknown_prefix, "x") == ["xpath '//h:server': Undefined namespace prefix"]


@pytest.mark.parametrize(("properties", "message"), [
    ({"xml": "<a/>", "file": "a.xml", "xpath": "/a"}, "give either xml (the text) or file (a path)"),
    ({"xpath": "/a"}, "give either xml (the text) or file (a path)"),
    ({"xml": "<a/>", "xpath": "/d:a", "namespaces": {"": "urn:x"}}, "XPath 1.0 has no default namespace"),
    ({"xml": "<a/>", "xpath": "$a b", "variables": {"a b": "x"}}, 'variables: "a b" is not a name'),
])
def test_property_mistakes_are_found_when_the_runbook_loads(tmp_path: Path, properties, message):
    path = save(tmp_path, [xml_query(**properties)])
    with pytest.raises(RunbookError, match=message.replace("(", r"\(").replace(")", r"\)")):
        engine.load_runbook(path)
