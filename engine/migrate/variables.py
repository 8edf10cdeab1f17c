"""The import's global variables: the export's own, the secrets that replace encrypted blobs, and the
ones referenced but missing; written as variables.toml, listed in the report."""

from __future__ import annotations

import json

from .export import Variable
from .markers import is_encrypted
from .naming import slug, unique
from .report import VariableReport

ENV_PREFIX = "INTERLOCK_"


class VariableBook:
    def __init__(self, variables: dict[str, Variable]) -> None:
        self._taken: set[str] = set()
        self._by_guid: dict[str, str] = {}
        self.entries: list[tuple[VariableReport, str | None]] = []  # (report line, plain value)
        for guid, variable in sorted(variables.items(), key=lambda kv: (kv[1].folder, kv[1].name, kv[0])):
            name = unique(variable.name.strip() or guid.strip("{}"), self._taken, fold=True, sep=" ")
            self._by_guid[guid] = name
            source = "/".join((*variable.folder, variable.name)) or guid
            if is_encrypted(variable.value):
                self._add(name, "secret", f"encrypted variable {source}")
            else:
                self.entries.append((VariableReport(name=name, kind="value", source=source), variable.value))

    def _add(self, name: str, kind: str, source: str) -> str:
        env = ENV_PREFIX + slug(name, "var").upper() if kind == "secret" else None
        self.entries.append((VariableReport(name=name, kind=kind, source=source, env=env), None))
        return name

    def reference(self, guid: str) -> tuple[str, bool]:
        """`{{var.NAME}}` for a variable GUID, and whether the export defines it."""
        if guid in self._by_guid:
            return f"{{{{var.{self._by_guid[guid]}}}}}", True
        name = unique(f"Variable {guid.strip('{}')}", self._taken, fold=True, sep=" ")
        self._by_guid[guid] = self._add(name, "missing", f"referenced as {guid}, not in the export")
        return f"{{{{var.{name}}}}}", False

    def secret(self, where: str, base: str) -> str:
        """A new secret variable for an encrypted value found at `where`; its `{{var.NAME}}`."""
        name = self._add(unique(base, self._taken, fold=True, sep=" "), "secret", where)
        return f"{{{{var.{name}}}}}"

    def toml(self) -> str:
        lines = ["# Global variables of the Orchestrator export: the [variables] table of interlock.toml.",
                 "# Secrets were encrypted in the export and are not carried over: set the environment",
                 "# variable named here (or use { keyring = \"service:user\" }). Missing ones need a value.",
                 "[variables]"]
        for report, value in self.entries:
            key = json.dumps(report.name, ensure_ascii=False)
            if report.kind == "value":
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
            elif report.kind == "secret":
                lines.append(f"{key} = {{ env = {json.dumps(report.env)} }}  # {report.source}")
            else:
                lines.append(f'# {key} = ""  # {report.source}: fill in its value')
        return "\n".join(lines) + "\n"

    def reports(self) -> list[VariableReport]:
        return [report for report, _ in self.entries]
