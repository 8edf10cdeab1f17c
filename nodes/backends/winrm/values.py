"""Reading values out of the scripts' JSON: times, text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from nodes.backends.interface import iso_utc

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


def utc_text(value: Any) -> str:
    """A time from a script as the records' ISO 8601 UTC text ('' when there is none). The scripts send
    ISO 8601; a DateTime serialised by Windows PowerShell 5.1 itself ("/Date(ms)/") is read too."""
    if value is None or value == "":
        return ""
    text = str(value).strip()
    legacy = _MS_DATE.match(text)
    if legacy:
        return iso_utc(datetime.fromtimestamp(int(legacy.group(1)) / 1000, UTC))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # shown as the server wrote it rather than lost
    return iso_utc(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def text(value: Any) -> str:
    return "" if value is None else str(value)
