"""Write To Database: an INSERT of column values, or an UPDATE / DELETE / upsert statement, in one
transaction (committed when it succeeds, rolled back when it fails)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.activity import ActivityType, RunContext

from .sql import BoundValues, cancel_flag, database_of


class WriteProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = Field(title="Connection", description="A connection of kind database in the config")
    table: str | None = Field(None, min_length=1, title="Table",
                              description='Table to insert one row into ("schema.table" allowed); with '
                                          "Values")
    values: BoundValues = Field(default_factory=dict, title="Values",
                                              description="Column → value of the inserted row")
    statement: str | None = Field(None, min_length=1, title="Statement",
                                  description="Instead of Table: SQL (UPDATE, DELETE, upsert, ...) with "
                                              ":name placeholders")
    parameters: BoundValues = Field(default_factory=dict, title="Parameters",
                                                  description="Values bound to :name in the statement")
    timeout_s: float | None = Field(None, gt=0, title="Timeout (s)",
                                    description="Cancel the write after this many seconds")

    @model_validator(mode="after")
    def _one_form(self) -> WriteProperties:
        if (self.table is None) == (self.statement is None):
            raise ValueError("give either table (with values) or statement (with parameters), not both")
        if self.table is not None and not self.values:
            raise ValueError("table needs values: the columns of the row to insert")
        if self.table is not None and self.parameters:
            raise ValueError("parameters go with statement; with table, give the columns in values")
        if self.statement is not None and self.values:
            raise ValueError("values go with table; with statement, bind :names through parameters")
        return self


class WrittenRow(BaseModel):
    rows_affected: int = Field(title="Rows affected",
                               description="Rows inserted, updated or deleted (-1 when the database "
                                           "does not say)")


class WriteDatabase(ActivityType):
    """Writes in one transaction and publishes how many rows it changed."""

    type_name = "data.write"
    display_name = "Write To Database"
    description = ("Inserts a row (table + values) or runs an UPDATE/DELETE/upsert statement with bound "
                   "parameters, in one transaction; publishes rows_affected.")
    icon = "database_write"
    color = "#2f6f8f"
    Properties = WriteProperties
    Published = WrittenRow

    def run(self, properties: WriteProperties, context: RunContext) -> dict[str, Any]:
        database = database_of(context, properties.connection)
        if properties.table is not None:
            count = database.insert(properties.table, properties.values, timeout_s=properties.timeout_s,
                                    cancel=cancel_flag(context))
        else:
            assert properties.statement is not None
            count = database.execute(properties.statement, properties.parameters,
                                     timeout_s=properties.timeout_s, cancel=cancel_flag(context))
        return {"rows_affected": count}
