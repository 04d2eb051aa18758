"""Add articles page: upload files, extract them, merge their events into the data folder."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ingest
from dashboard.components import progress_callback
from dashboard.sidebar import current_view

view = current_view()
folder = data.data_dir()
st.title("Add articles")
st.caption(
    f"Upload .txt, .md, .html or .jsonl articles: they are saved under `{folder / 'uploads'}`, extracted, and their "
    "events merged into the events table. Files with a problem are named below; the others go on, and events "
    "already stored are kept."
)

problem = ingest.pipeline_error()
if problem:
    st.warning(f"Uploads cannot be extracted here: {problem}.", icon=":material/construction:")

st.session_state.setdefault("add_round", 0)
files = st.file_uploader(
    "Articles",
    type=ingest.UPLOAD_TYPES,
    accept_multiple_files=True,
    key=f"add_files_{st.session_state['add_round']}",
)
go = st.button(
    f"Extract {len(files or []):,} file{'s' if len(files or []) != 1 else ''} and add them",
    type="primary",
    disabled=not files or problem is not None,
    icon=":material/play_arrow:",
)

if go and files:
    uploads = [(f.name, f.getvalue()) for f in files]
    with st.status(f"Extracting {len(uploads):,} uploaded files…", expanded=True) as status:
        progress = progress_callback("Checking the files…")
        report = ingest.extract_uploads(uploads, folder, progress=progress)
        state = "error" if report.error else "complete"
        status.update(label="Extraction finished." if not report.error else "Extraction failed.", state=state)
    st.session_state["add_report"] = report
    st.session_state["add_round"] += 1  # a fresh uploader for the next batch
    data.clear_cache()
    st.rerun()

report = st.session_state.get("add_report")
if report is not None:
    st.subheader("Last upload")
    added = report.events_after - report.events_before
    if report.accepted:
        st.success(
            f"Extracted {len(report.accepted):,} file(s): {', '.join(report.accepted)}. "
            f"The table went from {report.events_before:,} to {report.events_after:,} events ({added:+,}).",
            icon=":material/check_circle:",
        )
    for name, why in report.problems.items():
        st.error(f"**{name}**: {why}", icon=":material/error:")
    if report.error:
        st.error(f"The extraction stopped: {report.error}. Stored events were not removed.", icon=":material/error:")
    if report.lost_events:
        st.warning(f"{report.lost_events:,} events stored before are no longer in the table.")
    if report.run_report:
        st.caption(report.run_report)

st.divider()
st.caption(
    f"The table now holds {view.total:,} events from {len(view.dataset.documents):,} documents. "
    "After an extraction run outside the dashboard (`make extract`), press **Reload data** in the sidebar."
)
