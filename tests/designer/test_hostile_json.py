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
