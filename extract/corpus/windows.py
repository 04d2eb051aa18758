"""When each event row could have happened: a window of calendar days, as integer day numbers.

Rows come from the events table (typed: `date_start`/`date_end` datetime64, `granularity`, `date_basis`,
`time_expression`), documents from the documents table (`published`, `published_granularity`). Out come
numpy arrays, one entry per row, so the grouping compares dates with integer arithmetic:

- a dated row: its own period (`date_start`..`date_end`);
- a publication-dated lead ("X has happened", dated by the article's date): the few days before the
  publication date up to it, since the article reports something that happened by then;
- a weekday-only row of a document without a publication day ("on Wednesday", `granularity` unresolved): any
  day with that weekday from a week before the earliest date its document could have been published to the
  latest; the publication period is bounded by the documents table and by the document's other dated rows
  (an article is written after the events it reports). An unresolved "the same day" right after such a row
  (the previous row of its document) names that row's weekday;
- a row of such a document dated only by "yesterday", "today", "last night", "this morning": the day before
  the earliest date its document could have been published to the latest; it is handled like a weekday-only
  row whose weekday is any (`ANY_WEEKDAY`);
- anything else unresolved: no window (it cannot be placed, so it stays a group of its own).

A row's date is `borrowed` when it rests on a publication date that other documents supplied (cross-source
dating, `extract.corpus.dating`: the document's basis is "corroborated") and not on the row's own words: a
relative, anaphoric or publication-dated row of such a document. The groups gave it that date, so grouping
again takes it as no evidence of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

EPOCH = np.datetime64("1677-01-01", "D")  # before any date pandas can hold, so day numbers are positive
NO_DAY = -1  # day number of a missing date in the input frames
OPEN_LO = 0  # an open window's bounds: before / after every date pandas can hold
OPEN_HI = 1 << 20
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
_DAY_RELATIVE = re.compile(
    r"^\W*(?:(?:earlier|later|early|late)\s+)?(?:today|tonight|yesterday|last\s+night|"
    r"this\s+(?:morning|afternoon|evening))\W*$",
    re.IGNORECASE,
)
ANY_WEEKDAY = 7  # the `weekday` of a row dated only relative to its article's unknown day: any day fits
_SAME_DAY = re.compile(r"^\W*(?:on\s+)?(?:the\s+same|that(?:\s+same)?)\s+day\W*$", re.IGNORECASE)
BORROWED_BASIS = "corroborated"  # a document basis: its publication date came from other documents
OWN_DATE_BASES = ("explicit", "citation")  # row bases whose date does not depend on the publication date
_EPOCH_WEEKDAY = 4  # 1677-01-01 was a Friday


@dataclass(frozen=True)
class Windows:
    """Per-row date windows (inclusive day numbers) and what kind of claim each row makes."""

    lo: np.ndarray  # int64: first possible day
    hi: np.ndarray  # int64: last possible day
    weekday: np.ndarray  # int64: 0 (Monday) .. 6 when the row only says "on <weekday>", ANY_WEEKDAY when it only
    # says "yesterday" or "today" (its article's day unknown), else -1
    dated: np.ndarray  # bool: the row's own date, as written or resolved (not publication, not weekday-only)
    day_level: np.ndarray  # bool: a dated row whose period is one day
    placed: np.ndarray  # bool: the row has a window at all
    borrowed: np.ndarray  # bool: the row's date rests on a publication date other documents supplied


def day_numbers(values: pd.Series) -> np.ndarray:
    """datetime64 column -> int64 day numbers since EPOCH; NO_DAY where missing."""
    days = values.to_numpy(dtype="datetime64[D]")
    out = (days - EPOCH).astype("int64")
    out[np.isnat(days)] = NO_DAY
    return out


def to_timestamp(day: int) -> pd.Timestamp:
    """Day number -> timestamp (NaT for an open bound)."""
    if day <= OPEN_LO or day >= OPEN_HI:
        return pd.NaT
    return pd.Timestamp(EPOCH + np.timedelta64(int(day), "D"))


def weekday_of(day: np.ndarray) -> np.ndarray:
    """Day numbers -> weekday numbers (Monday = 0)."""
    return (np.asarray(day) + _EPOCH_WEEKDAY) % 7


def on_weekday(day: np.ndarray, weekday: int) -> np.ndarray:
    """Which day numbers fall on the weekday (every one for ANY_WEEKDAY)."""
    return np.full(np.shape(day), True) if weekday == ANY_WEEKDAY else weekday_of(day) == weekday


def weekday_named(expression: str) -> int:
    """The weekday a time expression names ('Earlier on Wednesday' -> 2), or -1."""
    match = _WEEKDAY.search(expression or "")
    return WEEKDAYS.index(match.group(1).lower()) if match else -1


def publication_bounds(events: pd.DataFrame, documents: pd.DataFrame, dated: np.ndarray) -> pd.DataFrame:
    """The earliest and latest day each document could have been published (columns lo, hi; index doc_id).

    The documents table gives the period (a day, or a whole month or year when only that is known); the
    document's own dated rows raise the earliest bound, because it reports them as past. A bound nothing
    gives stays open."""
    bounds = pd.DataFrame({"lo": OPEN_LO, "hi": OPEN_HI}, index=pd.Index(events["doc_id"].unique(), name="doc_id"))
    docs = documents.drop_duplicates("doc_id", keep="last").set_index("doc_id")
    docs = docs[docs.index.isin(bounds.index)]
    gran = docs["published_granularity"].astype(str)
    published = docs["published"]
    end = published.where(gran == "day", published + pd.offsets.MonthEnd(0)).where(
        gran.isin(["day", "month"]), published + pd.offsets.YearEnd(0)
    )
    start_day, end_day = day_numbers(published), day_numbers(end)
    known = (start_day != NO_DAY) & gran.isin(["day", "month", "year"]).to_numpy()
    bounds.loc[docs.index[known], "lo"] = start_day[known]
    bounds.loc[docs.index[known], "hi"] = end_day[known]
    own = pd.Series(day_numbers(events["date_start"]), index=events.index)[dated]
    latest = own.groupby(events.loc[dated, "doc_id"]).max().reindex(bounds.index).fillna(OPEN_LO).astype("int64")
    # a dated row after the known publication period is an extraction slip, not a bound
    raise_lo = (latest > bounds["lo"]) & (latest <= bounds["hi"])
    bounds.loc[raise_lo, "lo"] = latest[raise_lo]
    return bounds


def row_windows(events: pd.DataFrame, documents: pd.DataFrame, *, lead_days: int, weekday_lookback: int) -> Windows:
    """Typed events and documents tables -> the date window of every events row (see the module doc)."""
    start = day_numbers(events["date_start"])
    end = day_numbers(events["date_end"])
    end = np.where(end == NO_DAY, start, end)
    has_date = start != NO_DAY
    publication = has_date & (events["date_basis"].astype(str).to_numpy() == "publication")
    dated = has_date & ~publication
    expressions = events["time_expression"].astype(str)
    weekday = np.array([weekday_named(t) for t in expressions], dtype="int64")
    weekday = np.where(has_date, -1, weekday)
    weekday = same_day_weekdays(events, weekday, ~has_date & expressions.str.match(_SAME_DAY).to_numpy())
    weekday = np.where(~has_date & expressions.str.match(_DAY_RELATIVE).to_numpy(), ANY_WEEKDAY, weekday)
    lo = np.where(publication, np.maximum(start - lead_days, OPEN_LO), start)
    hi = end.copy()
    only_weekday = weekday >= 0
    if only_weekday.any():
        bounds = publication_bounds(events, documents, dated)
        doc_lo = bounds["lo"].reindex(events["doc_id"]).to_numpy()
        doc_hi = bounds["hi"].reindex(events["doc_id"]).to_numpy()
        lookback = np.where(weekday == ANY_WEEKDAY, 1, weekday_lookback)  # "yesterday": one day back at most
        lo = np.where(only_weekday, np.maximum(doc_lo - lookback, OPEN_LO), lo)
        hi = np.where(only_weekday, doc_hi, hi)
    placed = has_date | only_weekday
    basis = documents.drop_duplicates("doc_id", keep="last").set_index("doc_id")["published_basis"].astype(str)
    # by reindex, not map: the values stay strings when no document matches (an event added by hand)
    from_others = basis.reindex(events["doc_id"]).fillna("").to_numpy() == BORROWED_BASIS
    own_words = events["date_basis"].astype(str).isin(OWN_DATE_BASES).to_numpy()
    return Windows(
        lo=np.where(placed, lo, OPEN_LO).astype("int64"),
        hi=np.where(placed, hi, OPEN_HI).astype("int64"),
        weekday=weekday,
        dated=dated,
        day_level=dated & (start == end),
        placed=placed,
        borrowed=has_date & from_others & ~own_words,
    )


def same_day_weekdays(events: pd.DataFrame, weekday: np.ndarray, same_day: np.ndarray) -> np.ndarray:
    """Weekday numbers per row -> the same, with each `same_day` row ("the same day", unresolved) given the
    weekday of the row before it in its document, when that row names only a weekday."""
    if not same_day.any():
        return weekday
    order = np.lexsort((events["char_start"].to_numpy(), events["doc_id"].astype(str).to_numpy()))
    doc = events["doc_id"].astype(str).to_numpy()[order]
    previous = np.r_[-1, order[:-1]]  # in document order, the row just before
    same_doc = np.r_[False, doc[1:] == doc[:-1]]
    out = weekday.copy()
    takes = same_day[order] & same_doc
    out[order[takes]] = weekday[previous[takes]]
    return out


def document_focus(
    documents: pd.DataFrame, doc_names: pd.Index, doc: np.ndarray, win: Windows, days: int
) -> np.ndarray:
    """Per document code: the share of its placed rows dated within `days` days before its publication day (or,
    when that day is unknown, before its latest own date).

    Near 1 for a news report of one recent incident, low for an analysis or a chronology that ranges over
    years: what a whole document says about one of its rows is only worth much in the first case."""
    n_docs = len(doc_names)
    anchor = np.full(n_docs, NO_DAY, dtype="int64")
    np.maximum.at(anchor, doc, np.where(win.dated, win.hi, NO_DAY))
    docs = documents.drop_duplicates("doc_id", keep="last").set_index("doc_id").reindex(doc_names)
    published = day_numbers(docs["published"])
    by_day = (docs["published_granularity"].astype(str).to_numpy() == "day") & (published != NO_DAY)
    anchor = np.where(by_day, published, anchor)
    a = anchor[doc]
    recent = win.placed & (win.weekday < 0) & (a != NO_DAY) & (win.lo >= a - days) & (win.hi <= a + 1)
    placed = np.bincount(doc, weights=win.placed, minlength=n_docs)
    return np.bincount(doc, weights=recent, minlength=n_docs) / np.maximum(placed, 1)
