"""Timeline page (home): events on lanes over time, details of selected events, events per month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.components import event_details, md_text
from dashboard.data import DEFAULT_FROM, DEFAULT_TO
from dashboard.sidebar import current_view, set_date_range

LANE_CHOICES = list(charts.LANE_COLUMNS)
CHART_CONFIG = {"scrollZoom": True, "displaylogo": False, "modeBarButtonsToRemove": ["lasso2d"]}


def _keep_lanes() -> None:
    st.session_state["_lanes"] = st.session_state.get("tl_lanes") or "source"


def _on_histogram_select() -> None:
    """Box-selecting months on the histogram narrows the date filter to them."""
    state = st.session_state.get("tl_histogram")
    if not state:
        return
    selection = state.get("selection", {})
    months = charts.selected_months(selection.get("points", []))
    if months is None:
        for box in selection.get("box", []) or []:
            xs = [pd.Timestamp(x) for x in box.get("x", [])]
            if len(xs) == 2:
                months = (min(xs).date(), max(xs).date())
    if months is not None:
        set_date_range(*months)


view = current_view()
ds, filters = view.dataset, view.filters
lo, hi = ds.date_bounds()
start = filters.date_from or lo
end = filters.date_to or hi

st.title("Timeline")
st.caption(
    f"{view.count:,} events from {start:%d %b %Y} to {end:%d %b %Y}, by the date each one happened "
    "(not the date it was reported). Points are single days; bars are events known only to the week, month, "
    "year or another period, drawn over that whole period."
)

top = st.columns([3, 2])
with top[0]:
    presets = st.columns(3)
    last = max(hi, lo)
    presets[0].button(
        "2018–2026", on_click=set_date_range, args=(DEFAULT_FROM, DEFAULT_TO), width="stretch", key="tl_p_default"
    )
    presets[1].button("All dates", on_click=set_date_range, args=(lo, hi), width="stretch", key="tl_p_all")
    presets[2].button(
        "Last 12 months",
        on_click=set_date_range,
        args=(last - dt.timedelta(days=364), last),
        width="stretch",
        key="tl_p_last",
        help=f"The 12 months up to the latest event in the table ({last:%d %b %Y}).",
    )
with top[1]:
    if "tl_lanes" not in st.session_state:
        st.session_state["tl_lanes"] = st.session_state.get("_lanes", "source")
    lane_by = st.segmented_control(
        "Lanes by", LANE_CHOICES, key="tl_lanes", on_change=_keep_lanes, label_visibility="collapsed"
    )
    lane_by = lane_by or "source"

if not view.count:
    st.info(view.empty_message(), icon=":material/filter_alt_off:")
    st.stop()

figure = charts.timeline_figure(view.chart_events, lane_by, (start, end))
meta = figure.layout.meta or {}
notes = []
if meta.get("aggregated"):
    names = ", ".join(md_text(name) for name in meta["aggregated"][:4]) + (" …" if len(meta["aggregated"]) > 4 else "")
    notes.append(
        f"Too many events to tell apart in {len(meta['aggregated']):,} lane(s) ({names}): "
        "they are drawn as grey monthly totals. Narrow the filters to see single events."
    )
if meta.get("merged_lanes"):
    notes.append(f"The {meta['merged_lanes']:,} least frequent {md_text(lane_by)}s share the last lane.")
if meta.get("undated"):
    notes.append(f"{meta['undated']:,} undated events are not drawn (they are in the Events table).")
if lane_by == "actor":
    notes.append("An event with several actors appears in each of their lanes.")
event = st.plotly_chart(
    figure,
    key="tl_chart",
    on_select="rerun",
    selection_mode=("points", "box"),
    config=CHART_CONFIG,
)
st.caption(
    " ".join(notes)
    + " Drag to zoom, double-click to reset; click a point, or use the box-select tool, to read the events below."
)

selected = charts.selected_ids(event.selection.points) if event and event.selection else []
if selected:
    chosen = ds.events[view.keep & ds.events["event_id"].isin(selected).to_numpy()].sort_values("date_start")
    st.subheader(f"{len(chosen):,} selected event{'s' if len(chosen) != 1 else ''}")
    event_details(chosen, ds.documents, filters)

st.subheader("Events per month")
st.plotly_chart(
    charts.month_histogram(view.chart_events, (start, end)),
    key="tl_histogram",
    on_select=_on_histogram_select,
    selection_mode=("points", "box"),
    config=CHART_CONFIG,
)
st.caption("Counted by the month each event starts. Drag across months to narrow the date range to them.")
