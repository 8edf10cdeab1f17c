"""Opening runbook files for editing, through the engine's reader: a valid file opens; a file whose
structure is sound but has mistakes (unknown type, broken subscription, cycle) opens too, so the
mistakes can be fixed with their markers; anything else is refused with every located problem."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from engine.config.registry import Registry
from engine.errors import RunbookError
from engine.format.fileio import load_runbook
from engine.format.jsonread import loads
from engine.format.model import Runbook


def open_for_editing(path: str | Path, registry: Registry) -> tuple[Runbook, bool]:
    """The runbook, and whether it passed validation (its warnings are then on `runbook.warnings`)."""
    try:
        return load_runbook(path, registry), True
    except RunbookError as exc:
        try:
            data = loads(Path(path).read_text(encoding="utf-8"))  # the reader's limits, no RecursionError
            runbook = Runbook.model_validate(data, by_name=False)
        except (OSError, ValueError, ValidationError):
            raise exc from None
        runbook._path = str(Path(path).resolve())
        return runbook, False
