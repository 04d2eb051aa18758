"""Events table page: the filtered events, sortable, with downloads of exactly those rows."""

from __future__ import annotations

import streamlit as st

from dashboard import export
from dashboard.components import column_config, event_details
from dashboard.sidebar import current_view
from extract.schema import EVENT_COLUMN_NAMES

MAX_TABLE_ROWS = 10_000
EAGER_EXPORT_ROWS = 2_000  # above this, files are built only when a download button is pressed
SHOWN_COLUMNS = [
    "date_start",
    "date_end",
    "time_expression",
    "granularity",
    "source",
    "event_type",
    "summary",
    "actors",
    "locations",
    "modality",
    "confidence",
    "date_basis",
    "sentence",
    "doc_id",
    "event_id",
]
SORTS = {
    "Date (oldest first)": (["date_start"], True),  # stable sorts: ties keep the table's order
    "Date (newest first)": (["date_start"], False),
    "Confidence (highest first)": (["confidence"], False),
    "Source": (["source"], True),
}

view = current_view()
all_events = view.dataset.events
st.title("Events table")
st.caption(
    f"{view.count:,} events match the filters. Click a column header to sort, select rows to read them, "
    "and download exactly these rows below."
)

if not view.count:
    st.info(view.empty_message(), icon=":material/filter_alt_off:")
    st.stop()

sort_label = st.selectbox("Order", list(SORTS), key="ev_sort", label_visibility="collapsed")
by, ascending = SORTS[sort_label]
# Sort only the sort keys of the matching rows, then take whole rows for what is shown (fast at 1M rows).
keys = all_events.loc[view.keep, by]
order = keys.sort_values(by, ascending=ascending, na_position="last", kind="stable").index
shown = all_events.loc[order[:MAX_TABLE_ROWS]]
if len(order) > MAX_TABLE_ROWS:
    st.caption(
        f"The table shows the first {MAX_TABLE_ROWS:,} of {len(order):,} rows in this order; "
        "the downloads hold all of them."
    )
table = st.dataframe(
    shown[SHOWN_COLUMNS],
    column_config=column_config(),
    hide_index=True,
    width="stretch",
    height=420,
    key="ev_table",
    on_select="rerun",
    selection_mode="multi-row",
)

st.subheader("Download these events")
lazy = len(order) > EAGER_EXPORT_ROWS
rows = None if lazy else all_events.loc[order, EVENT_COLUMN_NAMES]
cols = st.columns(3)
downloads = [
    ("CSV (spreadsheets)", "dateline-events.csv", "text/csv", export.to_csv_bytes, "dl_csv"),
    ("JSON", "dateline-events.json", "application/json", export.to_json_bytes, "dl_json"),
    ("TimelineJS", "dateline-timelinejs.json", "application/json", export.to_timelinejs_bytes, "dl_tljs"),
]
for col, (label, name, mime, build, key) in zip(cols, downloads, strict=True):
    col.download_button(
        label,
        data=(lambda build=build: build(all_events.loc[order, EVENT_COLUMN_NAMES])) if lazy else build(rows),
        file_name=name,
        mime=mime,
        key=key,
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
    )
st.caption(
    f"{len(order):,} rows, in the order above. The CSV is UTF-8 with a byte-order mark, lists are joined with '; ', "
    "and cells starting with =, +, -, @ are prefixed with ' so spreadsheets never run them. TimelineJS JSON can be "
    "published as a story with timeline.knightlab.com (undated events are left out)."
)

picked = table.selection.rows if table and table.selection else []
if picked:
    st.subheader(f"{len(picked):,} selected row{'s' if len(picked) != 1 else ''}")
    event_details(shown.iloc[sorted(picked)], view.dataset.documents, view.filters)
