"""The import report (DESIGN §6.2): `model_dump()` is the `--json` document, `markdown()` is
import-report.md. Nothing of the export is dropped without a line here."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .connections import ConnectionReport


class RunbookReport(BaseModel):
    name: str
    path: str  # relative to the import folder, "/" separated
    orchestrator_id: str
    activities: int = 0  # every activity written, placeholders included
    placeholders: int = 0
    warnings: list[str] = Field(default_factory=list)


class VariableReport(BaseModel):
    name: str
    kind: str  # "value" (carried over), "secret" (to fill in), "missing" (referenced, not in the export)
    source: str  # where it comes from: the export's variable, or the runbook and activity of a secret
    env: str | None = None  # the environment variable suggested for a secret


class ImportReport(BaseModel):
    runbooks: list[RunbookReport] = Field(default_factory=list)
    variables: list[VariableReport] = Field(default_factory=list)
    connections: list[ConnectionReport] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    out_dir: str = Field("", exclude=True)

    @property
    def activities(self) -> int:
        return sum(r.activities for r in self.runbooks)

    @property
    def placeholders(self) -> int:
        return sum(r.placeholders for r in self.runbooks)

    def headline(self) -> str:
        runnable = self.activities - self.placeholders
        return (f"{len(self.runbooks)} runbooks: {runnable} of {self.activities} activities imported as "
                f"runnable Interlock activities, {self.placeholders} placeholders to replace")

    def markdown(self) -> str:
        lines = ["# Orchestrator import report", "", self.headline() + ".", ""]
        if self.warnings:
            lines += ["## Export", "", *[f"- {w}" for w in self.warnings], ""]
        lines += ["## Runbooks", "", "| Runbook | File | Activities | Placeholders |", "|---|---|---|---|"]
        lines += [f"| {_cell(r.name)} | `{r.path}` | {r.activities} | {r.placeholders} |"
                  for r in self.runbooks]
        lines.append("")
        for r in self.runbooks:
            if r.warnings:
                lines += [f"### {r.name} (`{r.path}`)", "", *[f"- {w}" for w in r.warnings], ""]
        if self.variables:
            lines += ["## Variables (variables.toml)", "", "| Variable | Kind | From | Fill in |",
                      "|---|---|---|---|"]
            for v in self.variables:
                fill = f"`{v.env}`" if v.env else ("the value" if v.kind == "missing" else "")
                lines.append(f"| {_cell(v.name)} | {v.kind} | {_cell(v.source)} | {fill} |")
            lines.append("")
        if self.connections:
            lines += ["## Connections (connections.toml)", "",
                      "| Connection | Kind | First used by | Password | Fill in |", "|---|---|---|---|---|"]
            for c in self.connections:
                password = f"`{c.env}`" if c.env else ""
                lines.append(f"| {c.name} | {c.kind} | {_cell(c.source)} | {password} | "
                             f"{', '.join(c.to_check)} |")
            lines.append("")
        return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
