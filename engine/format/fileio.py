"""Reading and writing runbook files: one serializer for the CLI, the engine and the designer."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Literal

from ..atomicfile import write_atomically
from ..config.registry import Registry
from ..errors import Problem, RunbookError
from ..gcpolicy import paused_gc
from .counterrefs import counter_references, undefined_counters
from .jsonfmt import dumps
from .jsonread import JsonInputError, loads
from .model import FORMAT, Runbook
from .templates import VAR
from .validate import check_document, global_references, undefined_variables


def _read(path: Path) -> tuple[object | None, list[Problem]]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem("file not found", file=file)]
    except UnicodeDecodeError as exc:
        return None, [Problem(f"not UTF-8 text: {exc}", file=file)]
    except OSError as exc:
        return None, [Problem(f"cannot read: {exc.strerror or exc}", file=file)]
    try:
        return loads(text), []
    except JsonInputError as exc:
        return None, [Problem(exc.message, file=file, key=exc.key)]


# The global variables (or counters) a config defines and where to add one (its file), asked only for
# a runbook that uses one (so a runbook without any is validated without a config).
DefinedVariables = Callable[[], tuple[Collection[str], str]]


def validate_file(path: str | Path, registry: Registry | None = None,
                  variables: DefinedVariables | None = None, counters: DefinedVariables | None = None,
                  counter_severity: Literal["error", "warning"] = "error") -> list[Problem]:
    """Every problem of a runbook file, errors and warnings; raises nothing for runbook mistakes.
    With `variables`, a `{{var.NAME}}` the config does not define is a warning; with `counters` (the
    config's counters and where to add one), a counter it does not define is a `counter_severity`."""
    path = Path(path)
    registry = registry or Registry.from_entry_points()
    with paused_gc():
        data, problems = _read(path)
        if problems:
            return problems
        runbook, problems = check_document(data, str(path), registry, limits_checked=True)
    if runbook is not None and variables is not None:
        found = [(where, ref) for where, ref in global_references(runbook) if ref.activity == VAR]
        if found:
            defined, define_in = variables()
            problems += undefined_variables(found, defined, str(path), define_in, "warning")
    if runbook is not None and counters is not None and counter_references(runbook, registry):
        defined, define_in = counters()
        problems += undefined_counters(runbook, registry, defined, str(path), define_in, counter_severity)
    return problems


def load_runbook(path: str | Path, registry: Registry | None = None) -> Runbook:
    """Load and validate a runbook; RunbookError lists every located problem. Warnings are kept on
    `runbook.warnings`."""
    path = Path(path)
    registry = registry or Registry.from_entry_points()
    with paused_gc():
        data, problems = _read(path)
        if not problems:
            runbook, problems = check_document(data, str(path), registry, limits_checked=True)
    if any(p.severity == "error" for p in problems):
        raise RunbookError(problems, file=str(path))
    assert runbook is not None
    runbook._path = str(path.resolve())
    runbook._warnings = [p for p in problems if p.severity == "warning"]
    return runbook


def dumps_runbook(runbook: Runbook) -> str:
    """The canonical text of a runbook: keys in model order, only the keys that were set."""
    data = runbook.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data = {"format": FORMAT, **{k: v for k, v in data.items() if k != "format"}}
    return dumps(data)


def save_runbook(runbook: Runbook, path: str | Path) -> None:
    """Write atomically (temp file + rename): a crash never leaves a half-written runbook, and a file
    saved over keeps its mode and owner."""
    path = Path(path)
    write_atomically(path, dumps_runbook(runbook))
    runbook._path = str(path.resolve())
