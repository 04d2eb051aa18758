"""The sidebar filters, their URL round trip, and the filtered view every page reads."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.components import md_text
from dashboard.data import Dataset, Filters
from dashboard.scaled import QueryView, Summary, open_view_query

Facts = Dataset | Summary  # what the sidebar reads: a loaded store, or a large store's summary

# Widget keys in session state, one per Filters field.
KEYS = {
    "date_from": "f_from",
    "date_to": "f_to",
    "sources": "f_sources",
    "actors": "f_actors",
    "event_types": "f_types",
    "granularities": "f_gran",
    "date_bases": "f_basis",
    "text": "f_text",
    "include_hypothetical": "f_hyp",
    "include_undated": "f_undated",
    "min_sources": "f_minsrc",
    "disagree": "f_disagree",
}
MULTI = {
    "sources": "Sources",
    "actors": "Actors",
    "event_types": "Event types",
    "granularities": "Date granularity",
    "date_bases": "Date basis",
}
VIEW_KEY = "_dateline_view"
MAX_SOURCES = 50  # the "reported by at least N sources" widget's maximum


@dataclass
class View:
    """What every page shows: the dataset, the filters, and the rows that pass them (selected lazily)."""

    dataset: Dataset
    filters: Filters
    masks: dict[str, np.ndarray]
    keep: np.ndarray  # which rows of dataset.events pass

    scaled = False  # a large store's pages get a scaled.QueryView instead

    @cached_property
    def events(self) -> pd.DataFrame:
        """The filtered, prepared events (all columns)."""
        return self.dataset.events[self.keep]

    @cached_property
    def chart_events(self) -> pd.DataFrame:
        """The filtered events, only the columns the charts read (cheaper to select)."""
        return self.dataset.events.loc[self.keep, charts.CHART_COLUMNS]

    @property
    def count(self) -> int:
        """How many events pass."""
        return int(self.keep.sum())

    @property
    def total(self) -> int:
        """Events in the whole table."""
        return len(self.dataset.events)

    @cached_property
    def left_out(self) -> dict[str, int]:
        """What each filter alone leaves out (see data.left_out)."""
        return data.left_out(self.dataset.events, self.masks)

    def left_out_text(self, lead: str = "Left out") -> str:
        """'Left out: 12 undated, 19 hypothetical or planned.' for markdown (escaped), or ''."""
        text = data.left_out_text(self.left_out, lead)
        return md_text(text) + "." if text else ""

    def empty_message(self) -> str:
        """What to change when nothing matches."""
        return data.explain_empty(self.dataset, self.filters, self.masks)


def current_view() -> View | QueryView:
    """The view the router computed for this run (a QueryView: a large store, see dashboard/scaled.py)."""
    return st.session_state[VIEW_KEY]


def _known(values: object, options: set[str]) -> list[str]:
    """Values that are options; 'military (12)' (a label from before a reload) counts as 'military'."""
    out: list[str] = []
    for value in values or ():  # type: ignore[union-attr]
        text = str(value)
        if text not in options:
            text = _COUNT_SUFFIX.sub("", text)
        if text in options and text not in out:
            out.append(text)
    return out


_COUNT_SUFFIX = re.compile(r" \([\d,]+\)$")


def _state_from_filters(filters: Filters, ds: Facts) -> dict[str, object]:
    state: dict[str, object] = {}
    for field_name, key in KEYS.items():
        value = getattr(filters, field_name)
        if field_name in MULTI:
            value = _known(value, set(ds.options(field_name)))
        state[key] = value
    return state


def filters_from_state(ds: Facts) -> Filters:
    """The Filters the widgets currently hold (values that are not options are dropped)."""
    ss = st.session_state
    values = {field_name: ss.get(key) for field_name, key in KEYS.items()}
    for field_name in MULTI:
        values[field_name] = tuple(_known(values[field_name], set(ds.options(field_name))))
    values["text"] = str(values["text"] or "")
    values["include_hypothetical"] = bool(values["include_hypothetical"])
    values["include_undated"] = bool(values["include_undated"])
    values["min_sources"] = int(values["min_sources"] or 1)
    values["disagree"] = bool(values["disagree"])
    return Filters(**values)


def set_filters(filters: Filters, ds: Facts) -> None:
    """Put filters into the widgets' state (call before the widgets are drawn, or from a callback)."""
    st.session_state.update(_state_from_filters(filters, ds))


def set_date_range(start: dt.date | None, end: dt.date | None) -> None:
    """Callback helper: change the date range filter."""
    st.session_state[KEYS["date_from"]] = start
    st.session_state[KEYS["date_to"]] = end


def _reset(ds: Facts) -> None:
    set_filters(Filters(), ds)


def widget_date_bounds(ds: Facts) -> tuple[dt.date, dt.date]:
    """The earliest and latest day the date widgets accept: the data's span, at least 1900 to 2100."""
    lo, hi = ds.date_bounds()
    return min(lo, data.DEFAULT_FROM, dt.date(1900, 1, 1)), max(hi, dt.date(2100, 12, 31))


def _init_state(ds: Facts) -> None:
    """First run of a session: filters come from the URL (a crafted link is corrected, and says so). Later runs:
    from the widgets."""
    ss = st.session_state
    if not ss.get("_filters_from_url"):
        params = {key: st.query_params.get_all(key) for key in data.FILTER_QUERY_KEYS if key in st.query_params}
        filters, notes = data.checked_filters(data.from_query_params(params), *widget_date_bounds(ds), MAX_SOURCES)
        ss["_link_notes"] = notes
        set_filters(filters, ds)
        ss["_filters_from_url"] = True
        ss["_data_stamp"] = ds.stamp
    elif ss.get("_data_stamp") != ds.stamp:
        # New data: drop selections that no longer exist (option labels carry counts that changed).
        set_filters(filters_from_state(ds), ds)
        ss["_data_stamp"] = ds.stamp
    for key, value in _state_from_filters(Filters(), ds).items():
        ss.setdefault(key, value)


def sync_query_params(filters: Filters) -> None:
    """Write the filters into the URL (only those not at their default), leaving other parameters alone."""
    wanted = data.to_query_params(filters)
    for key in data.FILTER_QUERY_KEYS:
        current = st.query_params.get_all(key) if key in st.query_params else None
        value = wanted.get(key)
        if value is None:
            if current is not None:
                del st.query_params[key]
        elif current != (value if isinstance(value, list) else [value]):
            st.query_params[key] = value


def _counts_help(counts: dict[str, int], shown: int = 8) -> str:
    kept = [(k, v) for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v]
    if not kept:
        return "With the other filters, no value keeps any event."
    head = ", ".join(f"{md_text(k)}: {v:,}" for k, v in kept[:shown])  # help tooltips render markdown
    more = f" and {len(kept) - shown:,} more" if len(kept) > shown else ""
    return f"Numbers in brackets: events in the whole table. With your other filters: {head}{more}."


def _view(
    ds: Facts, filters: Filters, ahead: Callable[[QueryView], object] | None = None
) -> tuple[View | QueryView, dict[str, dict[str, int]]]:
    """The filtered view and each facet value's count under the other filters (``ahead``: called with a
    store's view before they are counted)."""
    if isinstance(ds, Summary):
        view = QueryView(ds, filters, open_view_query(ds.location))
        if ahead is not None:
            ahead(view)
        return view, view.counts.facets
    masks = data.dataset_masks(ds, filters)
    keep = data.combine(masks, len(ds.events))
    return View(ds, filters, masks, keep), data.facet_counts(ds, filters, masks)


def render_sidebar(ds: Facts, ahead: Callable[[QueryView], object] | None = None) -> View | QueryView:
    """Draw the filters, keep the URL in step, and return the filtered view. ``ahead``: called with a large
    store's view before the sidebar counts under it (the page's work begun meanwhile: scaled_timeline.ahead)."""
    _init_state(ds)
    filters = filters_from_state(ds)
    view, counts = _view(ds, filters, ahead)
    sb = st.sidebar
    left = view.left_out_text()
    sb.markdown(f"**{view.count:,}** of {view.total:,} events match" + (f"  \n:small[:gray[{left}]]" if left else ""))
    for note in st.session_state.pop("_link_notes", None) or ():
        sb.warning(md_text(note), icon=":material/link_off:")
    low, high = widget_date_bounds(ds)
    bounds = {"min_value": low, "max_value": high}
    sb.date_input(
        "From",
        key=KEYS["date_from"],
        format="YYYY-MM-DD",
        help="Events whose period overlaps the range are kept.",
        **bounds,
    )
    sb.date_input("To", key=KEYS["date_to"], format="YYYY-MM-DD", **bounds)
    sb.checkbox(
        "Include undated events",
        key=KEYS["include_undated"],
        help=f"{ds.n_undated:,} events have no resolved date; "
        "they cannot be drawn on a timeline but can be listed in the table.",
    )
    sb.text_input(
        "Search summary and sentence",
        key=KEYS["text"],
        placeholder="e.g. ceasefire",
        help="Every word must appear (case-insensitive).",
    )
    for field_name, label in MULTI.items():
        totals = ds.all_counts[field_name]
        options = ds.options(field_name)
        kept = sum(counts[field_name].values()) if field_name != "actors" else None
        sb.multiselect(
            label,
            options,
            key=KEYS[field_name],
            format_func=lambda v, t=totals: f"{v} ({t.get(v, 0):,})",
            placeholder=f"All {label.lower()}" + (f" ({kept:,} events)" if kept is not None else ""),
            help=_counts_help(counts[field_name]),
        )
    n_hyp = ds.n_hypothetical
    sb.toggle(
        f"Include hypothetical and planned ({n_hyp:,})",
        key=KEYS["include_hypothetical"],
        help="Events whose modality is not 'asserted' (e.g. 'may', 'plans to') are hidden by default.",
    )
    grouped = ds.has_groups
    most = ds.most_sources
    sb.number_input(
        "Reported by at least N sources",
        min_value=1,
        max_value=MAX_SOURCES,
        step=1,
        key=KEYS["min_sources"],
        disabled=not grouped,
        help=(
            f"Keeps the reports of events that at least this many sources report (the most: {most})."
            if grouped
            else "Not available: events are not grouped across sources (event_group is empty)."
        ),
    )
    conflicts = ds.n_conflicts
    sb.toggle(
        f"Only where sources disagree ({conflicts:,})",
        key=KEYS["disagree"],
        disabled=not conflicts and not st.session_state.get(KEYS["disagree"]),
        help=(
            f"{conflicts:,} events have sources that give different dates for them (a day outside another's "
            "period). A source that is only vaguer ('October' beside 'October 8') is not a disagreement."
            if conflicts
            else "No event has sources that disagree on its date."
        ),
    )
    sb.button("Reset filters", on_click=_reset, args=(ds,), width="stretch", key="f_reset")
    sync_query_params(filters)
    st.session_state[VIEW_KEY] = view
    return view
