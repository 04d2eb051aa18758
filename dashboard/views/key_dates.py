"""Key dates page: the story's days, ranked (the store's key_dates table), and the events of the day picked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import charts, groups, labels, scaled_pages, scaled_sources
from dashboard.components import md_text
from dashboard.panel import event_panel
from dashboard.sidebar import current_view

ORDERS = ["by rank", "by date"]
MAX_DAY_EVENTS = 8


def _on_pick() -> None:
    state = st.session_state.get("kd_table") or {}
    rows = (state.get("selection") or {}).get("rows", [])
    days = st.session_state.get("_kd_days", [])
    if rows and 0 <= rows[0] < len(days):
        st.query_params["day"] = days[rows[0]]
    elif "day" in st.query_params:
        del st.query_params["day"]


view = current_view()
ds, filters = view.dataset, view.filters
st.title("Key dates")
table = scaled_pages.key_dates(view.summary) if view.scaled else ds.key_dates
if table.empty:
    st.info(
        "No key dates are stored yet: they are computed from day-level dates whenever the store is written "
        "(run an extraction, or add articles).",
        icon=":material/event_busy:",
    )
    st.stop()

lo, hi = ds.date_bounds()
start, end = filters.date_from or lo, filters.date_to or hi
days = pd.to_datetime(table["date"])
in_range = ((days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))).to_numpy()
shown = table[in_range].copy()
left = len(table) - len(shown)
st.caption(
    f"The days that matter most in the whole store, ranked by how many sources and articles date events to them "
    f"(and how directly). {len(shown):,} of {len(table):,} days fall in the sidebar's date range"
    + (f"; {left:,} outside it are left out." if left else ".")
    + " The other sidebar filters apply to the events listed under a day, not to the ranking."
)
if shown.empty:
    st.info("No key date falls in the date range: widen it in the sidebar.", icon=":material/date_range:")
    st.stop()

shown["when"] = [labels.date_text(d, d, "day") for d in shown["date"]]
first, last = pd.Timestamp(shown["date"].min()), pd.Timestamp(shown["date"].max())
pad = max((last - first) / 20, pd.Timedelta(days=3))
chart = charts.key_dates_figure(shown, ((first - pad).date(), (last + pad).date()))
st.plotly_chart(chart, key="kd_chart", config={"displaylogo": False})
st.caption("Each stem is a day; taller: it matters more. The best are numbered by rank where the numbers fit.")

head = st.columns([3, 2])
head[0].caption("Select a day to read its events.")
st.session_state.setdefault("kd_order", ORDERS[0])
order = head[1].segmented_control("Order", ORDERS, key="kd_order", required=True, label_visibility="collapsed")
shown = shown.sort_values("rank" if order != ORDERS[1] else "date", kind="stable").reset_index(drop=True)
st.session_state["_kd_days"] = [f"{d:%Y-%m-%d}" for d in shown["date"]]
st.dataframe(
    shown[["when", "rank", "score", "n_sources", "n_groups", "summary"]],
    hide_index=True,
    width="stretch",
    height=min(420, 38 + 35 * len(shown)),
    key="kd_table",
    on_select=_on_pick,
    selection_mode="single-row",
    column_config={
        "when": st.column_config.TextColumn("Day", width=120),
        "rank": st.column_config.NumberColumn("Rank", format="%d", width=60),
        "score": st.column_config.NumberColumn("Score", format="%.2f", width=70),
        "n_sources": st.column_config.NumberColumn("Sources", format="%d", width=70),
        "n_groups": st.column_config.NumberColumn("Events", format="%d", width=70),
        "summary": st.column_config.TextColumn("Top event that day", width=360),  # the table fits at 1280 px
    },
)

wanted = st.query_params.get("day")
try:
    day = pd.Timestamp(dt.date.fromisoformat(str(wanted))) if wanted else None
except ValueError:
    day = None
if day is not None and view.scaled:  # a large store: the day's events from the store
    scaled_sources.day_events(view, day)
elif day is not None:
    rows = scaled_sources.loaded_day_events(ds, day)
    passing = groups.visible(ds.group_of, view.keep, len(ds.groups))[rows] if len(rows) else np.zeros(0, bool)
    keys = list(ds.groups["event_group"].to_numpy()[rows[passing]])
    hidden = int((~passing).sum())
    st.subheader(f"{labels.date_text(day, day, 'day')}: {len(keys):,} event{'s' if len(keys) != 1 else ''}")
    st.caption(
        "Events dated to this day by their sources' consensus or by one of their reports, most sources first"
        + (f"; {hidden:,} more are hidden by the sidebar's filters." if hidden else ".")
    )
    for key in keys[:MAX_DAY_EVENTS]:
        event_panel(ds, key, view.keep, filters)
    if len(keys) > MAX_DAY_EVENTS:
        st.caption(md_text(f"Showing {MAX_DAY_EVENTS} of {len(keys):,} events of that day."))
