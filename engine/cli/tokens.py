"""`interlock server token create|list|revoke`: the runbook server's API tokens, managed on its host.

A token is printed once, on stdout alone (so `TOKEN=$(interlock server token create ci --role operator)`
captures it), with a warning on stderr that it is not shown again; only its SHA-256 is stored. Creating
and revoking are written to the audit log as `cli:USER` from `local`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from rich.table import Table

from ..server.security import ROLES, STORE_FILE, AuditLog, SecurityError, TokenStore, default_path
from .commands import _stdout_console
from .render import markup, visible


def add_token_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `token create|list|revoke` to the `interlock server` subcommands."""
    parser = sub.add_parser("token", help="create, list or revoke the server's API tokens")
    actions = parser.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    creator = actions.add_parser("create", help="create a token and print it (once: it is not stored)")
    creator.add_argument("name", metavar="NAME", help="the token's unique name: who, in the audit log")
    creator.add_argument("--role", choices=ROLES, required=True,
                         help="viewer: read; operator: also start and cancel jobs; admin: everything")
    creator.add_argument("--folder", action="append", default=[], metavar="F",
                         help="limit the token to this catalogue folder (repeat for several; "
                              "default: the whole catalogue)")
    lister = actions.add_parser("list", help="every token: role, folders, created, last used, revoked "
                                "(never the token)")
    lister.add_argument("--json", action="store_true", help="print the list as JSON")
    revoker = actions.add_parser("revoke", help="refuse a token from now on")
    revoker.add_argument("name", metavar="NAME")
    for each, handler in ((creator, create_token), (lister, list_tokens), (revoker, revoke_token)):
        each.add_argument("--home", metavar="DIR", type=Path,
                          help=f"the folder holding {STORE_FILE} (default: INTERLOCK_HOME, as the history)")
        each.set_defaults(handler=handler)


def _store_path(args: argparse.Namespace) -> Path:
    return args.home.expanduser() / STORE_FILE if args.home else default_path()


def _audit(path: Path, action: str, target: str, detail: dict[str, object]) -> None:
    audit = AuditLog(path)
    try:
        audit.record(f"cli:{getpass.getuser()}", action, target, "local", detail)
    finally:
        audit.close()


def create_token(args: argparse.Namespace) -> int:
    path = _store_path(args)
    store = TokenStore(path)
    try:
        token = store.create(args.name, args.role, args.folder)
        info = store.get(args.name)
    finally:
        store.close()
    folders = info.folders if info else []
    _audit(path, "token.create", args.name, {"role": args.role, "folders": folders})
    scope = f"folders {', '.join(folders)}" if folders else "the whole catalogue"
    print(visible(f'Token "{args.name}" ({args.role}, {scope}). Copy it now: it is not shown again, '
                  "only its hash is stored."), file=sys.stderr)
    print(token)
    return 0


def list_tokens(args: argparse.Namespace) -> int:
    path = _store_path(args)
    if not path.exists():  # listing never creates the file
        tokens = []
    else:
        store = TokenStore(path)
        try:
            tokens = store.list()
        finally:
            store.close()
    if args.json:
        print(json.dumps([info.model_dump() for info in tokens], indent=2, ensure_ascii=False))
    elif not tokens:
        print(f"No tokens in {path}: create one with `interlock server token create NAME --role ROLE`.",
              file=sys.stderr)
    else:
        table = Table("Token", "Role", "Folders", "Created", "Last used", "State", box=None,
                      header_style="bold")
        for info in tokens:
            table.add_row(markup(info.name), info.role, markup(", ".join(info.folders) or "(all)"),
                          info.created_at, info.last_used_at or "never",
                          f"revoked {info.revoked_at}" if info.revoked else "active")
        _stdout_console().print(table)
    return 0


def revoke_token(args: argparse.Namespace) -> int:
    path = _store_path(args)
    if not path.exists():
        raise SecurityError(f'no token named "{args.name}" in {path} (there are no tokens yet)')
    store = TokenStore(path)
    try:
        revoked = store.revoke(args.name)
        info = None if revoked else store.get(args.name)
    finally:
        store.close()
    if not revoked and info is None:
        raise SecurityError(f'no token named "{args.name}" in {path}: `interlock server token list` '
                            "shows them")
    if not revoked:
        print(visible(f'Token "{args.name}" was revoked already ({info.revoked_at}).'), file=sys.stderr)
        return 0
    _audit(path, "token.revoke", args.name, {})
    print(visible(f'Revoked token "{args.name}": the server refuses it from its next request.'))
    return 0
