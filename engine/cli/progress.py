"""Live progress of a job on stderr: a rich table on a terminal, one plain line per event otherwise.

Both are engine sinks. They only count and print; the job result, not these counters, is the truth.
Names and messages go through `visible`: a VM or activity name cannot forge or erase progress lines.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import IO, Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..run.events import Event
from ..run.progress import ActivityCounts, ProgressCounts, subjects_of, subjects_text
from .render import STATUS_STYLE, seconds, visible


class LiveProgress:
    """A rich table redrawn several times a second while the job runs."""

    def __init__(self, counts: ProgressCounts, console: Console) -> None:
        self.counts = counts
        self.live = Live(self, console=console, refresh_per_second=8, transient=False,
                         redirect_stdout=False, redirect_stderr=False)

    def __call__(self, event: Event) -> None:
        self.counts.update(event)

    def __enter__(self) -> LiveProgress:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()

    def __rich__(self) -> Group:
        counts = self.counts
        now = time.monotonic()
        end = counts.finished or now
        header = Text.assemble((visible(counts.runbook), "bold"), f"  job {counts.job_id}  ",
                               (seconds(end - counts.started), "cyan"))
        if counts.status:
            header.append(f"  {counts.status}", style=STATUS_STYLE.get(counts.status, ""))
        table = Table(box=None, pad_edge=False, header_style="bold")
        table.add_column("Activity")
        table.add_column("State")
        for title in ("Running", "Done", "Warning", "Failed", "Elapsed"):
            table.add_column(title, justify="right")
        show_latest = bool(counts.subject_fields)
        if show_latest:
            table.add_column("Latest", no_wrap=True, overflow="ellipsis", max_width=40)
        for activity_id, act in counts.activities.items():
            if activity_id in counts.junctions:
                state = act.junction or "waiting"
                table.add_row(Text(visible(act.name)), Text(state, style=STATUS_STYLE.get(state, "dim")))
                continue
            elapsed = act.elapsed(now)
            table.add_row(
                Text(visible(act.name), style="" if act.first_start is not None else "dim"),
                _state(act),
                Text(str(act.running), style="cyan" if act.running else "dim"),
                Text(str(act.done), style="green" if act.done else "dim"),
                Text(str(act.warned), style="yellow" if act.warned else "dim"),
                Text(str(act.failed), style="red" if act.failed else "dim"),
                seconds(elapsed) if elapsed is not None else "",
                *([Text(visible(act.latest), style="dim")] if show_latest else []),
            )
        return Group(header, table)


def _state(act: ActivityCounts) -> Text:
    if act.running:
        return Text("running", style="cyan")
    if act.first_start is None:
        return Text("waiting", style="dim")
    if act.failed:
        cancelled = act.cancelled == act.failed
        return Text("cancelled" if cancelled else "failed", style="magenta" if cancelled else "red")
    return Text("warning" if act.warned else "done", style="yellow" if act.warned else "green")


class PlainProgress:
    """One line per event, for logs and pipes."""

    def __init__(self, stream: IO[str], subject_fields: dict[str, str] | None = None,
                 names: Mapping[str, str] | None = None) -> None:
        self.stream = stream
        self.subject_fields = subject_fields or {}
        self.names = names or {}  # activity id -> name: links read "link Get VMs -> Stop VM"

    def __call__(self, event: Event) -> None:
        line = plain_line(event, self.subject_fields, self.names)
        if line:
            self.stream.write(line + "\n")
            self.stream.flush()


def plain_line(event: Event, subject_fields: dict[str, str] | None = None,
               names: Mapping[str, str] | None = None) -> str:
    """The event as one line; `names` (activity id -> name) words links and log lines by activity
    name, as a person reads them (instance lines carry the name already)."""
    data: dict[str, Any] = event.__dict__
    named = names or {}
    clock = event.at[11:19] if len(event.at) >= 19 else event.at
    kind = event.kind
    if kind == "job_started":
        text = f'job {event.job_id} started: "{data["runbook"]}"'
    elif kind == "job_finished":
        text = f'job {event.job_id} {data["status"]} after {seconds(data["duration_s"])}'
    elif kind == "instance_started":
        text = f'{data["name"]} [{data["instance"]}] started'
    elif kind == "instance_finished":
        rows = len(data.get("rows") or [])
        text = (f'{data["name"]} [{data["instance"]}] {data["status"]} in {seconds(data["duration_s"])}, '
                f'{rows} row{"" if rows == 1 else "s"}')
        if data.get("attempts", 1) > 1:
            text += f', {data["attempts"]} attempts'
        subjects = subjects_of(data.get("rows") or [], (subject_fields or {}).get(data["activity"]))
        if subjects:
            text += f" ({subjects_text(subjects)})"
        if data.get("error"):
            text += f': {data["error"]}'
    elif kind == "link":
        source, target = named.get(data["from_"], data["from_"]), named.get(data["to"], data["to"])
        text = f'link {source} -> {target}: {data["passed"]} passed, {data["filtered"]} filtered'
    elif kind == "junction":
        text = f'{data["name"]} {data["state"]}' + (f': {data["detail"]}' if data.get("detail") else "")
    elif kind == "log":
        where = f'{named.get(data["activity"], data["activity"])}: ' if data.get("activity") else ""
        text = f'{data["level"]}: {where}{data["message"]}'
    else:
        text = event.to_json()
    return f"{clock} {visible(text)}"
