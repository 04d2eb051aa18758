"""The groups table: one row per event group, with the date its sources agree on.

In: the events table with `event_group` filled (`extract.corpus.grouping.group_events`) and the documents
table. Out: the groups table (`extract.corpus.tables.GROUP_COLUMNS`), one row per non-empty `event_group`.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from extract.corpus.grouping import ASSERTED, DEFAULT_SETTINGS, GroupingSettings
from extract.corpus.tables import groups_frame
from extract.corpus.windows import WEEKDAYS, Windows, day_numbers, row_windows, to_timestamp, weekday_of
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
    supports; weekday-only reports left out): `single` when one source reports the event, `conflict` when
    two periods do not overlap (two different days, or a day outside another source's month), `agree` when
    all are the same, `refines` otherwise (one is more precise inside another: "October 2025" and
    "October 8")."""
    typed = typed_events(events)
    keep = (typed["event_group"] != "") & typed["modality"].isin(ASSERTED)
    rows = typed[keep.to_numpy()].reset_index(drop=True)
    if rows.empty:
        return groups_frame()
    docs = typed_documents(documents)
    win = row_windows(rows, docs, lead_days=settings.lead_days, weekday_lookback=settings.weekday_lookback)
    docs = docs.drop_duplicates("doc_id", keep="last").set_index("doc_id")
    rows["published"] = rows["doc_id"].map(docs["published"])
    # a publication known only to the month or year says little about who reported first: days count first
    rows["published_day"] = rows["published"].where(rows["doc_id"].map(docs["published_granularity"]) == "day")
    rows["source"] = rows["source"].where(rows["source"] != "", rows["doc_id"])
    rows["own_start"] = day_numbers(rows["date_start"])
    rows["own_end"] = np.where(rows["date_end"].isna(), rows["own_start"], day_numbers(rows["date_end"]))
    members = rows.groupby("event_group", sort=False).indices
    out = [_group(name, idx, rows, win) for name, idx in members.items()]
    table = groups_frame(out)
    return table.sort_values(["date_start", "event_group"], na_position="last", kind="stable").reset_index(drop=True)


def _group(name: str, idx: np.ndarray, rows: pd.DataFrame, win: Windows) -> dict[str, object]:
    """One group's members (row positions) -> its groups-table row."""
    sources = rows["source"].to_numpy()[idx]
    claims = [i for i in idx if win.placed[i] and win.weekday[i] < 0]
    start, end, best = _consensus(idx, rows, win, claims)
    chosen = _clearest(idx, rows, win, start, end)
    return {
        "event_group": name,
        "date_start": to_timestamp(start) if best is not None else pd.NaT,
        "date_end": to_timestamp(end) if best is not None else pd.NaT,
        "granularity": rows.at[best, "granularity"] if best is not None else "unresolved",
        "date_basis": rows.at[best, "date_basis"] if best is not None else "unresolved",
        "summary": rows.at[chosen, "summary"],
        "actors": _by_sources(rows["actors"].to_numpy()[idx], sources),
        "locations": _by_sources(rows["locations"].to_numpy()[idx], sources),
        "event_type": _event_type(rows["event_type"].to_numpy()[idx], sources),
        "n_sources": len(set(sources)),
        "n_documents": rows["doc_id"].iloc[idx].nunique(),
        "n_reports": len(idx),
        "sources": sorted(set(sources)),
        "first_reported": _first_reported(rows, idx),
        "reported_dates": _reported_dates(idx, rows, win),
        "date_agreement": _agreement(claims, win, len(set(sources))),
    }


def _first_reported(rows: pd.DataFrame, idx: np.ndarray) -> pd.Timestamp:
    """Earliest publication day among the members' documents; else the earliest publication period's start."""
    days = rows["published_day"].iloc[idx]
    return days.min() if days.notna().any() else rows["published"].iloc[idx].min()


def _own_period(i: int, rows: pd.DataFrame, win: Windows) -> tuple[int, int]:
    """The period a dated row reports as written (for a publication-dated lead, its publication date)."""
    return int(rows.at[i, "own_start"]), int(rows.at[i, "own_end"])


def _consensus(idx: np.ndarray, rows: pd.DataFrame, win: Windows, claims: list[int]) -> tuple[int, int, int | None]:
    """(start day, end day, the member whose report it is) of the consensus date; best None when undated."""
    source = rows["source"].to_numpy()
    weekday_rows = [i for i in idx if win.weekday[i] >= 0]
    ranked = []
    for i in claims:
        start, end = _own_period(i, rows, win)
        supporters = {source[j] for j in claims if win.lo[j] <= start and end <= win.hi[j]}
        if start == end:  # a single day: weekday-only reports of that weekday support it too
            supporters |= {
                source[j]
                for j in weekday_rows
                if weekday_of(start) == win.weekday[j] and win.lo[j] <= start <= win.hi[j]
            }
        basis = BASIS_RANK.get(rows.at[i, "date_basis"], 4)
        ranked.append((-len(supporters), end - start, basis, start, str(rows.at[i, "event_id"]), i))
    if not ranked:
        return 0, 0, None
    *_, start, _, best = min(ranked)
    return start, _own_period(best, rows, win)[1], best


def _clearest(idx: np.ndarray, rows: pd.DataFrame, win: Windows, start: int, end: int) -> int:
    """The member whose summary stands for the group: one reporting the consensus date if any, then the most
    confident, the most explicitly dated, the fullest summary."""

    def key(i: int) -> tuple[object, ...]:
        on_consensus = win.placed[i] and win.weekday[i] < 0 and _own_period(i, rows, win) == (start, end)
        confidence = rows.at[i, "confidence"]
        return (
            not on_consensus,
            -(0.0 if pd.isna(confidence) else float(confidence)),
            BASIS_RANK.get(rows.at[i, "date_basis"], 4),
            -len(str(rows.at[i, "summary"])),
            str(rows.at[i, "event_id"]),
        )

    return min(idx, key=key)


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


def _render(i: int, rows: pd.DataFrame, win: Windows) -> str:
    """A member's reported date as text: 2025-10-08, 2025-10, 2025, a range start/end, or its weekday."""
    if win.weekday[i] >= 0:
        return WEEKDAYS[win.weekday[i]].capitalize()
    start, end = (to_timestamp(d) for d in _own_period(i, rows, win))
    granularity = rows.at[i, "granularity"]
    if start == end:
        return f"{start:%Y-%m-%d}"
    if granularity == "month":
        return f"{start:%Y-%m}"
    if granularity == "year":
        return f"{start:%Y}"
    return f"{start:%Y-%m-%d}/{end:%Y-%m-%d}"


def _reported_dates(idx: np.ndarray, rows: pd.DataFrame, win: Windows) -> list[str]:
    """'DATE (N)' for each distinct date the members report, N the number of sources giving it; most given
    first, then by date."""
    givers: dict[str, set[str]] = defaultdict(set)
    for i in idx:
        if win.placed[i]:
            givers[_render(i, rows, win)].add(rows.at[i, "source"])
    return [f"{d} ({len(s)})" for d, s in sorted(givers.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def _agreement(claims: list[int], win: Windows, n_sources: int) -> str:
    """single, conflict, agree or refines (see groups_table)."""
    if n_sources <= 1:
        return "single"
    periods = sorted({(int(win.lo[i]), int(win.hi[i])) for i in claims})
    if any(a[1] < b[0] or b[1] < a[0] for k, a in enumerate(periods) for b in periods[k + 1 :]):
        return "conflict"
    return "agree" if len(periods) <= 1 else "refines"
