"""`import_export`: an Orchestrator export -> a folder of runbooks, variables.toml, import-report.md."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..atomicfile import write_atomically
from ..config.registry import Registry
from ..format.fileio import save_runbook
from .connections import ConnectionBook
from .export import Export, read_export
from .mapping import Export as Context
from .mapping import map_policy
from .naming import file_part, unique
from .report import ImportReport
from .scope import cut_unreachable
from .variables import VariableBook
from .xmlread import ExportError, read_export_xml

SUFFIX = ".json"
REPORT_FILE = "import-report.md"
VARIABLES_FILE = "variables.toml"
CONNECTIONS_FILE = "connections.toml"


def default_out_dir(source: Path) -> Path:
    """The export's name next to it: `Exports/Patching.ois_export` -> `Exports/Patching`."""
    return source.with_suffix("") if source.suffix else source.with_name(source.name + "-imported")


def import_export(source: str | Path, out_dir: str | Path | None = None) -> ImportReport:
    """Import every runbook of the export; ExportError (nothing written) when it is not one."""
    source = Path(source)
    export = read_export(read_export_xml(source))
    out = Path(out_dir) if out_dir is not None else default_out_dir(source)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder; choose another with -o")
    try:
        return _write(export, out)
    except OSError as exc:
        where = exc.filename or out
        raise ExportError(f"{where}: cannot write the import: {exc.strerror or exc}") from None


def _write(export: Export, out: Path) -> ImportReport:
    report = ImportReport(out_dir=str(out))
    taken: set[str] = set()
    for policy in export.policies:
        folder = PurePosixPath(*[file_part(part) for part in policy.folder])
        stem = unique(str(folder / file_part(policy.name or policy.id)), taken, fold=True, sep=" ")
        policy.path = stem + SUFFIX
    book = VariableBook(export.variables)
    connections = ConnectionBook()
    context = Context({p.id: p for p in export.policies}, book, connections, Registry.from_entry_points())
    for policy in export.policies:
        runbook, line = map_policy(policy, context)
        cut_unreachable(runbook, line.warnings)
        target = out / policy.path
        target.parent.mkdir(parents=True, exist_ok=True)
        save_runbook(runbook, target)
        report.runbooks.append(line)
    for group, count in sorted(export.other_settings.items()):
        report.warnings.append(f"{count} objects of {group} (global settings) are not imported")
    if not export.policies:
        report.warnings.append("the export holds no runbook")
    report.variables = book.reports()
    report.connections = connections.reports()
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / VARIABLES_FILE, book.toml())
    if connections.entries:
        write_atomically(out / CONNECTIONS_FILE, connections.toml())
    write_atomically(out / REPORT_FILE, report.markdown())
    return report
