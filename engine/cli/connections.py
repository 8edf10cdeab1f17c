"""`interlock connections` (list the configured connections) and `interlock connections test NAME...`
(open each and do one cheap read, as Orchestrator's connection dialog has a Test button)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.console import Console
from rich.table import Table

from ..config.connections import Connections, test_connection
from ..config.registry import Registry
from ..config.settings import load_config
from ..errors import ConfigError
from .render import markup, visible

EXIT_FAILED = 1


def _connections(args: argparse.Namespace) -> Connections:
    return Connections(load_config(args.config), Registry.from_entry_points().backends)


def list_connections(args: argparse.Namespace) -> int:
    connections = _connections(args)
    table = Table(header_style="bold", box=None, pad_edge=False)
    for title in ("Connection", "Kind", "Where", "Config"):
        table.add_column(title)
    problems = []
    for name in connections.names():
        described = connections.describe(name)
        where = connections.destination(name)
        try:
            connections.check(name)
            state = "[green]ok[/]"
        except ConfigError as exc:
            problems.append(str(exc))
            state = "[red]problem (below)[/]"
        table.add_row(markup(name), markup(described.kind), markup(where), state)
    Console(highlight=False, width=200 if not sys.stdout.isatty() else None).print(table)
    for problem in problems:
        print(visible(problem, newlines=True))
    print(visible(f"from {connections.config.source or 'no config file (defaults)'}"), file=sys.stderr)
    return 0


def test_connections(args: argparse.Namespace) -> int:
    """Exit 0 when every named connection answered, 1 when one did not, 2 for a config mistake."""
    connections = _connections(args)
    names = args.names or connections.names()
    for name in names:
        connections.describe(name)  # an unknown name is a usage mistake: exit 2 before any traffic
    failed = 0
    for name in names:
        ok, message = asyncio.run(test_connection(connections, name))
        failed += not ok
        line = visible(f"{name}: {'ok' if ok else 'FAILED'}: {message}")
        print(line, file=sys.stdout if ok else sys.stderr)
    return EXIT_FAILED if failed else 0


def add_connection_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("connections", help="list the configured connections, or test them")
    actions = parser.add_subparsers(dest="connections_command", metavar="ACTION")
    tester = actions.add_parser("test", help="open each connection and do one cheap read "
                                             "(exit 1 when one fails)")
    tester.add_argument("names", nargs="*", metavar="NAME", help="default: every configured connection")
    lister = actions.add_parser("list", help="every connection with its kind and where it goes (the default)")
    for each, handler in ((parser, list_connections), (lister, list_connections), (tester, test_connections)):
        each.add_argument("--config", metavar="FILE", help="configuration file")
        each.set_defaults(handler=handler)
