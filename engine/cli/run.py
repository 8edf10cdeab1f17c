"""`interlock run`: check everything, run the job with live progress, record it, print the outcome."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from rich.console import Console

from ..config.registry import Registry
from ..config.settings import load_config
from ..errors import ParameterError
from ..format.fileio import load_runbook
from ..format.model import Runbook
from ..gcpolicy import settle_for_jobs
from ..history import HistoryError, RunHistory, open_counters, open_history
from ..run.events import Event, EventSink
from ..run.executor import Engine
from ..run.result import JobResult
from .progress import LiveProgress, PlainProgress, ProgressCounts
from .render import markup, print_summary, visible
from .waiting import EXIT_NO_EVENT, NoEvent, wait_for_trigger

EXIT_CODES = {"success": 0, "warning": 0, "failed": 1, "cancelled": 1}


def parse_parameters(pairs: list[str]) -> dict[str, str]:
    """`-p NAME=VALUE` pairs; the value may itself contain '='. A name given twice is an error: which
    value was meant cannot be guessed (the last one silently winning hid typos in scripts)."""
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f'-p expects NAME=VALUE, got "{pair}"')
        if name in given:
            raise ParameterError(f'parameter "{name}" is given more than once (-p {name}=...): give it once')
        given[name] = value
    return given


def run(args: argparse.Namespace) -> int:
    # Everything the user gave is checked before anything runs or is recorded (exit 2 otherwise).
    given = parse_parameters(args.parameter)
    registry = Registry.from_entry_points()
    runbook = load_runbook(args.runbook, registry)
    for warning in runbook.warnings:  # e.g. a subscription that only some paths can satisfy
        print(visible(str(warning)), file=sys.stderr)
    config = load_config(args.config)
    engine = Engine(config, registry, counters=open_counters(config=config))
    try:
        values = engine.check_parameters(runbook, given)
    except ParameterError as exc:
        raise ParameterError(f"{args.runbook}: {exc}") from None
    try:
        trigger = wait_for_trigger(args, engine, runbook)  # a monitor runbook: its event first
    except NoEvent as exc:
        print(visible(str(exc)), file=sys.stderr)
        return EXIT_NO_EVENT
    store = open_history(config=config)
    settle_for_jobs()  # everything is loaded: keep the collector off it while the job runs

    err = Console(file=sys.stderr, highlight=False)
    junctions = {a.id for a in runbook.activities if a.type in engine.junction_types()}
    # A live table and JSON lines on the same terminal would overwrite each other.
    live = sys.stderr.isatty() and not (args.events and sys.stdout.isatty())
    subject_fields = engine.subject_fields(runbook)
    table = LiveProgress(ProgressCounts(runbook, junctions, subject_fields), err) if live else None
    sinks: list[EventSink] = [store.record, table or PlainProgress(
        sys.stderr, subject_fields, {a.id: a.name for a in runbook.activities})]
    if args.events:
        sinks.append(_write_event)
    try:
        with table or nullcontext():
            result = asyncio.run(_run_job(engine, runbook, values, sinks, err, trigger))
        _save(store, result, err)
    finally:
        _close(store, err)

    print_summary(err, result, subject_fields)
    if args.json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return EXIT_CODES.get(result.status, 1)


def _write_event(event: Event) -> None:
    sys.stdout.write(event.to_json() + "\n")
    sys.stdout.flush()  # consumers read the lines as they happen


async def _run_job(engine: Engine, runbook: Runbook, values: dict[str, Any], sinks: list[EventSink],
                   err: Console, trigger: dict[str, Any] | None = None) -> JobResult:
    handle = engine.start(runbook, values, sinks, trigger=trigger)

    def interrupted() -> None:
        err.print("[yellow]cancelling the job... (Ctrl+C again to stop without waiting)[/]")
        handle.cancel()
        # The next Ctrl+C gets Python's default handling: KeyboardInterrupt, no more waiting.
        _restore(loop, installed)

    loop = asyncio.get_running_loop()
    installed = _install(loop, interrupted)
    try:
        return await handle.wait()
    except asyncio.CancelledError:
        # asyncio.run cancelled us on Ctrl+C (no loop signal handlers here): end the job the same way.
        handle.cancel()
        return await handle.wait()
    finally:
        _restore(loop, installed)


def _install(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> list[signal.Signals]:
    """Ctrl+C (and SIGTERM from a scheduler) cancel the job, which is then recorded as cancelled."""
    installed = []
    for name in ("SIGINT", "SIGTERM"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            loop.add_signal_handler(sig, callback)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # Windows, or not the main thread: asyncio.run's own Ctrl+C handling cancels us instead
    return installed


def _restore(loop: asyncio.AbstractEventLoop, installed: list[signal.Signals]) -> None:
    for sig in installed:
        loop.remove_signal_handler(sig)
    installed.clear()


def _save(store: RunHistory, result: JobResult, err: Console) -> None:
    # A history that cannot be written must not change the job's outcome, only be reported.
    try:
        store.save_result(result)
    except HistoryError as exc:
        err.print(f"[yellow]warning: the job's result was not recorded in full: {markup(str(exc))}[/]",
                  highlight=False)


def _close(store: RunHistory, err: Console) -> None:
    try:
        store.close()
    except HistoryError as exc:
        err.print(f"[yellow]warning: the job's events were not all recorded: {markup(str(exc))}[/]",
                  highlight=False)
