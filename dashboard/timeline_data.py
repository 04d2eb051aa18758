"""What the Timeline page computes on a rerun, as one pure function (the page draws it; benchmarks time it).

In: the dataset, the sidebar's masks, the page's choices. Out: `TimelineParts`: both figures, the chronology,
what is not on the timeline and why, and what each filter leaves out. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import charts, data, groups, labels

EVENTS, REPORTS = "events", "single reports"
ORDERS = ["newest first", "oldest first"]  # the chronology's orders (the Timeline page's choice)
CHRONOLOGY_ROWS = 300
UNDATED_ROWS = 200


@dataclass
class TimelineParts:
    """Everything the Timeline page shows for one set of filters and choices."""

    mode: str
    figure: go.Figure
    histogram: go.Figure
    n_marks: int  # events (or reports) drawn or listed as dated
    n_reports: int  # reports behind them
    n_sources: int  # distinct sources behind them
    n_undated: int  # events (or reports) that pass the filters but have no date
    left_out: dict[str, int]  # filter -> events (or reports) it alone leaves out
    chronology: pd.DataFrame
    n_chronology: int  # dated events in the chronology before the row limit
    undated: pd.DataFrame  # what happened, source, written as, why undated
    undated_documents: pd.DataFrame  # articles with no publication date, and why
    sources_without_lane: dict[str, str] = field(default_factory=dict)  # source -> why it has no lane
    n_undated_documents: int | None = None  # articles without a publication date (None: all are listed)


def titles_in(ds: data.Dataset) -> set[str]:
    """Lane names that are article titles (their outlet is unknown): drawn italic (computed once per dataset)."""
    return set(ds.title_lanes)


def timeline_parts(
    ds: data.Dataset,
    masks: Mapping[str, np.ndarray],
    keep: np.ndarray,
    *,
    mode: str = EVENTS,
    lane_by: str = "source",
    x_range: tuple[dt.date, dt.date] | None = None,
    newest_first: bool = True,
    titles: set[str] | None = None,
) -> TimelineParts:
    """The Timeline page's content for the rows `keep` selects (the masks say why the others are out)."""
    ev = ds.events
    n = len(ev)
    dated_rows = ev["_dated"].to_numpy(dtype=bool)
    nodate = data.combine(masks, n, skip="date") if "date" in masks else keep
    n_groups = len(ds.groups)
    shown = groups.visible(ds.group_of, keep, n_groups) if n_groups else np.zeros(0, dtype=bool)
    if mode == EVENTS:
        rows = ds.groups.loc[shown, charts.GROUP_CHART_COLUMNS]
        figure = charts.group_timeline_figure(rows, lane_by, x_range, titles=titles)
        histogram = charts.month_histogram(rows, x_range, unit="events")
        undated_groups = groups.visible(ds.group_of, nodate, n_groups) & ~ds.groups["_dated"].to_numpy()
        n_marks = int((shown & ds.groups["_dated"].to_numpy()).sum())
        undated = _undated_groups(ds, undated_groups, nodate)
        n_undated = int(undated_groups.sum())
        left = data.left_out(ev, masks, (ds.group_of, n_groups)) if n_groups else {}
    else:
        rows = ev.loc[keep, charts.CHART_COLUMNS]
        figure = charts.timeline_figure(rows, lane_by, x_range, titles=titles)
        histogram = charts.month_histogram(rows, x_range, unit="reports")
        n_marks = int((keep & dated_rows).sum())
        undated_rows = nodate & ~dated_rows
        undated = _undated_reports(ev[undated_rows])
        n_undated = int(undated_rows.sum())
        left = data.left_out(ev, masks)
    left.pop("undated", None)  # listed on the page, not left out
    passing = ev.loc[keep & dated_rows, ["source", "_lane"]]
    chronology = groups.chronology(ds.groups, shown, newest_first, CHRONOLOGY_ROWS) if n_groups else pd.DataFrame()
    n_chronology = int((shown & ds.groups["_dated"].to_numpy()).sum()) if n_groups else 0
    return TimelineParts(
        mode=mode,
        figure=figure,
        histogram=histogram,
        n_marks=n_marks,
        n_reports=int((keep & dated_rows).sum()),
        n_sources=int(passing["source"].nunique()),
        n_undated=n_undated,
        left_out=left,
        chronology=chronology,
        n_chronology=n_chronology,
        undated=undated,
        undated_documents=_undated_documents(ds, nodate),
        sources_without_lane=_sources_without_lane(ds, keep, nodate, figure, mode, lane_by),
    )


def _undated_groups(ds: data.Dataset, which: np.ndarray, nodate: np.ndarray) -> pd.DataFrame:
    """Undated events (groups) that pass every filter but the date: what, who, as written, why."""
    picked = np.flatnonzero(which)[:UNDATED_ROWS]
    if not len(picked):
        return _undated_frame()
    best = ds.groups["_best"].to_numpy()[picked]
    rows = ds.events.iloc[best]
    return _undated_frame(ds.groups["summary"].to_numpy()[picked], rows)


def _undated_reports(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.head(UNDATED_ROWS)
    return _undated_frame(rows["summary"].to_numpy(), rows) if len(rows) else _undated_frame()


def _undated_frame(what: np.ndarray | None = None, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    if rows is None or what is None:
        return pd.DataFrame(columns=["what", "source", "written", "why", "doc_id"])
    return pd.DataFrame(
        {
            "what": what,
            "source": rows["_lane"].to_numpy(),
            "written": rows["time_expression"].to_numpy(),
            "why": rows["_why_undated"].to_numpy(),
            "doc_id": rows["doc_id"].to_numpy(),
        }
    )


def _undated_documents(ds: data.Dataset, nodate: np.ndarray) -> pd.DataFrame:
    """Articles without a publication date that have events passing the other filters (or none at all)."""
    docs = ds.documents
    columns = ["title", "outlet", "events", "undated", "why", "doc_id"]
    if not len(docs):
        return pd.DataFrame(columns=columns)
    missing = docs[docs["published"].isna()]
    if missing.empty:
        return pd.DataFrame(columns=columns)
    ev = ds.events
    in_view = ev.loc[nodate, ["doc_id", "_dated"]]
    per_doc = in_view.groupby("doc_id")["_dated"].agg(["size", "sum"])
    ids = missing["doc_id"].astype(str)
    total = ids.map(per_doc["size"]).fillna(0).astype(int)
    dated = ids.map(per_doc["sum"]).fillna(0).astype(int)
    return pd.DataFrame(
        {
            "title": missing["title"].to_numpy(),
            "outlet": missing["outlet"].to_numpy(),
            "events": total.to_numpy(),
            "undated": (total - dated).to_numpy(),
            "why": [labels.document_undated_reason(str(b)) for b in missing["published_basis"]],
            "doc_id": ids.to_numpy(),
        }
    )


def _sources_without_lane(
    ds: data.Dataset, keep: np.ndarray, nodate: np.ndarray, figure: go.Figure, mode: str, lane_by: str
) -> dict[str, str]:
    """Sources whose events pass the non-date filters but that have no lane of their own, and why (lanes by
    source only; sources merged into the last lane are said by the chart's own note)."""
    if lane_by != "source" or not len(ds.events):
        return {}
    meta = figure.layout.meta or {}
    if meta.get("merged_lanes"):
        return {}
    lanes = set(meta.get("lanes", []))
    codes, sources = ds.facet_codes["sources"]  # each event's source, as a number: counts by bincount
    dated = ds.events["_dated"].to_numpy(dtype=bool)
    n = len(sources)
    candidates = np.bincount(codes[nodate], minlength=n)
    candidates_dated = np.bincount(codes[nodate & dated], minlength=n)
    drawn = np.bincount(codes[keep & dated], minlength=n)
    lane_of = ds.source_lanes
    out: dict[str, str] = {}
    for i in np.flatnonzero(candidates):
        source = sources[i]
        if lane_of.get(source) in lanes:
            continue
        if not candidates_dated[i]:
            out[source] = "only undated events, listed below"
        elif not drawn[i]:
            out[source] = "no dated events in the date range"
        elif mode == EVENTS:
            out[source] = f"every event it reports is reported by other sources too (the '{groups.SEVERAL}' lane)"
    return out
