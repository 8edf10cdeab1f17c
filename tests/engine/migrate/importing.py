"""Helpers of the importer tests: the sample export imported into a folder, the command line run
in-process, the runbooks written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from exports import write_sample

from engine.cli.main import main
from engine.migrate import ImportReport, import_export


def import_sample(folder: Path) -> ImportReport:
    return import_export(write_sample(folder), folder / "imported")


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def runbook(report: ImportReport, name: str) -> tuple[Path, dict[str, Any]]:
    """The file and the JSON of the imported runbook called `name`."""
    line = next(r for r in report.runbooks if r.name == name)
    path = Path(report.out_dir) / line.path
    return path, json.loads(path.read_text(encoding="utf-8"))


def activity(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in document["activities"] if a["name"] == name)


def link(document: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    return next(x for x in document["links"] if (x["from"], x["to"]) == (source, target))
