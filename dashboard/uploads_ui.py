"""The Add articles page's review parts: replacements waiting for an editor's confirmation (old vs new), and the
uploads list (who, when, file, document, status) with Remove / Restore for editors, on a database store.

Every string from an upload or a document goes through md_text; tables are st.dataframe (never markdown).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, ingest
from dashboard.components import md_text
from extract.corpus.steps import corpus_tables
from extract.store import StoreError, sql_uploads
from extract.store.sql import SqlStore
from extract.store.team import Actor

NO_HISTORY = (
    "Upload history, removing an upload and restoring a previous version need a database store; this dashboard "
    "reads a folder of files (`python -m extract import DATA_DIR` copies it into one). Uploads still work, and a "
    "replacement still needs a confirmation."
)


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _summaries(items: list[str], n: int) -> str:
    if not items:
        return "- (no events)"
    more = f"\n- … and {n - len(items):,} more" if n > len(items) else ""
    return "\n".join(f"- {md_text(s) or '(no summary)'}" for s in items) + more


def show_pending(actor: Actor) -> None:
    """Replacements waiting for confirmation: per document, what would change; Replace / Keep buttons."""
    pending: ingest.Pending | None = st.session_state.get("add_pending")
    if pending is None or not pending.changes:
        return
    n = len(pending.changes)
    st.subheader("Waiting for confirmation")
    st.warning(
        f"{n:,} uploaded document{'s' if n != 1 else ''} would replace a stored document with different content. "
        "Nothing was replaced: check what would change, then confirm or keep the stored versions.",
        icon=":material/report:",
    )
    for change in pending.changes:
        with st.container(border=True):
            st.markdown(f"**{md_text(change.doc_id)}** · from {md_text(change.filename)}")
            old, new = st.columns(2)
            old.markdown(
                f"**Stored now**: {md_text(change.old_title) or '(no title)'} · {_n(change.old_events, 'event')}\n\n"
                + _summaries(change.old_summaries, change.old_events)
            )
            new.markdown(
                f"**Uploaded**: {md_text(change.new_title) or '(no title)'} · {_n(change.new_events, 'event')}\n\n"
                + _summaries(change.new_summaries, change.new_events)
            )
    editor = actor.can("editor")
    left, right, _ = st.columns([2, 2, 3])
    replace = left.button(
        f"Replace {n:,} stored document{'s' if n != 1 else ''}",
        type="primary",
        icon=":material/swap_horiz:",
        disabled=not editor,
        key="confirm_replace",
        help=None if editor else "Replacing a document needs the editor role.",
    )
    keep = right.button("Keep the stored versions", icon=":material/undo:", key="keep_stored")
    if keep:
        st.session_state["add_pending"] = None
        st.session_state["add_action"] = ("info", f"Kept the stored version of {n:,} document(s); nothing replaced.")
        st.rerun()
    if replace:
        try:
            report = ingest.confirm_replacements(pending, data.open_data_store(), actor=actor)
        except StoreError as err:
            report = ingest.UploadReport(error=str(err))
        st.session_state["add_pending"] = report.pending
        if report.error:
            st.session_state["add_action"] = ("error", f"Nothing replaced: {report.error}")
        else:
            st.session_state["add_report"] = report  # "Last upload" now says what the confirmation wrote
            n_done = len(report.replaced)
            undo = (
                "the previous versions can be restored from the uploads list below"
                if report.recorded
                else "a folder of files keeps no previous version"
            )
            st.session_state["add_action"] = ("success", f"Replaced {n_done:,} document(s); {undo}.")
        st.rerun()


def show_uploads(actor: Actor) -> None:
    """The uploads list (a database store), with what an editor can do to the selected one."""
    _last_action()
    try:
        store = data.open_data_store()
    except StoreError:
        return
    st.subheader("Uploads")
    if not isinstance(store, SqlStore):
        st.caption(NO_HISTORY)
        return
    try:
        uploads = sql_uploads.list_uploads(store)
    except StoreError as err:
        st.error(f"The uploads cannot be read: {md_text(err)}", icon=":material/error:")
        return
    if uploads.empty:
        st.caption("No uploads yet.")
        return
    shown = pd.DataFrame(
        {
            "When": pd.to_datetime(uploads["uploaded_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC"),
            "Who": uploads["uploaded_by"],
            "File": uploads["filename"],
            "Document": uploads["doc_id"],
            "Status": uploads["shown"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="uploads")
    labels = [
        f"#{r.id} · {r.filename} → {r.doc_id} ({r.shown})"
        for r in uploads[["id", "filename", "doc_id", "shown"]].itertuples()
    ]
    chosen = st.selectbox(
        "Upload to act on",
        range(len(labels)),
        format_func=lambda i: labels[i],
        index=None,
        placeholder="Choose an upload to remove it or restore what it replaced (editors)",
        key="upload_pick",
    )
    if chosen is None:
        return
    row = uploads.iloc[chosen]
    editor = actor.can("editor")
    why = None if editor else "Needs the editor role."
    cols = st.columns(3)
    actions = (
        ("Remove", ":material/delete:", bool(row["can_remove"]), sql_uploads.remove_upload, "removed"),
        (
            "Restore previous version",
            ":material/history:",
            bool(row["can_restore_previous"]),
            sql_uploads.restore_previous,
            "restored the previous version of",
        ),
        ("Restore", ":material/restore_from_trash:", bool(row["can_restore"]), sql_uploads.restore_upload, "restored"),
    )
    for col, (label, icon, allowed, action, done) in zip(cols, actions, strict=True):
        if col.button(label, icon=icon, disabled=not (editor and allowed), help=why, key=f"upload_{label}"):
            st.session_state.pop("add_report", None)  # the last upload's report is old news now
            try:
                doc_id = action(store, int(row["id"]), actor=actor, derive=corpus_tables)
                st.session_state["add_action"] = ("success", f"{done.capitalize()} {doc_id} (upload {row['id']}).")
            except StoreError as err:
                st.session_state["add_action"] = ("error", str(err))
            st.rerun()


def _last_action() -> None:
    """The message of the last confirm / remove / restore (set before the rerun that shows it)."""
    found = st.session_state.pop("add_action", None)
    if not found:
        return
    kind, text = found
    shown = {"success": st.success, "error": st.error, "info": st.info}[kind]
    shown(md_text(text))
