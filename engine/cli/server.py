"""`interlock server --catalogue DIR ...`: the runbook server in the foreground (until SIGTERM), and
`interlock server token create|list|revoke` (tokens.py) for its API tokens."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config.settings import load_config
from ..errors import InterlockError
from ..schedule.schedules import find_schedules, load_schedules
from .options import whole_number
from .tokens import add_token_commands


def add_server_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from ..server.settings import DEFAULT_LISTEN, EVENT_BUFFER, MAX_BODY_BYTES

    server = sub.add_parser("server", help="serve a folder of runbooks over HTTP: start and watch jobs, "
                            "host the schedules (interlock server --catalogue DIR)")
    server.add_argument("--catalogue", metavar="DIR", help="the folder of runbook files to serve")
    server.add_argument("--config", metavar="FILE", help="configuration file (connections, variables), as "
                        "for interlock run")
    server.add_argument("--schedules", metavar="FILE", help="run this schedules file's entries and monitors "
                        "inside the server")
    server.add_argument("--listen", metavar="HOST:PORT", default=DEFAULT_LISTEN,
                        help=f"where to listen (default {DEFAULT_LISTEN}; 0.0.0.0:8181 for every interface)")
    server.add_argument("--tls-cert", metavar="FILE", type=Path,
                        help="serve HTTPS with this certificate (PEM)")
    server.add_argument("--tls-key", metavar="FILE", type=Path, help="the certificate's private key (PEM)")
    server.add_argument("--drain-timeout", metavar="S", type=float, default=0.0,
                        help="on SIGTERM, let running jobs end for up to S seconds before cancelling them "
                             "(default 0: cancel at once; cancelled jobs are recorded)")
    server.add_argument("--max-body", metavar="BYTES", type=whole_number(1_024, 1_000_000_000),
                        default=MAX_BODY_BYTES, help=f"largest request body (default {MAX_BODY_BYTES:,})")
    server.add_argument("--event-buffer", metavar="N", type=whole_number(1, 10_000_000), default=EVENT_BUFFER,
                        help=f"events of each running job kept in memory for its streams (default "
                             f"{EVENT_BUFFER:,}; older ones are read from the run history)")
    server.add_argument("--cors-origin", metavar="ORIGIN", action="append", default=[],
                        help="let web pages of this origin call the API (repeatable; default: none)")
    server.set_defaults(handler=serve)
    add_token_commands(server.add_subparsers(dest="server_command", metavar="COMMAND"))


def serve(args: argparse.Namespace) -> int:
    from ..server.hosting import Listen
    from ..server.hosting import serve as run_server
    from ..server.settings import ServerSettings

    if not args.catalogue:
        raise InterlockError("interlock server: give --catalogue DIR (the folder of runbooks to serve)")
    catalogue = Path(args.catalogue).expanduser()
    if not catalogue.is_dir():
        raise InterlockError(f"--catalogue {catalogue}: no such folder")
    if args.drain_timeout < 0:
        raise InterlockError("--drain-timeout: give 0 or more seconds")
    listen = Listen.parse(args.listen)
    config = load_config(args.config)
    schedules = None
    if args.schedules:
        schedules = find_schedules(args.schedules, config.source)
        load_schedules(schedules)  # a malformed file is exit 2 now, not a server with no schedules
    settings = ServerSettings(catalogue=catalogue, config=config, schedules=schedules,
                              max_body_bytes=args.max_body, drain_timeout_s=args.drain_timeout,
                              cors_origins=tuple(args.cors_origin), event_buffer=args.event_buffer)
    run_server(settings, listen, args.tls_cert, args.tls_key)
    return 0
