"""A `database` connection's object: SQL on a pooled SQLAlchemy engine, one transaction per call.

Calls are blocking; the data activities are plain functions, which the engine runs in worker threads,
and the engine's pool lets up to pool_size of them work at once. Every error comes back as an
ActivityError naming the connection, the operation and what the database said, with the password
masked and without the SQL's parameters.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Executable, TextClause, column, insert, table, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

from engine.errors import ActivityError

from .timeouts import Limit, stoppable
from .values import json_value

T = TypeVar("T")
_BIND_NAME = re.compile(r"A value is required for bind parameter '([^']*)'")


class Database:
    """SQL on one connection's engine; each call is one transaction, and its errors ActivityErrors."""

    def __init__(self, name: str, engine: Engine, password: str | None = None) -> None:
        self.name = name
        self.engine = engine
        self._password = password

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def query(self, sql: str, parameters: Mapping[str, Any], *, max_rows: int, timeout_s: float | None,
              cancel: threading.Event | None = None) -> list[dict[str, Any]]:
        """The result rows as dicts of JSON-friendly values; more than max_rows is an error."""
        def run(connection: Connection) -> list[dict[str, Any]]:
            result = connection.execute(_bound_text(sql, parameters, "query"), dict(parameters))
            if not result.returns_rows:
                return []
            names = list(result.keys())
            _unique_columns(names)
            rows = result.fetchmany(max_rows + 1)
            if len(rows) > max_rows:
                raise ActivityError(f"more than {max_rows} rows: narrow the query or raise Maximum rows "
                                    f"(max_rows)")
            return [{name: json_value(value) for name, value in zip(names, row, strict=True)}
                    for row in rows]

        return self._transaction("query", timeout_s, cancel, run)

    def execute(self, sql: str, parameters: Mapping[str, Any], *, timeout_s: float | None,
                cancel: threading.Event | None = None) -> int:
        """Run an UPDATE / DELETE / upsert; the rows it changed."""
        return self._transaction("write", timeout_s, cancel, lambda connection: _count(
            connection, _bound_text(sql, parameters, "statement"), parameters))

    def insert(self, name: str, values: Mapping[str, Any], *, timeout_s: float | None,
               cancel: threading.Event | None = None) -> int:
        """INSERT one row; table and column names are quoted by SQLAlchemy, values are bound."""
        schema, _, table_name = name.rpartition(".")
        target = table(table_name, *(column(key) for key in values), schema=schema or None)
        statement = insert(target).values(dict(values))
        return self._transaction(f"insert into {name}", timeout_s, cancel,
                                 lambda connection: _count(connection, statement))

    def ping(self) -> str:
        self._transaction("SELECT 1", None, None,
                          lambda connection: connection.execute(text("SELECT 1")).scalar())
        return f"SELECT 1 answered ({self.dialect}, {self.engine.url.render_as_string(hide_password=True)})"

    def _transaction(self, operation: str, timeout_s: float | None, cancel: threading.Event | None,
                     work: Callable[[Connection], T]) -> T:
        limit = Limit(timeout_s, cancel)
        try:
            with self.engine.begin() as connection, stoppable(connection, timeout_s, cancel) as limit:
                return work(connection)  # committed when `work` returns, rolled back when it raises
        except ActivityError as exc:
            raise ActivityError(f'{operation} on connection "{self.name}": {exc}') from None
        except SQLAlchemyError as exc:
            raise ActivityError(f'{operation} on connection "{self.name}": '
                                f"{self._explain(exc, limit)}") from None

    def _explain(self, error: SQLAlchemyError, limit: Limit) -> str:
        """What the database said, in one line, without parameters or the password."""
        original = error.orig if isinstance(error, DBAPIError) else None
        reason = limit.explains(original)
        if reason is not None:
            return reason
        if isinstance(error, StatementError) and original is None:
            missing = _BIND_NAME.search(str(error))
            if missing:
                return (f'parameter "{missing.group(1)}" is used (:{missing.group(1)}) but not given in '
                        f"Parameters")
        message = str(original) if original is not None else str(error).split("\n[SQL:")[0]
        lines = [line.strip() for line in message.splitlines()]
        # psycopg adds "LINE 1: ..." and a caret line under the position; the first lines say it all
        said = " ".join(line for line in lines if line and not line.startswith(("LINE ", "^")))
        said = said.split(" (Background on this error")[0]
        if self._password:
            said = said.replace(self._password, "***")
        return said or type(original or error).__name__


def _bound_text(sql: str, parameters: Mapping[str, Any], what: str) -> TextClause:
    """The SQL as a text clause; a parameter that the SQL never uses is a mistake worth naming."""
    statement = text(sql)
    used = set(statement.compile().params)  # the :names SQLAlchemy found in the text
    unused = sorted(set(parameters) - used)
    if unused:
        raise ActivityError(f'parameter "{unused[0]}" is not used in the {what}: write :{unused[0]} '
                            f"where its value goes")
    return statement


def _unique_columns(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ActivityError(f'two result columns are called "{name}": name them apart with AS')
        seen.add(name)


def _count(connection: Connection, statement: Executable, parameters: Mapping[str, Any] | None = None) -> int:
    """Run a write; the rows it changed (kept even where the driver's cursor is closed early, as
    psycopg's is after an INSERT)."""
    result = connection.execute(statement, dict(parameters or {}),
                                execution_options={"preserve_rowcount": True})
    return result.rowcount
