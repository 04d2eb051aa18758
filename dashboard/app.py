"""Dateline dashboard router: `streamlit run dashboard/app.py` (the store: see extract/store/location.py)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import auth, data, heap, ingest, scaled, scaled_timeline  # noqa: E402
from dashboard.components import md_text, progress_callback  # noqa: E402
from dashboard.sidebar import render_sidebar  # noqa: E402
from extract.store import StoreError, upgrade_store  # noqa: E402
from extract.store.team import Actor  # noqa: E402

VIEWS = (
    Path(__file__).resolve().parent / "views"
)  # not "pages/": Streamlit would treat that folder as v1 multipage pages


def first_start_extraction(location: str, actor: Actor) -> None:
    """No tables in the store yet: extract seeds/ once, with visible progress (an editor's visit; recorded)."""
    if st.session_state.get("_seed_attempted"):
        return
    try:
        store = data.open_data_store(location)
        if not store.is_empty():
            return
    except StoreError:
        return  # load_dataset reports why the store cannot be read
    if not actor.can("editor"):
        st.info("The store is empty: the bundled example articles are extracted on an editor's first visit.")
        return
    st.session_state["_seed_attempted"] = True
    where = md_text(data.shown_location(location))
    with st.status(f"First start: extracting the articles in seeds/ into {where}…", expanded=True) as status:
        progress = progress_callback("Starting…")
        try:
            report = ingest.extract_seeds(store, progress=progress, actor=actor)
        except Exception as err:
            status.update(label=f"Extraction of seeds/ failed: {md_text(err)}", state="error")
            st.warning(
                "Run `python -m extract seeds --merge` in the project folder (`make extract`: with no `--out` or "
                "`--db` it writes into this same store), then press **Reload data**."
            )
            return
        if report is not None and not report.written:
            problems = "; ".join(str(p) for p in report.problems[:3]) or "no articles found"
            status.update(label=f"Nothing was extracted from seeds/: {md_text(problems)}", state="error")
            return
        done = f": {report.n_documents:,} articles, {report.n_events:,} events" if report else ""
        status.update(label=f"Seeds extracted{done}.", state="complete", expanded=False)


def main() -> None:
    """Page setup, data, sidebar filters, then the selected page."""
    # An emoji favicon is drawn in the page (a data: URL); a material icon would be fetched from Google's servers.
    st.set_page_config(page_title="Dateline", page_icon="📅", layout="wide")
    location = data.data_location()
    shown = md_text(data.shown_location(location))
    try:
        upgrade_store(data.open_data_store(location))  # a database from an older Dateline is migrated here
    except StoreError as err:
        st.error(f"The store {shown} cannot be opened: {md_text(err)}", icon=":material/error:")
    actor = auth.resolve_actor(location)  # every rerun: the role as the users table says now
    if actor is None:
        return  # the login page, "not a user", or why team mode cannot start: nothing else is drawn
    first_start_extraction(location, actor)
    # a large store answers the filters itself (dashboard/scaled.py); a small one is loaded whole
    dataset = scaled.load_summary(location) if scaled.use_queries(location) else None
    if dataset is None or dataset.problem:  # a summary that cannot be made: loaded, and the loader says why
        dataset = data.load_dataset(location)
    if dataset.problem:
        st.error(f"The tables in {shown} cannot be read: {md_text(dataset.problem)}", icon=":material/error:")
    pages = [
        st.Page(VIEWS / "timeline.py", title="Timeline", icon=":material/timeline:", default=True),
        st.Page(VIEWS / "key_dates.py", title="Key dates", icon=":material/event:", url_path="key-dates"),
        st.Page(VIEWS / "sources.py", title="Sources", icon=":material/article:", url_path="sources"),
        st.Page(VIEWS / "events.py", title="Events table", icon=":material/table:", url_path="events"),
        st.Page(VIEWS / "add.py", title="Add articles", icon=":material/upload_file:", url_path="add"),
        # listed for admins only; for anyone else the URL still opens it, and it refuses
        st.Page(
            VIEWS / "users.py",
            title="Users",
            icon=":material/group:",
            url_path="users",
            visibility="visible" if actor.can("admin") else "hidden",
        ),
        st.Page(VIEWS / "history.py", title="History", icon=":material/history:", url_path="history"),
    ]
    navigation = st.navigation(pages)
    # on the Timeline of a large store, its parts are begun in a thread while the sidebar counts
    render_sidebar(dataset, scaled_timeline.ahead if navigation is pages[0] else None)
    with st.sidebar:
        st.divider()
        n_documents = dataset.n_documents if dataset.scaled else len(dataset.documents)
        st.caption(f"Data: {shown} · {dataset.n_events:,} events · {n_documents:,} documents")
        if st.button(
            "Reload data",
            icon=":material/refresh:",
            key="reload",
            help="Read the tables again (they are re-read by themselves whenever the store is written).",
        ):
            data.clear_cache()
            scaled.clear_cache()
            heap.forget()
            st.rerun()
    navigation.run()
    with contextlib.suppress(StoreError):  # per data version, not per correction (a collection costs 0.3 s)
        heap.settle(scaled.stamp_of(location)[:2])  # after its first page (dashboard/heap.py)


main()
