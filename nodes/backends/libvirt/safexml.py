"""Parsing the XML libvirt hands back (metadata, snapshot descriptions) without trusting it."""

from __future__ import annotations

import xml.etree.ElementTree as ET


class XmlProblem(ValueError):
    """XML that is not what Interlock expects; the message says what is wrong."""


def parse(text: str) -> ET.Element:
    """The document's root; DTDs are refused, so no entity can expand or be fetched."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise XmlProblem("a DOCTYPE or ENTITY declaration is not allowed")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise XmlProblem(f"not well-formed XML ({exc})") from None


def local_name(tag: str) -> str:
    """A tag without its {namespace}."""
    return tag.rpartition("}")[2]
