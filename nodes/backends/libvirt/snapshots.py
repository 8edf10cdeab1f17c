"""libvirt domain snapshots as checkpoints: the XML that asks for one, what one's XML says, their order,
and checkpoint ids.

A checkpoint id is "DOMAIN-UUID/SNAPSHOT-NAME": snapshot names are only unique within a domain, and a
UUID has no "/", so the first "/" splits an id even when the snapshot's name has one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from nodes.backends.interface import VmStatus, iso_utc

from .safexml import parse
from .states import status_of_word


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot's XML (virDomainSnapshotGetXMLDesc) says about it."""

    name: str
    description: str
    created: int  # creationTime: seconds since the epoch
    state: str  # the domain's state when it was taken, in libvirt's word ("shutoff", "running", ...)
    parent: str | None

    @property
    def created_at(self) -> str:
        return iso_utc(datetime.fromtimestamp(self.created, UTC))

    @property
    def vm_status(self) -> VmStatus:
        return status_of_word(self.state)


def checkpoint_id(domain_uuid: str, snapshot: str) -> str:
    return f"{domain_uuid}/{snapshot}"


def split_checkpoint_id(value: str) -> tuple[str, str] | None:
    """(domain, snapshot name) of a checkpoint id; the domain part may also be the domain's name (a
    libvirt domain name has no "/" either). None when it is not of that form."""
    domain, sep, name = value.partition("/")
    if not sep or not domain or not name:
        return None
    return domain, name


def free_name(name: str, taken: set[str]) -> str:
    """The name, or with " (2)", " (3)", ... when the domain has a snapshot of that name: libvirt refuses
    a second snapshot of one name, where the other kinds keep both (a runbook run again the next month
    names its checkpoints as before)."""
    if not name or name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def request_xml(name: str, description: str) -> str:
    """The <domainsnapshot> for virDomainSnapshotCreateXML; without a name libvirt picks one (the
    creation time in seconds)."""
    root = ET.Element("domainsnapshot")
    if name:
        ET.SubElement(root, "name").text = name
    if description:
        ET.SubElement(root, "description").text = description
    return ET.tostring(root, encoding="unicode")


def parse_snapshot(text: str) -> SnapshotInfo:
    root = parse(text)
    created = (root.findtext("creationTime") or "0").strip()
    return SnapshotInfo(name=(root.findtext("name") or "").strip(),
                        description=root.findtext("description") or "",
                        created=int(created) if created.isdigit() else 0,
                        state=(root.findtext("state") or "nostate").strip(),
                        parent=(root.findtext("parent/name") or "").strip() or None)


def oldest_first(snapshots: list[SnapshotInfo]) -> list[SnapshotInfo]:
    """By creation time; creationTime has whole seconds only, so within a second a snapshot comes after
    its ancestors (a new snapshot is a child of the domain's current one)."""
    parents = {s.name: s.parent for s in snapshots}

    def depth(name: str) -> int:
        seen: set[str] = set()
        parent = parents.get(name)
        while parent is not None and parent in parents and parent not in seen:
            seen.add(parent)
            parent = parents[parent]
        return len(seen)

    return sorted(snapshots, key=lambda s: (s.created, depth(s.name), s.name))
