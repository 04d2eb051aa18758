"""Events table page: the filtered events, sortable, with downloads of exactly those rows."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard import editing, export, scaled_pages
from dashboard.components import event_details
from dashboard.groups import AGREEMENT_WORDS
from dashboard.scaled_pages import MAX_TABLE_ROWS, SHOWN_COLUMNS, SORTS
from dashboard.sidebar import current_view

EAGER_EXPORT_ROWS = 2_000  # above this, files are built only when a download button is pressed

view = current_view()
if view.scaled:  # a large store: the store pages, sorts and exports (dashboard/scaled_pages.py)
    scaled_pages.events_table(view)
    st.stop()
all_events = view.dataset.events
st.title("Events table")
st.caption(
    f"{view.count:,} events (reports) match the filters. {view.left_out_text('The filters leave out')} "
    "Click a column header to sort, select rows to read them, and download exactly these rows below."
)

editing.show_done()
editing.orphan_list(view.dataset)
editing.rejected_list(view.dataset)
editing.add_event_form(view.dataset)

if not view.count:
    st.info(view.empty_message(), icon=":material/filter_alt_off:")
    st.stop()

sort_label = st.columns([2, 3])[0].selectbox("Order the rows by", list(SORTS), key="ev_sort")
by, ascending = SORTS[sort_label]
# Sort only the sort keys of the matching rows, then take whole rows for what is shown (fast at 1M rows).
keys = all_events.loc[view.keep, by]
order = keys.sort_values(by, ascending=ascending, na_position="last", kind="stable").index
shown = all_events.loc[order[:MAX_TABLE_ROWS]]
agreement = view.dataset.groups["date_agreement"].to_numpy(dtype=object)[view.dataset.group_of[shown.index.to_numpy()]]
shown = shown.assign(_agreement=np.vectorize(AGREEMENT_WORDS.get, otypes=[object])(agreement) if len(shown) else [])
columns = list(SHOWN_COLUMNS)
if view.dataset.editable:  # a database store: who corrected each row (after the agreement, where it is seen)
    shown = shown.assign(_fix=editing.mark_words(shown))
    columns.insert(columns.index("_agreement") + 1, "_fix")
if len(order) > MAX_TABLE_ROWS:
    st.caption(
        f"The table shows the first {MAX_TABLE_ROWS:,} of {len(order):,} rows in this order; "
        "the downloads hold all of them."
    )
table = st.dataframe(
    shown[columns],
    column_config=scaled_pages.table_config(),  # type: ignore[arg-type]
    hide_index=True,
    width="stretch",
    height=560,
    key="ev_table",
    on_select="rerun",
    selection_mode="multi-row",
)

st.subheader("Download these events")
lazy = len(order) > EAGER_EXPORT_ROWS
ds = view.dataset


def export_rows() -> object:
    """The matching rows in the table's order, with their group's sources and agreement and their article."""
    return export.with_context(all_events.loc[order], ds.group_of, ds.groups, ds.documents)


rows = None if lazy else export_rows()
cols = st.columns(3)
downloads = [
    ("CSV (spreadsheets)", "dateline-events.csv", "text/csv", export.to_csv_bytes, "dl_csv"),
    ("JSON", "dateline-events.json", "application/json", export.to_json_bytes, "dl_json"),
    ("TimelineJS", "dateline-timelinejs.json", "application/json", export.to_timelinejs_bytes, "dl_tljs"),
]
for col, (label, name, mime, build, key) in zip(cols, downloads, strict=True):
    col.download_button(
        label,
        data=(lambda build=build: build(export_rows())) if lazy else build(rows),
        file_name=name,
        mime=mime,
        key=key,
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
    )
st.caption(
    f"{len(order):,} rows, in the order above. Each row carries its event group, how many sources report that "
    "event and whether they agree on the date, and its article's title, publication date and address. The CSV is "
    "UTF-8 with a byte-order mark, lists are joined with '; ', and cells starting with =, +, -, @ are prefixed "
    "with ' so spreadsheets never run them. TimelineJS JSON can be published as a story with "
    "timeline.knightlab.com (undated events are left out)."
)

picked = table.selection.rows if table and table.selection else []
if picked:
    st.subheader(f"{len(picked):,} selected row{'s' if len(picked) != 1 else ''}")
    event_details(shown.iloc[sorted(picked)], view.dataset.documents, view.filters)
    editing.correct_rows(view.dataset, shown.iloc[sorted(picked)])
