"""The `database` connection kind: any database SQLAlchemy reaches, by URL (DESIGN §6.3).

    [connections.cmdb]
    kind = "database"
    url = "postgresql+psycopg://runbooks@db01/cmdb"   # no password in the URL
    password_env = "CMDB_PASSWORD"                      # or password_keyring = "service:user"

    [connections.local]
    kind = "database"
    url = "sqlite:///data/cmdb.sqlite"                  # relative to the config file's folder

The password is put into the URL object when the connection opens (never into text); URLs are shown
with the password hidden.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import URL, create_engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from engine.config.connections import BackendKind, OpenContext
from engine.errors import ConfigError

from .backend import Database

# SQLAlchemy's plain "postgresql" means psycopg2; Interlock ships psycopg 3.
_DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg"}
# Driver options that carry a password inside the URL's ?query (psycopg, pyodbc, pymysql ...)
_SECRET_QUERY_KEYS = {"password", "passwd", "pwd", "passfile", "sslpassword"}
POOL_WAIT_S = 600  # longest wait of an instance for a free connection of the pool


class DatabaseOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description='SQLAlchemy URL without a password, e.g. '
                                 '"postgresql+psycopg://runbooks@db01/cmdb" or "sqlite:///data/cmdb.sqlite"')
    password_env: str | None = Field(None, description="Environment variable holding the password")
    password_keyring: str | None = Field(None, description='Keyring entry "service:user" of the password')
    connect_timeout_s: float = Field(10.0, gt=0, le=300, description="Longest wait to connect (SQLite: "
                                                                     "to get a locked database)")
    pool_size: int = Field(5, ge=1, le=100, description="Connections kept open for parallel instances")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            url = make_url(value.strip())
        except ArgumentError:
            raise ValueError(f'not an SQLAlchemy URL such as "postgresql+psycopg://user@host/db" or '
                             f'"sqlite:///file.sqlite" (got {value!r})') from None
        if url.password is not None or _SECRET_QUERY_KEYS & {key.lower() for key in url.query}:
            raise ValueError("must not hold a password: give it with password_env or password_keyring")
        return value.strip()


def database_url(options: DatabaseOptions, context: OpenContext, password: str | None) -> URL:
    url = make_url(options.url)
    url = url.set(drivername=_DEFAULT_DRIVERS.get(url.drivername, url.drivername))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:"):
        url = url.set(database=str(context.path(url.database)))
    return url.set(password=password) if password is not None else url


def _connect_args(url: URL, options: DatabaseOptions) -> dict[str, Any]:
    backend = url.get_backend_name()
    if backend == "postgresql":
        return {"connect_timeout": max(2, math.ceil(options.connect_timeout_s)),
                "application_name": "interlock"}
    if backend == "sqlite":
        return {"timeout": options.connect_timeout_s}
    if backend == "mysql":
        return {"connect_timeout": math.ceil(options.connect_timeout_s)}
    return {}


def _pool(url: URL, options: DatabaseOptions) -> dict[str, Any]:
    """At most pool_size connections to the server; instances beyond wait for a free one. (An in-memory
    SQLite database lives in one connection per thread, which SQLAlchemy's own pool keeps.)"""
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return {}
    return {"pool_size": options.pool_size, "max_overflow": 0, "pool_timeout": POOL_WAIT_S}


def _driver(url: URL, context: OpenContext) -> None:
    """Load the URL's dialect and driver now, so a missing one is a config error, not a job failure."""
    try:
        url.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise ConfigError(f'{context.where}: key "url": SQLAlchemy knows no database "{url.drivername}"') \
            from None
    except ImportError as exc:
        raise ConfigError(f'{context.where}: key "url": the driver of "{url.drivername}" is not installed '
                          f"({exc}); install it with pip") from None


def check_database(options: BaseModel, context: OpenContext) -> None:
    assert isinstance(options, DatabaseOptions)
    url = database_url(options, context, context.secret("password", required=False))
    _driver(url, context)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:"):
        folder = context.path(url.database).parent
        if not folder.is_dir():
            raise ConfigError(f'{context.where}: key "url": folder {folder} does not exist')


def open_database(options: BaseModel, context: OpenContext) -> Database:
    assert isinstance(options, DatabaseOptions)
    check_database(options, context)
    password = context.secret("password", required=False)
    url = database_url(options, context, password)
    engine = create_engine(url, connect_args=_connect_args(url, options), hide_parameters=True,
                           pool_pre_ping=True, **_pool(url, options))
    return Database(context.name, engine, password)


async def probe_database(backend: Any) -> str:
    assert isinstance(backend, Database)
    return await asyncio.to_thread(backend.ping)


DATABASE = BackendKind(
    kind="database",
    title="Database",
    Options=DatabaseOptions,
    open=open_database,
    check=check_database,
    probe=probe_database,
    description="Any database SQLAlchemy reaches by URL (PostgreSQL through psycopg, SQLite, ...).",
)

__all__ = ["DATABASE", "Database", "DatabaseOptions"]
