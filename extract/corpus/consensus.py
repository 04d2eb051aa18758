"""The groups table: one row per event group, with the date its sources agree on.

In: the events table with `event_group` filled (`extract.corpus.grouping.group_events`) and the documents
table. Out: the groups table (`extract.corpus.tables.GROUP_COLUMNS`), one row per non-empty `event_group`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from extract.corpus.grouping import ASSERTED, DEFAULT_SETTINGS, GroupingSettings
from extract.corpus.tables import groups_frame
from extract.corpus.windows import (
    ANY_WEEKDAY,
    NO_DAY,
    WEEKDAYS,
    Windows,
    day_numbers,
    on_weekday,
    row_windows,
    to_timestamp,
    weekday_of,
)
from extract.schema import EVENT_TYPES, typed_documents, typed_events

BASIS_RANK = {"explicit": 0, "citation": 0, "relative": 1, "anaphoric": 1, "inferred": 2, "publication": 3}


def groups_table(
    events: pd.DataFrame, documents: pd.DataFrame, settings: GroupingSettings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Grouped events and documents -> the groups table, sorted by consensus date, then id.

    The consensus date is the most precise date that the most sources support. A source supports a date
    when one of its reports in the group places the event there: a report's own period contains it; a lead
    dated only by its article's publication date supports any day of the `lead_days` before that date; a
    weekday-only report supports the days with its weekday that its article's dates allow. Every date a
    member reports is a candidate; the candidate with the most supporting sources wins, then the more
    precise (shorter) one, then the one reported explicitly (a written date or a cited report's date)
    before one resolved relative to the publication date, before an inferred one, before a
    publication-dated lead; then the earlier.

    `date_agreement` compares the members' periods (a publication-dated lead's period being the days it
    supports): `single` when one source reports the event, `conflict` when two periods do not overlap (two
    different days, or a day outside another source's month) or a weekday-only report's weekday is on no
    day another member's period allows ("on Tuesday" against "October 8", a Wednesday), `agree` when all
    are the same, `refines` otherwise (one is more precise inside another: "October 2025" and
    "October 8")."""
    typed = typed_events(events)
    keep = (typed["event_group"] != "") & typed["modality"].isin(ASSERTED)
    rows = typed[keep.to_numpy()].reset_index(drop=True)
    if rows.empty:
        return groups_frame()
    docs = typed_documents(documents)
    rows_of = _Rows.of(rows, docs, settings)
    out = [_group(name, idx, rows_of) for name, idx in rows.groupby("event_group", sort=False).indices.items()]
    table = groups_frame(out)
    return table.sort_values(["date_start", "event_group"], na_position="last", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class _Rows:
    """The grouped rows' fields as arrays (row positions index them), read once for all groups."""

    win: Windows
    source: np.ndarray  # the outlet, else the doc_id
    doc_id: np.ndarray
    event_id: np.ndarray
    summary: np.ndarray
    granularity: np.ndarray
    basis: np.ndarray  # rank: BASIS_RANK, 4 for the rest
    basis_name: np.ndarray
    confidence: np.ndarray
    actors: np.ndarray
    locations: np.ndarray
    event_type: np.ndarray
    expression: np.ndarray  # the time expression as written
    own_start: np.ndarray  # the period as written (a publication-dated lead: its publication date)
    own_end: np.ndarray
    published: np.ndarray  # datetime64: the document's publication date
    published_day: np.ndarray  # the same where it is known to the day, else NaT

    @classmethod
    def of(cls, rows: pd.DataFrame, docs: pd.DataFrame, settings: GroupingSettings) -> _Rows:
        win = row_windows(rows, docs, lead_days=settings.lead_days, weekday_lookback=settings.weekday_lookback)
        by_id = docs.drop_duplicates("doc_id", keep="last").set_index("doc_id")
        # looked up by reindex, not map: the column keeps its type when no document matches (an event added by hand)
        published = by_id["published"].reindex(rows["doc_id"]).set_axis(rows.index)
        # a publication known only to the month or year says little about who reported first: days count first
        day_known = by_id["published_granularity"].reindex(rows["doc_id"]).set_axis(rows.index) == "day"
        own_start = day_numbers(rows["date_start"])
        own_end = day_numbers(rows["date_end"])
        return cls(
            win=win,
            source=rows["source"].where(rows["source"] != "", rows["doc_id"]).to_numpy(dtype=object),
            doc_id=rows["doc_id"].to_numpy(dtype=object),
            event_id=rows["event_id"].to_numpy(dtype=object),
            summary=rows["summary"].to_numpy(dtype=object),
            granularity=rows["granularity"].to_numpy(dtype=object),
            basis=rows["date_basis"].map(BASIS_RANK).fillna(4).to_numpy(dtype="int64"),
            basis_name=rows["date_basis"].to_numpy(dtype=object),
            confidence=rows["confidence"].fillna(0.0).to_numpy(dtype="float64"),
            actors=rows["actors"].to_numpy(dtype=object),
            locations=rows["locations"].to_numpy(dtype=object),
            event_type=rows["event_type"].to_numpy(dtype=object),
            expression=rows["time_expression"].to_numpy(dtype=object),
            own_start=own_start,
            own_end=np.where(own_end == NO_DAY, own_start, own_end),
            published=published.to_numpy(dtype="datetime64[ns]"),
            published_day=published.where(day_known).to_numpy(dtype="datetime64[ns]"),
        )

    def claims(self, idx: np.ndarray) -> np.ndarray:
        """The members that give a date of their own or a publication-dated lead's (not weekday-only)."""
        return idx[self.win.placed[idx] & (self.win.weekday[idx] < 0)]


def _group(name: str, idx: np.ndarray, rows: _Rows) -> dict[str, object]:
    """One group's members (row positions) -> its groups-table row."""
    sources = rows.source[idx]
    claims = rows.claims(idx)
    best = _consensus(idx, rows, claims)
    chosen = _clearest(idx, rows, best)
    dated = best is not None
    return {
        "event_group": name,
        "date_start": to_timestamp(rows.own_start[best]) if dated else pd.NaT,
        "date_end": to_timestamp(rows.own_end[best]) if dated else pd.NaT,
        "granularity": rows.granularity[best] if dated else "unresolved",
        "date_basis": rows.basis_name[best] if dated else "unresolved",
        "summary": rows.summary[chosen],
        "actors": _by_sources(rows.actors[idx], sources),
        "locations": _by_sources(rows.locations[idx], sources),
        "event_type": _event_type(rows.event_type[idx], sources),
        "n_sources": len(set(sources)),
        "n_documents": len(set(rows.doc_id[idx])),
        "n_reports": len(idx),
        "sources": sorted(set(sources)),
        "first_reported": _first_reported(rows, idx),
        "reported_dates": _reported_dates(idx, rows),
        "date_agreement": _agreement(claims, idx[rows.win.weekday[idx] >= 0], rows.win, len(set(sources))),
    }


def _first_reported(rows: _Rows, idx: np.ndarray) -> pd.Timestamp:
    """Earliest publication day among the members' documents; else the earliest publication period's start."""
    days = rows.published_day[idx]
    days = days if not np.isnat(days).all() else rows.published[idx]
    return pd.NaT if np.isnat(days).all() else pd.Timestamp(np.nanmin(days))


def _consensus(idx: np.ndarray, rows: _Rows, claims: np.ndarray) -> int | None:
    """The member whose reported date is the consensus (see groups_table); None when no member is dated."""
    win = rows.win
    weekday_rows = idx[win.weekday[idx] >= 0]
    best, best_key = None, None
    for i in claims:
        start, end = rows.own_start[i], rows.own_end[i]
        covers = (win.lo[claims] <= start) & (end <= win.hi[claims])
        supporters = set(rows.source[claims[covers]])
        if start == end:  # a single day: weekday-only reports of that weekday support it too
            fits = (win.weekday[weekday_rows] == weekday_of(start)) & (win.lo[weekday_rows] <= start)
            supporters |= set(rows.source[weekday_rows[fits & (start <= win.hi[weekday_rows])]])
        key = (-len(supporters), end - start, rows.basis[i], start, str(rows.event_id[i]))
        if best_key is None or key < best_key:
            best, best_key = int(i), key
    return best


def _clearest(idx: np.ndarray, rows: _Rows, best: int | None) -> int:
    """The member whose summary stands for the group: one reporting the consensus date if any, then the most
    confident, the most explicitly dated, the fullest summary."""
    on_consensus = np.zeros(len(idx), dtype=bool)
    if best is not None:
        on_consensus = (rows.own_start[idx] == rows.own_start[best]) & (rows.own_end[idx] == rows.own_end[best])
        on_consensus &= rows.win.placed[idx] & (rows.win.weekday[idx] < 0)
    keys = [
        (not on, -rows.confidence[i], rows.basis[i], -len(str(rows.summary[i])), str(rows.event_id[i]))
        for on, i in zip(on_consensus, idx, strict=True)
    ]
    return int(idx[min(range(len(idx)), key=keys.__getitem__)])


def _by_sources(lists: np.ndarray, sources: np.ndarray) -> list[str]:
    """Names from the members' lists, those more sources give first (then in order of appearance)."""
    givers: dict[str, set[str]] = defaultdict(set)
    for names, source in zip(lists, sources, strict=True):
        for name in names:
            givers[name].add(source)
    return sorted(givers, key=lambda n: -len(givers[n]))  # stable: ties keep their first appearance


def _event_type(types: np.ndarray, sources: np.ndarray) -> str:
    """The event type the most sources give ("other" only when nothing else is given)."""
    votes = Counter(t for t, _ in {(t, s) for t, s in zip(types, sources, strict=True)} if t and t != "other")
    if not votes:
        return "other"
    order = {t: k for k, t in enumerate(EVENT_TYPES)}
    return min(votes, key=lambda t: (-votes[t], order.get(t, len(order)), t))


def _render(i: int, rows: _Rows) -> str:
    """A member's reported date as text: 2025-10-08, 2025-10, 2025, a range start/end, or its weekday."""
    if rows.win.weekday[i] == ANY_WEEKDAY:
        return str(rows.expression[i]).strip().capitalize()  # "Yesterday", its article's day unknown
    if rows.win.weekday[i] >= 0:
        return WEEKDAYS[rows.win.weekday[i]].capitalize()
    start, end = to_timestamp(rows.own_start[i]), to_timestamp(rows.own_end[i])
    if start == end:
        return f"{start:%Y-%m-%d}"
    if rows.granularity[i] == "month":
        return f"{start:%Y-%m}"
    if rows.granularity[i] == "year":
        return f"{start:%Y}"
    return f"{start:%Y-%m-%d}/{end:%Y-%m-%d}"


def _reported_dates(idx: np.ndarray, rows: _Rows) -> list[str]:
    """'DATE (N)' for each distinct date the members report, N the number of sources giving it; most given
    first, then by date."""
    givers: dict[str, set[str]] = defaultdict(set)
    for i in idx[rows.win.placed[idx]]:
        givers[_render(i, rows)].add(rows.source[i])
    return [f"{d} ({len(s)})" for d, s in sorted(givers.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def _agreement(claims: np.ndarray, weekday_rows: np.ndarray, win: Windows, n_sources: int) -> str:
    """single, conflict, agree or refines (see groups_table)."""
    if n_sources <= 1:
        return "single"
    periods = sorted({(int(win.lo[i]), int(win.hi[i])) for i in claims})
    if any(a[1] < b[0] or b[1] < a[0] for k, a in enumerate(periods) for b in periods[k + 1 :]):
        return "conflict"
    if any(not _has_weekday(period, w, win) for w in weekday_rows for period in periods):
        return "conflict"  # "on Tuesday" against a period with no Tuesday it allows
    return "agree" if len(periods) <= 1 else "refines"


def _has_weekday(period: tuple[int, int], row: int, win: Windows) -> bool:
    """Does the period hold a day of the weekday-only row's weekday that its window allows?"""
    start, end = max(period[0], int(win.lo[row])), min(period[1], int(win.hi[row]))
    if end - start >= 6:
        return True
    days = np.arange(start, end + 1)
    return bool(on_weekday(days, int(win.weekday[row])).any())
