"""The designer reads runbook JSON from files and the clipboard: hostile text there is refused with the
same located message as `interlock validate`, never a RecursionError that ends the application."""

from __future__ import annotations

from pathlib import Path

import pytest

import nodes.core
from designer.clipboard import paste_items
from designer.files import open_for_editing
from engine import Registry, RunbookError
from engine.format.document import Document
from engine.format.model import Runbook

REGISTRY = Registry([nodes.core.PACK])
HOSTILE = ["[" * 100_000, '{"activities": [], "activities": []}',
           '{"activities": [{"at": [' + "9" * 5000 + "]}]}"]


@pytest.mark.parametrize("text", HOSTILE)
def test_opening_a_hostile_file_says_what_is_wrong(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RunbookError) as raised:
        open_for_editing(path, REGISTRY)
    assert str(raised.value).startswith(f"{path}: ")


@pytest.mark.parametrize("text", HOSTILE)
def test_pasting_hostile_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="the clipboard does not hold Interlock activities"):
        paste_items(Document(Runbook(name="Paste")), text)


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, '{"a": 1, "a": 2}', "[NaN]"])
def test_typing_hostile_json_into_a_field_keeps_it_as_text(text: str) -> None:
    """An `Any` field reads typed JSON as a structure; JSON a runbook file could not hold stays the text
    as typed (which shows and validates as text) instead of raising out of the editor."""
    from typing import Any

    from designer.properties.tables import Naming, classify, text_of, value_of

    kind, naming = classify(Any), Naming({})
    assert value_of(kind, text, naming) == text
    assert value_of(kind, text_of(kind, text, naming), naming) == text
