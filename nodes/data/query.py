"""Query Database: SQL text run on a `database` connection, one published row per result row."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext

from .columns import select_columns
from .sql import BoundValues, cancel_flag, database_of

DEFAULT_MAX_ROWS = 10_000


class QueryProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = Field(title="Connection", description="A connection of kind database in the config")
    query: str = Field(min_length=1, title="Query",
                       description="SQL run as written; put subscribed values in Parameters and write "
                                   ":name where they go")
    parameters: BoundValues = Field(
        default_factory=dict, title="Parameters",
        description="Values bound to :name in the query (never pasted into the SQL text)")
    max_rows: int = Field(DEFAULT_MAX_ROWS, ge=1, le=1_000_000, title="Maximum rows",
                          description="More result rows than this fails the instance (narrow the query "
                                      "or raise the limit): rows are never cut silently")
    timeout_s: float | None = Field(None, gt=0, title="Timeout (s)",
                                    description="Cancel the query after this many seconds (PostgreSQL "
                                                "statement_timeout, SQLite interrupt)")


class QueryDatabase(ActivityType):
    """Runs SQL and publishes one row per result row, the columns as fields."""

    type_name = "data.query"
    display_name = "Query Database"
    description = ("Runs SQL on a database connection; publishes one row per result row, its columns as "
                   "fields. No result rows: nothing after it runs.")
    icon = "database"
    color = "#2f6f8f"
    Properties = QueryProperties
    Published = None  # the columns depend on the query

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        query = properties.get("query")
        return select_columns(query) if isinstance(query, str) else None

    def run(self, properties: QueryProperties, context: RunContext) -> list[dict[str, Any]]:
        database = database_of(context, properties.connection)
        return database.query(properties.query, properties.parameters, max_rows=properties.max_rows,
                              timeout_s=properties.timeout_s, cancel=cancel_flag(context))
