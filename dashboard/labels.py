"""Words for what the dashboard shows: readable dates, short lane names and mark labels, why a row has no date.

Pure functions (no Streamlit). The vectorised ones format each distinct value once, so the cached loader can
label 100,000 rows in well under a second.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd

UNDATED = "undated"
# Granularities whose period is finer than a month: a mark on the timeline, a count in its month.
FINE = ("day", "week")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WORDS_FILE = Path(__file__).with_name("label_words.txt")  # words a cut label should not end on (data, not code)
_DANGLING = frozenset(
    line.strip().lower()
    for line in _WORDS_FILE.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
_RUBRIC = re.compile(r"^[A-Z][A-Z ]{1,20}:\s+(?=\S)")  # "EXPLAINER: ", "LIVE: ": a section name, not the title
_SEPARATORS = re.compile(r"\s+[|–—]\s+|\s+-\s+")  # "Name | Long read", "Story – subtitle"


# --------------------------------------------------------------------------------------------------- dates


def _day(day: dt.date, weekday: bool = False) -> str:
    text = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def _is_month_start(day: dt.date) -> bool:
    return day.day == 1


def _is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def _iso(day: dt.date, month_only: bool = False) -> str:
    return f"{day.year:04d}-{day.month:02d}" if month_only else f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def _period(start: object, end: object) -> tuple[dt.date, dt.date] | None:
    """(first day, last day) of a resolved period as calendar days (no end: the start); None when undated.
    Plain dates are taken as they are (date_columns passes them: a Timestamp per value costs more than the text)."""
    if start is None or pd.isna(start):
        return None
    first = start if type(start) is dt.date else pd.Timestamp(start).date()
    if end is None or pd.isna(end):
        return first, first
    return first, end if type(end) is dt.date else pd.Timestamp(end).date()


def date_text(start: object, end: object, granularity: str) -> str:
    """A resolved period at its precision, for reading: 'Wed 8 Oct 2025', 'Oct 2025', '13–19 Mar 2025', '2010s'.

    A missing start is 'undated'.
    """
    period = _period(start, end)
    if period is None:
        return UNDATED
    start, end = period
    if granularity == "day" or end <= start:
        return _day(start, weekday=True)
    if granularity == "week":
        return f"week of {_day(start, weekday=True)}"
    if granularity == "year" and start.month == 1 and start.day == 1:
        return f"{start.year}"
    if granularity == "decade":
        return f"{start.year}s"
    whole_months = _is_month_start(start) and _is_month_end(end)
    if whole_months:
        if (start.year, start.month) == (end.year, end.month):
            return f"{_MONTHS[start.month - 1]} {start.year}"
        if start.month == 1 and end.month == 12:
            return f"{start.year}" if start.year == end.year else f"{start.year}–{end.year}"
        if start.year == end.year:
            return f"{_MONTHS[start.month - 1]}–{_MONTHS[end.month - 1]} {start.year}"
        return f"{_MONTHS[start.month - 1]} {start.year} – {_MONTHS[end.month - 1]} {end.year}"
    if start.year != end.year:
        return f"{_day(start)} – {_day(end)}"
    if start.month != end.month:
        return f"{start.day} {_MONTHS[start.month - 1]} – {_day(end)}"
    return f"{start.day}–{_day(end)}"


def date_key(start: object, end: object, granularity: str) -> str:
    """The same period written to sort as text: '2025-10-08', '2025-10', '2025', '2025-03-13 → 03-19', 'undated'."""
    period = _period(start, end)
    if period is None:
        return UNDATED
    start, end = period
    if granularity == "day" or end <= start:
        return _iso(start)
    if _is_month_start(start) and _is_month_end(end):
        if (start.year, start.month) == (end.year, end.month):
            return _iso(start, month_only=True)
        if start.month == 1 and end.month == 12 and start.year == end.year:
            return f"{start.year:04d}"
        return f"{_iso(start, month_only=True)} → {_iso(end, month_only=True)}"
    return f"{_iso(start)} → {_iso(end)}"


def date_columns(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(readable, sortable) date labels for every row of a frame with date_start, date_end and granularity.

    Each distinct (start, end, granularity) is formatted once (and remembered: a patched dataset formats the
    same dates again).
    """
    if not len(frame):
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    # each column factorized alone and the three codes combined into one number (a MultiIndex of the three
    # would make a tuple of Timestamps per row)
    columns = (frame["date_start"], frame["date_end"], frame["granularity"].astype(str))
    parts = [pd.factorize(column, use_na_sentinel=False) for column in columns]
    combined = np.zeros(len(frame), dtype=np.int64)
    for part_codes, part_uniques in parts:
        combined = combined * max(len(part_uniques), 1) + part_codes
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    codes = codes.reshape(-1)
    picked = [values.take(part_codes[first]) for part_codes, values in parts]  # each distinct combination
    # as plain calendar days (None: no date), which date_text and date_key read without making Timestamps
    picked[:2] = [_calendar_days(days) for days in picked[:2]]
    both = [_date_labels(s, e, g) for s, e, g in zip(*picked[:2], picked[2].tolist(), strict=True)]
    readable = np.asarray([b[0] for b in both], dtype=object)
    sortable = np.asarray([b[1] for b in both], dtype=object)
    return readable[codes], sortable[codes]


def _calendar_days(values: object) -> object:
    """Datetimes as datetime.date (None: missing); values that are not datetimes as they are."""
    if not pd.api.types.is_datetime64_dtype(getattr(values, "dtype", None)):
        return values
    return np.asarray(values, dtype="datetime64[D]").astype(object)


@functools.lru_cache(maxsize=65_536)
def _date_labels(start: object, end: object, granularity: str) -> tuple[str, str]:
    return date_text(start, end, granularity), date_key(start, end, granularity)


_REPORTED = re.compile(r"^(?P<value>.*?)\s*\((?P<n>\d+)\)$")


@functools.lru_cache(maxsize=65_536)  # the same few thousand entries recur across groups
def reported_date_text(item: str) -> tuple[str, int, bool]:
    """One 'reported_dates' entry ('2025-10-08 (2)', '2025-03 (1)', '2022-01-01/2025-10-07 (1)', 'Tuesday (1)')
    -> (readable date, how many sources gave it, whether it is a calendar date)."""
    match = _REPORTED.match(str(item).strip())
    value, n = (match.group("value"), int(match.group("n"))) if match else (str(item).strip(), 1)
    start_text, _, end_text = value.partition("/")
    try:
        if len(start_text) == 4 and start_text.isdigit() and not end_text:
            return start_text, n, True
        if re.fullmatch(r"\d{4}-\d{2}", start_text) and not end_text:
            month = pd.Period(start_text, "M")
            return date_text(month.start_time, month.end_time.normalize(), "month"), n, True
        start = pd.Timestamp(start_text)
        end = pd.Timestamp(end_text) if end_text else start
        return date_text(start, end, "day" if end == start else "range"), n, True
    except (ValueError, TypeError):
        return f"“{value}”", n, False


# --------------------------------------------------------------------------------------------------- names


def cut(text: str, limit: int) -> str:
    """Text up to `limit` characters, cut after a whole word (never mid-word, never on 'of' or 'the')."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    words = text[: limit + 1].split(" ")[:-1] or [text[:limit]]
    while len(words) > 1 and (words[-1].lower().strip(",;:.") in _DANGLING or not words[-1].strip(",;:.-–—")):
        words.pop()
    return " ".join(words).rstrip(",;:.-–— ") + "…"


def _uncap(part: str) -> str:
    """An all-capitals stretch in title case ('THE NORTHERN REVIEW' -> 'The Northern Review')."""
    letters = [c for c in part if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        small = {"Of", "The", "And", "In", "On", "For", "To", "A", "An"}
        words = [w.capitalize() for w in part.lower().split(" ")]
        return " ".join(w if i == 0 or w not in small else w.lower() for i, w in enumerate(words))
    return part


def short_title(title: str, limit: int = 34) -> str:
    """A lane-sized name for an article known only by its title: the main title, without a section rubric
    ('EXPLAINER:'), before a subtitle ('Name | Long read', 'Title: subtitle'), cut after a whole word."""
    text = " ".join(str(title).split())
    if not text:
        return "(untitled)"
    text = _RUBRIC.sub("", text)
    head = _SEPARATORS.split(text, maxsplit=1)[0]
    if len(head) >= 8:
        text = head
    if ": " in text:
        before = text.split(": ", 1)[0]
        if len(before) >= 12:
            text = before
    return cut(_uncap(text), limit)


def lane_names(sources: pd.Series, outlet_known: pd.Series) -> dict[str, str]:
    """Lane name per source: the outlet as it is, or a short title when the source is an article's title.

    Two sources that would share a name get a number, so lanes never merge silently.
    """
    names: dict[str, str] = {}
    taken: dict[str, int] = {}
    frame = pd.DataFrame({"source": sources.astype(str), "known": outlet_known.to_numpy(dtype=bool)})
    for source, known in frame.drop_duplicates("source").itertuples(index=False):
        name = cut(source, 34) if known else short_title(source)
        if not name:
            name = "(unknown source)"
        taken[name] = taken.get(name, 0) + 1
        names[source] = name if taken[name] == 1 else f"{name} ({taken[name]})"
    return names


def short_summary(summary: str, limit: int = 34) -> str:
    """A mark's label: the summary's opening words, capitalised, cut after a whole word."""
    text = " ".join(str(summary).split()).strip(" ,;:")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return cut(text, limit)


# --------------------------------------------------------------------------------------------------- undated


def undated_reason(time_expression: str, published_known: bool, date_basis: str) -> str:
    """Why a row has no date, in a few words (the expression as written is shown beside it)."""
    written = str(time_expression or "").strip()
    if not written:
        return "no date written, and the article has none"
    if not published_known:
        return "the article has no publication date to count from"
    if date_basis == "anaphoric":
        return "refers back to a date the text never gives"
    return "could not be placed on the calendar"


def document_undated_reason(basis: str) -> str:
    """Why an article has no publication date."""
    if basis in ("", "unknown"):
        return "no metadata, no dateline, nothing to infer it from"
    return f"its date could not be read ({basis})"


def counted(n: int, word: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 article", "3 articles", "1,200 events"."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


PUBLISHED_BASIS_WORDS = {  # how an article's publication date was found (documents.published_basis), in words
    "metadata": "from its metadata",
    "dateline": "from its dateline",
    "corroborated": "worked out from other sources' reports of the same events",
    "inferred": "inferred from the dates in its text",
    "unknown": "unknown",
    "": "unknown",
}


def published_basis_text(basis: object) -> str:
    """How a publication date was found, in words ("from its dateline"); an unknown basis as it is."""
    return PUBLISHED_BASIS_WORDS.get(str(basis or ""), str(basis))
