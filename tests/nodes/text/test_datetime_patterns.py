"""The date/time pattern translator: .NET custom and standard patterns and strftime, written and read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from nodes.text.datetime_patterns import Pattern, PatternError, tokens

PARIS = ZoneInfo("Europe/Paris")
# Tuesday 5 March 2024, 14:07:09.123456 in Paris (UTC+1 in winter)
MOMENT = datetime(2024, 3, 5, 14, 7, 9, 123456, tzinfo=PARIS)
TODAY = date(2026, 1, 2)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("yyyy-MM-dd HH:mm:ss", "2024-03-05 14:07:09"),
    ("dd/MM/yyyy", "05/03/2024"),
    ("d/M/yy", "5/3/24"),
    ("MMM", "Mar"),
    ("MMMM", "March"),
    ("ddd", "Tue"),
    ("dddd", "Tuesday"),
    ("h:mm tt", "2:07 PM"),
    ("hh:mm t", "02:07 P"),
    ("HH:mm:ss.fff", "14:07:09.123"),
    ("fffffff", "1234560"),
    ("ss.FFFF", "09.1234"),
    ("zzz", "+01:00"),
    ("zz", "+01"),
    ("%z", "+0100"),  # a % with a letter is strftime
    ("K", "+01:00"),
    ("yyyy'-'MM'-'dd'T'HH", "2024-03-05T14"),
    ("'Day' d 'of' MMMM", "Day 5 of March"),
    ('"quoted" yyyy', "quoted 2024"),
    (r"\H\H HH", "HH 14"),
    ("%d", "05"),  # strftime, not .NET's lone d
    ("o", "2024-03-05T14:07:09.1234560+01:00"),
    ("s", "2024-03-05T14:07:09"),
    ("u", "2024-03-05 13:07:09Z"),  # in UTC
    ("r", "Tue, 05 Mar 2024 13:07:09 GMT"),
    ("D", "Tuesday, 05 March 2024"),
    ("t", "14:07"),
    ("%Y-%m-%d %H:%M", "2024-03-05 14:07"),
    ("%A %d %B", "Tuesday 05 March"),
    ("yyyyMMdd-HHmmss", "20240305-140709"),
    ("g yyyy", "A.D. 2024"),
])
def test_format(pattern, expected):
    assert Pattern(pattern).format(MOMENT) == expected


def test_twelve_hour_clock_at_midnight_and_noon():
    assert Pattern("h tt").format(MOMENT.replace(hour=0)) == "12 AM"
    assert Pattern("h tt").format(MOMENT.replace(hour=12)) == "12 PM"


def test_offsets_west_of_utc_and_utc_itself():
    west = MOMENT.astimezone(timezone(-timedelta(hours=5, minutes=30)))
    assert Pattern("zzz z").format(west) == "-05:30 -5"
    assert Pattern("K").format(MOMENT.astimezone(UTC)) == "Z"
    assert Pattern("K").format(MOMENT.astimezone(ZoneInfo("UTC"))) == "Z"


def test_f_capital_drops_trailing_zeros():
    assert Pattern("ss.FFF").format(MOMENT.replace(microsecond=500000)) == "09.5"
    assert Pattern("ss.FFF").format(MOMENT.replace(microsecond=0)) == "09."


@pytest.mark.parametrize(("text", "pattern", "expected"), [
    ("2024-03-05 14:07:09", "yyyy-MM-dd HH:mm:ss", "2024-03-05T14:07:09+01:00"),
    ("05/03/2024", "dd/MM/yyyy", "2024-03-05T00:00:00+01:00"),
    ("5/3/24", "d/M/yy", "2024-03-05T00:00:00+01:00"),
    ("5/3/75", "d/M/yy", "1975-03-05T00:00:00+01:00"),  # .NET's two-digit years: 50-99 are 19xx
    ("2:07 PM", "h:mm tt", "2026-01-02T14:07:00+01:00"),  # no date: today
    ("12:30 am", "hh:mm tt", "2026-01-02T00:30:00+01:00"),
    ("Tuesday, 05 March 2024", "D", "2024-03-05T00:00:00+01:00"),
    ("5 mar 24", "d MMM yy", "2024-03-05T00:00:00+01:00"),
    ("March 2024", "MMMM yyyy", "2024-03-01T00:00:00+01:00"),  # no day: the first
    ("05.03", "dd.MM", "2026-03-05T00:00:00+01:00"),  # no year: this year
    ("2024-03-05T14:07:09.1234560+02:00", "o", "2024-03-05T14:07:09.123456+02:00"),
    ("2024-03-05 13:07:09Z", "u", "2024-03-05T13:07:09+00:00"),
    ("14:07:09.5 -05:30", "HH:mm:ss.FFF zzz", "2026-01-02T14:07:09.500000-05:30"),
    ("2024-03-05 14:07", "%Y-%m-%d %H:%M", "2024-03-05T14:07:00+01:00"),
    ("2024-03-05 14:07 +0000", "%Y-%m-%d %H:%M %z", "2024-03-05T14:07:00+00:00"),
    ("on 2024-03-05", "'on' yyyy-MM-dd", "2024-03-05T00:00:00+01:00"),
])
def test_parse(text, pattern, expected):
    assert Pattern(pattern).parse(text, PARIS, TODAY).isoformat() == expected


@pytest.mark.parametrize("pattern", ["yyyy-MM-dd HH:mm:ss.fffffff zzz",
                                     "dddd dd MMMM yyyy hh:mm:ss.ffffff tt", "o", "%Y-%m-%dT%H:%M:%S.%f%z"])
def test_what_a_pattern_writes_it_reads_back(pattern):
    written = Pattern(pattern).format(MOMENT)
    assert Pattern(pattern).parse(written, PARIS, TODAY) == MOMENT


@pytest.mark.parametrize(("text", "pattern"), [
    ("2024-13-05", "yyyy-MM-dd"),  # month 13
    ("31/02/2024", "dd/MM/yyyy"),  # 31 February
    ("2024-03-05", "dd/MM/yyyy"),  # another layout
    ("Funday 05", "dddd dd"),
    ("2024-03-05x", "yyyy-MM-dd"),
    ("05/03/2024", "%Y-%m-%d"),
])
def test_text_that_does_not_match_is_a_pattern_error(text, pattern):
    with pytest.raises(PatternError):
        Pattern(pattern).parse(text, PARIS, TODAY)


def test_an_unclosed_quote_or_a_trailing_backslash_is_a_pattern_error():
    with pytest.raises(PatternError, match="quote at position 6 is not closed"):
        tokens("yyyy 'at")
    with pytest.raises(PatternError, match="backslash"):
        tokens("yyyy\\")


def test_long_runs_of_a_letter_mean_its_longest_form():
    assert Pattern("ddddd MMMMMM").format(MOMENT) == "Tuesday March"
