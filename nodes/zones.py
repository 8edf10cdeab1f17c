"""Time zones by name, as a runbook writes them: an IANA name ("Europe/Paris"), "UTC", or "local" (this
machine's zone, the one Orchestrator's runbook servers used)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

LOCAL = "local"


def local_zone() -> tzinfo:
    """This machine's zone with its rules (summer time), from TZ or /etc/localtime; its current offset
    when neither names one."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        candidates.append(target.partition("zoneinfo/")[2])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                continue
    return datetime.now().astimezone().tzinfo or UTC


def read_iso(text: str, where: tzinfo) -> datetime | None:
    """An ISO 8601 date/time, in `where` when it gives no offset; None when the text is not one."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=where)


def find_zone(name: str) -> tzinfo | None:
    """The zone a name means ("" is local), or None when there is no such zone."""
    cleaned = name.strip()
    if not cleaned or cleaned.lower() == LOCAL:
        return local_zone()
    if cleaned.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _known_zone(name: str) -> str:
    if find_zone(name) is None:
        raise ValueError(f'unknown time zone "{name}" (give an IANA name such as "Europe/Paris", "UTC" or '
                         '"local")')
    return name


# A property naming a time zone: checked when the runbook is validated (or, when it subscribes, when the
# instance runs), so a misspelt zone is found before a job starts.
ZoneName = Annotated[str, AfterValidator(_known_zone)]


def zone(name: str) -> tzinfo:
    """The zone of a ZoneName property (already checked)."""
    return find_zone(name) or UTC
