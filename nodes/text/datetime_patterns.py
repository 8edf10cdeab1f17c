"""Date/time patterns as Orchestrator users write them (.NET: `yyyy-MM-dd HH:mm:ss`, `dddd`, `tt`, `'at'`)
and as Python users do (strftime: `%Y-%m-%d`): one Pattern that formats and parses either kind.

A .NET pattern is read into tokens (a specifier letter repeated n times, or literal text) which format
and parse directly, with the invariant culture's English names, so the output does not depend on this
machine's locale. A single letter is one of .NET's standard formats (`o`, `s`, `u`, `d`, `T`...). A
pattern holding `%` followed by a letter is strftime and goes to Python's own strftime / strptime.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

# The invariant culture's names (not this machine's locale), Monday first as datetime.weekday() counts.
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]

# .NET's standard formats (one letter), as the invariant culture spells them out.
STANDARD = {
    "d": "MM/dd/yyyy", "D": "dddd, dd MMMM yyyy", "f": "dddd, dd MMMM yyyy HH:mm",
    "F": "dddd, dd MMMM yyyy HH:mm:ss", "g": "MM/dd/yyyy HH:mm", "G": "MM/dd/yyyy HH:mm:ss",
    "m": "MMMM dd", "M": "MMMM dd", "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK", "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "HH:mm", "T": "HH:mm:ss", "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'", "y": "yyyy MMMM",
    "Y": "yyyy MMMM",
}
_IN_UTC = {"r", "R", "u"}  # these show the moment in UTC, whatever its zone
# Specifier letter -> the most repetitions that mean something different (more repeat the last).
_SPECIFIERS = {"d": 4, "f": 7, "F": 7, "g": 2, "h": 2, "H": 2, "K": 1, "m": 2, "M": 4, "s": 2, "t": 2,
               "y": 5, "z": 3}
_STRFTIME = re.compile(r"%[a-zA-Z]")


class PatternError(ValueError):
    """A pattern that cannot be used, or text that does not match one; the message says why."""


@dataclass(frozen=True)
class Token:
    letter: str  # "" for literal text
    count: int = 0
    text: str = ""


def is_strftime(pattern: str) -> bool:
    return bool(_STRFTIME.search(pattern))


def usable_pattern(pattern: str) -> str:
    """A pydantic check: a .NET pattern that cannot be read is refused when the runbook is validated
    (a strftime pattern is Python's to judge, when it is used)."""
    if pattern and not is_strftime(pattern):
        try:
            tokens(pattern)
        except PatternError as exc:
            raise ValueError(f"{pattern!r} cannot be used: {exc}") from None
    return pattern


def tokens(pattern: str) -> list[Token]:
    """A .NET custom pattern as tokens: quoted text and \\-escaped characters are literal, `%x` is the
    specifier x alone, a run of one specifier letter is one token."""
    found: list[Token] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char in "'\"":
            end = pattern.find(char, i + 1)
            if end < 0:
                raise PatternError(f"the quote at position {i + 1} is not closed")
            found.append(Token("", text=pattern[i + 1:end]))
            i = end + 1
        elif char == "\\":
            if i + 1 >= len(pattern):
                raise PatternError("the pattern ends with a backslash")
            found.append(Token("", text=pattern[i + 1]))
            i += 2
        elif char == "%":
            i += 1  # `%d` is the custom specifier d standing alone
        elif char in _SPECIFIERS:
            run = i
            while run < len(pattern) and pattern[run] == char:
                run += 1
            found.append(Token(char, min(run - i, _SPECIFIERS[char])))
            i = run
        else:
            found.append(Token("", text=char))
            i += 1
    return found


def _two_digits(value: int) -> str:
    return f"{value:02d}"


def _offset(moment: datetime, count: int, letter: str) -> str:
    delta = moment.utcoffset()
    if delta is None:
        return ""
    if letter == "K" and delta == timedelta(0) and (
            moment.tzinfo is UTC or getattr(moment.tzinfo, "key", None) in ("UTC", "Etc/UTC")):
        return "Z"
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    if letter == "K" or count >= 3:
        return f"{sign}{hours:02d}:{minutes:02d}"
    return f"{sign}{hours:02d}" if count == 2 else f"{sign}{hours}"


def _fraction(moment: datetime, count: int, trim: bool) -> str:
    digits = f"{moment.microsecond:06d}0"[:count]
    return digits.rstrip("0") if trim else digits


def _format_token(moment: datetime, token: Token) -> str:
    letter, count = token.letter, token.count
    if not letter:
        return token.text
    if letter == "d":
        if count >= 3:
            name = DAY_NAMES[moment.weekday()]
            return name if count == 4 else name[:3]
        return str(moment.day) if count == 1 else _two_digits(moment.day)
    if letter == "M":
        if count >= 3:
            name = MONTH_NAMES[moment.month - 1]
            return name if count == 4 else name[:3]
        return str(moment.month) if count == 1 else _two_digits(moment.month)
    if letter == "y":
        if count <= 2:
            return str(moment.year % 100) if count == 1 else _two_digits(moment.year % 100)
        return f"{moment.year:0{count}d}"
    if letter in "hH":
        hour = moment.hour if letter == "H" else (moment.hour % 12 or 12)
        return str(hour) if count == 1 else _two_digits(hour)
    if letter in "ms":
        value = moment.minute if letter == "m" else moment.second
        return str(value) if count == 1 else _two_digits(value)
    if letter in "fF":
        return _fraction(moment, count, trim=letter == "F")
    if letter == "t":
        marker = "AM" if moment.hour < 12 else "PM"
        return marker if count == 2 else marker[0]
    if letter == "g":
        return "A.D."
    return _offset(moment, count, letter)  # z, K


@dataclass(frozen=True)
class Pattern:
    """A date/time pattern, .NET (custom or standard) or strftime."""

    text: str

    @property
    def strftime(self) -> bool:
        return is_strftime(self.text)

    def _dotnet(self) -> tuple[list[Token], bool]:
        text = self.text
        if len(text) == 1 and text in STANDARD:
            return tokens(STANDARD[text]), text in _IN_UTC
        return tokens(text), False

    def format(self, moment: datetime) -> str:
        """The moment as text (an aware moment: zone specifiers need its offset)."""
        if self.strftime:
            try:
                return moment.strftime(self.text)
            except ValueError as exc:
                raise PatternError(str(exc)) from None
        parts, in_utc = self._dotnet()
        if in_utc:
            moment = moment.astimezone(UTC)
        return "".join(_format_token(moment, token) for token in parts)

    def parse(self, text: str, zone: tzinfo, today: date) -> datetime:
        """The moment `text` writes in this pattern; a time without an offset is in `zone`, a pattern
        without a date means `today`. PatternError says what does not match."""
        if self.strftime:
            try:
                moment = datetime.strptime(text, self.text)
            except ValueError as exc:
                raise PatternError(str(exc)) from None
            return moment if moment.tzinfo else moment.replace(tzinfo=zone)
        parts, in_utc = self._dotnet()
        return _parse(text, parts, UTC if in_utc else zone, today)


# -- parsing a .NET pattern ------------------------------------------------------------------------------

def _names(names: list[str], count: int) -> str:
    return "|".join(re.escape(n if count == 4 else n[:3]) for n in names)


def _regex(token: Token, index: int) -> str:
    letter, count = token.letter, token.count
    if not letter:
        return re.escape(token.text)
    group = f"(?P<{letter}{index}>"
    if letter in "dM" and count >= 3:
        body = _names(DAY_NAMES if letter == "d" else MONTH_NAMES, count)
    elif letter == "y":
        body = {1: r"\d{1,2}", 2: r"\d{2}", 3: r"\d{3,4}", 4: r"\d{4}", 5: r"\d{5}"}[count]
    elif letter in "dMhHms":
        body = r"\d{1,2}" if count == 1 else r"\d{2}"
    elif letter == "f":
        body = rf"\d{{{count}}}"
    elif letter == "F":
        body = rf"\d{{0,{count}}}"
    elif letter == "t":
        body = "[AP]M" if count == 2 else "[AP]"
    elif letter == "g":
        body = r"A\.?D\.?"
    elif letter == "K":
        body = r"Z|[+-]\d{2}:\d{2}|"
    else:  # z
        body = {1: r"[+-]\d{1,2}", 2: r"[+-]\d{2}", 3: r"[+-]\d{2}:\d{2}"}[count]
    return f"{group}{body})"


def _parse(text: str, parts: list[Token], zone: tzinfo, today: date) -> datetime:
    regex = "".join(_regex(token, i) for i, token in enumerate(parts))
    match = re.fullmatch(regex, text.strip(), re.IGNORECASE)
    if match is None:
        raise PatternError("does not match the pattern")
    values = {"year": None, "month": None, "day": None, "hour": 0, "minute": 0, "second": 0,
              "microsecond": 0}
    pm: bool | None = None
    twelve_hour = False
    offset: tzinfo | None = None
    for i, token in enumerate(parts):
        if not token.letter:
            continue
        found = match.group(f"{token.letter}{i}")
        letter = token.letter
        if letter == "y":
            year = int(found)
            values["year"] = (2000 + year if year < 50 else 1900 + year) if token.count <= 2 else year
        elif letter == "M":
            values["month"] = MONTH_NAMES.index(_name(found, MONTH_NAMES)) + 1 if token.count >= 3 \
                else int(found)
        elif letter == "d" and token.count <= 2:
            values["day"] = int(found)
        elif letter in "hH":
            values["hour"] = int(found)
            twelve_hour = twelve_hour or letter == "h"
        elif letter in "ms":
            values["minute" if letter == "m" else "second"] = int(found)
        elif letter in "fF" and found:
            values["microsecond"] = int(found[:6].ljust(6, "0"))
        elif letter == "t":
            pm = found.upper().startswith("P")
        elif letter in "zK" and found:
            offset = _zone_of(found)
    if twelve_hour and pm is not None:
        values["hour"] = values["hour"] % 12 + (12 if pm else 0)
    # As .NET's ParseExact: no date at all is today; a missing year is this year, a missing month or
    # day the first.
    dateless = all(values[k] is None for k in ("year", "month", "day"))
    values["year"] = values["year"] if values["year"] is not None else today.year
    for key, value in (("month", today.month), ("day", today.day)):
        if values[key] is None:
            values[key] = value if dateless else 1
    try:
        return datetime(tzinfo=offset or zone, **values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise PatternError(str(exc)) from None


def _name(found: str, names: list[str]) -> str:
    folded = found.casefold()
    return next(n for n in names if n.casefold() == folded or n[:3].casefold() == folded)


def _zone_of(found: str) -> tzinfo:
    if found.upper() == "Z":
        return UTC
    sign = -1 if found[0] == "-" else 1
    hours, _, minutes = found[1:].partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))
