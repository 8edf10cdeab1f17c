"""Export for headless run: a runbook and every runbook it invokes, copied into one folder with their
relative paths kept, a connections template (names and kinds, never secrets) and the exact
`interlock run` command — what an operator hands to a server or a scheduler."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .config.registry import Registry
from .config.settings import Config
from .errors import RunbookError
from .format.fileio import load_runbook
from .run.executor import Engine

CONFIG_NAME = "interlock.toml"
README_NAME = "RUN.md"


@dataclass
class Bundle:
    folder: Path
    runbooks: list[Path] = field(default_factory=list)  # copied files, inside folder
    connections: list[str] = field(default_factory=list)
    command: str = ""
    warnings: list[str] = field(default_factory=list)


def _runbooks_of(root: Path, registry: Registry, warnings: list[str]) -> list[Path]:
    """The root runbook and every runbook it invokes, transitively (each loaded and checked)."""
    found: list[Path] = []
    queue = [root.resolve()]
    while queue:
        path = queue.pop(0)
        if path in found:
            continue
        runbook = load_runbook(path, registry)  # an invalid runbook must not be shipped
        found.append(path)
        for activity in runbook.activities:
            kind = registry.get(activity.type)
            if kind is None:
                continue
            for child in kind.invoked_runbooks(activity.properties):
                queue.append((path.parent / child).resolve())
            target = activity.properties.get("path")
            if isinstance(target, str) and "{{" in target and not kind.invoked_runbooks(activity.properties):
                warnings.append(f'{path.name}: activity "{activity.id}" invokes a runbook chosen at run time '
                                f"({target}); copy that runbook yourself")
    return found


def _connections_of(paths: list[Path], registry: Registry) -> list[str]:
    names: list[str] = []
    for path in paths:
        for activity in load_runbook(path, registry).activities:
            kind = registry.get(activity.type)
            if kind is None or "connection" not in kind.Properties.model_fields:
                continue
            name = activity.properties.get("connection", kind.Properties.model_fields["connection"].default)
            if isinstance(name, str) and "{{" not in name and name not in names:
                names.append(name)
    return names


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _config_template(names: list[str], config: Config) -> str:
    lines = ["# Connections used by these runbooks. Secrets are never written here: give each",
             '# password as password_env = "VARIABLE" or password_keyring = "service:user".', ""]
    for name in names:
        lines.append(f"[connections.{name}]")
        known = config.connections.get(name)
        if known is None:
            lines.append('kind = "simulated"  # the built-in lab: change it (docs/connections.md)')
        else:
            lines.append(f"kind = {_toml_value(known.kind)}")
            for key, value in known.options().items():
                if key == "lab" and config.source is not None:
                    continue  # a path on this machine; the server has its own lab or system
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def export_for_headless_run(runbook_path: str | Path, folder: str | Path, registry: Registry | None = None,
                            config: Config | None = None) -> Bundle:
    registry = registry or Registry.from_entry_points()
    config = config or Config()
    folder = Path(folder)
    bundle = Bundle(folder)
    paths = _runbooks_of(Path(runbook_path), registry, bundle.warnings)
    common = Path(os.path.commonpath([str(p.parent) for p in paths]))
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        target = folder / path.relative_to(common)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        bundle.runbooks.append(target)
    bundle.connections = _connections_of(paths, registry)
    (folder / CONFIG_NAME).write_text(_config_template(bundle.connections, config), encoding="utf-8")
    root = load_runbook(paths[0], registry)
    arguments = []
    for parameter in Engine(config, registry).start_parameters(root):
        value = parameter.default if parameter.default is not None else f"<{parameter.name}>"
        arguments.append(f'-p "{parameter.name}={value}"')
    relative = bundle.runbooks[0].relative_to(folder)
    bundle.command = " ".join(["interlock run", str(relative), *arguments, f"--config {CONFIG_NAME}"])
    readme = [f"# {root.name}", "", "Run it from this folder:", "", "```sh", bundle.command, "```", "",
              f"Runbooks: {', '.join(str(p.relative_to(folder)) for p in bundle.runbooks)}.",
              f"Connections to fill in ({CONFIG_NAME}): {', '.join(bundle.connections) or 'none'}.", ""]
    readme += [f"Note: {w}" for w in bundle.warnings]
    (folder / README_NAME).write_text("\n".join(readme) + "\n", encoding="utf-8")
    return bundle


__all__ = ["Bundle", "RunbookError", "export_for_headless_run"]
