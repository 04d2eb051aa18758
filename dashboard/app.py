"""Dateline dashboard router: `streamlit run dashboard/app.py` (data folder: $DATELINE_DATA, default data/)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import data, ingest  # noqa: E402
from dashboard.components import progress_callback  # noqa: E402
from dashboard.sidebar import render_sidebar  # noqa: E402

VIEWS = (
    Path(__file__).resolve().parent / "views"
)  # not "pages/": Streamlit would treat that folder as v1 multipage pages
_FIRST_RUN_LOCK = threading.Lock()


def first_start_extraction(folder: Path) -> None:
    """No events table yet: extract seeds/ once, with visible progress."""
    if data.has_events_file(folder) or st.session_state.get("_seed_attempted"):
        return
    st.session_state["_seed_attempted"] = True
    problem = ingest.pipeline_error()
    if problem:
        st.warning(
            f"No events in `{folder}` yet, and {problem}. "
            "Run `make extract` (or `python -m extract seeds --out data`), then press **Reload data**."
        )
        return
    with _FIRST_RUN_LOCK:
        if data.has_events_file(folder):  # another session finished it meanwhile
            return
        with st.status(f"First start: extracting the articles in `seeds/` into `{folder}`…", expanded=True) as status:
            progress = progress_callback("Starting…")
            try:
                folder.mkdir(parents=True, exist_ok=True)
                ingest.run_extraction([ingest.SEEDS], folder, progress=progress)
            except Exception as err:
                status.update(label=f"Extraction of seeds/ failed: {err}", state="error")
                return
            status.update(label="Seeds extracted.", state="complete", expanded=False)
    data.clear_cache()


def main() -> None:
    """Page setup, data, sidebar filters, then the selected page."""
    st.set_page_config(page_title="Dateline", page_icon=":material/timeline:", layout="wide")
    folder = data.data_dir()
    first_start_extraction(folder)
    dataset = data.load_dataset(folder)
    pages = [
        st.Page(VIEWS / "timeline.py", title="Timeline", icon=":material/timeline:", default=True),
        st.Page(VIEWS / "sources.py", title="Sources", icon=":material/article:", url_path="sources"),
        st.Page(VIEWS / "events.py", title="Events table", icon=":material/table:", url_path="events"),
        st.Page(VIEWS / "add.py", title="Add articles", icon=":material/upload_file:", url_path="add"),
    ]
    navigation = st.navigation(pages)
    render_sidebar(dataset)
    with st.sidebar:
        st.divider()
        st.caption(f"Data: `{folder}` · {len(dataset.events):,} events · {len(dataset.documents):,} documents")
        if st.button(
            "Reload data",
            icon=":material/refresh:",
            key="reload",
            help="Read the events table again after an extraction.",
        ):
            data.clear_cache()
            st.rerun()
    navigation.run()


main()
