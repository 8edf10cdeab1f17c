"""The column names a SELECT will return, read from its text when that is certain, so that the designer
offers them for subscription and validation catches a misspelt `{{q.nmae}}` before a run.

Only a plain select list is read: each item a column (`name`, `h.name`, `"Host Name"`) or anything
`AS alias`. Everything else (`*`, an expression without AS, comments, several statements, WITH, an
unquoted name with capitals, which PostgreSQL folds and SQLite keeps) gives None: not known before a
run, which is always safe.
"""

from __future__ import annotations

import re

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_ALIASED = re.compile(rf"(?is)(.+?)\s+AS\s+({_IDENT})")
_COLUMN = re.compile(rf"(?s)(?:{_IDENT}\s*\.\s*)*({_IDENT})")
_START = re.compile(r"(?is)SELECT\s+(?:(?:DISTINCT|ALL)\s+)?")
# Words that end a select list at the top level; INTO (SELECT ... INTO table) makes no rows at all.
_END_WORDS = {"from", "where", "group", "having", "window", "union", "intersect", "except", "order",
              "limit", "offset", "fetch", "for"}
_WORD = re.compile(r"[A-Za-z_]\w*")
# Bare words that are values, not columns: their column's name differs by database ("bool", "?column?").
_LITERALS = {"true", "false", "null", "unknown"}


def select_columns(sql: str) -> list[str] | None:
    """The result's column names, or None when the text does not make them certain."""
    text = sql.strip().removesuffix(";").strip()
    start = _START.match(text)
    if start is None or any(mark in text for mark in ("--", "/*", ";", "$")):
        return None
    items = _select_items(text, start.end())
    if not items:
        return None
    names = [_name(item.strip()) for item in items]
    return None if any(name is None for name in names) else [n for n in names if n is not None]


def _select_items(text: str, position: int) -> list[str] | None:
    """The top-level comma-separated items from `position` up to the clause that ends the list."""
    items, depth, begin, i = [], 0, position, position
    while i < len(text):
        char = text[i]
        if char in "'\"":
            end = _closing_quote(text, i)
            if end < 0:
                return None
            i = end + 1
            continue
        if char in "`[":
            return None  # MySQL / SQL Server quoting: not read
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and char == ",":
            items.append(text[begin:i])
            begin = i + 1
        elif depth == 0 and (word := _WORD.match(text, i)) and (i == 0 or not text[i - 1].isalnum()):
            lowered = word.group().lower()
            if lowered == "into":
                return None
            if lowered in _END_WORDS:
                break
            i = word.end()
            continue
        i += 1
    items.append(text[begin:i])
    return items


def _closing_quote(text: str, start: int) -> int:
    """Where the quoted string or identifier opened at `start` ends (a doubled quote stays inside)."""
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == quote:
            if i + 1 < len(text) and text[i + 1] == quote:
                i += 2
                continue
            return i
        i += 1
    return -1


def _name(item: str) -> str | None:
    match = _ALIASED.fullmatch(item) or _COLUMN.fullmatch(item)
    if match is None:
        return None
    ident = match.group(match.lastindex or 1)
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return None if ident != ident.lower() or ident in _LITERALS else ident
