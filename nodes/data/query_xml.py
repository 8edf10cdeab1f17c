"""Query XML: an XPath 1.0 expression over XML text or a file, one published row per match.

The parser never expands entities, never loads a DTD and never goes to the network, so a hostile
document can neither blow up (an entity bomb) nor read files or URLs (external entities).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError

from .sql import BoundValues

MAX_FILE_BYTES = 100 * 1024 * 1024
_XPATH_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class QueryXmlProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    xml: str | None = Field(None, title="XML text", description="The document (or give File)")
    file: str | None = Field(None, min_length=1, title="File",
                             description="Path of an XML file, relative to the runbook's folder")
    xpath: str = Field(min_length=1, title="XPath",
                       description="XPath 1.0 expression; one row per node it selects")
    namespaces: dict[str, str] = Field(default_factory=dict, title="Namespaces",
                                       description="Prefix → namespace URI, for prefixes in the XPath")
    variables: BoundValues = Field(
        default_factory=dict, title="Variables",
        description="Values for $name in the XPath (subscribed values go here, never into the XPath); "
                    "null is the empty string")

    @model_validator(mode="after")
    def _one_source(self) -> QueryXmlProperties:
        if (self.xml is None) == (self.file is None):
            raise ValueError("give either xml (the text) or file (a path), not both")
        bad = next((name for name in self.variables if not _XPATH_NAME.fullmatch(name)), None)
        if bad is not None:
            raise ValueError(f'variables: "{bad}" is not a name an XPath can use as ${bad}')
        if "" in self.namespaces:
            raise ValueError('namespaces: XPath 1.0 has no default namespace; give it a prefix, e.g. '
                             '{"d": "urn:..."}, and write d:item in the XPath')
        return self


class XmlMatch(BaseModel):
    value: str = Field(title="Value", description="The match's text: an element's text content (with its "
                                                  "descendants'), an attribute's value, or a number/"
                                                  "string/boolean the XPath computed")
    xml: str = Field(title="XML", description="The matched element serialised as XML (empty for "
                                              "attributes, text and computed values)")
    name: str = Field(title="Name", description="The element's or attribute's local name (else empty)")
    index: int = Field(title="Index", description="The match's position, from 0")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def _source(properties: QueryXmlProperties, context: RunContext) -> tuple[bytes, str]:
    """The document's bytes and the property they came from (for messages)."""
    if properties.xml is not None:
        return properties.xml.encode(), "xml"
    path = Path(properties.file or "").expanduser()
    if not path.is_absolute() and context.runbook_path:
        path = Path(context.runbook_path).parent / path
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ActivityError(f"file: {path} is larger than {MAX_FILE_BYTES // 2**20} MB")
        return path.read_bytes(), f"file {path}"
    except OSError as exc:
        raise ActivityError(f"file: cannot read {path}: {exc.strerror or exc}") from None


def _parse(data: bytes, where: str) -> etree._Element:
    if not data.strip():
        raise ActivityError(f"{where}: the document is empty")
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        # exc.msg says what and where ("..., line 1, column 11"), without lxml's "(<string>, line 1)"
        raise ActivityError(f"{where}: not well-formed XML: {exc.msg or exc}") from None


def _local_name(node: Any) -> str:
    tag = node.tag if isinstance(node.tag, str) else ""
    return etree.QName(tag).localname if tag else ""


def _row(match: Any, index: int) -> dict[str, Any]:
    if isinstance(match, etree._Element):
        text = match.text or "" if not isinstance(match.tag, str) else "".join(match.itertext())
        return {"value": text, "xml": etree.tostring(match, encoding="unicode", with_tail=False),
                "name": _local_name(match), "index": index}
    name = ""
    if getattr(match, "is_attribute", False):
        name = etree.QName(match.attrname).localname
    if isinstance(match, bool):
        text = "true" if match else "false"
    elif isinstance(match, float):
        text = str(int(match)) if match.is_integer() else repr(match)
    else:
        text = str(match)
    return {"value": text, "xml": "", "name": name, "index": index}


def query_xml(root: etree._Element, xpath: str, namespaces: dict[str, str],
              variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    try:
        found = etree.XPath(xpath, namespaces=namespaces)(root, **(variables or {}))
    except etree.XPathError as exc:  # syntax errors, unknown prefixes and functions
        raise ActivityError(f"xpath {xpath!r}: {exc}") from None
    matches = found if isinstance(found, list) else [found]
    return [_row(match, index) for index, match in enumerate(matches)]


class QueryXml(ActivityType):
    """Selects nodes of an XML document with XPath."""

    type_name = "data.query_xml"
    display_name = "Query XML"
    description = ("Runs an XPath query over XML text or a file; publishes one row per match (value, "
                   "xml, name, index). Entities are never expanded.")
    icon = "xml"
    color = "#2f6f8f"
    Properties = QueryXmlProperties
    Published = XmlMatch

    def run(self, properties: QueryXmlProperties, context: RunContext) -> list[dict[str, Any]]:
        data, where = _source(properties, context)
        variables = {name: "" if value is None else value for name, value in properties.variables.items()}
        return query_xml(_parse(data, where), properties.xpath, properties.namespaces, variables)
