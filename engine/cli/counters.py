"""`interlock counters`: the config's counters with their values in the run history; `set` and `reset`
change one as Modify Counter does (atomically, beside running jobs)."""

from __future__ import annotations

import argparse
import json
import sys

from rich.table import Table

from ..config.settings import CONFIG_NAME, Config, load_config
from ..errors import ConfigError
from ..history import open_counters
from ..run.counters import HIGHEST, LOWEST
from .commands import _stdout_console
from .options import whole_number
from .render import markup, visible


def add_counter_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("counters", help="list the counters with their values, or set / reset one")
    actions = parser.add_subparsers(dest="counters_command", metavar="ACTION")
    lister = actions.add_parser("list", help="every counter: value, default, last change (the default)")
    setter = actions.add_parser("set", help="set a counter to a value")
    setter.add_argument("name", metavar="NAME")
    setter.add_argument("value", type=whole_number(LOWEST, HIGHEST), metavar="VALUE")
    resetter = actions.add_parser("reset", help="set a counter back to its default")
    resetter.add_argument("name", metavar="NAME")
    for each, handler in ((parser, list_counters), (lister, list_counters), (setter, change_counter),
                          (resetter, change_counter)):
        each.add_argument("--config", metavar="FILE", help="configuration file (its [counters])")
        each.set_defaults(handler=handler)
    for each in (parser, lister):
        each.add_argument("--json", action="store_true", help="print the list as JSON")


def list_counters(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    counters = open_counters(config=config)
    try:
        stored = {c.name: c for c in counters.stored()} if counters.exists() else {}
    finally:
        counters.close()
    listed = [{"name": name, "value": stored[name].value if name in stored else counter.default,
               "default": counter.default, "updated_at": stored[name].updated_at if name in stored else None}
              for name, counter in sorted(config.counters.items())]
    if args.json:
        print(json.dumps(listed, indent=2, ensure_ascii=False))
    elif not listed:
        print(f"No counters defined: add them under [counters] in {_config_name(config)}.", file=sys.stderr)
    else:
        table = Table("Counter", "Value", "Default", "Changed", box=None, header_style="bold")
        for row in listed:
            table.add_row(markup(row["name"]), str(row["value"]), str(row["default"]),
                          markup(row["updated_at"] or "never"))
        _stdout_console().print(table)
    return 0


def change_counter(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    counter = config.counters.get(args.name)
    if counter is None:
        raise ConfigError(f'counter "{args.name}" is not defined: add it under [counters] in '
                          f"{_config_name(config)}")
    counters = open_counters(config=config)
    try:
        if args.counters_command == "set":
            value = counters.change(args.name, "set", args.value, counter.default)
        else:
            value = counters.change(args.name, "reset", 0, counter.default)
    finally:
        counters.close()
    print(visible(f"{args.name} = {value}"))
    return 0


def _config_name(config: Config) -> str:
    return str(config.source) if config.source else CONFIG_NAME
