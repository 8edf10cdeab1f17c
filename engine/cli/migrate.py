"""`interlock import EXPORT.ois_export [-o DIR] [--json]`: an Orchestrator export -> Interlock runbooks
(DESIGN §6.2). The importer is engine.migrate; this prints what it did."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..migrate import ImportReport, import_export
from ..migrate.importer import CONNECTIONS_FILE, REPORT_FILE, VARIABLES_FILE
from .render import visible


def add_import_command(sub: argparse._SubParsersAction) -> None:
    importer = sub.add_parser("import", help="import a System Center Orchestrator export (.ois_export) as "
                              "runbooks, variables.toml, connections.toml and import-report.md")
    importer.add_argument("export", metavar="EXPORT", help="the .ois_export file of the Runbook Designer")
    importer.add_argument("-o", "--output", metavar="DIR",
                          help="where to write (default: the export's name next to it)")
    importer.add_argument("--json", action="store_true", help="print the import report as JSON on stdout")
    importer.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    report = import_export(args.export, args.output)
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(summary(report))
    return 0


def summary(report: ImportReport) -> str:
    out = Path(report.out_dir)
    warnings = len(report.warnings) + sum(len(r.warnings) for r in report.runbooks)
    secrets = sum(v.kind != "value" for v in report.variables)
    lines = [visible(report.headline()), f"written to {visible(str(out))}"]
    for line in report.runbooks:
        lines.append(visible(f"  {line.path}: {line.activities} activities, {line.placeholders} "
                             f"placeholders, {len(line.warnings)} notes"))
    if secrets:
        lines.append(visible(f"{secrets} variables to fill in: {out / VARIABLES_FILE}"))
    if report.connections:
        lines.append(visible(f"{len(report.connections)} connections to configure (servers, accounts, "
                             f"passwords): {out / CONNECTIONS_FILE}"))
    lines.append(visible(f"{warnings} notes on what to check or replace: {out / REPORT_FILE}"))
    return "\n".join(lines)
