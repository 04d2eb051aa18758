"""Calendar arithmetic, defined once: month and weekday names, periods and their ends, date validity.

Every module that turns words into days (time expressions, publication dates, events) uses these, so a
month's last day, a season's span or whether "February 30" exists is decided in one place.
"""

from __future__ import annotations

import calendar as _stdlib
import datetime as dt

# Month names, abbreviations ("sept" too) and weekday names, lower-case -> number (January = 1, Monday = 0).
MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(_stdlib.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(_stdlib.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS: dict[str, int] = {name.lower()[:3]: i for i, name in enumerate(_stdlib.day_name)}

# Granularities from finest to coarsest; a period of lower rank fits inside one of higher rank.
GRANULARITY_RANK = {"day": 0, "week": 1, "month": 2, "quarter": 3, "season": 3, "year": 4, "decade": 5, "range": 6}
SEASON_FIRST_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}  # meteorological seasons


def month_number(word: str) -> int:
    """ "March", "Mar.", "SEPT" -> 3, 3, 9 (KeyError for anything else)."""
    return MONTHS[word.strip(".").lower()[:3]]


def weekday_number(word: str) -> int:
    """ "Wednesday", "Wed", "wednes" -> 2 (Monday is 0; KeyError for anything else)."""
    return WEEKDAYS[word.lower()[:3]]


def valid_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when the calendar has no such day (February 30, month 13, year 0)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def clamped_date(year: int, month: int, day: int) -> dt.date:
    """The date with the day moved back to the month's last day when the month is shorter (Feb 31 -> Feb 28)."""
    return dt.date(year, month, min(day, _stdlib.monthrange(year, month)[1]))


def month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a month."""
    return dt.date(year, month, 1), dt.date(year, month, _stdlib.monthrange(year, month)[1])


def quarter_span(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar quarter (1-4)."""
    return month_span(year, 3 * quarter - 2)[0], month_span(year, 3 * quarter)[1]


def quarter_of(day: dt.date) -> int:
    """The calendar quarter (1-4) a day falls in."""
    return (day.month - 1) // 3 + 1


def season_span(year: int, season: str) -> tuple[dt.date, dt.date]:
    """First and last day of a season (SP, SU, FA, WI); winter runs from December into the next year."""
    first = SEASON_FIRST_MONTH[season]
    end_year, end_month = (year + 1, 2) if season == "WI" else (year, first + 2)
    return dt.date(year, first, 1), month_span(end_year, end_month)[1]


def season_of(day: dt.date) -> tuple[int, str]:
    """The season a day falls in, with its season-year (winter belongs to the year of its December)."""
    if day.month in (12, 1, 2):
        return (day.year if day.month == 12 else day.year - 1), "WI"
    return day.year, ("SP", "SP", "SP", "SU", "SU", "SU", "FA", "FA", "FA")[day.month - 3]


def week_span(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the ISO week holding the day."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def week_value(day: dt.date) -> str:
    """The ISO week of a day as TIMEX3 writes it: 2025-W41."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    """(year, month) n months later (n may be negative)."""
    k = year * 12 + (month - 1) + n
    return k // 12, k % 12 + 1


def shift_day(day: dt.date, n: int, unit: str) -> dt.date:
    """The day n units (day, week, month, quarter, year, decade) later; month arithmetic clamps the day."""
    if unit == "day":
        return day + dt.timedelta(days=n)
    if unit == "week":
        return day + dt.timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12, "decade": 120}[unit] * n
    year, month = add_months(day.year, day.month, months)
    return clamped_date(year, month, day.day)


def period_end(start: dt.date, granularity: str) -> dt.date:
    """Last day of the day-, month- or year-long period that begins at `start`."""
    if granularity == "year":
        return dt.date(start.year, 12, 31)
    if granularity == "month":
        return month_span(start.year, start.month)[1]
    return start


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday of a month (n = -1: the last one)."""
    if n < 0:
        last = month_span(year, month)[1]
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 2 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)
