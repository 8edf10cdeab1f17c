"""The engine's layers, read from its source: what each sub-package may import, and no import circle.

Every import counts, including those inside functions and under `if TYPE_CHECKING:`: a circle that only
type checkers see still ties two modules together when one of them is read or moved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"

# The top-level modules every sub-package may use; they import only each other.
FOUNDATION = {"engine.errors", "engine.paths", "engine.activity", "engine.parameters", "engine.gcpolicy",
              "engine.atomicfile", "engine.limits", "engine.fielddocs", "engine.sqlitedb"}

# Layer -> the layers it may import (besides itself and the foundation). Lower layers come first.
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "config": set(),
    "format": {"config"},
    "run": {"config", "format"},
    "history": {"config", "format", "run"},
    "schedule": {"config", "format", "run", "history"},
    "bundle": {"config", "format", "run"},
    "migrate": {"config", "format"},
    "server": {"config", "format", "run", "history", "schedule", "bundle"},
    "cli": {"config", "format", "run", "history", "schedule", "bundle", "migrate", "server"},
    "api": {"config", "format", "run", "history", "schedule", "bundle"},  # engine/__init__.py
}

FORBIDDEN_OUTSIDE = ("nodes", "designer", "PySide6", "shiboken6", "qasync")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    if module == "engine":
        return "api"
    if module in FOUNDATION:
        return "foundation"
    part = module.split(".")[1]
    return "bundle" if part == "bundle" else part


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, wherever it stands."""
    module = module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if node.module:
                found.append((node.lineno, target))
            else:  # `from .. import paths`: the names are modules of that package
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def engine_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ENGINE.rglob("*.py"))}


def internal_target(target: str, modules: dict[str, Path]) -> str | None:
    """The engine module an import names (a package counts as its __init__)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def test_every_engine_module_is_in_a_known_layer() -> None:
    for module in engine_modules():
        assert layer_of(module) in ALLOWED, f"{module}: not in a layer of this test; add it where it belongs"


def test_engine_imports_no_pack_no_designer_no_qt() -> None:
    offences = [f"{path.relative_to(ENGINE.parent)}:{line}: imports {target}"
                for path in engine_modules().values() for line, target in imports_of(path)
                if target.split(".")[0] in FORBIDDEN_OUTSIDE]
    assert offences == []


def test_each_layer_imports_only_the_layers_below_it() -> None:
    modules = engine_modules()
    offences = []
    for module, path in modules.items():
        own = layer_of(module)
        for line, target in imports_of(path):
            if not target.startswith("engine"):
                continue
            resolved = internal_target(target, modules)
            if resolved is None:
                continue
            other = layer_of(resolved)
            if other in (own, "foundation") or other in ALLOWED[own]:
                continue
            offences.append(f"{path.relative_to(ENGINE.parent)}:{line}: {own} imports {resolved} ({other})")
    assert offences == []


def test_run_does_not_import_a_history_back_end_or_the_cli() -> None:
    modules = engine_modules()
    offences = [f"{path.relative_to(ENGINE.parent)}:{line}: {target}"
                for module, path in modules.items() if layer_of(module) == "run"
                for line, target in imports_of(path)
                if target.startswith(("engine.history", "engine.cli", "engine.schedule"))]
    assert offences == []


def test_no_import_circle_in_engine() -> None:
    modules = engine_modules()
    graph = nx.DiGraph()
    for module, path in modules.items():
        graph.add_node(module)
        for _, target in imports_of(path):
            resolved = internal_target(target, modules) if target.startswith("engine") else None
            # A module importing its own package's __init__ is how a package re-exports; not a circle.
            if resolved and resolved != module and not module.startswith(resolved + "."):
                graph.add_edge(module, resolved)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], "import circles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles[:5])


@pytest.mark.parametrize("package", ["format", "run", "config", "history", "schedule", "migrate", "cli",
                                     "server"])
def test_each_sub_package_says_what_it_holds_and_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((ENGINE / package / "__init__.py").read_text())) or ""
    assert doc, f"engine/{package}/__init__.py has no docstring"
    if package != "cli":
        assert "May import" in doc, f"engine/{package}/__init__.py does not say what it may import"
