"""Reading Interlock's metadata and libvirt's snapshot XML (no libvirt needed)."""

from __future__ import annotations

import pytest

from nodes.backends.libvirt.metadata import parse_properties
from nodes.backends.libvirt.safexml import XmlProblem
from nodes.backends.libvirt.snapshots import (
    SnapshotInfo,
    free_name,
    oldest_first,
    parse_snapshot,
    request_xml,
    split_checkpoint_id,
)


def test_properties_with_or_without_the_namespace_as_libvirt_returns_them():
    bare = ('<properties>\n  <property index="1">7</property>\n  <property index="3"> x </property>\n'
            "</properties>")
    spaced = ('<i:properties xmlns:i="urn:interlock:vm:1"><i:property index="1">7</i:property>'
              '<i:property index="3">x</i:property></i:properties>')
    assert parse_properties(bare) == parse_properties(spaced) == {1: "7", 3: "x"}
    assert parse_properties("<properties/>") == {}


@pytest.mark.parametrize(("text", "problem"), [
    ("<properties><property index='1'>7</properties>", "not well-formed XML"),
    ('<!DOCTYPE p [<!ENTITY a "aaaa">]><properties/>', "DOCTYPE or ENTITY"),
    ("<props/>", "the root element is <props>, not <properties>"),
    ("<properties><property index='one'>7</property></properties>", "index must be a number from 1 to 10"),
])
def test_metadata_that_is_not_interlocks_is_refused(text, problem):
    with pytest.raises(XmlProblem, match=problem):
        parse_properties(text)


def test_a_snapshot_request_escapes_what_the_runbook_gives():
    xml = request_xml("Batch <1> & co", 'said "hi"')
    assert parse_snapshot(xml) == SnapshotInfo(name="Batch <1> & co", description='said "hi"', created=0,
                                                    state="nostate", parent=None)
    assert request_xml("", "") == "<domainsnapshot />"


def test_snapshot_xml_and_order():
    info = parse_snapshot("<domainsnapshot><name>s2</name><state>shutoff</state><parent><name>s1</name>"
                          "</parent><creationTime>1700000000</creationTime><domain><name>web01</name>"
                          "</domain></domainsnapshot>")
    assert (info.name, info.parent, info.vm_status) == ("s2", "s1", "Stopped")
    assert info.created_at == "2023-11-14T22:13:20.000+00:00"
    snaps = [SnapshotInfo("c", "", 5, "running", "b"), SnapshotInfo("a", "", 5, "running", None),
             SnapshotInfo("b", "", 5, "running", "a"), SnapshotInfo("old", "", 1, "shutoff", None)]
    assert [s.name for s in oldest_first(snaps)] == ["old", "a", "b", "c"]


def test_checkpoint_ids_split_at_the_first_slash():
    assert split_checkpoint_id("0b6c/Batch 1/x") == ("0b6c", "Batch 1/x")
    assert split_checkpoint_id("nouuid") is None and split_checkpoint_id("/x") is None


def test_a_name_already_taken_gets_a_number():
    assert free_name("Batch 1", set()) == "Batch 1"
    assert free_name("Batch 1", {"Batch 1"}) == "Batch 1 (2)"
    assert free_name("Batch 1", {"Batch 1", "Batch 1 (2)"}) == "Batch 1 (3)"
    assert free_name("", {""}) == ""  # libvirt names it
