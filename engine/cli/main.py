"""`interlock`: the command-line entry point. Parses arguments, runs one command, maps errors to exit codes.

Exit codes (DESIGN §5): 0 success or warning, 1 failed or cancelled, 2 invalid input — a message that
names what and where, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from ..errors import InterlockError, PackError
from ..format.export import TEXT_FORMATS
from . import commands, run
from .connections import add_connection_commands
from .counters import add_counter_commands
from .db import add_db_commands
from .migrate import add_import_command
from .options import whole_number
from .remote import add_remote_commands
from .render import visible
from .schedule import add_schedule_commands
from .server import add_server_commands
from .waiting import add_wait_options

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
EXPORT_FORMATS = ("png", "svg", *TEXT_FORMATS)
COMMANDS_GROUP = "interlock.commands"  # packages add subcommands: a callable taking the subparsers
MAX_HISTORY_LIMIT = 1_000_000  # more jobs than one listing is useful for; bounded, so never an overflow


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interlock", description="Validate, run and inspect Interlock runbooks without the designer.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check runbook files (exit 2 when one is invalid)")
    validate.add_argument("runbooks", nargs="+", metavar="RUNBOOK")
    validate.add_argument("--config", metavar="FILE", help="configuration file whose [variables] the "
                          "runbooks' {{var.NAME}} are checked against (default: as for run)")
    validate.set_defaults(handler=commands.validate)

    runner = sub.add_parser("run", help="run a runbook as a job and record it in the history")
    runner.add_argument("runbook", metavar="RUNBOOK")
    runner.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="a start parameter (repeatable)")
    runner.add_argument("--config", metavar="FILE", help="configuration file (default: ./interlock.toml, "
                        "then the user config directory)")
    output = runner.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true",
                        help="print the job result document on stdout at the end, and nothing else")
    output.add_argument("--events", action="store_true",
                        help="write each event as one JSON line on stdout as it happens")
    add_wait_options(runner)
    runner.set_defaults(handler=run.run)

    history = sub.add_parser("history", help="list past jobs, newest first")
    history.add_argument("--limit", type=whole_number(1, MAX_HISTORY_LIMIT), default=20, metavar="N",
                         help=f"at most N jobs (default 20, at most {MAX_HISTORY_LIMIT:,})")
    history.add_argument("--runbook", metavar="NAME", help="only jobs of this runbook (by name)")
    history.add_argument("--status", choices=("success", "warning", "failed", "cancelled", "running",
                                                   "interrupted"),
                         help="only jobs that ended so")
    history.add_argument("--json", action="store_true", help="print the list as JSON")
    history.add_argument("--config", metavar="FILE", help="configuration file naming the history "
                         "([history] url; default: as for run)")
    history.set_defaults(handler=commands.history)

    show = sub.add_parser("show", help="one past job: activities, instances, rows, errors")
    show.add_argument("job", metavar="JOB", help="a job id or its first characters")
    show.add_argument("--json", action="store_true", help="print the stored job result document")
    show.add_argument("--config", metavar="FILE", help="configuration file naming the history "
                      "([history] url; default: as for run)")
    show.set_defaults(handler=commands.show)

    export = sub.add_parser("export", help="draw a runbook as DOT, Mermaid, SVG or PNG")
    export.add_argument("runbook", metavar="RUNBOOK")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(handler=commands.export)

    bundle = sub.add_parser("bundle", help="export for headless run: the runbook, every runbook it invokes, "
                            "a connections template and the command to run")
    bundle.add_argument("runbook", metavar="RUNBOOK")
    bundle.add_argument("-o", "--output", required=True, metavar="FOLDER", help="where to write (created)")
    bundle.add_argument("--config", metavar="FILE", help="take connection kinds and options from this config")
    bundle.set_defaults(handler=commands.bundle)

    add_schedule_commands(sub)
    add_connection_commands(sub)
    add_counter_commands(sub)
    add_db_commands(sub)
    add_import_command(sub)
    add_server_commands(sub)
    add_remote_commands(sub)

    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        try:
            ep.load()(sub)
        except Exception as exc:  # a broken add-on names itself instead of breaking every command
            raise PackError(f'command "{ep.name}" ({ep.value}) failed to load: '
                            f"{type(exc).__name__}: {exc}") from exc
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (the console script exits with it)."""
    try:
        parser = build_parser()
    except PackError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (already printed) and --help
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    try:
        return args.handler(args)
    except InterlockError as exc:  # messages name files, activities and keys: show their controls
        print(visible(str(exc), newlines=True), file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`interlock history | head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
