"""The Timeline page over a store too large to load (dashboard/scaled.py): the same `TimelineParts` as
dashboard/timeline_data.py computes in memory, from the store's answers (one pass per rerun:
extract/store/query_timeline.py; the events' counts: extract/store/query.py; an event's reports:
extract/store/query_details.py). Only what is drawn or listed travels: the lanes' counts, the dense lanes'
monthly totals, at most MAX_POINTS marks (with the reports behind them, to style and label them as the
in-memory chart does), the histogram's monthly counts, the chronology's rows and the first undated ones. The
parts are kept per store version and choices, so a rerun that changes no filter asks the store nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import charts, data, groups, labels, timeline_chart
from dashboard.components import event_details
from dashboard.panel import event_panel
from dashboard.scaled import QueryView, Summary
from dashboard.timeline_data import CHRONOLOGY_ROWS, EVENTS, ORDERS, UNDATED_ROWS, TimelineParts, _undated_frame
from extract.store.query import EVENTS as Q_EVENTS
from extract.store.query import REPORTS as Q_REPORTS
from extract.store.query import Query, QueryFilters
from extract.store.query_details import Details, text_in
from extract.store.query_timeline import timeline_pass

MAX_PANELS = 5


def _unit(mode: str) -> str:
    return Q_EVENTS if mode == EVENTS else Q_REPORTS


def documents(summary: Summary) -> pd.DataFrame:
    """The store's documents table, read with the summary (once per store version; treat as read-only)."""
    return summary.documents


def prepare_reports(rows: pd.DataFrame, summary: Summary, marks_only: bool = False) -> pd.DataFrame:
    """Reports (the events table's columns) with the derived columns the chart, the panel and the lists read
    (data.prepare_events; `_lane`: the source's lane name over the whole store; `_why_undated`). ``marks_only``:
    reports that only stand behind event marks and the undated list (data.prepare_events)."""
    if not len(rows):
        rows = data.empty_table("events")
    kept = rows.drop(columns=[c for c in ("rid", "ord", "lane") if c in rows])
    return summary.with_documents(data.prepare_events(kept, marks_only=marks_only))


def event_frame(
    details: Details,
    keys: Sequence[str],
    summary: Summary,
    table: pd.DataFrame | None = None,
    known: pd.DataFrame | None = None,
    best: bool = False,
    marks_only: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(the events' reports, prepared; their group frame, as dashboard/groups.py builds it; each report's row in
    it) for a few events. `table`: their rows of the groups table when already read; `known`: reports read
    already (Details.members); `best`: a stored group's best report only, where the table tells the others'
    facts (groups.build_groups); ``marks_only``: the reports are prepared for the marks only (prepare_reports)."""
    members = details.members(keys, known, best=best)
    reports = prepare_reports(members, summary, marks_only)
    if table is None:
        named = [str(k) for k in keys] + [str(g) for g in reports["event_group"] if str(g)]
        table = details.groups(named)
    frame, of_event = groups.build_groups(reports, table.reset_index(drop=True) if len(table) else pd.DataFrame())
    return reports, frame, of_event


def _chronology(rows: pd.DataFrame) -> pd.DataFrame:
    """The chronology table's columns (groups.chronology) from the store's rows."""
    if not len(rows):
        return pd.DataFrame(columns=["when", "what", "sources", "agreement", "type", "event_group"])
    start = rows["date_start"]
    end = rows["date_end"].where(rows["date_end"].notna() & (rows["date_end"] >= start), start)
    when, _ = labels.date_columns(rows.assign(date_end=end))
    return pd.DataFrame(
        {
            "when": when,
            "what": rows["summary"].to_numpy(),
            "sources": rows["n_sources"].to_numpy(),
            "agreement": rows["date_agreement"].astype(str).map(groups.AGREEMENT_WORDS).fillna("").to_numpy(),
            "type": rows["event_type"].to_numpy(),
            "event_group": rows["event_group"].to_numpy(),
        }
    )


def _event_marks_and_undated(
    details: Details,
    rows: pd.DataFrame,
    undated: list[str],
    summary: Summary,
    known: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the chart's prepared marks of the timeline's events, with `_id` and `_lane_key`; the first undated
    events' list) from one read of their reports (Details.members) and one build of their groups."""
    keys = [str(k) for k in rows["event_group"]] if len(rows) else []
    if not keys and not undated:
        empty = groups.build_groups(prepare_reports(pd.DataFrame(), summary), pd.DataFrame())[0]
        return empty.assign(_id=pd.Series(dtype=object), _lane_key=pd.Series(dtype=object)), _undated_frame()
    table = rows[[not k.startswith(groups.OWN_GROUP) for k in keys]].drop(columns="lane") if keys else None
    more = [k for k in undated if not k.startswith(groups.OWN_GROUP)]
    if more:
        extra = details.groups(more)
        table = extra if table is None or not len(table) else pd.concat([table, extra], ignore_index=True)
    table = table if table is not None else pd.DataFrame()
    told = "dl_n" in table and bool(table["dl_n"].notna().all())  # every group's report facts: its best report read
    reports, frame, _ = event_frame(details, keys + undated, summary, table, known, best=told, marks_only=True)
    index = pd.Index(frame["event_group"].astype(str))
    at = index.get_indexer(keys)
    found = at >= 0
    marks = frame.iloc[at[found]].reset_index(drop=True)
    lanes = rows["lane"].to_numpy()[found] if keys else np.zeros(0, dtype=object)
    marks = marks.assign(_id=np.asarray(keys, dtype=object)[found], _lane_key=lanes)
    listed = _undated_frame()
    if undated:
        at = index.get_indexer(undated)
        chosen = frame.iloc[at[at >= 0]]
        listed = _undated_frame(chosen["summary"].to_numpy(), reports.iloc[chosen["_best"].to_numpy()])
    return marks, listed


def timeline_parts(
    view: QueryView,
    *,
    mode: str = EVENTS,
    lane_by: str = "source",
    x_range: tuple[dt.date, dt.date],
    newest_first: bool = True,
) -> TimelineParts:
    """The Timeline page's content for a QueryView: the same parts as timeline_data.timeline_parts, from the
    store (lanes beyond the chart's limits are monthly totals, counted by the store). Kept for the last few
    choices of this store version: a rerun that changes no filter (a click, a selection) asks the store nothing."""
    summary = view.summary
    key = (
        summary.location,
        summary.version,
        summary.corrections_version,
        repr(view.filters),
        mode,
        lane_by,
        x_range,
        newest_first,
        timeline_chart.LANE_LIMIT,
        timeline_chart.MAX_POINTS,
    )
    return _parts_cached(view, key)


def choices(view: QueryView) -> dict[str, object]:
    """timeline_parts's choices as the Timeline page (dashboard/views/timeline.py) will make them from the
    session's state: what it shows, its lanes, the sidebar's date range (the store's where open), the order."""
    state = st.session_state
    mode = state["tl_mode"] if "tl_mode" in state else state.get("_mode", EVENTS)
    lanes = state["tl_lanes"] if "tl_lanes" in state else state.get("_lanes", "source")
    lo, hi = view.summary.date_bounds()
    return {
        "mode": mode or EVENTS,
        "lane_by": lanes or "source",
        "x_range": (view.filters.date_from or lo, view.filters.date_to or hi),
        "newest_first": (state.get("tl_order") or ORDERS[0]) == ORDERS[0],
    }


# The Timeline's parts begun while the sidebar counts (two cores: the store's scans and the sidebar's Python overlap,
# about 30 ms a rerun at a million events); the page's own call then waits for them (st.cache_resource computes
# a key once).
_AHEAD = ThreadPoolExecutor(1, thread_name_prefix="dateline-timeline-ahead")
_WAITING: list[Future] = []  # begun but maybe not started: a newer rerun's drops them
_LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()  # guards _WAITING


def ahead(view: QueryView) -> Future:
    """Begin timeline_parts for the choices the page will make (`choices`) in a thread of this script's run."""
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    context, chosen = get_script_run_ctx(), choices(view)

    def run() -> TimelineParts:
        add_script_run_ctx(ctx=context)  # st.cache_resource's caches are the run's (no warning of a bare thread)
        return timeline_parts(view, **chosen)  # type: ignore[arg-type]

    with _LOCK:
        for stale in _WAITING:
            stale.cancel()  # not started yet (a rerun came meanwhile): the page computes its own if it needs them
        begun = _AHEAD.submit(run)
        _WAITING[:] = [begun]
    begun.add_done_callback(_logged)
    return begun


def _logged(done: Future) -> None:
    if not done.cancelled() and done.exception() is not None:  # the page computes them again and shows why
        _LOG.warning("the Timeline's parts begun ahead failed: %r", done.exception())


def _parts_uncached(_view: QueryView, key: tuple) -> TimelineParts:
    mode, lane_by, x_range, newest_first = key[4:8]
    return compute_parts(_view, mode=mode, lane_by=lane_by, x_range=x_range, newest_first=newest_first)


_parts_cached = st.cache_resource(max_entries=8, show_spinner=False)(_parts_uncached)


# Threads for the store's event counts, made while the page's Python draws the marks: over a ready table they are
# numpy over the sidebar's scan (extract/store/query_flags.py, 20 to 40 ms at a million), otherwise a scan in SQL
# (about 0.1 s); either works mostly without the interpreter's lock, so on two cores they add little to a rerun.
_COUNTER = ThreadPoolExecutor(2, thread_name_prefix="dateline-counts")


def _counting_uncached(_query: Query, _filters: QueryFilters, key: tuple) -> Future:
    return _COUNTER.submit(_query.event_counts, _filters)


_counting = st.cache_resource(max_entries=8, show_spinner=False)(_counting_uncached)


def count_events(view: QueryView) -> Future:
    """Events shown, dated, undated and left out by each filter (Query.event_counts), being counted in a thread:
    begun once per store version and filters, kept (a failed count is forgotten, to be made again)."""
    summary = view.summary
    key = (summary.location, summary.version, summary.corrections_version, repr(view.filters))
    counting = _counting(view.query, view.filters, key)
    if counting.done() and counting.exception() is not None:  # a count that failed is made again
        _counting.clear()
        counting = _counting(view.query, view.filters, key)
    return counting


def compute_parts(
    view: QueryView,
    *,
    mode: str = EVENTS,
    lane_by: str = "source",
    x_range: tuple[dt.date, dt.date],
    newest_first: bool = True,
) -> TimelineParts:
    """timeline_parts, computed (not kept)."""
    query, filters, summary = view.query, view.filters, view.summary
    details = Details(query)
    unit = _unit(mode)
    missing = summary.undated_documents
    counting = count_events(view) if mode == EVENTS else None
    page = timeline_pass(
        query,
        filters,
        unit,
        lane_by,
        newest_first=newest_first,
        chronology_rows=CHRONOLOGY_ROWS,
        undated_rows=UNDATED_ROWS,
        doc_ids=list(missing["doc_id"].astype(str)[:UNDATED_ROWS]),
        lane_limit=timeline_chart.LANE_LIMIT,
        max_points=timeline_chart.MAX_POINTS,
    )
    if mode == EVENTS:
        n_marks, n_chronology = page.n_marks, page.n_marks
        rows = page.chronology
    else:  # the chronology lists events: their marks, without lanes or marks to draw
        events = timeline_pass(
            query,
            filters,
            Q_EVENTS,
            "event type",
            newest_first=newest_first,
            chronology_rows=CHRONOLOGY_ROWS,
            undated_rows=0,
            lane_limit=0,
            max_points=0,
        )
        n_marks, n_chronology = -1, events.n_marks  # the reports counted: read last (below)
        rows = events.chronology
    drawn = page.timeline
    if mode == EVENTS:
        marks, undated = _event_marks_and_undated(details, drawn.rows, page.undated, summary, drawn.reports)
    else:
        marks = prepare_reports(drawn.rows, summary)
        lane = drawn.rows["lane"].to_numpy() if len(drawn.rows) else np.zeros(0, dtype=object)
        marks = marks.assign(_id=marks["event_id"].to_numpy(), _lane_key=lane)
        undated = _undated_reports(details, page.undated, summary)
    figure = timeline_chart.store_timeline_figure(
        marks,
        drawn.lanes,
        drawn.dense,
        drawn.months,
        lane_by,
        x_range,
        names=summary.source_lanes if lane_by == "source" else None,
        titles=set(summary.title_lanes),
        grouped=mode == EVENTS,
    )
    grid, per_type, spread = page.histogram.per_month(x_range)
    histogram = charts.month_counts_histogram(
        grid, per_type, spread, x_range, unit="events" if mode == EVENTS else "reports"
    )
    chronology = _chronology(rows if rows is not None else pd.DataFrame())
    undated_docs = _undated_documents(page.documents, missing)
    # the sidebar's counts read last: ahead() makes these parts while the sidebar counts them
    counts = view.counts
    if counting is not None:
        left = dict(counting.result().left_out)
    else:
        n_marks, left = counts.dated, dict(counts.left_out)
    left.pop("undated", None)  # listed on the page, not left out
    return TimelineParts(
        mode=mode,
        figure=figure,
        histogram=histogram,
        n_marks=n_marks,
        n_reports=counts.dated,
        n_sources=int((page.sources["drawn"] > 0).sum()),
        n_undated=page.n_undated,
        left_out=left,
        chronology=chronology,
        n_chronology=n_chronology,
        undated=undated,
        undated_documents=undated_docs,
        sources_without_lane=_sources_without_lane(page.sources, summary, figure, mode, lane_by),
        n_undated_documents=len(missing),
    )


def _undated_reports(details: Details, ids: list[str], summary: Summary) -> pd.DataFrame:
    """The first undated reports that pass every filter but the date: what, source, as written, why."""
    if not ids:
        return _undated_frame()
    reports = prepare_reports(details.members([groups.OWN_GROUP + k for k in ids]), summary)
    return _undated_frame(reports["summary"].to_numpy(), reports)


def _undated_documents(found: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    """The first UNDATED_ROWS articles without a publication date (`missing`), with their reports under the
    filters but the date (`found`: doc_id, events, dated) and how many of those are undated."""
    columns = ["title", "outlet", "events", "undated", "why", "doc_id"]
    if not len(missing):
        return pd.DataFrame(columns=columns)
    first = missing.head(UNDATED_ROWS)
    ids = first["doc_id"].astype(str)
    found = found.set_index("doc_id")
    total = ids.map(found["events"]).fillna(0).astype(int)
    dated = ids.map(found["dated"]).fillna(0).astype(int)
    return pd.DataFrame(
        {
            "title": first["title"].to_numpy(),
            "outlet": first["outlet"].to_numpy(),
            "events": total.to_numpy(),
            "undated": (total - dated).to_numpy(),
            "why": [labels.document_undated_reason(str(b)) for b in first["published_basis"]],
            "doc_id": ids.to_numpy(),
        }
    )


def _sources_without_lane(
    by_source: pd.DataFrame, summary: Summary, figure: object, mode: str, lane_by: str
) -> dict[str, str]:
    """Sources whose reports pass the filters but the date and that have no lane of their own, and why (as
    timeline_data._sources_without_lane)."""
    if lane_by != "source" or not len(by_source):
        return {}
    meta = getattr(getattr(figure, "layout", None), "meta", None) or {}
    if meta.get("merged_lanes"):
        return {}
    lanes = set(meta.get("lanes", []))
    out: dict[str, str] = {}
    for source, candidates, dated, drawn in by_source.itertuples(index=False):
        if not candidates or summary.source_lanes.get(source, source) in lanes:
            continue
        if not dated:
            out[source] = "only undated events, listed below"
        elif not drawn:
            out[source] = "no dated events in the date range"
        elif mode == EVENTS:
            out[source] = f"every event it reports is reported by other sources too (the '{groups.SEVERAL}' lane)"
    return out


# ---------------------------------------------------------------------------------------------- what a click opens


def _opened_uncached(_view: QueryView, key: tuple) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    return event_frame(Details(_view.query), list(key[-1]), _view.summary)


_opened_cached = st.cache_resource(max_entries=16, show_spinner=False)(_opened_uncached)


def opened(view: QueryView, keys: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """event_frame of the events a click or a link opened, kept per store version (reruns with a panel open
    read them once)."""
    summary = view.summary
    return _opened_cached(view, (summary.location, summary.version, summary.corrections_version, tuple(keys)))


def event_exists(view: QueryView, key: str) -> bool:
    """Whether the store holds the event a link names (a group's key, or '~' + an event id of its own)."""
    _, frame, _ = opened(view, [key])
    return groups.row_of(frame, key) is not None


def show_events(view: QueryView, keys: Sequence[str]) -> None:
    """The panels of the picked events (at most MAX_PANELS), each with all its reports."""
    details = Details(view.query)
    docs = documents(view.summary)
    head = list(dict.fromkeys(keys))[:MAX_PANELS]
    reports, frame, of_event = opened(view, head)
    found = [key for key in head if groups.row_of(frame, key) is not None]
    if not found:
        return
    n_picked = len(found) + max(len(keys) - len(head), 0)
    passing = details.passing(view.filters, list(reports["event_id"].astype(str)))
    keep = text_in(reports["event_id"], passing)
    part = docs[text_in(docs["doc_id"], set(reports["doc_id"].astype(str)))] if len(docs) else docs
    ds = data.Dataset(
        events=reports,
        documents=part,
        groups=frame,
        group_of=of_event,
        location=view.summary.location,
        version=view.summary.version,
    )
    st.subheader("Selected event" if n_picked == 1 else f"{n_picked:,} selected events")
    for key in found:
        event_panel(ds, key, keep, view.filters)  # type: ignore[arg-type]
    if n_picked > len(found):
        st.caption(f"Showing the first {len(found)} of {n_picked:,} selected events.")


def show_reports(view: QueryView, ids: Sequence[str]) -> None:
    """The picked reports that pass the filters, in date order, with their details."""
    details = Details(view.query)
    docs = documents(view.summary)
    passing = details.passing(view.filters, list(ids))
    rows = details.members([groups.OWN_GROUP + i for i in ids if i in passing])
    chosen = prepare_reports(rows, view.summary).sort_values("date_start", kind="stable")
    st.subheader(f"{len(chosen):,} selected report{'s' if len(chosen) != 1 else ''}")
    event_details(chosen, docs, view.filters)  # type: ignore[arg-type]
