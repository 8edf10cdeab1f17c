"""Types for numeric command-line options: a value out of range is a usage error (exit 2) that says the
range, never an OverflowError further on (`history --limit 99999999999999999999`)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

_WHOLE = re.compile(r"[+-]?[0-9]+")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse `type=` for a whole number from low to high."""

    def convert(text: str) -> int:
        digits = text.strip()
        # The length test comes first: it keeps int() off a 5,000-digit value.
        if _WHOLE.fullmatch(digits) and len(digits) <= len(str(high)) + 1 and low <= int(digits) <= high:
            return int(digits)
        shown = text if len(text) <= 24 else text[:24] + "…"
        raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {shown!r}")

    convert.__name__ = "whole number"  # how argparse names the type in its own messages
    return convert
