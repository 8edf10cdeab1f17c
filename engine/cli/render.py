"""Human-readable output: the end-of-run summary, the history table, one stored job — and `visible`,
which every command applies to the names and values it prints (they come from runbooks, configs and
back-ends, so a name must not be able to move the cursor, erase lines or restyle the output)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.table import Table

from ..format.model import STATUSES
from ..history import JobSummary, StoredJob
from ..run.progress import subjects_of, subjects_text
from ..run.result import JobResult

STATUS_STYLE = {"success": "green", "warning": "yellow", "failed": "red", "cancelled": "magenta",
                "running": "cyan", "interrupted": "red", "fired": "green", "blocked": "yellow",
                "not reached": "dim"}
ROWS_SHOWN = 5

# C0 and C1 control characters, DEL, and the Unicode marks that reorder or break lines on a terminal.
_OTHER_CONTROLS = r"\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"[\x00-\x1f{_OTHER_CONTROLS}]")
_CONTROL_BUT_NEWLINE = re.compile(rf"[\x00-\x09\x0b-\x1f{_OTHER_CONTROLS}]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str, *, newlines: bool = False) -> str:
    """Text as the terminal may show it: control characters written out (ESC as `\\x1b`, a newline as
    `\\n`), so a name cannot move the cursor or forge a line. `newlines=True` keeps line breaks, for
    messages of several lines. Text without any comes back unchanged (the same object)."""
    pattern = _CONTROL_BUT_NEWLINE if newlines else _CONTROL
    return pattern.sub(_shown, text) if pattern.search(text) else text


def markup(text: str) -> str:
    """`visible` text placed inside rich markup: brackets in it print literally."""
    return escape_markup(visible(text))


def seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 60:
        return f"{value:.1f}s" if value < 10 else f"{value:.0f}s"
    minutes, secs = divmod(int(value), 60)
    return f"{minutes}m{secs:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def _status(status: str) -> str:
    style = STATUS_STYLE.get(status)
    return f"[{style}]{markup(status)}[/]" if style else markup(status)


def _counts(statuses: list[str]) -> str:
    counted = Counter(statuses)
    order = [s for s in STATUSES if s in counted] + [s for s in counted if s not in STATUSES]
    return ", ".join(f"{counted[s]} {_status(s)}" for s in order)


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _row_text(row: dict[str, Any]) -> str:
    # Common data (@status, @started_at ...) repeats what the instance line says already.
    return ", ".join(f"{k}={_value(v)}" for k, v in row.items() if not k.startswith("@"))


def _iso_span(started: str, finished: str) -> float | None:
    try:
        return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    except ValueError:
        return None


def print_summary(console: Console, result: JobResult, subject_fields: dict[str, str] | None = None) -> None:
    """Status, instance counts per activity (with what they worked on, for activities that name a
    subject field), junction states and every error, after a run."""
    subject_fields = subject_fields or {}
    console.print(f"[bold]{markup(result.runbook)}[/]: {_status(result.status)} "
                  f"in {seconds(_iso_span(result.started_at, result.finished_at))}  "
                  f"[dim](job {result.job_id})[/]")
    for activity in result.activities:
        if activity.id in result.junctions or activity.state in ("fired", "not reached", "blocked"):
            state = result.junctions.get(activity.id, activity.state)
            detail = f": {markup(activity.detail)}" if activity.detail else ""
            console.print(f"  {markup(activity.name)}: junction {_status(state)}{detail}")
        elif activity.instances:
            field = subject_fields.get(activity.id)
            done = [s for i in activity.instances if i.status in ("success", "warning")
                    for s in subjects_of(i.rows, field)]
            worked_on = f": {markup(subjects_text(done))}" if done else ""
            console.print(f"  {markup(activity.name)}: "
                          f"{_counts([i.status for i in activity.instances])}{worked_on}", highlight=False)
        else:
            console.print(f"  {markup(activity.name)}: [dim]{markup(activity.state)}[/]")
    if result.error:  # the engine itself failed: a bug to report, not the runbook's doing
        console.print(f"[bold red]Interlock failed[/] {markup(result.error)}", highlight=False)
    errors = [(a.name, n, i.error) for a in result.activities for n, i in enumerate(a.instances) if i.error]
    if errors:
        console.print("[bold]Errors[/]")
        for name, index, error in errors:
            console.print(f"  {markup(name)} [{index}]: [red]{markup(error)}[/]", highlight=False)
    if result.returned:
        console.print("[bold]Returned[/] " + markup(_row_text(result.returned)), highlight=False)


def history_table(jobs: list[JobSummary]) -> Table:
    table = Table(header_style="bold", box=None, pad_edge=False)
    by_whom = any(job.started_by for job in jobs)  # a column only where a runbook server ran some
    titles = ("Job", "Runbook", "Status", "Started", "Duration", *(("By",) if by_whom else ()), "Parameters")
    for title in titles:
        table.add_column(title, justify="right" if title == "Duration" else "left")
    for job in jobs:
        who = (markup(job.started_by or ""),) if by_whom else ()
        table.add_row(job.job_id, markup(job.runbook), _status(job.status),
                      (job.started_at or "")[:19].replace("T", " "), seconds(job.duration_s), *who,
                      markup(_row_text(job.parameters)))
    return table


LOG_STYLE = {"warning": "yellow", "error": "red"}


def print_job(console: Console, stored: StoredJob) -> None:
    """One job: its header, then every activity with its instances, rows and errors."""
    job = stored.summary
    console.print(f"[bold]Job[/] {job.job_id}")
    console.print(f"  runbook     {markup(job.runbook)}" + (f"  ({markup(job.path)})" if job.path else ""))
    console.print(f"  status      {_status(job.status)}")
    if job.started_by:
        console.print(f"  started by  {markup(job.started_by)} (on the runbook server)")
    console.print(f"  started     {job.started_at or ''}")
    console.print(f"  finished    {job.finished_at or '(not recorded)'}  {seconds(job.duration_s)}")
    if job.parameters:
        console.print(f"  parameters  {markup(_row_text(job.parameters))}", highlight=False)
    result = stored.result
    if result is None:
        why = {"running": "it has not finished: it is still running, or its process ended on another host",
               "interrupted": "its process ended before the job did: killed, crashed or shut down"}.get(
            job.status, "only its events were recorded, e.g. a runbook invoked by another one")
        console.print(f"[yellow]No result document for this job ({why}); instances as recorded:[/]")
        _print_instances(console, stored)
        _print_log(console, stored, {i.activity: i.name for i in stored.instances})
        return
    for activity in result.activities:
        state = result.junctions.get(activity.id, activity.state)
        head = f"[bold]{markup(activity.name)}[/] [dim]({activity.id})[/]"
        if activity.id in result.junctions or not activity.instances:
            detail = f": {markup(activity.detail)}" if activity.detail else ""
            console.print(f"{head}  {_status(state)}{detail}")
            continue
        console.print(f"{head}  {_counts([i.status for i in activity.instances])}")
        for index, inst in enumerate(activity.instances):
            _print_instance(console, index, inst.status, _iso_span(inst.started_at, inst.finished_at),
                            inst.attempts, inst.error, inst.rows)
    if result.returned:
        console.print("[bold]Returned[/] " + markup(_row_text(result.returned)), highlight=False)
    _print_log(console, stored, {a.id: a.name for a in result.activities})


def _print_log(console: Console, stored: StoredJob, names: dict[str, str]) -> None:
    """The job's log lines (retries, condition problems, platform events), as the run printed them."""
    lines = [e for e in stored.events if e.kind == "log" and e.job_id == stored.summary.job_id]
    if lines:
        console.print("[bold]Log[/]")
    for event in lines:
        data = event.__dict__
        where = f"{names.get(data['activity'], data['activity'])}: " if data.get("activity") else ""
        style = LOG_STYLE.get(data["level"])
        text = markup(f"{data['level']}: {where}{data['message']}")
        console.print(f"  {event.at[11:19]} " + (f"[{style}]{text}[/]" if style else text), highlight=False)


def _print_instances(console: Console, stored: StoredJob) -> None:
    for inst in stored.instances:
        console.print(f"[bold]{markup(inst.name)}[/] [dim]({markup(inst.activity)})[/]")
        _print_instance(console, inst.instance, inst.status, inst.duration_s, inst.attempts or 1,
                        inst.error, inst.rows)


def _print_instance(console: Console, index: int, status: str, duration: float | None, attempts: int,
                    error: str | None, rows: list[dict[str, Any]]) -> None:
    tries = f", {attempts} attempts" if attempts > 1 else ""
    console.print(f"  [{index}] {_status(status)} {seconds(duration)}{tries}, "
                  f"{len(rows)} row{'' if len(rows) == 1 else 's'}")
    if error:
        console.print(f"      error: [red]{markup(error)}[/]", highlight=False)
    for row in rows[:ROWS_SHOWN]:
        console.print(f"      {markup(_row_text(row))}", highlight=False)
    if len(rows) > ROWS_SHOWN:
        console.print(f"      [dim]... {len(rows) - ROWS_SHOWN} more rows (show --json has them all)[/]")
