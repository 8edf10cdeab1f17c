"""The PostgreSQL history's database: its URL and password from `[history]`, an engine on it, and its
schema's version — brought up to date by Alembic (`interlock db upgrade`), and checked when the history
is opened, so that a database that is not up to date is a clear error instead of missing tables.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ..config.secrets import resolve_secret
from ..config.settings import Config
from ..errors import ConfigError
from .store import HistoryError

MIGRATIONS = Path(__file__).with_name("migrations")
CONNECT_TIMEOUT_S = 10


def where(config: Config) -> str:
    """The history in messages: the config file's [history] and its URL (which holds no password)."""
    return f'{config.source or "the configuration"}: [history] url "{config.history.url}"'


def database_url(config: Config) -> URL:
    """`[history] url` for SQLAlchemy with psycopg 3, and the password from the environment or keyring."""
    settings = config.history
    assert settings.url is not None
    try:
        url = make_url(settings.url)
    except ArgumentError as exc:
        raise ConfigError(f"{where(config)}: not a database URL: {exc}") from None
    url = url.set(drivername="postgresql+psycopg")
    password = resolve_secret(settings.model_dump(), "password", f"{config.source or 'config'}: [history]",
                              required=False)
    return url.set(password=password) if password is not None else url


def open_engine(config: Config) -> Engine:
    """A connection pool on the history's database (it connects at the first use)."""
    return create_engine(database_url(config), pool_pre_ping=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def failure(doing: str, place: str, exc: SQLAlchemyError) -> HistoryError:
    """A database error in words: what the server said (psycopg's message), never the password."""
    said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return HistoryError(f"{place}: cannot {doing}: {said[0] if said else type(exc).__name__}")


def _alembic(engine_connection: object) -> AlembicConfig:
    settings = AlembicConfig()
    settings.set_main_option("script_location", str(MIGRATIONS))
    settings.attributes["connection"] = engine_connection
    return settings


def head() -> str:
    """The newest schema revision this Interlock knows."""
    revision = ScriptDirectory.from_config(_alembic(None)).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The database's schema revision (None: never upgraded)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, place: str) -> tuple[str | None, str]:
    """Create the history's tables or bring them up to date; (revision before, revision now)."""
    try:
        before = current(engine)
        with engine.begin() as connection:
            command.upgrade(_alembic(connection), "head")
        return before, head()
    except SQLAlchemyError as exc:
        raise failure("upgrade the run history's database", place, exc) from None


def require_current(engine: Engine, place: str) -> None:
    """HistoryError unless the database is at this Interlock's schema (saying what to run)."""
    try:
        found = current(engine)
    except SQLAlchemyError as exc:
        raise failure("open the run history", place, exc) from None
    known = head()
    if found == known:
        return
    if found is None:
        raise HistoryError(f"{place}: the database has no run history yet: run `interlock db upgrade` "
                           "(with this configuration) to create it")
    scripts = ScriptDirectory.from_config(_alembic(None))
    if found not in {script.revision for script in scripts.walk_revisions()}:
        raise HistoryError(f"{place}: the run history was written by a newer Interlock (schema {found})")
    raise HistoryError(f"{place}: the run history's schema is {found}, this Interlock needs {known}: "
                       "run `interlock db upgrade`")
