"""`interlock validate`, `history`, `show` and `export`: the commands that do not run a job."""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from rich.console import Console

from ..config.registry import Registry
from ..config.settings import CONFIG_NAME, Config, load_config
from ..errors import InterlockError
from ..format.export import TEXT_FORMATS, render_text
from ..format.fileio import load_runbook, validate_file
from ..history import StoredJob, open_history, uses_sqlite
from ..paths import history_path
from .render import history_table, print_job, visible

EXPORTER_GROUP = "interlock.exporters"


def _stdout_console() -> Console:
    # Piped output is not cut at 80 columns: job ids and parameters stay whole for grep and less.
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 200, highlight=False)


def validate(args: argparse.Namespace) -> int:
    registry = Registry.from_entry_points()
    invalid = 0

    @cache
    def config() -> Config:  # read once, and only if a runbook needs it
        return load_config(args.config)

    def variables() -> tuple[list[str], str]:
        return list(config().variables), str(config().source or CONFIG_NAME)

    def counters() -> tuple[list[str], str]:
        return list(config().counters), str(config().source or CONFIG_NAME)

    # A counter missing from the config a run will use is an error; from one found by chance, a warning.
    severity = "error" if args.config else "warning"
    for path in args.runbooks:
        problems = validate_file(path, registry, variables, counters, severity)
        errors = [p for p in problems if p.severity == "error"]
        for problem in problems:
            print(visible(str(problem) if problem.file else f"{path}: {problem}"), file=sys.stderr)
        if errors:
            invalid += 1
        else:
            warnings = len(problems)
            note = f" ({warnings} warning{'' if warnings == 1 else 's'})" if warnings else ""
            print(visible(f"{path}: valid{note}"))
    return 2 if invalid else 0


def history(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if uses_sqlite(config) and not history_path().exists():  # nothing ran yet: say so, create nothing
        jobs = []
    else:
        with open_history(config=config) as store:
            jobs = store.jobs(limit=args.limit, runbook=args.runbook, status=args.status)
    if args.json:
        print(json.dumps([job.model_dump(mode="json") for job in jobs], indent=2, ensure_ascii=False))
    elif not jobs:
        print(f"No jobs recorded yet in {history_path() if uses_sqlite(config) else config.history.url}.",
              file=sys.stderr)
    else:
        _stdout_console().print(history_table(jobs))
    return 0


def show(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if uses_sqlite(config) and not history_path().exists():
        raise InterlockError(f'no job "{args.job}": nothing has been recorded yet in {history_path()}')
    with open_history(config=config) as store:
        stored = store.job(args.job)
    if args.json:
        print(json.dumps(job_document(stored), indent=2, ensure_ascii=False))
    else:
        print_job(_stdout_console(), stored)
    return 0


def job_document(stored: StoredJob) -> dict[str, Any]:
    """The job result document; for a job that never saved one, what the history recorded of it."""
    return stored.document()


def export(args: argparse.Namespace) -> int:
    registry = Registry.from_entry_points()
    runbook = load_runbook(args.runbook, registry)
    if args.format in TEXT_FORMATS:
        data: bytes = render_text(runbook, args.format, registry).encode("utf-8")
    else:
        data = _external_export(runbook, args.format)
    if args.output:
        try:
            Path(args.output).write_bytes(data)
        except OSError as exc:
            raise InterlockError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    elif args.format == "png" and sys.stdout.isatty():
        raise InterlockError("a PNG image would be written to the terminal: give -o FILE")
    else:
        binary = getattr(sys.stdout, "buffer", None)
        if binary is not None:
            binary.write(data)
        else:  # a text-only stdout (some embedding hosts): only text formats can go there
            sys.stdout.write(data.decode("utf-8", errors="replace"))
        sys.stdout.flush()
    return 0


def _external_export(runbook: Any, fmt: str) -> bytes:
    """PNG and SVG are drawn by the designer's scene, registered in the `interlock.exporters` group."""
    found = [ep for ep in entry_points(group=EXPORTER_GROUP) if ep.name == fmt]
    if not found:
        raise InterlockError(f"export --format {fmt} needs the Interlock designer, which draws the image "
                             f"(no exporter for {fmt!r} is installed in the {EXPORTER_GROUP!r} "
                             "entry-point group). Install the designer, or use --format dot or mermaid.")
    entry = found[0]
    try:
        data = entry.load()(runbook, fmt)
    except InterlockError:
        raise
    except Exception as exc:  # a broken plug-in names itself instead of printing a traceback
        raise InterlockError(f"the {fmt} exporter {entry.value} failed: {type(exc).__name__}: {exc}") \
            from None
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def bundle(args: argparse.Namespace) -> int:
    from ..bundle import export_for_headless_run
    from ..config.settings import load_config

    output = Path(args.output)
    if output.exists() and any(output.iterdir()):
        raise InterlockError(f"{output}: the folder is not empty; choose a new one")
    config = load_config(args.config)
    made = export_for_headless_run(args.runbook, output, Registry.from_entry_points(), config)
    for warning in made.warnings:
        print(visible(f"warning: {warning}"), file=sys.stderr)
    print(f"{output}: {len(made.runbooks)} runbook(s), connections template {output / 'interlock.toml'}",
          file=sys.stderr)
    print(f"cd {output} && {made.command}")
    return 0
