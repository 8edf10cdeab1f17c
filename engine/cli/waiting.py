"""`interlock run` of a runbook that starts at a monitor: wait for one event (or take the one that holds
now, `--once`), then the job runs once with that event as the monitor's row.

Nothing is recorded while waiting: the job, and its place in the history, begin with the event. With
`--wait-timeout S` and no event within S seconds, nothing runs and the exit code is EXIT_NO_EVENT.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from ..errors import ActivityError, InterlockError
from ..format.model import Runbook
from ..run.executor import Engine
from ..schedule.monitors import Armed, first_event, monitor_of
from .render import visible

EXIT_NO_EVENT = 3  # a monitor runbook saw no event (within --wait-timeout, or none holds for --once)


class NoEvent(InterlockError):
    """No event came: nothing ran (EXIT_NO_EVENT)."""


def _say(line: str) -> None:
    print(visible(line), file=sys.stderr, flush=True)


def wait_for_trigger(args: argparse.Namespace, engine: Engine, runbook: Runbook) -> dict[str, Any] | None:
    """The event row to start the job with; None when the runbook does not start at a monitor."""
    where = runbook.path or runbook.name
    once, timeout = getattr(args, "once", False), getattr(args, "wait_timeout", None)
    if monitor_of(runbook, engine) is None:
        if once or timeout is not None:
            option = "--once" if once else "--wait-timeout"
            raise InterlockError(f"{where}: {option} is for runbooks that start with a monitor "
                                 f"(monitor.date_time, monitor.file); this one does not")
        return None
    # What would fail the job is reported now, not after an hour of waiting.
    engine.check_connections(runbook)
    engine.check_variables(runbook)
    armed = Armed(runbook, engine, _say)
    try:
        armed.check()
        return _event(armed, where, once, timeout)
    except ActivityError as exc:  # the monitor cannot watch (a folder that does not exist): exit 2
        raise InterlockError(f"{where}: {exc}") from None


def _event(armed: Armed, where: str, once: bool, timeout: float | None) -> dict[str, Any]:
    if once:
        row = armed.fire_now()
        if row is None:
            raise NoEvent(f'{where}: --once: no event holds now for "{armed.activity.name}" '
                          f"({armed.kind.waiting_for(armed.properties)}): nothing ran")
        return row
    limit = f" (at most {timeout:g} s)" if timeout is not None else ""
    _say(f"{armed.context.runbook_name}: {armed.describe()}{limit}; Ctrl+C to stop")
    row = asyncio.run(first_event(armed, timeout))
    if row is None:
        raise NoEvent(f"{where}: no event within {timeout:g} s: nothing ran")
    return row


def add_wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true",
                        help="a runbook that starts with a monitor: run now with the event that holds now "
                             "(the newest matching file, the current time) instead of waiting")
    parser.add_argument("--wait-timeout", type=_seconds, metavar="S",
                        help=f"a runbook that starts with a monitor: wait at most S seconds for its event "
                             f"(none: exit {EXIT_NO_EVENT}, nothing run)")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 10 ** 9:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 10**9 seconds: {text!r}")
    return value
