"""The `simulated` connection kind: a lab in a JSON file (DESIGN §4.1), for demos and tests.

    [connections.default]
    kind = "simulated"
    lab = "lab.json"        # relative to the config file; omitted: the user's copy of the bundled lab

With no `lab`, the lab is `lab.json` in the user data directory, copied from the bundled
resources/examples/lab.json on first use so its state lasts between runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from filelock import FileLock
from pydantic import BaseModel, ConfigDict, Field

from engine import paths
from engine.config.connections import BackendKind, OpenContext
from engine.errors import ConfigError
from nodes.backends.interface import probe

from .backend import SimulatedBackend

BUNDLED_LAB = "examples/lab.json"


class SimulatedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lab: str | None = Field(None, description="The lab file; default: the user's copy of the bundled lab")


def bundled_lab() -> Path:
    return paths.resources_dir() / BUNDLED_LAB


def default_lab() -> Path:
    """The user's working copy of the bundled lab, made on first use."""
    target = paths.data_dir() / "lab.json"
    if target.exists():
        return target
    source = bundled_lab()
    if not source.is_file():
        raise ConfigError(f"the bundled lab {source} is missing (is Interlock installed from a source "
                          f"checkout?): set [connections.default] lab = \"PATH\" in the config")
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not target.exists():  # another process may have copied it meanwhile
            temp = target.with_name(".lab.json.copying")
            shutil.copyfile(source, temp)
            temp.replace(target)
    return target


def lab_path(options: SimulatedOptions, context: OpenContext) -> Path:
    if options.lab is None:
        return default_lab()
    path = context.path(options.lab)
    if not path.is_file():
        raise ConfigError(f'{context.where}: key "lab": lab file {path} not found')
    return path


def check_simulated(options: BaseModel, context: OpenContext) -> None:
    assert isinstance(options, SimulatedOptions)
    lab_path(options, context)


def open_simulated(options: BaseModel, context: OpenContext) -> SimulatedBackend:
    assert isinstance(options, SimulatedOptions)
    return SimulatedBackend(context.name, lab_path(options, context))


SIMULATED = BackendKind(
    kind="simulated",
    title="Simulated lab",
    Options=SimulatedOptions,
    open=open_simulated,
    check=check_simulated,
    probe=probe,
    description="VMs, checkpoints and maintenance windows in a JSON lab file; no servers needed.",
)

__all__ = ["SIMULATED", "SimulatedBackend", "SimulatedOptions", "default_lab", "lab_path"]
