"""`interlock remote run|jobs|show|cancel --server URL`: the runbook server's jobs from a script or a shell.

The token comes from an environment variable (`--token-env`, default INTERLOCK_TOKEN) or the OS keyring
(`--token-keyring service:user`), never from the command line. Exit codes are those of `interlock run`:
0 success or warning, 1 failed or cancelled, 2 bad input — and every refusal of the server (401, 403,
404, 422) is one line naming the server, its status and its reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext
from typing import Any

from pydantic import ValidationError
from rich.console import Console

from ..config.registry import Registry
from ..config.settings import Config
from ..errors import InterlockError
from ..format.model import Runbook
from ..history import JobSummary, StoredJob
from ..run.events import EventSink, event_from_dict
from ..run.executor import Engine
from ..run.progress import ProgressCounts
from ..run.result import JobResult
from ..server.client import DEFAULT_TOKEN_ENV, Client, resolve_token
from .commands import _stdout_console
from .options import whole_number
from .progress import LiveProgress, PlainProgress
from .render import history_table, print_job, print_summary, visible
from .run import EXIT_CODES, parse_parameters

SERVER_ENV = "INTERLOCK_SERVER"  # the server URL when --server is not given
STATUSES = ("success", "warning", "failed", "cancelled", "running", "queued", "interrupted")


def add_remote_commands(sub: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", metavar="URL", default=os.environ.get(SERVER_ENV),
                        help=f"the server's address, e.g. https://runbooks:8181 (default: ${SERVER_ENV})")
    token = common.add_mutually_exclusive_group()
    token.add_argument("--token-env", metavar="NAME", default=None,
                       help=f"environment variable holding the API token (default {DEFAULT_TOKEN_ENV})")
    token.add_argument("--token-keyring", metavar="SERVICE:USER",
                       help="read the API token from the OS keyring instead")
    common.add_argument("--ca-file", metavar="FILE", help="CA certificate(s) that sign the server's "
                        "TLS certificate (default: the system's)")

    remote = sub.add_parser("remote", help="start and watch jobs on a runbook server (interlock server)")
    commands = remote.add_subparsers(dest="remote_command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="start a runbook of the server's catalogue")
    run.add_argument("runbook", metavar="RUNBOOK", help="its path in the catalogue, e.g. patching/vms.json")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="a start parameter (repeatable)")
    run.add_argument("--wait", action="store_true",
                     help="follow the job's events until it ends; the exit code is then the job's")
    run.add_argument("--json", action="store_true",
                     help="print the job document on stdout (with --wait: the finished job's)")
    run.set_defaults(handler=remote_run)

    jobs = commands.add_parser("jobs", parents=[common], help="the server's jobs, newest first")
    jobs.add_argument("--runbook", metavar="PATH", help="only jobs of this runbook")
    jobs.add_argument("--status", choices=STATUSES, help="only jobs in this status")
    jobs.add_argument("--limit", type=whole_number(1, 10_000), default=20, metavar="N",
                      help="at most N jobs (default 20)")
    jobs.add_argument("--json", action="store_true", help="print the list as JSON")
    jobs.set_defaults(handler=remote_jobs)

    show = commands.add_parser("show", parents=[common], help="one job: activities, instances, rows, errors")
    show.add_argument("job", metavar="JOB", help="the job id")
    show.add_argument("--json", action="store_true", help="print the job document as the server gives it")
    show.set_defaults(handler=remote_show)

    cancel = commands.add_parser("cancel", parents=[common], help="cancel a queued or running job")
    cancel.add_argument("job", metavar="JOB", help="the job id")
    cancel.set_defaults(handler=remote_cancel)


def connect(args: argparse.Namespace) -> Client:
    """A client for --server with the token from --token-env / --token-keyring (InterlockError if not)."""
    if not args.server:
        raise InterlockError(f"no server: give --server URL or set {SERVER_ENV}")
    if not args.server.startswith(("http://", "https://")):
        raise InterlockError(f"--server {args.server}: expected an http:// or https:// address")
    if args.ca_file and not os.path.isfile(args.ca_file):
        raise InterlockError(f"--ca-file {args.ca_file}: no such file")
    token = resolve_token(args.token_env, args.token_keyring)
    return Client(args.server, token, ca_file=args.ca_file)


def remote_run(args: argparse.Namespace) -> int:
    parameters = parse_parameters(args.parameter)
    with connect(args) as client:
        started = client.start(args.runbook, parameters)
        job_id = str(started["job_id"])
        if not args.wait:
            if args.json:
                _print_json(started)
            else:
                print(job_id)
            return 0
        print(visible(f"job {job_id} started on {client.base_url}"), file=sys.stderr)
        sink, table, subject_fields = _progress(client, args.runbook)
        try:
            with table or nullcontext():
                follow(client, job_id, sink)
        except KeyboardInterrupt:
            print(visible(f"stopped watching; job {job_id} goes on on the server (interlock remote cancel "
                          f"{job_id} --server {client.base_url} ends it)"), file=sys.stderr)
            return 130
        document = client.job(job_id)
    result = _result(document)
    if result is not None:
        print_summary(Console(file=sys.stderr, highlight=False), result, subject_fields)
    if args.json:
        _print_json(document)
    return EXIT_CODES.get(str(document.get("status")), 1)


def _progress(client: Client, path: str) -> tuple[EventSink, LiveProgress | None, dict[str, str]]:
    """As `interlock run`: on a terminal the live table of the runbook's activities (read from the
    server), else one line per event; (sink, table or None, subject fields)."""
    if not sys.stderr.isatty():
        return PlainProgress(sys.stderr), None, {}
    try:
        runbook = Runbook.model_validate(client.runbook(path)["runbook"])
        engine = Engine(Config(), Registry.from_entry_points())
        junctions = {a.id for a in runbook.activities if a.type in engine.junction_types()}
        subject_fields = engine.subject_fields(runbook)
    except (InterlockError, ValidationError, KeyError, TypeError):
        return PlainProgress(sys.stderr), None, {}  # a table is a nicety: lines say the same
    table = LiveProgress(ProgressCounts(runbook, junctions, subject_fields),
                         Console(file=sys.stderr, highlight=False))
    return table, table, subject_fields


def follow(client: Client, job_id: str, progress: EventSink) -> int:
    """Hand the job's events to `progress` until the job ends; returns how many were read."""
    seen = 0
    for event in client.events(job_id):
        seen += 1
        try:
            progress(event_from_dict(event.data))
        except ValidationError:
            continue  # an event kind of a newer server: it still counts, it is just not printed
    return seen


def remote_jobs(args: argparse.Namespace) -> int:
    with connect(args) as client:
        jobs = client.jobs(runbook=args.runbook, status=args.status, limit=args.limit)
    if args.json:
        _print_json(jobs)
    elif not jobs:
        print("No jobs.", file=sys.stderr)
    else:
        _stdout_console().print(history_table([JobSummary.model_validate(job) for job in jobs]))
    return 0


def remote_show(args: argparse.Namespace) -> int:
    with connect(args) as client:
        document = client.job(args.job)
    if args.json:
        _print_json(document)
        return 0
    result = _result(document)
    summary = JobSummary.model_validate({**document, "path": document.get("path")})
    print_job(_stdout_console(), StoredJob(summary=summary, result=result))
    return 0


def remote_cancel(args: argparse.Namespace) -> int:
    with connect(args) as client:
        answer = client.cancel(args.job)
    status = answer.get("status", "cancelling")
    print(visible(f"job {args.job}: {status}"))
    return 0


def _result(document: dict[str, Any]) -> JobResult | None:
    """The finished job's result, or None while it runs (no finish time yet)."""
    try:
        return JobResult.model_validate(document)
    except ValidationError:
        return None


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
