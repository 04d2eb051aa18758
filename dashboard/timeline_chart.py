"""The timeline figure: marks on lanes over time, for events (groups) or single reports.

In: prepared rows (`data.prepare_events` for reports, `groups.build_groups` for events) with the mark columns
(`_id`-like id column, `_hover`, `event_type`, `date_start`, `_end_excl`, `_span`, `_jitter`, `_mi`, `_hollow`,
`_faded`) and, for events, `n_sources`, `_lo`, `_hi`, `_spread`, `_conf`. Out: a plotly figure (plain dicts,
not validated: see `_figure`). Never mutates its input. Lanes too dense to tell points apart become monthly
totals, listed in `layout.meta`.
"""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import groups as grp
from dashboard import timeline_labels as tl
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
# Lane choice -> column, for single reports and for events (groups).
REPORT_LANES = {"source": "_lane", "actor": "actors", "event type": "event_type"}
GROUP_LANES = {"source": "_lane", "actor": "_actor", "event type": "event_type"}
LANE_COLUMNS = REPORT_LANES  # kept for callers that list the choices
WEBGL_ABOVE = 1_000  # markers drawn above which WebGL (Scattergl) is used
MAX_LANES = 25
MAX_POINTS = 6_000  # markers + spans drawn one by one, over all lanes
MAX_SPANS = 2_500  # spans are SVG bars: keep them fewer
DAY_MS = 86_400_000
LANE_PX = tl.LANE_PX
# The plot's left margin holds the lane names (labels.short_title keeps them to 34 characters); the events
# per month chart uses the same margins, so both x axes line up.
MARGIN = {"l": 235, "r": 16}
PLOT_PX = tl.PLOT_PX  # the narrowest plot area expected (1280 px window, sidebar open): labels are placed for it
# The 'Several sources' lane is this much taller (of a lane), on top: rows for the labels of the events the
# most sources report.
SEVERAL_EXTRA = 0.6
MIN_BAR_PX = 4  # a period narrower than this is drawn as a point at its middle (a bar would not show)
WHISKER_PX = 7  # the spread bar through a mark reaches this far beyond it on each side
SLOTS = (0, -1, 1)  # rows within a lane, tried in this order, for marks that would overlap
MARK_PX = 9  # a mark's diameter for one source (see _sizes)
# A lane holding more marks than its rows show side by side on the narrowest plot (3 rows of 600 / 9 marks) is
# drawn as monthly totals: beyond that the marks overlap into a smear that tells nothing apart (1,500 before).
LANE_LIMIT = len(SLOTS) * PLOT_PX // MARK_PX
SLOT_HEIGHT = tl.ROW  # of a lane
HOVER = "%{hovertext}<extra></extra>"

SPREAD_STYLE = {
    grp.CONFLICT: ("sources disagree on the date", "#b2182b", 2.0, "solid"),
    grp.REFINES: ("one source is vaguer", "#8c8c8c", 1.5, "dot"),
}

KEEP = ["event_id", "_hover", "event_type", "date_start", "_end_excl", "_span", "_jitter", "_mi", "_hollow", "_faded"]
# What timeline_figure and month_histogram read from the events frame.
CHART_COLUMNS = [*KEEP, "_lane", "source", "actors", "_dated", "_type_code", "_mi_end", "summary", "confidence"]
GROUP_CHART_COLUMNS = [
    "event_group",
    "_hover",
    "event_type",
    "date_start",
    "_end_excl",
    "_span",
    "_jitter",
    "_mi",
    "_mi_end",
    "_hollow",
    "_faded",
    "_lane",
    "_actor",
    "_dated",
    "_type_code",
    "n_sources",
    "_lo",
    "_hi",
    "_spread",
    "_conf",
    "_n_reports",
    "summary",
]


def _lanes(rows: pd.DataFrame, column: str, lane_by: str) -> tuple[pd.DataFrame, np.ndarray, list[str], int]:
    """Rows to draw, each row's lane number, the lane names (busiest first; 'Several sources' on top) and how
    many lanes were merged. A report with two actors appears twice. Beyond MAX_LANES lanes, the rest share one
    'other' lane."""
    if column == "actors":
        lengths = rows["actors"].map(len).to_numpy()
        has = lengths > 0
        idx = np.concatenate([np.repeat(np.arange(len(rows)), lengths), np.flatnonzero(~has)])
        names_of = [a for lst in rows["actors"] for a in lst] + ["(no actor)"] * int((~has).sum())
        rows = rows.iloc[idx]
        raw, names = pd.factorize(np.asarray(names_of, dtype=object))
    else:
        if column not in rows:
            column = "source"
        raw, names = pd.factorize(rows[column].to_numpy(dtype=object))
    counts = np.bincount(raw, minlength=len(names))
    first = np.asarray([str(n) == grp.SEVERAL for n in names], dtype=bool)
    order = np.lexsort((-counts, ~first))  # the shared lane first, then the busiest
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    codes = rank[raw]
    lanes = [str(names[i]) or "(unknown)" for i in order]
    merged = 0
    if len(lanes) > MAX_LANES:
        merged = len(lanes) - (MAX_LANES - 1)
        codes = np.minimum(codes, MAX_LANES - 1)
        lanes = [*lanes[: MAX_LANES - 1], f"{merged:,} other {lane_by}s"]
    return rows, codes, lanes, merged


def _fixed(values: pd.Series | np.ndarray) -> np.ndarray:
    """Strings as a fixed-width numpy array: plotly deep-copies figures, and these copy in one block."""
    return np.asarray(pd.Series(values, dtype=object).astype(str).to_numpy(dtype=object), dtype=str)


def _iso(values: pd.Series | np.ndarray) -> np.ndarray:
    """Datetimes as ISO day strings (compact JSON; plotly reads them as dates)."""
    return np.datetime_as_string(np.asarray(values, dtype="datetime64[ns]"), unit="D")


def _range(x_range: tuple[dt.date, dt.date] | None) -> dict[str, object]:
    if x_range is None:
        return {}
    return {"range": [f"{x_range[0]:%Y-%m-%d}", f"{pd.Timestamp(x_range[1]) + pd.Timedelta(days=1):%Y-%m-%d}"]}


def _lane_tick(name: str, italic: set[str]) -> str:
    text = html.escape(name, quote=False)
    return f"<i>{text}</i>" if name in italic else text


def timeline_figure(
    events: pd.DataFrame,
    lane_by: str = "source",
    x_range: tuple[dt.date, dt.date] | None = None,
    *,
    lane_limit: int | None = None,
    max_points: int | None = None,
    height: int | None = None,
    titles: set[str] | None = None,
) -> go.Figure:
    """Single reports on lanes (by source, actor or event type): day-level reports are markers, longer periods
    bars from date_start to date_end + 1 day. `titles`: lane names that are article titles (drawn italic)."""
    column = REPORT_LANES[lane_by]
    dated = events.loc[events["_dated"].to_numpy()]
    marks = dated.assign(_id=dated["event_id"].to_numpy())
    return _marks_figure(
        marks,
        column,
        lane_by,
        x_range,
        undated=int((~events["_dated"]).sum()),
        lane_limit=LANE_LIMIT if lane_limit is None else lane_limit,
        max_points=MAX_POINTS if max_points is None else max_points,
        height=height,
        titles=titles or set(),
        grouped=False,
    )


def group_timeline_figure(
    groups: pd.DataFrame,
    lane_by: str = "source",
    x_range: tuple[dt.date, dt.date] | None = None,
    *,
    lane_limit: int | None = None,
    max_points: int | None = None,
    titles: set[str] | None = None,
) -> go.Figure:
    """Events (groups) on lanes: one mark each, bigger the more sources report it, with whiskers over the
    spread of the dates its sources give, and a short label where it fits. Events more than one source reports
    share the top lane when lanes are by source."""
    dated = groups.loc[groups["_dated"].to_numpy()]
    marks = dated.assign(_id=dated["event_group"].to_numpy())
    return _marks_figure(
        marks,
        GROUP_LANES[lane_by],
        lane_by,
        x_range,
        undated=int((~groups["_dated"]).sum()),
        lane_limit=LANE_LIMIT if lane_limit is None else lane_limit,
        max_points=MAX_POINTS if max_points is None else max_points,
        height=None,
        titles=titles or set(),
        grouped=True,
    )


def _dense_lanes(codes: np.ndarray, is_span: np.ndarray, n_lanes: int, lane_limit: int, max_points: int) -> np.ndarray:
    """Which lanes are drawn as monthly totals: those over lane_limit, then the densest until the rest fit."""
    n_per = np.bincount(codes, minlength=n_lanes)
    spans_per = np.bincount(codes, weights=is_span, minlength=n_lanes).astype(np.int64)
    dense = n_per > lane_limit
    points, spans = int(n_per[~dense].sum()), int(spans_per[~dense].sum())
    for lane in np.argsort(-n_per, kind="stable"):
        if points <= max_points and spans <= MAX_SPANS:
            break
        if not dense[lane]:
            dense[lane] = True
            points -= int(n_per[lane])
            spans -= int(spans_per[lane])
    return dense


def _marks_figure(
    marks: pd.DataFrame,
    column: str,
    lane_by: str,
    x_range: tuple[dt.date, dt.date] | None,
    *,
    undated: int,
    lane_limit: int,
    max_points: int,
    height: int | None,
    titles: set[str],
    grouped: bool,
) -> go.Figure:
    if len(marks):
        rows, codes, lanes, merged = _lanes(marks, column, lane_by)
    else:
        rows, codes, lanes, merged = marks, np.zeros(0, dtype=np.int64), [], 0
    rows = rows.assign(_code=codes)
    is_span = rows["_span"].to_numpy(dtype=bool)
    dense = _dense_lanes(codes, is_span, len(lanes), lane_limit, max_points)
    aggregated = [lanes[i] for i in np.flatnonzero(dense)]
    in_dense = dense[codes] if len(codes) else np.zeros(0, dtype=bool)
    totals = _monthly_totals(rows, codes, lanes, in_dense) if aggregated else None
    return _draw(
        rows[~in_dense],
        lanes,
        merged,
        aggregated,
        totals,
        _x_span(x_range, rows),
        x_range,
        undated=undated,
        height=height,
        titles=titles,
        grouped=grouped,
    )


def store_timeline_figure(
    marks: pd.DataFrame,
    lanes: pd.DataFrame,
    dense: tuple[str, ...] | list[str],
    months: pd.DataFrame,
    lane_by: str,
    x_range: tuple[dt.date, dt.date],
    *,
    names: dict[str, str] | None = None,
    titles: set[str] | None = None,
    grouped: bool = True,
    undated: int = 0,
) -> go.Figure:
    """The timeline of a store too large to load (extract/store/query.py `Query.timeline`): the same drawing
    as `timeline_figure` / `group_timeline_figure`, from the lanes the store counted (lane, n: every lane,
    'Several sources' first, then the busiest), the lanes it drew as monthly totals (`dense`; their totals in
    `months`: lane, month since 1970-01, n), and the other lanes' marks (`marks`: prepared rows with `_id` and
    `_lane_key`, the lane they are counted in). `names`: a lane's name as shown (a source's lane name)."""
    names = names or {}
    keys = [str(k) for k in lanes["lane"]]
    shown = [names.get(k, k) or "(unknown)" for k in keys]
    code_of = {k: i for i, k in enumerate(keys)}
    merged = 0
    if len(shown) > MAX_LANES:
        merged = len(shown) - (MAX_LANES - 1)
        shown = [*shown[: MAX_LANES - 1], f"{merged:,} other {lane_by}s"]
        code_of = {k: min(i, MAX_LANES - 1) for k, i in code_of.items()}
    codes = np.asarray([code_of.get(str(k), 0) for k in marks["_lane_key"].tolist()], dtype=np.int64)
    rows = marks.assign(_code=codes)
    aggregated = [names.get(k, k) or "(unknown)" for k in dense]
    totals = None
    if len(dense) and len(months):
        cells = months.assign(code=[code_of.get(str(k), 0) for k in months["lane"]])
        cells = cells.groupby(["code", "month"], as_index=False)["n"].sum()
        totals = _totals_trace(
            cells["code"].to_numpy(np.int64), cells["month"].to_numpy(np.int64), cells["n"].to_numpy(np.int64), shown
        )
    return _draw(
        rows,
        shown,
        merged,
        aggregated,
        totals,
        _x_span(x_range, rows),
        x_range,
        undated=undated,
        height=None,
        titles=titles or set(),
        grouped=grouped,
    )


def _draw(
    rows: pd.DataFrame,
    lanes: list[str],
    merged: int,
    aggregated: list[str],
    totals: dict[str, object] | None,
    span: tuple[np.datetime64, np.datetime64],
    x_range: tuple[dt.date, dt.date] | None,
    *,
    undated: int,
    height: int | None,
    titles: set[str],
    grouped: bool,
) -> go.Figure:
    """The figure: the marks drawn one by one (`rows`, with their lane `_code`), the monthly totals' trace of
    the lanes too dense for that, labels, the style legend and the lanes."""
    detail = _layout_marks(rows, span)
    detail_span = detail["_bar"].to_numpy(dtype=bool)

    traces: list[dict[str, object]] = []
    present: set[str] = set()
    if grouped and len(detail):
        traces += _whiskers(detail, present)
    kinds = detail["event_type"].to_numpy()
    columns = _trace_columns(detail) if len(detail) else {}
    marker_type = "scattergl" if int((~detail_span).sum()) > WEBGL_ABOVE else "scatter"
    for kind in EVENT_TYPES:
        of_kind = kinds == kind
        if of_kind.any():
            traces += _type_traces(columns, of_kind & detail_span, of_kind & ~detail_span, kind, marker_type)
    hollow = detail["_hollow"].to_numpy(dtype=bool)
    faded = detail["_faded"].to_numpy(dtype=bool)
    if hollow.any():
        present.add("hollow")
    if faded.any():
        present.add("faded")
    if grouped and (detail["n_sources"].to_numpy() > 1).any():
        present.add("size")
    if totals is not None:
        traces.append(totals)
    extra = SEVERAL_EXTRA if grouped and lanes[:1] == [grp.SEVERAL] else 0.0
    labelled = _place_labels(detail, span, grouped, extra) if len(detail) else detail.iloc[0:0]
    if len(labelled):
        traces.append(
            {
                "type": "scatter",
                "mode": "text",
                "x": _iso(labelled["_label_x"]),
                "y": labelled["_label_y"].to_numpy(dtype=float),
                "text": _fixed(labelled["_label"]),
                "textposition": labelled["_label_pos"].to_numpy(dtype=str),
                "textfont": {"size": 11, "color": "#262730", "shadow": "auto"},
                "cliponaxis": False,
                "showlegend": False,
                "customdata": _fixed(labelled["_id"]),
                "hovertext": _fixed(labelled["_hover"]),
                "hovertemplate": HOVER,
                "name": "labels",
            }
        )
    traces += _style_legend(present)
    n_lanes = max(len(lanes), 1)
    layout = {
        "height": height or min(1100, round(150 + LANE_PX * (n_lanes + extra))),
        "margin": {**MARGIN, "t": 40, "b": 92},
        "barmode": "overlay",
        "dragmode": "zoom",
        "clickmode": "event+select",
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "x": 0,
            "title": {"text": ""},
            "itemsizing": "constant",
        },
        "legend2": {
            "orientation": "h",
            "yanchor": "top",
            "y": -34 / (LANE_PX * (n_lanes + extra) + 40),
            "x": 0,
            "yref": "paper",
            "font": {"size": 11, "color": "#555"},
            "title": {"text": ""},
        },
        "xaxis": {"type": "date", "showgrid": True, **_range(x_range)},
        "yaxis": {
            "tickmode": "array",
            "tickvals": list(range(len(lanes))),
            "ticktext": [_lane_tick(lane, titles) for lane in lanes],
            "range": [n_lanes - 0.5, -0.5 - extra],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "automargin": False,
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
        ]
        + _leaders(labelled),
        "meta": {
            "aggregated": sorted(set(aggregated)),
            "lanes": lanes,
            "merged_lanes": merged,
            "drawn": len(detail),
            "undated": undated,
            "labels": len(labelled),
        },
    }
    return _figure(traces, layout)


def _trace_columns(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """What the type traces read of the marks, as numpy arrays made once for all types."""
    start = np.asarray(rows["date_start"], dtype="datetime64[ns]")
    length = np.asarray(rows["_end_excl"], dtype="datetime64[ns]") - start
    return {
        "_id": _fixed(rows["_id"]),
        "_hover": _fixed(rows["_hover"]),
        "base": _iso(start),
        "length": length / np.timedelta64(1, "ms"),
        "_x": _iso(rows["_x"]),
        "_y": rows["_y"].to_numpy(),
        "_hollow": rows["_hollow"].to_numpy(dtype=bool),
        "_faded": rows["_faded"].to_numpy(dtype=bool),
        "size": _sizes(rows),
    }


def _type_traces(
    columns: dict[str, np.ndarray], bars: np.ndarray, points: np.ndarray, kind: str, marker_type: str
) -> list[dict[str, object]]:
    """One event type's periods (``bars``: which rows of `_trace_columns`) and days (``points``): hollow where
    the date is not written, faded where confidence is low, bigger the more sources report it."""
    colour = TYPE_COLOURS[kind]
    out: list[dict[str, object]] = []
    if bars.any():
        hollow = columns["_hollow"][bars]
        faded = columns["_faded"][bars]
        out.append(
            {
                "type": "bar",
                "orientation": "h",
                "base": columns["base"][bars],
                "x": columns["length"][bars],
                "y": columns["_y"][bars],
                "width": 0.18,
                "marker": {
                    "color": np.where(hollow, "rgba(255,255,255,0)", colour).astype(str),
                    "opacity": np.where(faded, 0.3, 0.6),
                    "line": {"width": np.where(hollow, 1.5, 0.0), "color": colour},
                },
                "name": kind,
                "legendgroup": kind,
                "showlegend": not points.any(),
                "customdata": columns["_id"][bars],
                "hovertext": columns["_hover"][bars],
                "hovertemplate": HOVER,
            }
        )
    if points.any():
        hollow = columns["_hollow"][points]
        faded = columns["_faded"][points]
        out.append(
            {
                "type": marker_type,
                "x": columns["_x"][points],
                "y": columns["_y"][points],
                "mode": "markers",
                "marker": {
                    "color": colour,
                    "size": columns["size"][points],
                    "symbol": np.where(hollow, "circle-open", "circle").astype(str),
                    "opacity": np.where(faded, 0.35, 0.9),
                    "line": {
                        "width": np.where(hollow, 2.0, 0.8),
                        "color": np.where(hollow, colour, "white").astype(str),
                    },
                },
                "name": kind,
                "legendgroup": kind,
                "customdata": columns["_id"][points],
                "hovertext": columns["_hover"][points],
                "hovertemplate": HOVER,
            }
        )
    return out


def _sizes(rows: pd.DataFrame) -> np.ndarray:
    """Marker diameter: MARK_PX for one source, 4 px more per further source, up to six."""
    if "n_sources" not in rows:
        return np.full(len(rows), MARK_PX - 1)
    return MARK_PX + 4 * (np.clip(rows["n_sources"].to_numpy(), 1, 6) - 1)


def _whiskers(rows: pd.DataFrame, present: set[str]) -> list[dict[str, object]]:
    """The spread of the dates an event's sources give (conflict: red; a vaguer date: grey, dotted), twice:

    - a whisker over the dates themselves, with end ticks (data: it widens as one zooms in), and
    - a bar through the mark, WHISKER_PX longer than the mark on each side (a symbol, the same at every zoom),
      so a spread of a few days still shows when the axis spans years.
    Neither has a hover: the mark's hover lists the dates."""
    out: list[dict[str, object]] = []
    spread = rows["_spread"].to_numpy()
    for kind, (name, colour, width, dash) in SPREAD_STYLE.items():
        part = rows[spread == kind]
        if part.empty:
            continue
        present.add(f"spread{kind}")
        n = len(part)
        ids = list(part["_id"].astype(str))
        xs = np.empty(n * 3, dtype=object)
        xs[0::3] = _iso(part["_lo"])
        xs[1::3] = _iso(part["_hi"] + pd.Timedelta(days=1))
        xs[2::3] = None
        ys = np.empty(n * 3, dtype=object)
        ys[0::3] = ys[1::3] = part["_y"].to_numpy()
        ys[2::3] = None
        out.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": xs,
                "y": ys,
                "line": {"color": colour, "width": width, "dash": dash},
                "marker": {"symbol": "line-ns-open", "size": 11, "color": colour, "line": {"width": width}},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": name,
                "meta": {"events": ids, "shows": "dates"},
            }
        )
        out.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": _iso(part["_x"]),
                "y": part["_y"].to_numpy(),
                "marker": {
                    "symbol": "line-ew-open",
                    "size": _sizes(part) + 2 * WHISKER_PX,
                    "color": colour,
                    "line": {"width": width + 0.5, "color": colour},
                },
                "hoverinfo": "skip",
                "showlegend": False,
                "name": name,
                "meta": {"events": ids, "shows": "spread"},
            }
        )
    return out


def _ms_per_px(span: tuple[np.datetime64, np.datetime64]) -> float:
    """Milliseconds per pixel on the narrowest expected plot (PLOT_PX wide) over `span`."""
    total = float((span[1] - span[0]) / np.timedelta64(1, "ms"))
    return max(total, 1.0) / PLOT_PX


def _layout_marks(rows: pd.DataFrame, span: tuple[np.datetime64, np.datetime64]) -> pd.DataFrame:
    """Where each mark is drawn: `_bar` (a period wide enough to see as a bar, else a point at its middle),
    `_x` (the point's date) and `_y` (its lane, and a row within the lane so marks that would overlap sit
    above and below each other; beyond three rows, a fixed jitter)."""
    if not len(rows):
        return rows.assign(_bar=np.zeros(0, dtype=bool), _x=rows["date_start"], _y=np.zeros(0))
    ms = _ms_per_px(span)
    start = rows["date_start"].to_numpy(dtype="datetime64[ns]")
    end = rows["_end_excl"].to_numpy(dtype="datetime64[ns]")
    length_px = (end - start) / np.timedelta64(1, "ms") / ms
    bar = rows["_span"].to_numpy(dtype=bool) & (length_px >= MIN_BAR_PX)
    middle = start + (end - start) // 2
    x = np.where(bar | ~rows["_span"].to_numpy(dtype=bool), start, middle)
    centre_px = (x - span[0]) / np.timedelta64(1, "ms") / ms
    radius = _sizes(rows) / 2 + 1
    left = np.where(bar, centre_px, centre_px - radius)
    right = np.where(bar, centre_px + length_px, centre_px + radius)
    codes = rows["_code"].to_numpy()
    offsets = rows["_jitter"].to_numpy(dtype=float).copy()
    ends: dict[tuple[int, int], float] = {}
    for i in np.lexsort((left, codes)):
        lane = int(codes[i])
        for slot in SLOTS:
            if ends.get((lane, slot), -np.inf) < left[i]:
                ends[(lane, slot)] = right[i]
                offsets[i] = slot * SLOT_HEIGHT
                break
    return rows.assign(_bar=bar, _x=x.astype("datetime64[ns]"), _y=codes + offsets)


def _style_legend(present: set[str]) -> list[dict[str, object]]:
    """Legend entries (second legend, under the chart) for what the marks' shapes mean, when they occur."""
    grey = "#6b6b6b"
    entries = [
        ("size", "bigger: more sources", {"mode": "markers", "marker": {"size": 15, "color": grey}}),
        (
            "hollow",
            "hollow: no date written (publication date)",
            {"mode": "markers", "marker": {"size": 10, "color": grey, "symbol": "circle-open", "line": {"width": 2}}},
        ),
        ("faded", "faded: low confidence", {"mode": "markers", "marker": {"size": 10, "color": grey, "opacity": 0.35}}),
    ]
    for kind, (name, colour, width, dash) in SPREAD_STYLE.items():
        entries.append(
            (
                f"spread{kind}",
                name,
                {
                    "mode": "lines+markers",
                    "line": {"color": colour, "width": width, "dash": dash},
                    "marker": {"symbol": "line-ns-open", "size": 10, "color": colour},
                },
            )
        )
    return [
        {"type": "scatter", "x": [None], "y": [None], "name": name, "legend": "legend2", "hoverinfo": "skip", **style}
        for key, name, style in entries
        if key in present
    ]


def _monthly_totals(rows: pd.DataFrame, codes: np.ndarray, lanes: list[str], in_dense: np.ndarray) -> dict[str, object]:
    """The dense lanes as grey cells, one per month, darker with more events."""
    months = rows["_mi"].to_numpy()[in_dense]
    lane_of = codes[in_dense]
    first = int(months.min())
    width = int(months.max()) - first + 1
    flat = np.bincount(lane_of * width + (months - first), minlength=len(lanes) * width)
    cells = np.flatnonzero(flat)
    return _totals_trace(cells // width, cells % width + first, flat[cells], lanes)


def _totals_trace(cell_lane: np.ndarray, cell_month: np.ndarray, n: np.ndarray, lanes: list[str]) -> dict[str, object]:
    """One grey cell per lane and month (months since 1970-01), darker with more events."""
    starts = cell_month.astype("datetime64[M]")
    days = ((cell_month + 1).astype("datetime64[M]").astype("datetime64[D]") - starts.astype("datetime64[D]")).astype(
        np.int64
    )
    names = np.asarray([html.escape(lane, quote=False) for lane in lanes])
    hover = np.char.add(np.char.add("<b>", np.datetime_as_string(starts, unit="M")), "</b>: ")
    hover = np.char.add(np.char.add(hover, np.char.mod("%d events<br><i>", n)), names[cell_lane])
    return {
        "type": "bar",
        "orientation": "h",
        "base": np.datetime_as_string(starts, unit="D"),
        "x": days * DAY_MS,
        "y": cell_lane,
        "width": 0.8,
        "marker": {"color": np.log10(n), "colorscale": [[0, "#d9d9d9"], [1, "#252525"]], "cmin": 0},
        "name": "events per month",
        "customdata": np.full(len(n), ""),
        "hovertext": np.char.add(hover, "</i>"),
        "hovertemplate": HOVER,
    }


def _x_span(x_range: tuple[dt.date, dt.date] | None, rows: pd.DataFrame) -> tuple[np.datetime64, np.datetime64]:
    if x_range is not None:
        return np.datetime64(x_range[0], "ns"), np.datetime64(x_range[1], "ns") + np.timedelta64(1, "D")
    if not len(rows):
        return np.datetime64("2018-01-01", "ns"), np.datetime64("2027-01-01", "ns")
    return rows["date_start"].min().to_datetime64(), rows["_end_excl"].max().to_datetime64()


def _extents(
    rows: pd.DataFrame, span: tuple[np.datetime64, np.datetime64], grouped: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Left and right pixel of each mark as drawn (its whisker included), on the narrowest expected plot."""
    ms = _ms_per_px(span)

    def px(values: np.ndarray) -> np.ndarray:
        return (values - span[0]) / np.timedelta64(1, "ms") / ms

    bar = rows["_bar"].to_numpy(dtype=bool)
    centre = px(rows["_x"].to_numpy(dtype="datetime64[ns]"))
    radius = _sizes(rows) / 2
    left = np.where(bar, centre, centre - radius)
    right = np.where(bar, px(rows["_end_excl"].to_numpy(dtype="datetime64[ns]")), centre + radius)
    if grouped:  # the whisker over the dates, and the spread bar through the mark
        has = rows["_spread"].to_numpy() > 0
        lo = px(rows["_lo"].to_numpy(dtype="datetime64[ns]"))
        hi = px((rows["_hi"] + pd.Timedelta(days=1)).to_numpy(dtype="datetime64[ns]"))
        left = np.where(has, np.minimum(left, np.minimum(lo, centre - radius - WHISKER_PX)), left)
        right = np.where(has, np.maximum(right, np.maximum(hi, centre + radius + WHISKER_PX)), right)
    return left, right


def _place_labels(
    rows: pd.DataFrame, span: tuple[np.datetime64, np.datetime64], grouped: bool, top_extra: float
) -> pd.DataFrame:
    """The marks that get a text label (`dashboard.timeline_labels`: most important first), with the label's
    text, side, anchor date and row (`_label`, `_label_pos`, `_label_x`, `_label_y`)."""
    left, right = _extents(rows, span, grouped)
    n = len(rows)
    n_sources = rows["n_sources"].to_numpy() if grouped else np.ones(n, dtype=np.int64)
    n_reports = rows["_n_reports"].to_numpy() if "_n_reports" in rows else np.ones(n, dtype=np.int64)
    conf = rows["_conf"].to_numpy() if grouped else rows["confidence"].astype(float).fillna(0).to_numpy()
    placed = tl.place_labels(
        rows["summary"].to_numpy(dtype=object),
        n_sources,
        n_reports,
        conf,
        rows["_y"].to_numpy(dtype=float),
        rows["_code"].to_numpy(),
        left,
        right,
        _sizes(rows) / 2,
        top_extra,
    )
    if not placed:
        return rows.iloc[0:0].assign(
            _label="", _label_pos="", _label_x=pd.Series(dtype="datetime64[ns]"), _label_y=np.zeros(0)
        )
    ms = _ms_per_px(span)
    out = rows.iloc[[p.index for p in placed]]
    return out.assign(
        _label=[html.escape(p.text, quote=False) for p in placed],
        _label_pos=[p.position for p in placed],
        _label_x=np.asarray([span[0] + np.timedelta64(int(p.anchor_px * ms), "ms") for p in placed], "datetime64[ns]"),
        _label_y=[p.y for p in placed],
    )


def _leaders(labelled: pd.DataFrame) -> list[dict[str, object]]:
    """Thin lines (layout shapes: no trace to click or hover) from labels set on a row of their own, above or
    below their mark, to the mark."""
    if "_label_y" not in labelled:
        return []
    off = labelled[np.abs(labelled["_label_y"].to_numpy() - labelled["_y"].to_numpy()) > 1e-6]
    return [
        {
            "type": "line",
            "xref": "x",
            "yref": "y",
            "x0": x0,
            "y0": float(y0),
            "x1": x1,
            "y1": float(y1),
            "line": {"color": "#8c8c8c", "width": 0.8},
            "layer": "below",
        }
        for x0, y0, x1, y1 in zip(_iso(off["_label_x"]), off["_label_y"], _iso(off["_x"]), off["_y"], strict=True)
    ]


def _figure(traces: list[dict[str, object]], layout: dict[str, object]) -> go.Figure:
    """A Figure from plain dicts without plotly's per-property validation (10-20x faster on big arrays).

    The dicts use only documented trace and layout attributes; tests render them through plotly.io.
    """
    return go.Figure(data=traces, layout=layout, _validate=False)
