"""`interlock lab`: look at the simulated lab, and reset it (added to the CLI by entry point).

    interlock lab show [--connection NAME] [--config FILE] [--batch N] [--json]
    interlock lab reset [--connection NAME] [--config FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from engine.cli.render import markup
from engine.config.connections import DEFAULT_CONNECTION, Connections
from engine.config.registry import Registry
from engine.config.settings import load_config
from engine.errors import ConfigError

from . import bundled_lab, default_lab
from .backend import SimulatedBackend
from .lab import Lab, LabFileError, LabWindow

STATUS_STYLE = {"Running": "green", "Stopped": "red", "Saved": "yellow", "Paused": "yellow"}


def add_lab_command(sub: Any) -> None:
    lab = sub.add_parser("lab", help="the simulated lab: its VMs, checkpoints and maintenance windows")
    actions = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print the lab's VMs, checkpoints and maintenance windows")
    reset = actions.add_parser("reset", help="put the default lab back as it was installed")
    for parser in (show, reset):
        parser.add_argument("--connection", default=DEFAULT_CONNECTION, metavar="NAME",
                            help="a simulated connection from the config (default: default)")
        parser.add_argument("--config", metavar="FILE", help="configuration file")
    show.add_argument("--batch", metavar="N", help="only VMs whose custom property 1 is N")
    show.add_argument("--json", action="store_true", help="print the lab file's content as JSON")
    show.set_defaults(handler=show_lab)
    reset.set_defaults(handler=reset_lab)


def _backend(args: argparse.Namespace) -> SimulatedBackend:
    connections = Connections(load_config(args.config), Registry.from_entry_points().backends)
    backend = connections.get(args.connection)
    if not isinstance(backend, SimulatedBackend):
        kind = connections.kind_of(args.connection)
        raise ConfigError(f'connection "{args.connection}" is a {kind} connection: `interlock lab` works on '
                          f"simulated labs only")
    return backend


def _read(backend: SimulatedBackend) -> Lab:
    try:
        return backend.store.read()
    except LabFileError as exc:
        raise ConfigError(str(exc)) from None


def show_lab(args: argparse.Namespace) -> int:
    backend = _backend(args)
    lab = _read(backend)
    vms = [vm for vm in lab.vms if args.batch is None or vm.custom_properties.get("1") == args.batch]
    if args.json:
        data = lab.model_dump(mode="json", exclude_none=True)
        data["vms"] = [vm.model_dump(mode="json") for vm in vms]
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    console = Console(highlight=False)
    console.print(f"[bold]Lab[/] {markup(str(backend.lab_path))}  "
                  f"[dim](connection \"{markup(args.connection)}\", time scale {lab.time_scale:g})[/]")
    console.print(_vm_table(vms, f"VMs ({len(vms)})" + (f" in batch {args.batch}" if args.batch else "")))
    console.print(_maintenance_table(lab.maintenance))
    if lab.fail:
        faults = ", ".join(f"{f.op} {f.vm or '(any VM)'} "
                           f"({'every time' if f.times is None else f'{f.times} more'})" for f in lab.fail)
        console.print(f"[bold]Injected faults[/] {markup(faults)}")
    return 0


def _when(iso: str) -> str:
    """A stored UTC time, short: the time alone when it is today (UTC), else date and time."""
    text = iso[:19].replace("T", " ")
    return text[11:] if text[:10] == datetime.now(UTC).date().isoformat() else text


def _vm_table(vms: list[Any], title: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold", box=None,
                  pad_edge=False)
    for column in ("VM", "Status", "Host", "Batch", "Checkpoints", "Latest checkpoint (UTC)"):
        table.add_column(column, justify="right" if column == "Checkpoints" else "left")
    for vm in vms:
        latest = vm.checkpoints[-1] if vm.checkpoints else None
        latest_text = f"{_when(latest.created_at)}, VM was {latest.vm_status}" if latest else ""
        status = f"[{STATUS_STYLE.get(vm.status, 'dim')}]{vm.status}[/]"
        table.add_row(markup(vm.name), status, markup(vm.host),
                      markup(vm.custom_properties.get("1", "")), str(len(vm.checkpoints)), latest_text)
    return table


def _maintenance_table(windows: list[LabWindow]) -> Table:
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    table = Table(title=f"Maintenance windows ({len(windows)})", title_justify="left", title_style="bold",
                  header_style="bold", box=None, pad_edge=False)
    for column in ("Object", "State", "Reason", "Start (UTC)", "End", "Comment"):
        table.add_column(column)
    for window in windows:
        active = window.start <= now < window.end
        table.add_row(markup(window.object), "[yellow]active[/]" if active else "[dim]ended[/]",
                      markup(window.reason), _when(window.start), _when(window.end), markup(window.comment))
    return table


def reset_lab(args: argparse.Namespace) -> int:
    backend = _backend(args)
    if backend.lab_path != default_lab().resolve():
        raise ConfigError(f"{backend.lab_path} is a lab file of your own: `lab reset` only puts back the "
                          f"bundled lab of the built-in default connection")
    backend.store.replace(bundled_lab().read_text(encoding="utf-8"))
    print(f"{backend.lab_path}: reset to the bundled lab ({bundled_lab()})", file=sys.stderr)
    return 0
