"""Timeline page (home): one mark per event over time, the events per month under it on the same axis, the
event a click opens, a chronology, and what is not on the timeline and why."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts, groups, labels, scaled_timeline, timeline_data
from dashboard.components import event_details, md_text
from dashboard.data import DEFAULT_FROM, DEFAULT_TO, left_out_text
from dashboard.panel import event_panel
from dashboard.sidebar import current_view, set_date_range
from dashboard.timeline_data import EVENTS, ORDERS, REPORTS

LANE_CHOICES = list(charts.LANE_COLUMNS)
MODES = [EVENTS, REPORTS]
CHART_CONFIG = {"scrollZoom": True, "displaylogo": False, "modeBarButtonsToRemove": ["lasso2d"]}
MAX_PANELS = 5
PICK = "_tl_pick"  # the last selection: {"where": "chart" | "chronology" | "link", "ids": [...], "mode": ...}


def _keep_choice(key: str, store: str, default: str) -> None:
    st.session_state[store] = st.session_state.get(key) or default


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


def _on_chart_select() -> None:
    state = st.session_state.get("tl_chart") or {}
    ids = charts.selected_ids((state.get("selection") or {}).get("points", []))
    st.session_state[PICK] = {"where": "chart", "ids": ids, "mode": st.session_state.get("tl_mode")}


def _on_chronology_select() -> None:
    state = st.session_state.get("tl_chron") or {}
    rows = (state.get("selection") or {}).get("rows", [])
    keys = st.session_state.get("_tl_chron_keys", [])
    ids = [keys[r] for r in rows if 0 <= r < len(keys)]
    st.session_state[PICK] = {"where": "chronology", "ids": ids, "mode": EVENTS}


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _without_lane_note(without: dict[str, str], limit: int = 6) -> str:
    """Sources with no lane of their own, grouped by why: "No lane of their own (only undated events, listed
    below): A; B." rather than the reason repeated after each source."""
    by_why: dict[str, list[str]] = {}
    for source, why in without.items():
        by_why.setdefault(why, []).append(source)
    parts = []
    for why, sources in by_why.items():
        named = "; ".join(md_text(labels.cut(source, 60).rstrip(".")) for source in sources[:limit])
        more = len(sources) - min(len(sources), limit)
        sentence = f"No lane of their own ({md_text(why)}): {named}" + (f"; and {more:,} more" if more else "")
        parts.append(sentence if sentence.endswith("…") else sentence + ".")
    return " ".join(parts)


def _remember(state_key: str, widget_key: str, default: str) -> None:
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state.get(state_key, default)


view = current_view()
ds, filters = view.dataset, view.filters
lo, hi = ds.date_bounds()
start = filters.date_from or lo
end = filters.date_to or hi

st.title("Timeline")
caption_slot = st.empty()

controls = st.container(horizontal=True, gap="small", vertical_alignment="center")
with controls:
    _remember("_mode", "tl_mode", EVENTS)
    mode = st.segmented_control(
        "Show",
        MODES,
        key="tl_mode",
        on_change=_keep_choice,
        args=("tl_mode", "_mode", EVENTS),
        label_visibility="collapsed",
        required=True,
        help="Events: one mark per real-world event, however many sources report it. "
        "Single reports: one mark per report, as each source dates it.",
    )
    mode = mode or EVENTS
    _remember("_lanes", "tl_lanes", "source")
    lane_by = st.segmented_control(
        "Lanes by",
        LANE_CHOICES,
        key="tl_lanes",
        on_change=_keep_choice,
        args=("tl_lanes", "_lanes", "source"),
        label_visibility="collapsed",
        format_func=lambda choice: "by type" if choice == "event type" else f"by {choice}",
        help="Lanes by source (the outlet, or the article's short title), by the event's main actor, or by type.",
    )
    lane_by = lane_by or "source"
    last = max(hi, lo)
    st.button(
        "2018–2026",
        on_click=set_date_range,
        args=(DEFAULT_FROM, DEFAULT_TO),
        key="tl_p_default",
        help="Set the sidebar's date range to 2018–2026 (the default).",
    )
    st.button(
        "All dates",
        on_click=set_date_range,
        args=(lo, hi),
        key="tl_p_all",
        help=f"Set the sidebar's date range to every date in the store ({_day(lo)} to {_day(hi)}).",
    )
    st.button(
        "Last 12 months",
        on_click=set_date_range,
        args=(last - dt.timedelta(days=364), last),
        key="tl_p_last",
        help=f"The 12 months up to the latest event in the table ({_day(last)}).",
    )

if not view.count:
    caption_slot.caption("Nothing to draw.")
    st.info(view.empty_message(), icon=":material/filter_alt_off:")
    st.stop()

order = st.session_state.get("tl_order") or ORDERS[0]
if view.scaled:  # a large store: the store counts and picks what is drawn (dashboard/scaled_timeline.py)
    parts = scaled_timeline.timeline_parts(
        view, mode=mode, lane_by=lane_by, x_range=(start, end), newest_first=order == ORDERS[0]
    )
else:
    parts = timeline_data.timeline_parts(
        ds,
        view.masks,
        view.keep,
        mode=mode,
        lane_by=lane_by,
        x_range=(start, end),
        newest_first=order == ORDERS[0],
        titles=timeline_data.titles_in(ds),
    )
unit = "events" if mode == EVENTS else "reports"
if mode == EVENTS:
    headline = (
        f"**{parts.n_marks:,} events** from {parts.n_reports:,} dated reports by {parts.n_sources:,} sources, "
        f"{_day(start)} to {_day(end)}, each drawn once at the date its sources give."
    )
else:
    headline = (
        f"**{parts.n_marks:,} reports** by {parts.n_sources:,} sources, {_day(start)} to {_day(end)}, "
        "each at the date its own source gives."
    )
missing = []
if parts.n_undated:
    missing.append(f"{parts.n_undated:,} undated {unit} are listed under *Not on the timeline* below")
if left := left_out_text(parts.left_out, f"the filters leave out {unit}"):
    missing.append(left)
caption_slot.markdown(
    headline
    + (" " + "; ".join(missing) + "." if missing else "")
    + " Dates are when things happened, not when they were reported."
)

meta = parts.figure.layout.meta or {}
st.plotly_chart(
    parts.figure, key="tl_chart", on_select=_on_chart_select, selection_mode=("points", "box"), config=CHART_CONFIG
)
notes = []
if mode == EVENTS:
    if lane_by == "source":
        notes.append(f"Events that several sources report share the top lane, '{groups.SEVERAL}'.")
else:
    notes.append("One mark per report: the same event appears once for each source that reports it.")
if lane_by == "source" and timeline_data.titles_in(ds):
    notes.append("Lanes in italics are article titles (their outlet is unknown).")
if meta.get("aggregated"):
    full = ds.lane_sources
    named = [labels.cut(full.get(name, name), 80) if lane_by == "source" else name for name in meta["aggregated"]]
    names = ", ".join(md_text(name) for name in named[:4]) + (" …" if len(named) > 4 else "")
    notes.append(
        f"Too many events to tell apart in {len(meta['aggregated']):,} lane(s) ({names}): "
        "they are drawn as grey monthly totals. Narrow the filters to see single events."
    )
if meta.get("merged_lanes"):
    notes.append(f"The {meta['merged_lanes']:,} least busy {md_text(lane_by)} lanes share the last lane.")
if lane_by == "actor":
    notes.append(
        "Lanes are the event's main actor (the one its sources name most)."
        if mode == EVENTS
        else "A report with several actors appears in each of their lanes."
    )
if parts.sources_without_lane:
    notes.append(_without_lane_note(parts.sources_without_lane))
st.plotly_chart(
    parts.histogram,
    key="tl_histogram",
    on_select=_on_histogram_select,
    selection_mode=("points", "box"),
    config=CHART_CONFIG,
)
st.caption(
    " ".join(notes)
    + " Click a mark (or box-select several) to compare its reports; drag to zoom, double-click to reset. "
    f"Under the timeline, on the same dates: {unit} per month; one known only to a longer period (a quarter, a "
    "year) is spread evenly over its months (grey, hatched), not piled on its first month. Drag across months "
    "to narrow the date range to them."
)

# ---- the event a click opened
pick = st.session_state.get(PICK) or {}
link = st.query_params.get("event")
if not pick.get("ids") and link:
    if scaled_timeline.event_exists(view, link) if view.scaled else groups.row_of(ds.groups, link) is not None:
        pick = {"where": "link", "ids": [link], "mode": EVENTS}
    else:
        st.info(
            "The event this link opens is not in the store (any more): the data changed since the link was made. "
            "Click a mark to open another.",
            icon=":material/link_off:",
        )


def _show_pick() -> None:
    ids = pick.get("ids") or []
    if view.scaled:
        if pick.get("mode") == REPORTS and mode == REPORTS:
            scaled_timeline.show_reports(view, ids)
        elif pick.get("mode") != REPORTS:
            scaled_timeline.show_events(view, ids)
        return
    if pick.get("mode") == REPORTS and mode == REPORTS:
        chosen = ds.events[view.keep & ds.events["event_id"].isin(ids).to_numpy()].sort_values("date_start")
        st.subheader(f"{len(chosen):,} selected report{'s' if len(chosen) != 1 else ''}")
        event_details(chosen, ds.documents, filters)
        return
    keys = [key for key in ids if groups.row_of(ds.groups, key) is not None]
    if not keys:
        return
    st.subheader("Selected event" if len(keys) == 1 else f"{len(keys):,} selected events")
    for key in keys[:MAX_PANELS]:
        event_panel(ds, key, view.keep, filters)
    if len(keys) > MAX_PANELS:
        st.caption(f"Showing the first {MAX_PANELS} of {len(keys):,} selected events.")


if pick.get("where") in ("chart", "link"):
    _show_pick()
    if pick.get("mode") != REPORTS and pick.get("ids"):
        st.query_params["event"] = pick["ids"][0]
elif "event" in st.query_params and not pick.get("ids"):
    del st.query_params["event"]

# ---- chronology
st.subheader("Chronology")
chronology = parts.chronology
st.session_state["_tl_chron_keys"] = list(chronology["event_group"]) if len(chronology) else []
head = st.columns([3, 2])
head[0].caption(
    f"{parts.n_chronology:,} dated events"
    + (
        f"; the {min(len(chronology), parts.n_chronology):,} {order.split()[0]} are listed"
        if parts.n_chronology > len(chronology)
        else ""
    )
    + ". Select a row to compare its reports. Every report is in the Events table."
)
st.session_state.setdefault("tl_order", ORDERS[0])
head[1].segmented_control("Order", ORDERS, key="tl_order", required=True, label_visibility="collapsed")
if len(chronology):
    st.dataframe(
        chronology.drop(columns=["event_group"]),
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(chronology)),
        key="tl_chron",
        on_select=_on_chronology_select,
        selection_mode="single-row",
        column_config={
            "when": st.column_config.TextColumn("When", width=115),
            "what": st.column_config.TextColumn("What happened", width=370),
            "sources": st.column_config.NumberColumn("Sources", format="%d", width=62),
            "agreement": st.column_config.TextColumn("Dates", width=125),
            "type": st.column_config.TextColumn("Type", width=75),
        },
    )
if pick.get("where") == "chronology":
    _show_pick()

# ---- not on the timeline
st.subheader("Not on the timeline")
undated_docs = parts.undated_documents
if not parts.n_undated and undated_docs.empty:
    st.caption(f"Every {unit[:-1]} that matches the filters has a date: nothing is left off the timeline.")
if parts.n_undated:
    shown = len(parts.undated)
    st.caption(
        f"{parts.n_undated:,} {unit} match the filters but have no date, so they cannot be placed"
        + (f" (the first {shown:,} are listed)" if shown < parts.n_undated else "")
        + "."
    )
    st.dataframe(
        parts.undated.drop(columns=["doc_id"]),
        hide_index=True,
        width="stretch",
        key="tl_undated",
        column_config={
            "what": st.column_config.TextColumn("What happened", width=255),
            "source": st.column_config.TextColumn("Source", width=150),
            "written": st.column_config.TextColumn("Written as", width=95),
            "why": st.column_config.TextColumn("Why it has no date", width=310),
        },
    )
if not undated_docs.empty:
    n_docs = parts.n_undated_documents or len(undated_docs)
    st.caption(
        f"{n_docs:,} article{'s have' if n_docs != 1 else ' has'} no publication date, so "
        "dates written relative to it ('on Tuesday', 'last week') cannot be resolved unless other sources "
        "date the same events"
        + (f" (the first {len(undated_docs):,} are listed)." if n_docs > len(undated_docs) else ".")
    )
    st.dataframe(
        undated_docs.drop(columns=["doc_id"]).assign(outlet=undated_docs["outlet"].replace("", "unknown")),
        hide_index=True,
        width="stretch",
        key="tl_undated_docs",
        column_config={
            "title": st.column_config.TextColumn("Article", width=260),
            "outlet": st.column_config.TextColumn("Outlet", width=110),
            "events": st.column_config.NumberColumn("Reports", format="%d", width=65),
            "undated": st.column_config.NumberColumn("Undated", format="%d", width=70),
            "why": st.column_config.TextColumn("Why it has no date", width=305),
        },
    )
