"""Add articles page: upload files, extract them, merge their events into the store; confirm replacements; the
uploads list (remove, restore) on a database store."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ingest
from dashboard.components import md_text, progress_callback
from dashboard.labels import counted
from dashboard.sidebar import current_view
from dashboard.uploads_ui import show_pending, show_uploads
from extract.store import StoreError

view = current_view()
actor = ingest.current_actor()
st.title("Add articles")
st.caption(
    "Upload .txt, .md, .html or .jsonl articles (JSONL: one object with `id` and `text` a line): they are "
    "extracted, and their events and texts stored with the others. A file stored already is not stored twice; "
    "one that would replace a stored document with other content (same name, or same JSONL id) waits for an "
    "editor to confirm it, showing what would change. Files and JSONL lines with a problem are named below; the "
    "rest goes on, and events already stored are kept."
)
files, go = None, False
if actor.can("editor"):
    st.session_state.setdefault("add_round", 0)
    files = st.file_uploader(
        "Articles",
        type=ingest.UPLOAD_TYPES,
        accept_multiple_files=True,
        max_upload_size=ingest.MAX_UPLOAD_MB,
        key=f"add_files_{st.session_state['add_round']}",
    )
    go = st.button(
        f"Extract {counted(len(files), 'file')} and add them" if files else "Extract the files and add them",
        type="primary",
        disabled=not files,
        icon=":material/play_arrow:",
    )
else:  # the write refuses too: the role is checked in the store, in the write's transaction
    st.info(
        f"Adding articles needs the editor role; you are a {actor.role or 'non-user'}. The uploads are listed "
        "below; ask an admin of this dashboard if you need to add articles.",
        icon=":material/lock:",
    )

if go and files:
    uploads = [(f.name, f.getvalue()) for f in files]
    with st.status(f"Extracting {len(uploads):,} uploaded files…", expanded=True) as status:
        progress = progress_callback("Checking the files…")
        try:
            report = ingest.extract_uploads(uploads, data.open_data_store(), progress=progress, actor=actor)
        except StoreError as err:  # the store cannot even be opened: nothing was read or written
            report = ingest.UploadReport(rejected=[name for name, _ in uploads], error=str(err))
        if report.error:
            status.update(label="Extraction failed.", state="error")
        elif report.pending and not report.accepted:
            status.update(label="Waiting for confirmation.", state="complete")
        elif not report.accepted and report.duplicates:
            status.update(label="Already stored.", state="complete")
        elif not report.accepted:
            status.update(label="No file could be added.", state="error")
        else:
            status.update(label="Extraction finished.", state="complete")
    st.session_state["add_report"] = report
    st.session_state["add_pending"] = report.pending
    st.session_state["add_round"] += 1  # a fresh uploader for the next batch
    st.rerun()  # the loader sees the new tables (its cache key is the store's version)

report = st.session_state.get("add_report")
if report is not None:
    st.subheader("Last upload")
    if report.accepted and not report.error:
        added = report.events_after - report.events_before
        st.success(
            f"Extracted {counted(len(report.accepted), 'file')}: {md_text(', '.join(report.accepted))} — "
            f"{counted(report.documents_added, 'document')} added. "
            f"The store went from {report.events_before:,} to {report.events_after:,} events ({added:+,}).",
            icon=":material/check_circle:",
        )
    if report.replaced:
        st.info(md_text(ingest.replaced_text(report.replaced)), icon=":material/swap_horiz:")
    for doc_id, stored_as in report.duplicates.items():
        st.info(
            f"**{md_text(doc_id)}**: already stored as **{md_text(stored_as)}** (the same text); not stored again.",
            icon=":material/content_copy:",
        )
    for name, problems in report.problems.items():
        listed = "\n".join(f"- {md_text(p)}" for p in problems)
        if name in report.rejected:
            st.error(f"**{md_text(name)}** was not added:\n{listed}", icon=":material/error:")
        else:
            st.warning(f"**{md_text(name)}** was added, with these problems:\n{listed}", icon=":material/warning:")
    if report.error:
        st.error(
            f"The extraction stopped: {md_text(report.error)}. Stored events were not removed.", icon=":material/error:"
        )
    if report.lost_events:
        st.warning(f"{report.lost_events:,} events of other documents stored before are no longer in the table.")
    if report.run_report:
        st.caption(md_text(report.run_report))

show_pending(actor)
show_uploads(actor)

st.divider()
st.caption(
    f"The store now holds {view.total:,} events from {view.dataset.n_documents if view.scaled else len(view.dataset.documents):,} documents. "
    "After an extraction run outside the dashboard (`make extract`), press **Reload data** in the sidebar."
)
