"""Text in files: encodings as Orchestrator names them (Auto, ASCII, UTF-8, Unicode) or any Python codec
name, decoding a file into lines, and Read Line's line numbers ("1-5", "3", "END", "2,7-END")."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from .filesystem import PathError

# Orchestrator's names: "Unicode" is what Windows calls UTF-16 (little-endian, with a byte-order mark).
ALIASES = {"unicode": "utf-16"}
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def check_encoding(name: str, *, allow_auto: bool = True) -> str:
    """The encoding's name if Python knows it (ValueError otherwise: the property's message)."""
    lowered = name.strip().lower()
    if lowered == "auto" and allow_auto:
        return "auto"
    try:
        codecs.lookup(ALIASES.get(lowered, lowered))
    except LookupError:
        raise ValueError(f"unknown encoding {name!r} (use utf-8, utf-16, ascii, latin-1, cp1252, ...)") \
            from None
    return lowered


# An encoding property: checked when the runbook is validated, not when the file is read.
ReadEncoding = Annotated[str, AfterValidator(check_encoding)]
WriteEncoding = Annotated[str, AfterValidator(partial(check_encoding, allow_auto=False))]


def read_encoding_field() -> Any:
    return Field("auto", title="Encoding",
                 description="auto (by byte-order mark, else UTF-8, else Latin-1), utf-8, unicode / utf-16, "
                             "ascii, or any Python codec name")


def codec(name: str) -> str:
    return ALIASES.get(name, name)


def decode(path: str, data: bytes, encoding: str) -> str:
    """The file's text. auto: by its byte-order mark, else UTF-8, else Latin-1 (which reads any bytes)."""
    if encoding == "auto":
        for bom, name in BOMS:
            if data.startswith(bom):
                return data.decode(name)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    try:
        return data.decode(codec(encoding))
    except UnicodeDecodeError as exc:
        raise PathError(path, f"is not {encoding} text (byte {exc.start}); choose its encoding, or auto") \
            from None


def lines_of(text: str) -> list[str]:
    """The lines, without their endings (\\n or \\r\\n); a final line ending starts no extra line."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [part[:-1] if part.endswith("\r") else part for part in parts]


@dataclass(frozen=True)
class LineRange:
    first: int  # 1-based; 0 means END
    last: int


SPEC_PART = re.compile(r"^(\d+|end)(?:\s*-\s*(\d+|end))?$", re.IGNORECASE)


def _number(text: str) -> int:
    return 0 if text.lower() == "end" else int(text)


def parse_lines(spec: str) -> list[LineRange]:
    """Read Line's line numbers: parts separated by commas, each N, N-M, N-END or END (ValueError)."""
    ranges = []
    for part in spec.split(","):
        match = SPEC_PART.match(part.strip())
        if match is None or (match.group(1).isdigit() and int(match.group(1)) < 1):
            raise ValueError(f"{part.strip()!r} is not a line number or range: use 3, 1-5, 10-END or END "
                             f"(lines count from 1), several separated by commas")
        first = _number(match.group(1))
        last = _number(match.group(2)) if match.group(2) else first
        if (first and last and last < first) or (not first and last):
            raise ValueError(f"{part.strip()!r}: the range ends before it starts")
        ranges.append(LineRange(first, last))
    return ranges


def _checked_lines(spec: str) -> str:
    parse_lines(spec)
    return spec


LineNumbers = Annotated[str, AfterValidator(_checked_lines)]


def select_lines(ranges: list[LineRange], count: int) -> list[int]:
    """The 1-based numbers of the lines the ranges name in a file of `count` lines, in their order;
    numbers past the end are left out."""
    numbers = []
    for span in ranges:
        first = span.first or count
        last = min(span.last or count, count)
        numbers.extend(range(max(first, 1), last + 1))
    return numbers
