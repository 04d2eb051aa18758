"""What a time expression resolves to: `TimeMention` (the public result) and `_Res` (a normalised value
before it gets its offsets), with one constructor per granularity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from extract.calendar import (
    add_months,
    month_span,
    quarter_of,
    quarter_span,
    season_of,
    season_span,
    shift_day,
    week_span,
    week_value,
)


@dataclass(frozen=True)
class TimeMention:
    start: int  # offset of the first character in the text
    end: int  # offset just past the last character
    text: str  # the expression as written
    date_start: dt.date | None  # first day of the period; None when it cannot be resolved
    date_end: dt.date | None  # last day of the period, inclusive
    granularity: str  # day, week, month, quarter, season, year, decade, range
    value: str  # TIMEX3 value: 2025-03-13, 2025-03, 2025, 2025-W41, 2025-Q1, 2025-SU, 201, XXXX-01-15 ...
    basis: str = "explicit"  # explicit, relative, anaphoric, citation, unresolved (and "accessed")
    kind: str = "DATE"  # TIMEX3 type: DATE, TIME, DURATION, SET (find_time_mentions: DATE, or a TIME of a named day)
    open_range: bool = False  # "since 2022": runs to the as-of date of the claim
    # A closed range's two ends as TimeML tags them ("between [1994] and [1997]"), each with its own
    # offsets and TIMEX3 value; empty for everything else.
    parts: tuple[TimeMention, ...] = ()


# ---------------------------------------------------------------------------------------------------------
# The calendar's edge

FIRST_YEAR, LAST_YEAR = dt.MINYEAR, dt.MAXYEAR  # the calendar days can be written in: years 1 to 9999


class OutOfCalendar(ValueError):
    """A real time outside the years 1 to 9999 ("7000 years ago", "500 BC"): no calendar day holds it."""


def year_name(year: int) -> str:
    """A year of the astronomical count as written: 2025, 1 BC (year 0), 4,976 BC (year -4975)."""
    return f"{1 - year:,} BC" if year < 1 else f"{year:,}"


def outside(year: int) -> OutOfCalendar:
    """The error for a time in `year` (astronomical count), outside the calendar."""
    return OutOfCalendar(f"it dates to {year_name(year)}, outside the calendar's years 1 to 9,999")


def _shift(day: dt.date, n: int, unit: str) -> dt.date:
    """`shift_day`, with a day beyond the calendar's years reported as `OutOfCalendar` ("7000 years ago")."""
    if unit in ("day", "week"):
        ordinal = day.toordinal() + n * (7 if unit == "week" else 1)
        if not 1 <= ordinal <= dt.date.max.toordinal():
            raise outside(day.year + int(n * (7 if unit == "week" else 1) / 365.2425))
    else:
        year = add_months(day.year, day.month, n * {"month": 1, "quarter": 3, "year": 12, "decade": 120}[unit])[0]
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise outside(year)
    return shift_day(day, n, unit)


# ---------------------------------------------------------------------------------------------------------
# Normalised values


@dataclass(frozen=True)
class _Res:
    """A normalised expression (before it gets its offsets)."""

    date_start: dt.date | None
    date_end: dt.date | None
    granularity: str
    value: str
    basis: str = "explicit"
    kind: str = "DATE"
    ends: tuple[_Res, _Res] | None = None  # a closed range's two ends


def _day(d: dt.date, basis: str = "explicit", suffix: str = "") -> _Res:
    return _Res(d, d, "day", d.isoformat() + suffix, basis)


def _month(y: int, m: int, basis: str = "explicit") -> _Res:
    s, e = month_span(y, m)
    return _Res(s, e, "month", f"{y:04d}-{m:02d}", basis)


def _year(y: int, basis: str = "explicit") -> _Res:
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise outside(y)
    return _Res(dt.date(y, 1, 1), dt.date(y, 12, 31), "year", f"{y:04d}", basis)


def _quarter(y: int, q: int, basis: str = "explicit") -> _Res:
    s, e = quarter_span(y, q)
    return _Res(s, e, "quarter", f"{y:04d}-Q{q}", basis)


def _season(y: int, s: str, basis: str = "explicit") -> _Res:
    a, b = season_span(y, s)
    return _Res(a, b, "season", f"{y:04d}-{s}", basis)


def _week(d: dt.date, basis: str = "relative") -> _Res:
    a, b = week_span(d)
    return _Res(a, b, "week", week_value(d), basis)


def _decade(y: int, basis: str = "explicit") -> _Res:
    y = y - y % 10
    return _Res(dt.date(y, 1, 1), dt.date(y + 9, 12, 31), "decade", f"{y // 10:03d}", basis)


def _century(c: int, basis: str = "explicit") -> _Res:
    """The c-th century, counted as newswire does: the 19th is 1800-1899 (the first starts at year 1)."""
    if not 1 <= c <= LAST_YEAR // 100:
        raise outside((c - 1) * 100 if c < 1 else c * 100)
    return _Res(dt.date(max((c - 1) * 100, 1), 1, 1), dt.date(c * 100 - 1, 12, 31), "range", f"{c - 1:02d}", basis)


def _range(a: _Res, b: _Res, basis: str = "explicit") -> _Res | None:
    if a.date_start is None or b.date_end is None:
        return _Res(None, None, "range", f"{a.value}/{b.value}", "unresolved", ends=(a, b))
    if b.date_end < a.date_start:
        return None
    return _Res(a.date_start, b.date_end, "range", f"{a.value}/{b.value}", basis, ends=(a, b))


def _unresolved(value: str, granularity: str) -> _Res:
    return _Res(None, None, granularity, value, "unresolved")


def _as_unit(d: dt.date, unit: str, basis: str) -> _Res:
    """The period of granularity `unit` containing day `d`."""
    if unit == "day":
        return _day(d, basis)
    if unit == "week":
        return _week(d, basis)
    if unit == "month":
        return _month(d.year, d.month, basis)
    if unit == "quarter":
        return _quarter(d.year, quarter_of(d), basis)
    if unit == "season":
        y, s = season_of(d)
        return _season(y, s, basis)
    if unit == "decade":
        return _decade(d.year, basis)
    return _year(d.year, basis)


_X_VALUES = {
    "day": "XXXX-XX-XX",
    "week": "XXXX-WXX",
    "month": "XXXX-XX",
    "quarter": "XXXX-QX",
    "season": "XXXX-XX",
    "year": "XXXX",
    "decade": "XXX",
    "range": "XXXX",
}


@dataclass(frozen=True)
class Skipped:
    """An expression left out of the results, and why (a value the calendar cannot hold, a normaliser's error)."""

    start: int
    end: int
    text: str
    reason: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"time expression {shown!r} at offset {self.start} skipped: {self.reason}"


def skip_reason(exc: Exception) -> str:
    """Why an expression was skipped, from the error that stopped it."""
    if isinstance(exc, OutOfCalendar):
        return str(exc)
    return f"cannot be normalised ({type(exc).__name__}: {exc})"
