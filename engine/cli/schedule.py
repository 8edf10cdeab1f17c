"""`interlock schedule check` and `interlock schedule list`: the schedules file checked, and every entry
with its next three run times and its last run's status."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from ..config.registry import Registry
from ..config.settings import load_config
from ..format.fileio import load_runbook
from ..history import HistoryError, open_history
from ..run.executor import Engine
from ..schedule.monitors import check_monitor_entry
from ..schedule.scheduler import describe
from ..schedule.schedules import ScheduleEntry, Schedules, find_schedules, load_schedules, resolved
from .render import STATUS_STYLE, markup, visible


def _load(args: argparse.Namespace) -> tuple[Schedules, Engine]:
    config = load_config(args.config)
    schedules = load_schedules(find_schedules(args.schedules, config.source))
    return schedules, Engine(config, Registry.from_entry_points())


def check(args: argparse.Namespace) -> int:
    """Exit 0 when the file and every runbook and parameter set it names are valid, else 2."""
    schedules, engine = _load(args)
    problems = []
    for index, entry in enumerate(schedules.schedule, 1):
        try:
            runbook = load_runbook(schedules.runbook_path(entry), engine.registry)
            engine.check_parameters(runbook, dict(entry.parameters))
            engine.check_connections(runbook)
            engine.check_variables(runbook)
            check_monitor_entry(entry, runbook, engine)
        except Exception as exc:  # one entry's problem, foreseen or not, is reported with the entry
            problems.append(f"{_where(schedules, index, entry)}: {describe(exc)}")
    for problem in problems:
        print(visible(problem, newlines=True), file=sys.stderr)
    if problems:
        return 2
    print(visible(f"{schedules.source}: {len(schedules.schedule)} schedule(s), valid"))
    return 0


def _where(schedules: Schedules, index: int, entry: ScheduleEntry) -> str:
    return f'{schedules.source}: schedule[{index}] ("{entry.name}")'


def list_schedules(args: argparse.Namespace) -> int:
    """Exit 0, or 2 when an entry's next runs cannot be computed (that entry is marked, the rest listed)."""
    schedules, engine = _load(args)
    now = datetime.now(UTC)
    last: dict[str, str] = {}  # by the runbook file's path: the runbook's name is inside the file
    try:
        with open_history(config=engine.config) as store:
            for job in store.jobs(limit=1000):
                if job.path:
                    last.setdefault(job.path, job.status)
    except HistoryError:
        pass  # no history yet: nothing to show in that column
    problems = []
    table = Table(header_style="bold", box=None, pad_edge=False)
    for title in ("Schedule", "Runbook", "When", "Next runs", "Last run"):
        table.add_column(title)
    for index, entry in enumerate(schedules.schedule, 1):
        when = "on each event of its monitor" if entry.monitor else entry.cron or f"every {entry.interval}"
        when += f" ({entry.timezone})" + (f", {entry.hours}" if entry.hours else "") + \
            (f", {'/'.join(entry.days)}" if entry.days else "")
        if not entry.enabled:
            runs_text = "[dim]disabled[/]"
        elif entry.monitor:
            runs_text = "[dim]when events come[/]"
        else:
            try:
                runs = entry.next_runs(now, 3)
                runs_text = ", ".join(r.astimezone(entry.zone).strftime("%a %Y-%m-%d %H:%M %Z")
                                      for r in runs) or "[yellow]none within a year[/]"
            except Exception as exc:  # one entry's problem: marked in its row, the others listed
                problems.append(f"{_where(schedules, index, entry)}: {describe(exc)}")
                runs_text = "[red]error (below)[/]"
        status = last.get(resolved(schedules.runbook_path(entry)), "")
        style = STATUS_STYLE.get(status, "dim")
        table.add_row(markup(entry.name), markup(entry.runbook), markup(when), runs_text,
                      f"[{style}]{markup(status or 'never')}[/]")
    Console(highlight=False, width=200 if not sys.stdout.isatty() else None).print(table)
    for problem in problems:
        print(visible(problem, newlines=True), file=sys.stderr)
    return 2 if problems else 0


def add_schedule_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    schedule = sub.add_parser("schedule", help="check the schedules file, or list each schedule's next runs")
    actions = schedule.add_subparsers(dest="schedule_command", required=True, metavar="ACTION")
    choices = (("check", check, "validate the schedules file and what it names (exit 2 if not)"),
               ("list", list_schedules, "every schedule with its next three runs and last status"))
    runner = sub.add_parser("scheduler", help="run the schedules in the foreground until SIGTERM")
    parsers = [(actions.add_parser(name, help=text), handler) for name, handler, text in choices]
    for parser, handler in [*parsers, (runner, scheduler)]:
        parser.add_argument("--schedules", metavar="FILE", help="default: schedules.toml beside the config")
        parser.add_argument("--config", metavar="FILE", help="configuration file")
        parser.set_defaults(handler=handler)


def scheduler(args: argparse.Namespace) -> int:
    """Run the schedules in the foreground until SIGTERM or Ctrl+C (for systemd, cron @reboot, ...)."""
    import asyncio
    import signal

    from ..schedule.scheduler import Scheduler

    config = load_config(args.config)
    path = find_schedules(args.schedules, config.source)
    load_schedules(path)  # a malformed file at start is exit 2, not a scheduler with nothing to do

    def log(line: str) -> None:
        print(f"{datetime.now().strftime('%Y-%m-%d %H:%M:%S')} {visible(line)}", file=sys.stderr, flush=True)

    async def main() -> None:
        runner = Scheduler(path, config, Registry.from_entry_points(), log=log)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def request_stop() -> None:
            log("stopping: running jobs are cancelled and recorded")
            stop.set()
            runner.wake.set()

        def request_reload() -> None:
            runner.reload_requested = True
            runner.wake.set()

        signals = (("SIGTERM", request_stop), ("SIGINT", request_stop), ("SIGHUP", request_reload))
        for name, handler in signals:
            sig = getattr(signal, name, None)
            if sig is not None:
                # No signal handlers on Windows event loops (NotImplementedError) or outside the
                # main thread (RuntimeError, ValueError): the scheduler then stops by Ctrl+C alone.
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, handler)
        await runner.run(stop)

    asyncio.run(main())
    return 0
