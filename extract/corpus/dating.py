"""Cross-source dating: documents whose own text cannot date them, dated from the events they share with
documents that can.

A document without a day-precise publication date (no metadata, no dateline) often still dates its news
relative to that day: "ratified ... on Wednesday". When grouping puts such a report in the same event group as
reports whose date is known independently (an explicit or cited date, or a date resolved in a dated
document), the publication dates that make the report's expression resolve to that date are the only ones
the document can have: "on Wednesday" + a group dated Wednesday 8 October 2025 leaves 8 to 14 October. Every
such report narrows the set further, and so does a same-day idiom ("Earlier on Thursday", "later on
Thursday", written the day it happened: the document was published on a Thursday). The day is fixed when
exactly one date is left; when several are left, all in one month, the month is (when the document knew
less); otherwise nothing changes. The document's basis becomes `corroborated`, and its events are re-dated by
resolving its stored scan (extract.dating.DatingRecord) against the new date: no parsing again.

Each write starts again from what each document's own text and metadata give (the record keeps it), so a
date corroborated earlier follows the evidence when documents come and go.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from extract.calendar import month_span
from extract.dating import DatingRecord, Redated, redate

CORROBORATED = "corroborated"
# How far a document's publication may lie from the event it dates relatively: "on Wednesday" looks back up
# to six days, "last week" further; "tomorrow" forward.
BEFORE_DAYS, AFTER_DAYS = 7, 31
# Bases of rows whose date does not depend on their document's publication date.
INDEPENDENT_BASES = ("explicit", "citation")
# Rows resolved against a publication date count as evidence when that date is known independently.
KNOWN_PUBLISHED = ("metadata", "dateline")
SAME_DAY_RX = re.compile(
    r"\b(?:earlier|later)\s+(?:on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CORROBORATED_CONFIDENCE = 0.6  # a date resolved against a publication date found from other sources


@dataclass(frozen=True)
class Dated:
    """The tables after cross-source dating, and whether anything changed."""

    events: pd.DataFrame
    documents: pd.DataFrame
    changed: bool


def dating_records(documents: pd.DataFrame, read_scan: Callable[[str], str | None]) -> dict[str, DatingRecord]:
    """Documents table and the store's scan reader -> the dating record of every document that could need
    one: its date is not known to the day, or was corroborated by an earlier write. A record that cannot be
    read (other rules', damaged) is left out: that document keeps the dates it has."""
    out: dict[str, DatingRecord] = {}
    if documents.empty:
        return out
    basis = documents["published_basis"].astype(str)
    needs = (documents["published_granularity"].astype(str) != "day") | (basis == CORROBORATED)
    for doc_id in documents.loc[needs.to_numpy(), "doc_id"].astype(str):
        stored = read_scan(doc_id)
        if not stored:
            continue
        try:
            out[doc_id] = DatingRecord.from_json(stored)
        except ValueError:
            continue
    return out


def own_dates(events: pd.DataFrame, documents: pd.DataFrame, records: dict[str, DatingRecord]) -> Dated:
    """Events and documents as stored -> the same with every document corroborated by an earlier write back on
    what its own text and metadata give, events included. Grouping then starts from the documents' own
    evidence, so running the corpus steps again on what they wrote gives the same tables."""
    if events.empty or documents.empty:
        return Dated(events, documents, False)
    events, documents = events.copy(), documents.copy()
    tables = _Tables(events, documents)
    restored = False
    basis = documents["published_basis"].astype(str)
    for doc_id in documents.loc[(basis == CORROBORATED).to_numpy(), "doc_id"].astype(str):
        record = records.get(doc_id)
        if record is None:
            continue
        own, granularity, own_basis = record.own_date, record.published[1], record.published[2]
        end = None
        if own is not None:
            end = own if granularity == "day" else month_span(own.year, own.month)[1]
            if granularity == "year":
                end = dt.date(own.year, 12, 31)
        tables.apply(doc_id, redate(record, own, granularity, end), (own, granularity, own_basis))
        restored = True
    return Dated(events, documents, restored)


def date_from_groups(events: pd.DataFrame, documents: pd.DataFrame, records: dict[str, DatingRecord]) -> Dated:
    """Grouped events and documents (on their own dates, see `own_dates`) and the documents' dating records ->
    the same with documents dated from their groups (see the module doc)."""
    if events.empty or documents.empty:
        return Dated(events, documents, False)
    events, documents = events.copy(), documents.copy()
    tables = _Tables(events, documents)
    changed = False
    evidence = _group_days(events, documents)
    for doc_id, record in records.items():
        if tables.granularity(doc_id) == "day":
            continue
        mine = tables.rows(doc_id)
        candidates = _candidates(mine, doc_id, record, evidence)
        found = _narrowed(candidates, mine, record)
        if found is None:
            continue
        start, granularity = found
        end = start if granularity == "day" else month_span(start.year, start.month)[1]
        tables.apply(doc_id, redate(record, start, granularity, end), (start, granularity, CORROBORATED))
        changed = True
    return Dated(events, documents, changed)


class _Tables:
    """The events and documents tables being re-dated, with each document's rows found once."""

    def __init__(self, events: pd.DataFrame, documents: pd.DataFrame) -> None:
        self.events, self.documents = events, documents
        self._rows = events.groupby(events["doc_id"].astype(str), sort=False).indices
        self._doc = documents.groupby(documents["doc_id"].astype(str), sort=False).indices

    def rows(self, doc_id: str) -> pd.DataFrame:
        """The document's event rows."""
        return self.events.iloc[self._rows.get(doc_id, [])]

    def granularity(self, doc_id: str) -> str:
        """The granularity of the document's publication date ("" when it has none or is not listed)."""
        at = self._doc.get(doc_id)
        return "" if at is None else str(self.documents["published_granularity"].iloc[at[0]])

    def apply(self, doc_id: str, redated: dict[str, Redated], published: tuple[dt.date | None, str, str]) -> None:
        """Write the new publication date into the documents table and the new periods into the events table."""
        day, granularity, basis = published
        at = self.documents.index[self._doc.get(doc_id, [])]
        self.documents.loc[at, "published"] = pd.Timestamp(day) if day is not None else pd.NaT
        self.documents.loc[at, "published_granularity"] = granularity if day is not None else ""
        self.documents.loc[at, "published_basis"] = basis
        events = self.events
        for index in events.index[self._rows.get(doc_id, [])]:
            new = redated.get(str(events.at[index, "event_id"]))
            if new is None:
                continue  # not re-dated (its mentions could not be found again): it keeps its dates
            was_unresolved = pd.isna(events.at[index, "date_start"])
            events.at[index, "date_start"] = pd.Timestamp(new.date_start) if new.date_start else pd.NaT
            events.at[index, "date_end"] = pd.Timestamp(new.date_end) if new.date_end else pd.NaT
            events.at[index, "granularity"] = new.granularity
            events.at[index, "date_basis"] = new.date_basis
            if was_unresolved and new.date_start is not None and basis == CORROBORATED:
                events.at[index, "confidence"] = CORROBORATED_CONFIDENCE


def _group_days(events: pd.DataFrame, documents: pd.DataFrame) -> dict[str, list[tuple[str, dt.date]]]:
    """Per event_group: the day-level dates its rows give independently of their documents' own publication
    dates, as (doc_id, day), a pair per row."""
    known = set(
        documents.loc[
            documents["published_basis"].astype(str).isin(KNOWN_PUBLISHED).to_numpy()
            & (documents["published_granularity"].astype(str) == "day").to_numpy(),
            "doc_id",
        ].astype(str)
    )
    basis = events["date_basis"].astype(str)
    independent = basis.isin(INDEPENDENT_BASES) | (
        basis.isin(["relative", "anaphoric"]) & events["doc_id"].astype(str).isin(known)
    )
    rows = events[
        independent.to_numpy()
        & (events["granularity"].astype(str) == "day").to_numpy()
        & (events["event_group"].astype(str) != "").to_numpy()
        & events["date_start"].notna().to_numpy()
    ]
    out: dict[str, list[tuple[str, dt.date]]] = defaultdict(list)
    for group, doc_id, day in zip(
        rows["event_group"].astype(str), rows["doc_id"].astype(str), rows["date_start"].dt.date, strict=True
    ):
        out[group].append((doc_id, day))
    return out


def _candidates(
    mine: pd.DataFrame, doc_id: str, record: DatingRecord, evidence: dict[str, list[tuple[str, dt.date]]]
) -> set[dt.date] | None:
    """The publication dates that make each of the document's grouped reports (`mine`: its rows) resolve to
    its group's date (as other documents give it); None when no report of the document is in such a group."""
    found: set[dt.date] | None = None
    resolved: dict[dt.date, dict[str, Redated]] = {}  # the record re-dated against a candidate, once each
    for row in mine[mine["event_group"].astype(str) != ""].itertuples(index=False):
        if row.event_id not in record.anchors or not record.anchors[row.event_id]:
            continue
        days = [day for other, day in evidence.get(str(row.event_group), ()) if other != doc_id]
        if not days:
            continue
        day = _most_reported(days)
        fits = set()
        for candidate in _around(day):
            if candidate not in resolved:
                resolved[candidate] = redate(record, candidate, "day")
            if _lands_on(resolved[candidate].get(row.event_id), day):
                fits.add(candidate)
        if row.date_basis not in ("relative", "anaphoric", "unresolved") and not fits:
            continue  # an explicit date of its own that differs: the report disagrees, it does not date us
        found = fits if found is None else found & fits
    return found


def _most_reported(days: list[dt.date]) -> dt.date:
    """The day most rows give (the earlier on a tie)."""
    counts = Counter(days)
    best = max(counts.values())
    return min(day for day, n in counts.items() if n == best)


def _around(day: dt.date) -> Iterable[dt.date]:
    return (day + dt.timedelta(days=k) for k in range(-BEFORE_DAYS, AFTER_DAYS + 1))


def _lands_on(redated: Redated | None, day: dt.date) -> bool:
    return (
        redated is not None
        and redated.date_start is not None
        and redated.date_end is not None
        and redated.granularity == "day"
        and redated.date_start == day
    )


def _narrowed(candidates: set[dt.date] | None, mine: pd.DataFrame, record: DatingRecord) -> tuple[dt.date, str] | None:
    """The candidates narrowed by the document's own evidence (`mine`: its rows) -> (day or first of month,
    granularity)."""
    if not candidates:
        return None
    own, granularity = record.own_date, record.published[1]
    if own is not None and granularity in ("month", "year"):
        last = month_span(own.year, own.month)[1] if granularity == "month" else dt.date(own.year, 12, 31)
        candidates = {c for c in candidates if own <= c <= last}
    sentences = mine["sentence"].astype(str)
    same_day = {_WEEKDAYS.index(m.group(1).lower()) for text in sentences for m in SAME_DAY_RX.finditer(text)}
    if len(same_day) == 1:
        candidates = {c for c in candidates if c.weekday() in same_day}
    if len(candidates) == 1:
        return next(iter(candidates)), "day"
    months = {(c.year, c.month) for c in candidates}
    if len(months) == 1 and granularity not in ("day", "month"):
        year, month = months.pop()
        return dt.date(year, month, 1), "month"
    return None
