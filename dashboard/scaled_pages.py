"""The Events table over a large store (dashboard/scaled.py): one page of rows at a time from the store, downloads
of every matching row built when pressed (read from the store in chunks), the selected rows' details and
corrections; plus what the other scaled pages share (the documents and key dates tables, read once per store
version; an event panel's rows; the page's rows prepared as the loaded table prepares them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import data, editing, export
from dashboard.components import column_config, event_details, md_text
from dashboard.groups import AGREEMENT_WORDS
from dashboard.scaled import EVERYTHING, QueryView, Summary
from extract import schema, store
from extract.store import query_tables as qt

PAGE_ROWS = 100
MAX_TABLE_ROWS = 10_000
# What happened first and wide; then when, who, how sure.
SHOWN_COLUMNS = [
    "summary",
    "_when_key",
    "source",
    "_n_sources",
    "_agreement",
    "time_expression",
    "event_type",
    "actors",
    "date_basis",
    "confidence",
    "granularity",
    "modality",
    "locations",
    "sentence",
    "event_group",
    "doc_id",
    "event_id",
]
SORTS = {  # the loaded table's sort: columns, ascending (stable: ties keep the table's order)
    "Date (newest first)": (["date_start"], False),
    "Date (oldest first)": (["date_start"], True),
    "Most sources first": (["_n_sources", "date_start"], False),
    "Confidence (highest first)": (["confidence"], False),
    "Source": (["source"], True),
}
STORE_SORTS = {  # the same orders for the store: (column, descending), empty values last, ties in store order
    label: [("n_sources" if c == "_n_sources" else c, not ascending) for c in columns]
    for label, (columns, ascending) in SORTS.items()
}


def table_config() -> dict[str, object]:
    """The events table's columns: widths that keep the agreement column in view at 1280 px."""
    return {
        **column_config(),
        "summary": st.column_config.TextColumn("What happened", width=330),
        "_when_key": st.column_config.TextColumn("When", width=100, help="Undated events say 'undated'."),
        "source": st.column_config.TextColumn("Source", width=150),
        "_n_sources": st.column_config.NumberColumn(
            "Sources", format="%d", width=65, help="How many sources report this event (its group)."
        ),
        "_agreement": st.column_config.TextColumn("Dates", width=125, help="How far those sources agree on the date."),
        "event_group": st.column_config.TextColumn("Event group"),
        "_fix": st.column_config.TextColumn("Corrected", width=140, help="Corrected by an editor, or added by hand."),
    }


# ---------------------------------------------------------------------------------- tables read once per version


def _key_dates_uncached(location: str, version: int) -> pd.DataFrame:
    try:
        return store.open_store(location).read_table("key_dates")
    except (store.StoreError, OSError, ValueError):
        return data.empty_table("key_dates")


_key_dates = st.cache_resource(max_entries=2, show_spinner=False)(_key_dates_uncached)


def documents(summary: Summary) -> pd.DataFrame:
    """The store's documents table, read with the summary (once per store version; treat as read-only)."""
    return summary.documents


def key_dates(summary: Summary) -> pd.DataFrame:
    """The store's key_dates table (small: read once per store version)."""
    return _key_dates(summary.location, summary.version)


def is_database(location: str) -> bool:
    """Whether the store keeps corrections (a database store)."""
    try:
        return hasattr(store.open_store(location), "database")
    except store.StoreError:
        return False


# ---------------------------------------------------------------------------------- rows as the loaded table has them


def prepared(rows: pd.DataFrame, summary: Summary) -> pd.DataFrame:
    """Rows from the store (extract/store/query_tables.py) with the loaded table's derived columns: dates and
    their labels (_when, _when_key), the lane, why an undated one is undated, _n_sources and _agreement from its
    group."""
    if not len(rows):
        ev = data.prepare_events(rows.reindex(columns=schema.EVENT_COLUMN_NAMES))
        return ev.assign(_n_sources=[], _agreement=[], _lane=[], _why_undated=[])
    ev = data.prepare_events(rows)
    ev = summary.with_documents(ev)
    ev["_n_sources"] = rows["n_sources"].to_numpy(dtype=np.int64)
    agreement = rows["date_agreement"].astype(str).to_numpy(dtype=object)
    ev["_disagree"] = agreement == "conflict"
    ev["_agreement"] = [AGREEMENT_WORDS.get(a, "") for a in agreement]
    return ev


def small_dataset(summary: Summary, rows: pd.DataFrame, table: pd.DataFrame) -> data.Dataset:
    """A Dataset of a few events (their reports ``rows`` from the store, the groups table's ``table`` rows, their
    documents): what dashboard/panel.py reads, without the whole table."""
    docs = documents(summary)
    mine = docs[docs["doc_id"].astype(str).isin(set(rows["doc_id"].astype(str)))].reset_index(drop=True)
    events = rows.reindex(columns=schema.EVENT_COLUMN_NAMES).reset_index(drop=True)
    group_table = table.reindex(columns=[c.name for c in schema.TABLES["groups"].columns])
    ds = data.build_dataset(events, mine, summary.location, summary.version, None, group_table)
    ds.events["_lane"] = [summary.source_lanes.get(s, s) for s in ds.events["source"].astype(str)]
    return ds


def editable_dataset(summary: Summary, query: object, rows: pd.DataFrame) -> data.Dataset | None:
    """A corrected Dataset of the selected rows' documents and events (all their reports, their articles), for
    the correction forms; None when it cannot be made (the page says so). Read as extracted, in SQL from the
    database itself (the DuckDB copy the page reads has the corrections laid over it already), then corrected
    as the loaded dashboard corrects it."""
    from dashboard import corrected
    from extract.store.query import open_query

    query = open_query(store.open_store(summary.location))  # the extracted rows: corrected once, below
    doc_ids = sorted(set(rows["doc_id"].astype(str)))
    members, table = qt.group_members(query, sorted(set(rows["event_key"])))  # type: ignore[arg-type]
    parts = [members]
    for doc_id in doc_ids:
        parts.append(qt.document_rows(query, doc_id, EVERYTHING).drop(columns="passes"))  # type: ignore[arg-type]
    found = [p for p in parts if len(p)]  # none: only events added by hand are selected (they are added below)
    reports = pd.concat(found, ignore_index=True).drop_duplicates("event_id") if found else data.empty_table("events")
    docs = documents(summary)
    mine = docs[docs["doc_id"].astype(str).isin(set(reports["doc_id"].astype(str)))].reset_index(drop=True)
    events = reports.reindex(columns=schema.EVENT_COLUMN_NAMES).reset_index(drop=True)
    group_table = table.reindex(columns=[c.name for c in schema.TABLES["groups"].columns])
    try:
        base = corrected.base_of(events, mine, group_table, data.empty_table("key_dates"), summary.location, 0)
        version = max(summary.version, summary.corrections_version)
        return corrected.load_corrected(base, summary.location, version)
    except (store.StoreError, OSError, ValueError, KeyError) as err:
        st.caption(md_text(f"The correction forms cannot be shown here: {err}"))
        return None


# ---------------------------------------------------------------------------------- the events table


def _page_control(total: int) -> int:
    """The page number control (1-based); returns the first row's offset."""
    pages = max((total + PAGE_ROWS - 1) // PAGE_ROWS, 1)
    if int(st.session_state.get("ev_page", 1) or 1) > pages:
        st.session_state["ev_page"] = pages
    page = st.number_input(
        f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key="ev_page", help="100 rows a page."
    )
    return (int(page) - 1) * PAGE_ROWS


def _downloads(view: QueryView, keys: list[tuple[str, bool]]) -> None:
    docs = documents(view.summary)

    def chunks() -> Iterator[pd.DataFrame]:
        for rows in qt.export_chunks(view.query, view.filters, keys):
            yield export.context_of_rows(rows, docs)

    builders: list[tuple[str, str, str, Callable[[], bytes], str]] = [
        ("CSV (spreadsheets)", "dateline-events.csv", "text/csv", lambda: export.chunked_csv(chunks()), "dl_csv"),
        ("JSON", "dateline-events.json", "application/json", lambda: export.chunked_json(chunks()), "dl_json"),
        (
            "TimelineJS",
            "dateline-timelinejs.json",
            "application/json",
            lambda: export.chunked_timelinejs(chunks()),
            "dl_tljs",
        ),
    ]
    for col, (label, name, mime, build, key) in zip(st.columns(3), builders, strict=True):
        col.download_button(
            label, data=build, file_name=name, mime=mime, key=key, icon=":material/download:", on_click="ignore",
            width="stretch",
        )  # fmt: skip


def events_table(view: QueryView) -> None:
    """The Events table page over a large store: the matching rows a page at a time, sorted by the store."""
    summary = view.summary
    st.title("Events table")
    st.caption(
        f"{view.count:,} events (reports) match the filters. {view.left_out_text('The filters leave out')} "
        "Pick an order and a page, select rows to read them, and download all the matching rows below."
    )
    editing.show_done()
    database = is_database(summary.location)
    if database:
        st.caption(
            "This store is large: its table is read by queries, with the corrections applied. Select a row to see "
            "it and correct it (editors). The corrections that no longer match an event, the "
            "rejected reports are listed on this page when the store is loaded whole (smaller than the query "
            "threshold, DATELINE_QUERY_ROWS)."
        )
        empty = data.build_dataset(schema.events_frame(), schema.documents_frame(), summary.location, summary.version)
        editing.add_event_form(replace(empty, editable=True))  # needs no row: the store checks the role again
    if not view.count:
        st.info(view.empty_message(), icon=":material/filter_alt_off:")
        st.stop()
    head = st.columns([2, 1, 2])
    sort_label = head[0].selectbox("Order the rows by", list(SORTS), key="ev_sort")
    keys = STORE_SORTS[sort_label]
    with head[1]:
        offset = _page_control(view.count)
    rows = qt.ordered_rows(view.query, view.filters, keys, offset=offset, limit=PAGE_ROWS)
    shown = prepared(rows, summary)
    head[2].markdown(
        f"<div style='padding-top: 2.1rem'>Rows {offset + 1:,}–{offset + len(shown):,} of {view.count:,}</div>",
        unsafe_allow_html=True,
    )
    rows_of = (sort_label, offset, repr(view.filters))  # a selection belongs to the rows it was made on
    if st.session_state.get("_ev_rows_of") not in (None, rows_of):
        st.session_state.pop("ev_table", None)
    st.session_state["_ev_rows_of"] = rows_of
    table = st.dataframe(
        shown[SHOWN_COLUMNS],
        column_config=table_config(),  # type: ignore[arg-type]
        hide_index=True,
        width="stretch",
        height=560,
        key="ev_table",
        on_select="rerun",
        selection_mode="multi-row",
    )
    st.subheader("Download these events")
    _downloads(view, keys)
    st.caption(
        f"{view.count:,} rows, in the order above, read from the store when a button is pressed (a large download "
        "takes a while). Each row carries its event group, how many sources report that event and whether they "
        "agree on the date, and its article's title, publication date and address. The CSV is UTF-8 with a "
        "byte-order mark, lists are joined with '; ', and cells starting with =, +, -, @ are prefixed with ' so "
        "spreadsheets never run them. TimelineJS JSON can be published as a story with timeline.knightlab.com "
        "(undated events are left out)."
    )
    picked = [i for i in (table.selection.rows if table and table.selection else []) if i < len(shown)]
    if picked:
        chosen = shown.iloc[sorted(picked)]
        st.subheader(f"{len(picked):,} selected row{'s' if len(picked) != 1 else ''}")
        event_details(chosen, documents(summary), view.filters)
        if database and editing.current_actor().can("editor"):
            ds = editable_dataset(summary, view.query, rows.iloc[sorted(picked)])
            if ds is not None:
                ids = set(chosen["event_id"].astype(str))
                editing.correct_rows(ds, ds.events[ds.events["event_id"].astype(str).isin(ids)])
                st.caption(
                    "The forms show the rows as corrected; 'Move it into another event' lists only the events of "
                    "these rows' articles here."
                )
