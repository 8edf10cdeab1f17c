"""`interlock db upgrade`: create the run history's PostgreSQL tables (`[history] url`, DESIGN §6.5) or
bring them to this Interlock's schema; running it again changes nothing."""

from __future__ import annotations

import argparse

from ..config.settings import load_config
from ..errors import ConfigError


def add_db_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("db", help="the run history's PostgreSQL database ([history] url)")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrader = actions.add_parser("upgrade", help="create the history's tables, or bring them up to date")
    upgrader.add_argument("--config", metavar="FILE", help="configuration file (default: as for run)")
    upgrader.set_defaults(handler=upgrade)


def upgrade(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not config.history.url:
        raise ConfigError(f"{config.source or 'no configuration file'}: no [history] url: the run history "
                          "is the SQLite file, which upgrades itself when it is opened")
    from ..history import schema  # Alembic loads only for this command and PostgreSQL histories

    engine = schema.open_engine(config)
    try:
        before, now = schema.upgrade(engine, schema.where(config))
    finally:
        engine.dispose()
    if before == now:
        print(f"The run history is up to date (schema {now}) in {config.history.url}.")
    else:
        print(f"The run history is at schema {now} (was {before or 'empty'}) in {config.history.url}.")
    return 0
