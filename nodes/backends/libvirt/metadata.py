"""Custom properties in a domain's <metadata> (DESIGN §4.1):

    <properties xmlns="urn:interlock:vm:1"><property index="1">7</property></properties>

libvirt hands the element back without its namespace (virDomainGetMetadata with the namespace's URI),
so both the bare and the namespaced tag names are read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nodes.backends.interface import CUSTOM_PROPERTIES

from .safexml import XmlProblem, local_name, parse

NAMESPACE = "urn:interlock:vm:1"
KEY = "interlock"  # the prefix libvirt writes the element with (`virsh metadata --key`)


def parse_properties(text: str) -> dict[int, str]:
    """The custom properties {index: value} in the metadata element's XML; XmlProblem when it is not
    as DESIGN §4.1 says."""
    root = parse(text)
    if local_name(root.tag) != "properties":
        raise XmlProblem(f"the root element is <{local_name(root.tag)}>, not <properties>")
    found: dict[int, str] = {}
    for child in root:
        if local_name(child.tag) != "property":
            raise XmlProblem(f"unexpected element <{local_name(child.tag)}> in <properties>")
        index = (child.get("index") or "").strip()
        if not index.isdigit() or int(index) not in CUSTOM_PROPERTIES:
            raise XmlProblem(f'<property index="{index}">: index must be a number from '
                             f"{CUSTOM_PROPERTIES.start} to {CUSTOM_PROPERTIES.stop - 1}")
        if int(index) in found:
            raise XmlProblem(f'<property index="{index}"> appears twice')
        found[int(index)] = (child.text or "").strip()
    return found


def properties_xml(properties: dict[int, str]) -> str:
    """The metadata element for these properties as virDomainSetMetadata (and `virsh metadata --set`)
    take it: without a namespace, which libvirt adds from the URI and key it is given."""
    root = ET.Element("properties")
    for index in sorted(properties):
        ET.SubElement(root, "property", index=str(index)).text = properties[index]
    return ET.tostring(root, encoding="unicode")
