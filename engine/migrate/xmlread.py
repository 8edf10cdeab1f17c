"""Reading an export's XML without trusting it: no DTD (so no entity bomb and no external entity, no
network), a size limit (the whole tree is held in memory), and a clear message naming the file."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import InterlockError

# Real exports of whole Orchestrator installations are a few MB to a few tens of MB; the parsed tree
# takes several times the file's size, so refusing above this keeps an import within a few GB.
MAX_EXPORT_BYTES = 200 * 1024 * 1024
ROOT = "ExportData"


class ExportError(InterlockError):
    """A file that is not a Runbook Designer export (or cannot be read); the message names it."""


def read_export_xml(path: Path) -> Element:
    """The `<ExportData>` root of the export at `path`; ExportError for anything else."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size > MAX_EXPORT_BYTES:
        raise ExportError(f"{path}: {size / 2**20:.0f} MB is more than the {MAX_EXPORT_BYTES // 2**20} MB an "
                          f"import reads; export the Orchestrator folders in smaller parts")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data.lstrip()[:5] == b"<?xml":
        raise ExportError(f"{path}: starts with an XML declaration, which Runbook Designer exports never "
                          f"have: not an Orchestrator export")
    # Script bodies keep raw CRLF, which an XML parser turns into LF: a character reference survives.
    data = data.replace(b"\r", b"&#13;")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ExportError(f"{path}: has a DTD or entities, which Runbook Designer exports never have "
                          f"(refused: entity expansion can exhaust memory)") from None
    except ParseError as exc:
        raise ExportError(f"{path}: not well-formed XML ({exc}); is it a complete Runbook Designer "
                          f"export?") from None
    if root.tag != ROOT or root.find("Policies") is None:
        raise ExportError(f"{path}: not a Runbook Designer export (the root element is <{root.tag}>, an "
                          f"export's is <{ROOT}> with <Policies>)")
    return root
