"""The data pack: query and write databases, query XML, call web services (DESIGN §6.3; Orchestrator's
Query Database, Write To Database, Query XML and Invoke Web Services)."""

from engine.activity import Pack

from .invoke_rest import InvokeRest
from .query import QueryDatabase
from .query_xml import QueryXml
from .write import WriteDatabase

PACK = Pack(
    name="data",
    title="Data",
    description="Databases (any SQLAlchemy URL), XML documents and web services.",
    activities=[QueryDatabase, WriteDatabase, QueryXml, InvokeRest],
)
