"""Orchestrator's inline markers in text properties (shared/orchestrator-export.md): published-data
subscriptions, global variables, encrypted blobs and junction branches, turned into Interlock text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_MARK = "\\`d.T.~"
SUBSCRIPTION = re.compile(r"\\`d\.T\.~Ed/(\{[0-9A-Fa-f-]+\})\.(.*?)\\`d\.T\.~Ed/", re.S)
VARIABLE = re.compile(r"\\`d\.T\.~Vb/(\{[0-9A-Fa-f-]+\})\\`d\.T\.~Vb/")
ENCRYPTED = re.compile(r"(?:\\`d\.T\.~Ec/)?\\`d\.T\.~De/(.*?)\\`d\.T\.~De/", re.S)
BRANCH = re.compile(r"\\`d\.T\.~Br/(\{[0-9A-Fa-f-]+\})\\`d\.T\.~Br/")
_ANY = re.compile("|".join(f"(?:{p.pattern})" for p in (SUBSCRIPTION, VARIABLE, ENCRYPTED)), re.S)


@dataclass(frozen=True)
class Resolvers:
    """What each marker becomes, as Interlock template text (already escaped where needed)."""

    subscription: Callable[[str, str], str]  # (source GUID, FieldId) -> "{{id.field}}" or literal
    variable: Callable[[str], str]  # variable GUID -> "{{var.NAME}}"
    secret: Callable[[], str]  # an encrypted blob -> "{{var.NAME}}" of a new secret variable


def escape(text: str) -> str:
    """Literal text as Interlock template text: a "{{" would otherwise open a reference."""
    return text.replace("{{", "\\{{")


def has_marker(text: str) -> bool:
    return _MARK in text


def is_encrypted(text: str) -> bool:
    return ENCRYPTED.search(text) is not None


def convert(text: str, resolve: Resolvers) -> str:
    """Interlock template text for an Orchestrator text value: markers resolved, the rest escaped."""
    if _MARK not in text:
        return escape(text)
    out: list[str] = []
    pos = 0
    for match in _ANY.finditer(text):
        out.append(escape(text[pos:match.start()]))
        found = match.group()
        if (sub := SUBSCRIPTION.fullmatch(found)) is not None:
            out.append(resolve.subscription(sub.group(1).upper(), sub.group(2)))
        elif (var := VARIABLE.fullmatch(found)) is not None:
            out.append(resolve.variable(var.group(1).upper()))
        else:
            out.append(resolve.secret())
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def branch_of(text: str) -> str | None:
    """The activity GUID a junction's SelectedBranch names; None for <None>."""
    match = BRANCH.search(text)
    return match.group(1).upper() if match else None
