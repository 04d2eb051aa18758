"""Figure builders: prepared events in, plotly figures out. They never draw and never mutate their input."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from extract.schema import EVENT_TYPES

TYPE_COLOURS: dict[str, str] = {
    "military": "#d62728",
    "diplomacy": "#1f77b4",
    "economy": "#2ca02c",
    "sanctions": "#9467bd",
    "conflict": "#ff7f0e",
    "statement": "#17becf",
    "other": "#7f7f7f",
}
LANE_COLUMNS = {"source": "source", "actor": "actors", "event type": "event_type"}
WEBGL_ABOVE = 1_000  # markers drawn above which WebGL (Scattergl) is used
MAX_LANES = 25
LANE_LIMIT = 1_500  # events in one lane above which the lane is drawn as monthly counts
MAX_POINTS = 6_000  # markers + spans drawn one by one, over all lanes
MAX_SPANS = 2_500  # spans are SVG bars: keep them fewer
HOVER_CHARS = 140
DAY_MS = 86_400_000


def _escape(values: pd.Series) -> pd.Series:
    """Plotly hover labels understand a few HTML tags: show data as text."""
    return values.astype(str).str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")


def _lanes(events: pd.DataFrame, lane_by: str) -> tuple[pd.DataFrame, np.ndarray, list[str], int]:
    """Rows to draw, each row's lane number, the lane names (busiest first) and how many lanes were merged.

    An event with two actors appears twice. Beyond MAX_LANES lanes, the rest share one 'other' lane.
    """
    column = LANE_COLUMNS[lane_by]
    if column == "actors":
        lengths = events["actors"].map(len).to_numpy()
        has = lengths > 0
        idx = np.concatenate([np.repeat(np.arange(len(events)), lengths), np.flatnonzero(~has)])
        labels = [a for lst in events["actors"] for a in lst] + ["(no actor)"] * int((~has).sum())
        rows = events.iloc[idx]
        raw, names = pd.factorize(np.asarray(labels, dtype=object))
    else:
        rows = events
        raw, names = pd.factorize(events[column].to_numpy(dtype=object))
    counts = np.bincount(raw, minlength=len(names))
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    codes = rank[raw]
    lanes = [str(names[i]) or "(unknown)" for i in order]
    merged = 0
    if len(lanes) > MAX_LANES:
        merged = len(lanes) - (MAX_LANES - 1)
        codes = np.minimum(codes, MAX_LANES - 1)
        lanes = [*lanes[: MAX_LANES - 1], f"other {lane_by}s ({merged:,})"]
    return rows, codes, lanes, merged


def hover_text(rows: pd.DataFrame) -> pd.Series:
    """Hover text per event: the date as written, its precision, the summary and the source (escaped)."""
    written = rows["time_expression"].astype(str)
    shown = written.where(written != "", "(publication date)")
    summary = rows["summary"].astype(str)
    summary = summary.where(summary.str.len() <= HOVER_CHARS, summary.str.slice(0, HOVER_CHARS - 1) + "…")
    text = (
        "<b>"
        + _escape(shown)
        + "</b> · "
        + rows["granularity"].astype(str)
        + "<br>"
        + _escape(summary)
        + "<br><i>"
        + _escape(rows["source"])
        + "</i>"
    )
    return text


def _fixed(values: pd.Series) -> np.ndarray:
    """Strings as a fixed-width numpy array: plotly deep-copies figures, and these copy in one block."""
    return np.asarray(values.astype(str).to_numpy(dtype=object), dtype=str)


HOVER = "%{hovertext}<extra></extra>"
KEEP = ["event_id", "_hover", "event_type", "date_start", "_end_excl", "_span", "_jitter", "_mi"]
CHART_COLUMNS = [*KEEP, "source", "actors", "_dated", "_type_code"]  # what timeline_figure and month_histogram read


def timeline_figure(
    events: pd.DataFrame,
    lane_by: str = "source",
    x_range: tuple[dt.date, dt.date] | None = None,
    *,
    lane_limit: int = LANE_LIMIT,
    max_points: int = MAX_POINTS,
    height: int | None = None,
) -> go.Figure:
    """The timeline: one lane per source/actor/event type, points as markers, periods as spans.

    Day-level events are markers; events over a longer period are bars from date_start to date_end + 1 day.
    Lanes with too many events are drawn as monthly counts instead (listed in `layout.meta.aggregated`).
    """
    keep = [*KEEP, LANE_COLUMNS[lane_by]] if LANE_COLUMNS[lane_by] not in KEEP else KEEP
    dated = events.loc[events["_dated"].to_numpy(), keep]
    if len(dated):
        rows, codes, lanes, merged = _lanes(dated, lane_by)
    else:
        rows, codes, lanes, merged = dated, np.zeros(0, dtype=np.int64), [], 0
    rows = rows.assign(_y=codes + rows["_jitter"].to_numpy(), _code=codes)

    # Which lanes are drawn one event at a time, which as monthly counts: the densest go first.
    is_span = rows["_span"].to_numpy(dtype=bool)
    n_per = np.bincount(codes, minlength=len(lanes))
    spans_per = np.bincount(codes, weights=is_span, minlength=len(lanes)).astype(np.int64)
    dense = n_per > lane_limit
    points, spans = int(n_per[~dense].sum()), int(spans_per[~dense].sum())
    for lane in np.argsort(-n_per, kind="stable"):
        if points <= max_points and spans <= MAX_SPANS:
            break
        if not dense[lane]:
            dense[lane] = True
            points -= int(n_per[lane])
            spans -= int(spans_per[lane])
    aggregated = {lanes[i] for i in np.flatnonzero(dense)}
    in_dense = dense[codes] if len(codes) else np.zeros(0, dtype=bool)

    traces: list[dict[str, object]] = []
    detail = rows[~in_dense]
    detail_span = is_span[~in_dense]
    kinds = detail["event_type"].to_numpy()
    marker_type = "scattergl" if int((~detail_span).sum()) > WEBGL_ABOVE else "scatter"
    for kind in EVENT_TYPES:
        of_kind = kinds == kind
        if not of_kind.any():
            continue
        marks = detail[of_kind & ~detail_span]
        bars = detail[of_kind & detail_span]
        colour = TYPE_COLOURS[kind]
        if len(bars):
            traces.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "base": _iso(bars["date_start"]),
                    "x": (bars["_end_excl"] - bars["date_start"]).dt.total_seconds().to_numpy() * 1000,
                    "y": bars["_y"].to_numpy(),
                    "width": 0.16,
                    "marker": {"color": colour, "opacity": 0.55, "line": {"width": 0}},
                    "name": kind,
                    "legendgroup": kind,
                    "showlegend": marks.empty,
                    "customdata": _fixed(bars["event_id"]),
                    "hovertext": _fixed(bars["_hover"]),
                    "hovertemplate": HOVER,
                }
            )
        if len(marks):
            traces.append(
                {
                    "type": marker_type,
                    "x": _iso(marks["date_start"]),
                    "y": marks["_y"].to_numpy(),
                    "mode": "markers",
                    "marker": {"color": colour, "size": 8, "opacity": 0.85, "line": {"width": 0.5, "color": "white"}},
                    "name": kind,
                    "legendgroup": kind,
                    "customdata": _fixed(marks["event_id"]),
                    "hovertext": _fixed(marks["_hover"]),
                    "hovertemplate": HOVER,
                }
            )
    if aggregated:
        months = rows["_mi"].to_numpy()[in_dense]
        lane_of = codes[in_dense]
        first = int(months.min())
        width = int(months.max()) - first + 1
        flat = np.bincount(lane_of * width + (months - first), minlength=len(lanes) * width)
        cells = np.flatnonzero(flat)
        n = flat[cells]
        cell_lane, cell_month = cells // width, cells % width + first
        starts = cell_month.astype("datetime64[M]")
        days = (
            (cell_month + 1).astype("datetime64[M]").astype("datetime64[D]") - starts.astype("datetime64[D]")
        ).astype(np.int64)
        names = np.asarray([html.escape(lane, quote=False) for lane in lanes])
        hover = np.char.add(np.char.add("<b>", np.datetime_as_string(starts, unit="M")), "</b>: ")
        hover = np.char.add(np.char.add(hover, np.char.mod("%d events<br><i>", n)), names[cell_lane])
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "base": np.datetime_as_string(starts, unit="D"),
                "x": days * DAY_MS,
                "y": cell_lane,
                "width": 0.8,
                "marker": {"color": np.log10(n), "colorscale": [[0, "#d9d9d9"], [1, "#252525"]], "cmin": 0},
                "name": "events per month",
                "customdata": np.full(len(cells), ""),
                "hovertext": np.char.add(hover, "</i>"),
                "hovertemplate": HOVER,
            }
        )
    n_lanes = max(len(lanes), 1)
    layout = {
        "height": height or min(900, 110 + 44 * n_lanes),
        "margin": {"l": 10, "r": 10, "t": 56, "b": 30},
        "barmode": "overlay",
        "dragmode": "zoom",
        "clickmode": "event+select",
        "hovermode": "closest",
        "showlegend": True,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": {"text": ""}},
        "xaxis": {"type": "date", "showgrid": True, **_range(x_range)},
        "yaxis": {
            "tickmode": "array",
            "tickvals": list(range(len(lanes))),
            "ticktext": [_short(lane) for lane in lanes],
            "range": [n_lanes - 0.5, -0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
        },
        "shapes": [
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": i - 0.5,
                "y1": i + 0.5,
                "fillcolor": "rgba(128,128,128,0.07)",
                "line": {"width": 0},
                "layer": "below",
            }
            for i in range(1, len(lanes), 2)
        ],
        "meta": {
            "aggregated": sorted(aggregated),
            "lanes": lanes,
            "merged_lanes": merged,
            "drawn": len(detail),
            "undated": int((~events["_dated"]).sum()),
        },
    }
    return _figure(traces, layout)


def _figure(traces: list[dict[str, object]], layout: dict[str, object]) -> go.Figure:
    """A Figure from plain dicts without plotly's per-property validation (10-20x faster on big arrays).

    The dicts use only documented trace and layout attributes; tests render them through plotly.io.
    """
    return go.Figure(data=traces, layout=layout, _validate=False)


def _iso(values: pd.Series) -> np.ndarray:
    """Datetimes as ISO day strings (compact JSON; plotly reads them as dates)."""
    return np.datetime_as_string(values.to_numpy(dtype="datetime64[ns]"), unit="D")


def _range(x_range: tuple[dt.date, dt.date] | None) -> dict[str, object]:
    if x_range is None:
        return {}
    return {"range": [f"{x_range[0]:%Y-%m-%d}", f"{pd.Timestamp(x_range[1]) + pd.Timedelta(days=1):%Y-%m-%d}"]}


def _short(text: str, limit: int = 26) -> str:
    text = text.replace("<", "‹").replace(">", "›")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def month_histogram(events: pd.DataFrame, x_range: tuple[dt.date, dt.date] | None = None) -> go.Figure:
    """Events per month (by the month their period starts), stacked by event type."""
    dated = events["_dated"].to_numpy(dtype=bool)
    months = events["_mi"].to_numpy()[dated]
    kinds = events["_type_code"].to_numpy()[dated]
    traces: list[dict[str, object]] = []
    if len(months):
        first = int(months.min())
        width = int(months.max()) - first + 1
        known = kinds >= 0
        counts = np.bincount(
            (months[known] - first) * len(EVENT_TYPES) + kinds[known], minlength=width * len(EVENT_TYPES)
        ).reshape(width, len(EVENT_TYPES))
        labels = np.datetime_as_string(np.arange(first, first + width).astype("datetime64[M]"), unit="M")
        for k, kind in enumerate(EVENT_TYPES):
            present = counts[:, k] > 0
            if not present.any():
                continue
            traces.append(
                {
                    "type": "bar",
                    "x": np.char.add(labels[present], "-01"),
                    "y": counts[present, k],
                    "name": kind,
                    "marker": {"color": TYPE_COLOURS[kind]},
                    "customdata": labels[present],
                    "hovertemplate": "%{customdata}: %{y:,} " + kind + "<extra></extra>",
                    "xperiod": "M1",
                    "xperiodalignment": "middle",
                }
            )
    layout = {
        "height": 220,
        "barmode": "stack",
        "bargap": 0.1,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
        "showlegend": False,
        "dragmode": "select",
        "selectdirection": "h",
        "xaxis": {"type": "date", **_range(x_range)},
        "yaxis": {"title": {"text": "events / month"}, "fixedrange": True},
    }
    return _figure(traces, layout)


def source_year_figure(events: pd.DataFrame, top: int = 15) -> go.Figure:
    """Events per source per year (heatmap with the counts written in the cells)."""
    dated = events[events["_dated"]]
    top_sources = dated["source"].value_counts().index[:top]
    part = dated[dated["source"].isin(top_sources)]
    table = part.groupby(["source", "_year"]).size().unstack(fill_value=0)
    if table.empty:
        return go.Figure()
    table = table.loc[list(top_sources)]
    first, last = int(min(table.columns)), int(max(table.columns))
    table = table.reindex(columns=range(first, last + 1), fill_value=0)  # every year gets a column, even empty
    years = list(table.columns)
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[str(y) for y in years],
            y=[_short(str(s), 30) for s in table.index],
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
        xaxis={"type": "category"},  # years as labels, one cell each, not a continuous date axis
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
                [cells["_month"].dt.strftime("%B %Y").to_numpy(dtype=object), _escape(cells["source"]).to_numpy()]
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
            "ticktext": [_short(str(s), 30) for s in top_sources],
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
