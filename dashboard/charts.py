"""Figure builders: prepared events in, plotly figures out. They never draw and never mutate their input.

The timeline itself is in `dashboard.timeline_chart`; this module re-exports it beside the events-per-month
chart, the Sources page's figures and the selection helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.groups import plotly_escape
from dashboard.timeline_chart import (
    CHART_COLUMNS,
    DAY_MS,
    GROUP_CHART_COLUMNS,
    GROUP_LANES,
    LANE_COLUMNS,
    MARGIN,
    TYPE_COLOURS,
    _figure,
    _range,
    group_timeline_figure,
    timeline_figure,
)
from extract.schema import EVENT_TYPES

__all__ = [
    "CHART_COLUMNS",
    "DAY_MS",
    "GROUP_CHART_COLUMNS",
    "GROUP_LANES",
    "LANE_COLUMNS",
    "TYPE_COLOURS",
    "coverage_figure",
    "group_timeline_figure",
    "month_histogram",
    "selected_ids",
    "selected_months",
    "source_year_figure",
    "timeline_figure",
]
SPREAD_COLOUR = "#bdbdbd"
MONTH_DAYS = 31  # a period up to this long counts in its first month; a longer one is spread over its months


def _short(text: str, limit: int = 26) -> str:
    text = text.replace("<", "‹").replace(">", "›")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _spread_counts(months: np.ndarray, last: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Each period's one event spread evenly over the months it covers (within lo..hi): a float per month."""
    covered = np.minimum(last, hi) - np.maximum(months, lo) + 1
    keep = covered > 0
    months, covered, total = np.maximum(months, lo)[keep], covered[keep], (last - months + 1)[keep]
    if not len(months):
        return np.zeros(hi - lo + 1)
    idx = np.repeat(months - lo, covered) + (
        np.arange(int(covered.sum())) - np.repeat(np.cumsum(covered) - covered, covered)
    )
    weights = np.repeat(1.0 / total, covered)
    return np.bincount(idx, weights=weights, minlength=hi - lo + 1)


def month_histogram(
    events: pd.DataFrame, x_range: tuple[dt.date, dt.date] | None = None, unit: str = "events"
) -> go.Figure:
    """Events per month, one bar a month wide, stacked by event type. Events dated to a month or finer count
    in their month; one known only to a longer period (a quarter, a year, a range) is spread evenly over the
    months it covers, drawn apart (grey, hatched). `events` may be reports or groups (same columns)."""
    dated = events["_dated"].to_numpy(dtype=bool)
    months = events["_mi"].to_numpy()[dated]
    last = events["_mi_end"].to_numpy()[dated] if "_mi_end" in events else months
    kinds = events["_type_code"].to_numpy()[dated]
    length_days = (events["_end_excl"] - events["date_start"]).dt.days.to_numpy()[dated]
    coarse = length_days > MONTH_DAYS
    if not len(months):
        return month_counts_histogram(
            np.zeros(0, np.int64), np.zeros((0, len(EVENT_TYPES)), np.int64), None, x_range, unit
        )
    lo, hi = int(months.min()), int(months.max())
    if coarse.any():
        hi = max(hi, int(last[coarse].max()))
    if x_range is not None:
        lo = max(lo, int(np.datetime64(x_range[0], "M").astype(np.int64)))
        hi = min(hi, int(np.datetime64(x_range[1], "M").astype(np.int64)))
    width = max(hi - lo + 1, 1)
    fine = ~coarse & (kinds >= 0) & (months >= lo) & (months <= hi)
    counts = np.bincount(
        (months[fine] - lo) * len(EVENT_TYPES) + kinds[fine], minlength=width * len(EVENT_TYPES)
    ).reshape(width, len(EVENT_TYPES))
    spread = _spread_counts(months[coarse], last[coarse], lo, hi) if coarse.any() else np.zeros(width)
    return month_counts_histogram(np.arange(lo, lo + width), counts, spread, x_range, unit)


def month_counts_histogram(
    grid: np.ndarray,
    counts: np.ndarray,
    spread: np.ndarray | None,
    x_range: tuple[dt.date, dt.date] | None = None,
    unit: str = "events",
) -> go.Figure:
    """The events-per-month chart from counts: `grid` (months since 1970-01), `counts[month, EVENT_TYPES]` and
    `spread[month]` (the longer periods' share of each month), as `extract.store.query.Histogram.per_month`
    gives them for a store too large to load."""
    traces: list[dict[str, object]] = []
    top = 0.0
    width = len(grid)
    if width:
        spread = np.zeros(width) if spread is None else spread
        starts = grid.astype("datetime64[M]")
        days = ((grid + 1).astype("datetime64[M]").astype("datetime64[D]") - starts.astype("datetime64[D]")).astype(
            np.int64
        )
        labels = np.datetime_as_string(starts, unit="M")
        top = float((counts.sum(axis=1) + spread).max()) if width else 0.0
        bar = {"width": days * DAY_MS * 0.92, "offset": 0}
        for k, kind in enumerate(EVENT_TYPES):
            present = counts[:, k] > 0
            if not present.any():
                continue
            traces.append(
                {
                    "type": "bar",
                    "x": np.char.add(labels[present], "-01"),
                    "y": counts[present, k],
                    "width": bar["width"][present],
                    "offset": 0,
                    "name": kind,
                    "marker": {"color": TYPE_COLOURS[kind]},
                    "customdata": labels[present],
                    "hovertemplate": "%{customdata}: %{y:,} " + kind + f" {unit}<extra></extra>",
                }
            )
        present = spread > 0.0005
        if present.any():
            traces.append(
                {
                    "type": "bar",
                    "x": np.char.add(labels[present], "-01"),
                    "y": spread[present].round(3),
                    "width": bar["width"][present],
                    "offset": 0,
                    "name": "known only to a longer period",
                    "marker": {"color": SPREAD_COLOUR, "pattern": {"shape": "/", "fgcolor": "#8c8c8c", "size": 5}},
                    "customdata": labels[present],
                    "hovertemplate": "%{customdata}: %{y:.2f} of "
                    + unit
                    + " known only to a longer period (a quarter, a year, a range), spread evenly over its months"
                    "<extra></extra>",
                }
            )
    dtick = max(1, int(np.ceil(top / 4))) if top else 1
    layout = {
        "height": 210,
        "barmode": "stack",
        "margin": {**MARGIN, "t": 10, "b": 30},
        "showlegend": False,
        "dragmode": "select",
        "selectdirection": "h",
        "xaxis": {"type": "date", "showgrid": True, **_range(x_range)},
        "yaxis": {
            "title": {"text": f"{unit} / month", "standoff": 8},
            "fixedrange": True,
            "tickformat": ",d",
            "tick0": 0,
            "dtick": dtick,
            "rangemode": "tozero",
            "automargin": False,
            # a little headroom: the tallest month is not cut by the top edge
            **({"range": [0, top * 1.08]} if top else {}),
        },
    }
    return _figure(traces, layout)


def _lane_names(events: pd.DataFrame, sources: Sequence[str]) -> list[str]:
    """Each source's lane name (its outlet, or a short title), safe as a plotly label."""
    if "_lane" in events:
        names = dict(events[["source", "_lane"]].drop_duplicates("source").itertuples(index=False))
    else:
        names = {}
    return [_short(str(names.get(s, s)), 40) for s in sources]


def source_year_figure(events: pd.DataFrame, top: int = 15) -> go.Figure:
    """Events per source per year (heatmap with the counts written in the cells)."""
    dated = events[events["_dated"]]
    top_sources = dated["source"].value_counts().index[:top]
    part = dated[dated["source"].isin(top_sources)]
    table = part.groupby(["source", "_year"]).size().unstack(fill_value=0)
    if table.empty:
        return go.Figure()
    return source_year_heatmap(table.loc[list(top_sources)], _lane_names(events, list(top_sources)))


def source_year_heatmap(table: pd.DataFrame, names: list[str]) -> go.Figure:
    """The heatmap of a (source x year) count table, its rows in order, named ``names``."""
    first, last = int(min(table.columns)), int(max(table.columns))
    table = table.reindex(columns=range(first, last + 1), fill_value=0)  # every year gets a column, even empty
    years = list(table.columns)
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=years,
            y=names,
            colorscale="Blues",
            text=table.map(lambda v: f"{v:,}" if v else "").to_numpy(),
            texttemplate="%{text}",
            hovertemplate="%{y}, %{x}: %{z:,} events<extra></extra>",
            showscale=False,
        )
    )
    fig.update_layout(
        height=120 + 28 * len(table),
        margin={"l": 10, "r": 10, "t": 10, "b": 30},
        yaxis={"autorange": "reversed"},
        # one cell a year; labels upright, every year while they fit, else every 5th (not 37 sideways labels)
        xaxis={"type": "linear", "dtick": 1 if len(years) <= 14 else 5, "tickformat": "d", "tickangle": 0},
    )
    return fig


def coverage_figure(events: pd.DataFrame, top: int = 15, x_range: tuple[dt.date, dt.date] | None = None) -> go.Figure:
    """Which sources cover which stretches of time: one row per source, a cell per month with events."""
    dated = events[events["_dated"]]
    top_sources = list(dated["source"].value_counts().index[:top])
    part = dated[dated["source"].isin(top_sources)]
    cells = part.groupby(["source", "_month"]).size().reset_index(name="n")
    if cells.empty:
        return go.Figure()
    return coverage_bars(cells, top_sources, _lane_names(events, top_sources), x_range)


def coverage_bars(
    cells: pd.DataFrame, top_sources: list[str], names: list[str], x_range: tuple[dt.date, dt.date] | None = None
) -> go.Figure:
    """The coverage chart of (source, _month, n) cells, one row per source of ``top_sources``, named ``names``."""
    index = {s: i for i, s in enumerate(top_sources)}
    month_end = cells["_month"] + pd.offsets.MonthBegin(1)
    fig = go.Figure(
        go.Bar(
            orientation="h",
            base=cells["_month"].to_numpy(),
            x=(month_end - cells["_month"]).dt.total_seconds().to_numpy() * 1000,
            y=cells["source"].map(index).to_numpy(),
            width=0.7,
            marker={
                "color": np.log10(cells["n"].to_numpy()),
                "colorscale": [[0, "#9ecae1"], [1, "#08306b"]],
                "cmin": 0,
            },
            customdata=np.column_stack(
                [cells["_month"].dt.strftime("%B %Y").to_numpy(dtype=object), plotly_escape(cells["source"]).to_numpy()]
            ),
            text=cells["n"].to_numpy(),
            hovertemplate="%{customdata[1]}, %{customdata[0]}: %{text:,} events<extra></extra>",
            textposition="none",
        )
    )
    fig.update_layout(
        height=110 + 30 * len(top_sources),
        margin={"l": 10, "r": 10, "t": 10, "b": 30},
        xaxis={"type": "date"},
        yaxis={
            "tickmode": "array",
            "tickvals": list(range(len(top_sources))),
            "ticktext": names,
            "range": [len(top_sources) - 0.5, -0.5],
        },
    )
    if x_range is not None:
        fig.update_xaxes(range=[pd.Timestamp(x_range[0]), pd.Timestamp(x_range[1]) + pd.Timedelta(days=1)])
    return fig


def selected_ids(points: Sequence[dict]) -> list[str]:
    """Event ids of selected timeline points (aggregated cells carry none)."""
    ids: list[str] = []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)):
            custom = custom[0] if custom else None
        if isinstance(custom, str) and custom:
            ids.append(custom)
    return list(dict.fromkeys(ids))


def selected_months(points: Sequence[dict]) -> tuple[dt.date, dt.date] | None:
    """First and last day of the months selected on the histogram."""
    months: list[str] = []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)):
            custom = custom[0] if custom else None
        if isinstance(custom, str) and len(custom) == 7:
            months.append(custom)
    if not months:
        return None
    first, last = pd.Period(min(months), "M"), pd.Period(max(months), "M")
    return first.start_time.date(), last.end_time.date()


def _numbered(stamps: np.ndarray, ranks: np.ndarray, best: int = 10, share: float = 1 / 45) -> np.ndarray:
    """Which of the `best` days get their rank written: better ranks first, none closer than `share` of the
    axis to one already written (the numbers would overlap)."""
    out = np.zeros(len(ranks), dtype=bool)
    if not len(ranks):
        return out
    span = max(float((stamps.max() - stamps.min()) / np.timedelta64(1, "D")), 1.0)
    kept: list[np.datetime64] = []
    for i in np.argsort(ranks, kind="stable")[:best]:
        if all(abs(float((stamps[i] - k) / np.timedelta64(1, "D"))) > span * share for k in kept):
            kept.append(stamps[i])
            out[i] = True
    return out


def key_dates_figure(days: pd.DataFrame, x_range: tuple[dt.date, dt.date] | None = None) -> go.Figure:
    """Key dates as stems over time (taller: the day matters more), the ten best numbered by rank."""
    stamps = pd.to_datetime(days["date"]).to_numpy(dtype="datetime64[ns]")
    score = days["score"].astype(float).to_numpy()
    iso = np.datetime_as_string(stamps, unit="D")
    n = len(days)
    xs = np.empty(n * 3, dtype=object)
    xs[0::3] = xs[1::3] = iso
    xs[2::3] = None
    ys = np.empty(n * 3, dtype=object)
    ys[0::3], ys[1::3], ys[2::3] = 0.0, score, None
    hover = (
        "<b>"
        + plotly_escape(days["when"]).to_numpy(dtype=object)
        + "</b> · rank "
        + days["rank"].astype(int).astype(str).to_numpy(dtype=object)
        + " · score "
        + days["score"].map(lambda v: f"{v:.2f}").to_numpy(dtype=object)
        + "<br>"
        + days["n_sources"].astype(int).astype(str).to_numpy(dtype=object)
        + " sources, "
        + days["n_groups"].astype(int).astype(str).to_numpy(dtype=object)
        + " events<br>"
        + plotly_escape(days["summary"].astype(str).str.slice(0, 120)).to_numpy(dtype=object)
    )
    best = _numbered(stamps, days["rank"].astype(int).to_numpy())
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": xs,
            "y": ys,
            "line": {"color": "#9ecae1", "width": 2},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": iso,
            "y": score,
            "text": np.where(best, days["rank"].astype(int).astype(str).to_numpy(), ""),
            "textposition": "top center",
            "textfont": {"size": 11, "color": "#08306b"},
            "marker": {"color": "#2171b5", "size": 7},
            "hovertext": hover.astype(str),
            "hovertemplate": "%{hovertext}<extra></extra>",
            "cliponaxis": False,
            "showlegend": False,
        },
    ]
    layout = {
        "height": 230,
        "margin": {**MARGIN, "t": 20, "b": 30},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "xaxis": {"type": "date", "showgrid": True, **_range(x_range)},
        "yaxis": {"title": {"text": "score", "standoff": 8}, "fixedrange": True, "rangemode": "tozero"},
    }
    return _figure(traces, layout)
