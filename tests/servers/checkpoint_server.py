"""The catalogue and lab the server's client tests share: resources/examples/vm-checkpoint.json as
`patching/vm-checkpoint.json`, on a simulated lab where batch 1 (web01, web02 running; db01, cache01,
app02 not) finishes at once and batch 2 (40 running VMs at 20 ms a call, two at a time) runs long
enough to be cancelled."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import vm

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"
RUNBOOK = "patching/vm-checkpoint.json"
CALL_S = 0.02
OPERATIONS = ("get", "start", "stop", "checkpoint", "maintenance")


def checkpoint_catalogue(folder: Path) -> Path:
    """A catalogue folder holding the VM Checkpoint runbook at RUNBOOK."""
    (folder / "patching").mkdir(parents=True)
    shutil.copy(SEED, folder / RUNBOOK)
    return folder


def checkpoint_config(folder: Path, make_lab: Callable[..., Path]) -> Path:
    """An interlock.toml whose default connection is the lab described above."""
    lab = make_lab([vm("web01", "Running"), vm("web02", "Running"), vm("db01", "Stopped"),
                    vm("cache01", "Saved"), vm("app02", "Paused"),
                    *(vm(f"slow{n:02d}", "Running", batch="2") for n in range(40))],
                   time_scale=1.0, latency=dict.fromkeys(OPERATIONS, CALL_S))
    config = folder / "interlock.toml"
    config.write_text(f'[engine]\nmax_parallel = 2\n\n[connections.default]\nkind = "simulated"\n'
                      f'lab = "{lab}"\n')
    return config
