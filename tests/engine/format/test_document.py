"""The editable document the designer works on: edits, their inverses, the changes views see, and the
rules for ids, names and links."""

from __future__ import annotations

import pytest

from engine.format.document import Change, Document, slug
from engine.format.fileio import dumps_runbook
from engine.format.model import Activity, Link, Note, Runbook


def act(activity_id: str, name: str | None = None) -> Activity:
    return Activity(id=activity_id, type="core.delay", name=name or activity_id.upper(),
                    properties={"seconds": 0})


def doc_with(*ids: str, links: tuple[tuple[str, str], ...] = ()) -> Document:
    return Document(Runbook(name="T", activities=[act(i) for i in ids],
                            links=[Link(from_=a, to=b) for a, b in links]))


def test_slug_ids_from_names():
    assert slug("Get VMs in Batch") == "get_vms_in_batch"
    assert slug("  Wait — for Stopped!  ") == "wait_for_stopped"
    assert slug("1st step") == "a_1st_step"
    assert slug("???") == "activity"


def test_unique_ids_and_names():
    doc = doc_with("stop_vm")
    doc.activities[0] = doc.activities[0].model_copy(update={"name": "Stop VM"})
    assert doc.unique_id("Stop VM") == "stop_vm_2"
    assert doc.unique_name("stop vm") == "stop vm (2)"
    assert doc.unique_name("Start VM") == "Start VM"


@pytest.mark.parametrize(("source", "target", "says"), [
    ("a", "a", "itself"), ("a", "b", "already linked"), ("c", "a", "cycle"), ("a", "zz", "activities")])
def test_refused_links_say_why(source, target, says):
    doc = doc_with("a", "b", "c", links=(("a", "b"), ("b", "c")))
    assert says in doc.link_refusal(source, target)


def test_an_allowed_link():
    assert doc_with("a", "b", "c", links=(("a", "b"),)).link_refusal("a", "c") is None


def test_remove_activity_takes_its_links_and_returns_what_undo_needs():
    doc = doc_with("a", "b", "c", links=(("a", "b"), ("b", "c"), ("a", "c")))
    before = dumps_runbook(doc.runbook)
    seen: list[Change] = []
    doc.subscribe(seen.append)
    index, activity, links = doc.remove_activity("b")
    assert [a.id for a in doc.activities] == ["a", "c"]
    assert [(lk.from_, lk.to) for lk in doc.links] == [("a", "c")]
    assert Change("activity_removed", "b") in seen and Change("link_removed", ("a", "b")) in seen
    # the inverse, in the order given, restores the exact file
    doc.add_activity(activity, index)
    for link_index, link in links:
        doc.add_link(link, link_index)
    assert dumps_runbook(doc.runbook) == before


def test_update_activity_marks_changed_fields_as_set_so_they_are_saved():
    doc = doc_with("a")
    old = doc.update_activity("a", at=(120, 40))
    assert old.at == (0, 0)
    assert '"at": [120, 40]' in dumps_runbook(doc.runbook)


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match='id "a" already exists'):
        doc_with("a").add_activity(act("a"))


def test_notes_and_meta():
    doc = doc_with()
    index = doc.add_note(Note(text="hello"))
    doc.replace_note(index, Note(text="bye", at=(5, 5)))
    assert doc.remove_note(index).text == "bye"
    assert doc.set_meta("Renamed", "why") == ("T", "")
    assert doc.runbook.name == "Renamed"


def test_a_new_runbook_saves_what_was_added_to_it():
    doc = Document()
    doc.add_activity(act("a"))
    doc.add_activity(act("b"))
    doc.add_link(Link(from_="a", to="b"))
    text = dumps_runbook(doc.runbook)
    assert '"id": "a"' in text and '"from": "a"' in text
