"""Importers of other tools' runbooks: System Center Orchestrator / Opalis exports (DESIGN §6.2).

`import_export(source, out_dir)` reads an `.ois_export` safely (`xmlread`: no entities, no DTD, no
network, a size limit), parses it into plain records (`export`), maps each Orchestrator runbook to a
format-1 runbook (`mapping`, with the published-data markers of `markers`), writes the runbooks,
`variables.toml` and `import-report.md`, and returns the `ImportReport` (`report`).

May import: the engine's top-level foundation modules, `engine.config` (the registry of installed
activity types) and `engine.format` (the runbook model, canonical writing, the graph compile).
Never `run`, `history`, `schedule` or `cli`.
"""

from .importer import import_export
from .report import ImportReport, RunbookReport
from .xmlread import MAX_EXPORT_BYTES, ExportError

__all__ = ["MAX_EXPORT_BYTES", "ExportError", "ImportReport", "RunbookReport", "import_export"]
