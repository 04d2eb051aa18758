"""The Sources and Key dates pages' parts over a large store (dashboard/scaled.py): the sources compared, counted by
the store; one document's events from the store; a day's events from the store. Also the document picker both
modes share: a search over titles and outlets offering at most MAX_DOC_OPTIONS documents (a list of every
document is the slowest control there is at 100,000 documents).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.components import event_details, md_text, overlap_config
from dashboard.panel import event_panel
from dashboard.scaled import QueryView, Summary
from dashboard.scaled_pages import documents, prepared, small_dataset
from extract.store import query_tables as qt

OVERVIEW = ""
MAX_DOC_OPTIONS = 200
MAX_DAY_EVENTS = 8


# ---------------------------------------------------------------------------------- the document picker


def _haystack_uncached(location: str, version: int, _docs: pd.DataFrame) -> np.ndarray:
    text = _docs["title"].astype(str) + " " + _docs["outlet"].astype(str) + " " + _docs["doc_id"].astype(str)
    return text.str.lower().to_numpy(dtype=object)


_haystack = st.cache_resource(max_entries=2, show_spinner=False)(_haystack_uncached)


def matching_documents(docs: pd.DataFrame, words: str, hay: np.ndarray | None = None) -> np.ndarray:
    """Row numbers of the documents whose title, outlet or id holds every word of ``words`` (case-insensitive),
    in the table's order; every row when there are no words."""
    terms = words.strip().lower().split()
    if not terms:
        return np.arange(len(docs))
    hay = _haystack_uncached("", 0, docs) if hay is None else hay
    keep = np.ones(len(docs), dtype=bool)
    series = pd.Series(hay, dtype=object)
    for term in terms:
        keep &= series.str.contains(term, regex=False).to_numpy(dtype=bool)
    return np.flatnonzero(keep)


def _label(row: pd.Series) -> str:
    return f"{row['title'] or row['doc_id']} — {row['outlet'] or 'unknown outlet'}"[:110]


def _on_pick() -> None:
    doc = st.session_state.get("src_doc") or OVERVIEW
    if doc:
        st.query_params["doc"] = doc
    elif "doc" in st.query_params:
        del st.query_params["doc"]


def document_picker(docs: pd.DataFrame, location: str, version: int) -> str:
    """'All sources' or one document: a search box over titles and outlets, then a list of at most
    MAX_DOC_OPTIONS matches (a ``?doc=`` link's document is always among them). Returns the doc_id or ''."""
    ids = docs["doc_id"].astype(str)
    wanted = st.query_params.get("doc", OVERVIEW)
    known = pd.Index(ids)
    if wanted and wanted in known and st.session_state.get("src_doc") != wanted:
        st.session_state["src_doc"] = wanted
    left, right = st.columns([2, 3])
    words = left.text_input(
        "Find a document",
        key="src_find",
        placeholder="words of its title or outlet",
        help="Every word must appear in the title, the outlet or the document id (case-insensitive).",
    )
    rows = matching_documents(docs, words, _haystack(location, version, docs) if words.strip() else None)
    first = docs.iloc[rows[:MAX_DOC_OPTIONS]]
    titles = {str(r["doc_id"]): _label(r) for _, r in first.iterrows()}
    current = st.session_state.get("src_doc") or OVERVIEW
    if current and current not in titles and current in known:  # the document shown stays pickable
        titles = {current: _label(docs[ids == current].iloc[0]), **titles}
    options = list(titles)
    doc = right.selectbox(
        "Show all sources, or one document",
        [OVERVIEW, *options],
        key="src_doc",
        format_func=lambda d: titles.get(d, d) if d else "All sources (overview)",
        on_change=_on_pick,
    )
    st.caption(md_text(picker_note(len(rows), len(docs), bool(words.strip()))))
    return str(doc or OVERVIEW)


def picker_note(found: int, total: int, searched: bool) -> str:
    """What the document list holds: '12 documents match.', or how to narrow a list cut at MAX_DOC_OPTIONS."""
    if not searched:
        if total <= MAX_DOC_OPTIONS:
            return f"{total:,} document{'s' if total != 1 else ''} to pick from, or type words of a title or outlet."
        return f"The list offers the first {MAX_DOC_OPTIONS:,} of {total:,} documents: type words of a title or outlet."
    if not found:
        return "No document's title, outlet or id holds every word: try fewer words."
    said = f"{found:,} document{'s' if found != 1 else ''} match{'es' if found == 1 else ''}"
    return (
        f"{said}; the list offers the first {MAX_DOC_OPTIONS:,}: type more words."
        if found > MAX_DOC_OPTIONS
        else f"{said}."
    )


# ---------------------------------------------------------------------------------- the sources compared


def _names(summary: Summary, sources: list[str]) -> list[str]:
    frame = pd.DataFrame({"source": sources, "_lane": [summary.source_lanes.get(s, s) for s in sources]})
    return charts._lane_names(frame, sources)


def sources_overview(view: QueryView, title_slot: object) -> None:
    """Per source: events, documents, first and last day; the charts; where sources meet. Counted by the store."""
    title_slot.title("Sources compared")  # type: ignore[attr-defined]
    if not view.count:
        st.info(view.empty_message(), icon=":material/filter_alt_off:")
        return
    counted = qt.sources_overview(view.query, view.filters)
    _overview(view, counted)
    _meetings(view, counted.agreements)


def _overview(view: QueryView, counted: qt.SourcesOverview) -> None:
    summary, filters = view.summary, view.filters
    per_source, n_docs, months = counted.stats, counted.n_documents, counted.months
    st.caption(
        f"{len(per_source):,} sources, {n_docs:,} documents and {view.count:,} events "
        f"match the filters. {view.left_out_text('The filters leave out')}"
    )
    st.subheader("Events per source per year")
    if len(months):
        years = qt.by_year(months)
        top = list(dict.fromkeys(_top(years)))
        table = years.pivot_table(index="source", columns="year", values="n", aggfunc="sum", fill_value=0)
        figure = charts.source_year_heatmap(table.loc[top], _names(summary, top))
        st.plotly_chart(figure, key="src_years", config={"displaylogo": False})
    st.subheader("Which sources cover which stretches of time")
    if len(months):
        top = _top(months)
        lo, hi = summary.date_bounds()
        cells = months.rename(columns={"month": "_month"})
        figure = charts.coverage_bars(
            cells, top, _names(summary, top), (filters.date_from or lo, filters.date_to or hi)
        )
        st.plotly_chart(figure, key="src_coverage", config={"displaylogo": False})
    st.caption("One cell per month in which a source reports events (darker: more events). Top 15 sources.")
    st.dataframe(
        per_source,
        hide_index=True,
        width="stretch",
        column_config={
            "source": st.column_config.TextColumn("Source", width=400),
            "events": st.column_config.NumberColumn("Events", format="localized", width=70),
            "documents": st.column_config.NumberColumn("Documents", format="localized", width=85),
            "first": st.column_config.DateColumn("First event starts", format="YYYY-MM-DD", width=125),
            "last": st.column_config.DateColumn("Last event ends", format="YYYY-MM-DD", width=125),
        },
    )


def _top(periods: pd.DataFrame) -> list[str]:
    """The sources of a periods table, most dated reports first (then by name)."""
    totals = periods.groupby("source")["n"].sum().reset_index()
    totals = totals.sort_values(["n", "source"], ascending=[False, True], kind="stable")
    return list(totals["source"])


def _meetings(view: QueryView, overlap: pd.DataFrame) -> None:
    st.subheader("Where sources meet")
    st.caption(
        "Months in which two or more sources report events with the same actor (day-, week- or month-level dates "
        "only; the 200 with most sources). A shared actor and month does not prove it is the same event; 'same "
        "kind' means the sources' events there all have one event type, 'different kinds' that they classify "
        "them differently."
    )
    if overlap.empty:
        st.info("No month has two sources reporting on the same actor with the current filters.")
        return
    shown = overlap.assign(month=overlap["month"].dt.strftime("%Y-%m"))
    picked = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="src_overlap",
        on_select="rerun",
        selection_mode="single-row",
        column_config=overlap_config(),
    )
    rows = picked.selection.rows if picked and picked.selection else []
    if not rows:
        st.caption("Select a row to read the sentences side by side.")
        return
    row = overlap.iloc[rows[0]]
    ids = qt.agreement_events(view.query, view.filters, row["month"], str(row["actor"]))
    docs = documents(view.summary)
    chosen = prepared(qt.rows_by_id(view.query, ids), view.summary)
    chosen = chosen.sort_values(["source", "date_start"])
    st.markdown(f"**{len(chosen):,} events side by side**")
    event_details(chosen, docs, view.filters)


# ---------------------------------------------------------------------------------- one document, one day


def document_events(view: QueryView, doc: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every event of the document, those that pass the filters): prepared rows from the store."""
    rows = qt.document_rows(view.query, doc, view.filters)
    everything = prepared(rows.drop(columns="passes"), view.summary)
    return everything, everything[rows["passes"].to_numpy(dtype=bool)]


def loaded_day_events(ds: object, day: pd.Timestamp) -> np.ndarray:
    """A loaded store's group rows of the events on `day`: dated to that day by consensus, or by one of their reports."""
    frame = ds.groups  # type: ignore[attr-defined]
    own = (frame["date_start"] == day) & (frame["date_end"] == day)
    ev = ds.events  # type: ignore[attr-defined]
    reported = ((ev["date_start"] == day) & (ev["date_end"] == day)).to_numpy()
    hit = np.zeros(len(frame), dtype=bool)
    hit[ds.group_of[reported]] = True  # type: ignore[attr-defined]
    rows = np.flatnonzero(own.to_numpy() | hit)
    return rows[np.argsort(-frame["n_sources"].to_numpy()[rows], kind="stable")]


def day_events(view: QueryView, day: pd.Timestamp) -> None:
    """The events of one key date that pass the filters (panels of the first MAX_DAY_EVENTS), from the store."""
    found = qt.day_groups(view.query, dt.date(day.year, day.month, day.day), view.filters)
    keys = list(found.loc[found["visible"], "key"]) if len(found) else []
    hidden = int((~found["visible"]).sum()) if len(found) else 0
    from dashboard import labels

    st.subheader(f"{labels.date_text(day, day, 'day')}: {len(keys):,} event{'s' if len(keys) != 1 else ''}")
    st.caption(
        "Events dated to this day by their sources' consensus or by one of their reports, most sources first"
        + (f"; {hidden:,} more are hidden by the sidebar's filters." if hidden else ".")
    )
    shown = keys[:MAX_DAY_EVENTS]
    if shown:
        members, table = qt.group_members(view.query, shown, view.filters)
        ds = small_dataset(view.summary, members, table)
        keep = members["passes"].to_numpy(dtype=bool)
        for key in shown:
            event_panel(ds, key, keep, view.filters)
    if len(keys) > MAX_DAY_EVENTS:
        st.caption(md_text(f"Showing {MAX_DAY_EVENTS} of {len(keys):,} events of that day."))
