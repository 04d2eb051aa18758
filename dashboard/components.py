"""Pieces shared by pages: event details (sentence, source, link back), formatted dates, column formats."""

from __future__ import annotations

import contextlib
import re
import time
import urllib.parse
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.text import STYLE, sentence_html
from extract.store import StoreError
from extract.store.sql import SqlStore

SOURCES_PAGE = "views/sources.py"
MAX_DETAILS = 20


def date_label(start: pd.Timestamp, end: pd.Timestamp, granularity: str) -> str:
    """The resolved date at its precision: 2025-03-13, March 2025, 2025, 2025-03-01 – 2025-06-30."""
    if pd.isna(start):
        return "unresolved"
    if granularity == "day" or pd.isna(end) or end == start:
        return f"{start:%Y-%m-%d}"
    if granularity == "month":
        return f"{start:%B %Y}"
    if granularity == "year":
        return f"{start:%Y}"
    if granularity == "decade":
        return f"{start:%Y}s"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def progress_callback(text: str) -> Callable[..., None]:
    """A progress bar and the run_extraction callback that moves it (UI errors never stop extraction): called as
    progress(done, total, doc_id), or with ``words`` (words extracted so far) and ``workers`` for large batches."""
    bar = st.progress(0.0, text=text)
    started = time.monotonic()

    def progress(done: int, total: int, doc_id: str, words: int = 0, workers: int = 0) -> None:
        with contextlib.suppress(Exception):
            shown = progress_text(done, total, doc_id, started, words=words, workers=workers)
            bar.progress(min(done / max(total, 1), 1.0), text=shown)

    return progress


def progress_text(
    done: int, total: int, doc_id: str, started: float, now: float | None = None, *, words: int = 0, workers: int = 0
) -> str:
    """ "12 of 300 documents · 2.4 a second · 3,100 words a second · 2 workers · about 2 min left · doc": the rates
    and time left once measurable; words and workers when the caller knows them."""
    parts = [f"{done:,} of {total:,} documents"]
    elapsed = (time.monotonic() if now is None else now) - started
    if done and elapsed >= 1.0:
        rate = done / elapsed
        parts.append(f"{rate:,.1f} a second" if rate < 10 else f"{rate:,.0f} a second")
        if words:
            parts.append(f"{words / elapsed:,.0f} words a second")
    if workers:
        parts.append(f"{workers} worker{'s' if workers != 1 else ''}")
    if done and elapsed >= 1.0 and done < total:
        left = (total - done) / (done / elapsed)
        parts.append(f"about {left:,.0f} s left" if left < 90 else f"about {left / 60:,.0f} min left")
    parts.append(md_text(doc_id))
    return " · ".join(parts)


def overlap_config() -> dict[str, object]:
    """The columns of the Sources page's "where sources meet" table."""
    cc = st.column_config
    return {
        "month": cc.TextColumn("Month", width=75),
        "actor": cc.TextColumn("Actor", width=125),
        "sources": cc.TextColumn("Which sources", width=240),
        "event_types": cc.TextColumn("Event types", width=110),
        "kinds": cc.TextColumn("Classified as", width=95),
        "n_sources": cc.NumberColumn("Sources", format="localized", width=65),
        "n_events": cc.NumberColumn("Events", format="localized", width=60),
    }


def column_config() -> dict[str, object]:
    """Readable formats for the events table."""
    cc = st.column_config
    return {
        "date_start": cc.DateColumn("Start", format="YYYY-MM-DD"),
        "date_end": cc.DateColumn("End", format="YYYY-MM-DD"),
        "time_expression": cc.TextColumn("Written as"),
        "source": cc.TextColumn("Source", width="medium"),
        "modality": cc.TextColumn("Modality"),
        "doc_id": cc.TextColumn("Document"),
        "event_id": cc.TextColumn("Event id"),
        "summary": cc.TextColumn("Summary", width="large"),
        "sentence": cc.TextColumn("Sentence", width="large"),
        "actors": cc.ListColumn("Actors"),
        "locations": cc.ListColumn("Locations"),
        "confidence": cc.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="percent"),
        "event_type": cc.TextColumn("Type"),
        "granularity": cc.TextColumn("Granularity"),
        "date_basis": cc.TextColumn("Date basis"),
        "char_start": cc.NumberColumn("Start offset", format="%d"),
        "char_end": cc.NumberColumn("End offset", format="%d"),
    }


def event_details(events: pd.DataFrame, documents: pd.DataFrame, filters: data.Filters) -> None:
    """Each event: its sentence with the time expression highlighted, source, actors, date basis, links back."""
    st.html(STYLE)
    by_doc = documents.set_index("doc_id") if len(documents) else None
    params = data.to_query_params(filters)
    for row in events.head(MAX_DETAILS).to_dict("records"):
        with st.container(border=True):
            written = (
                f"“{row['time_expression']}”" if row["time_expression"] else "no date written (the publication date)"
            )
            confidence = f"{row['confidence']:.0%}" if pd.notna(row["confidence"]) else "n/a"
            when = row.get("_when") or date_label(row["date_start"], row["date_end"], str(row["granularity"]))
            st.markdown(
                f"**{md_text(row['summary'] or '(no summary)')}**  \n"
                f":blue-badge[{md_text(row['event_type'])}] :gray-badge[{md_text(row['modality'])}] "
                f"**{md_text(when)}**, written {md_text(written)} · basis: {md_text(row['date_basis'])} · "
                f"confidence {confidence}"
            )
            st.html(f'<div class="dl-legend">{sentence_html(str(row["sentence"]), str(row["time_expression"]))}</div>')
            actors = ", ".join(row["actors"]) if len(row["actors"]) else "none named"
            places = ", ".join(row["locations"]) if len(row["locations"]) else "none named"
            st.caption(f"Actors: {md_text(actors)} · Places: {md_text(places)} · Source: {md_text(row['source'])}")
            cols = st.columns([1, 1, 2])
            cols[0].page_link(
                SOURCES_PAGE,
                label="Open the source",
                icon=":material/article:",
                query_params={**params, "doc": str(row["doc_id"])},
            )
            url = ""
            if by_doc is not None and row["doc_id"] in by_doc.index:
                url = str(by_doc.loc[row["doc_id"], "url"])
                if isinstance(by_doc.loc[row["doc_id"], "url"], pd.Series):
                    url = str(by_doc.loc[row["doc_id"], "url"].iloc[0])
            if link := safe_url(url):
                cols[1].link_button("Original article", link, icon=":material/open_in_new:")
    if len(events) > MAX_DETAILS:
        st.caption(f"Showing the first {MAX_DETAILS} of {len(events):,} selected events.")


def safe_url(url: object) -> str | None:
    """An http(s) URL with a host, percent-encoded so no markdown or HTML can break out of it; else None."""
    text = str(url).strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Keep the URL's structure (and existing %XX escapes); encode everything else, brackets and quotes included.
    return urllib.parse.quote(text, safe=":/?#@!$&*+,;=%~-._")


ZWSP = "\u200b"  # zero-width space: invisible, but breaks what markdown would turn into a link
_MD_ESCAPED = frozenset("\\`*_{}[]()#+-.!|~$:")  # ASCII punctuation markdown (or Streamlit's extensions) reads
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What GFM turns into a link without brackets: http://, https://, ftp://, www., mailto:, and e-mail addresses.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www|mailto|@)")
_LAYOUT = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")  # line breaks (new blocks: lists, headings), tabs, controls


def md_text(text: object) -> str:
    """Any string from a document, a file name or an error, for a place that renders markdown (st.markdown,
    captions, titles, alerts, status labels, help tooltips, progress text): shown as the characters it is.

    HTML is entity-escaped (never a tag), markdown punctuation backslash-escaped (no link, image, emphasis,
    code, LaTeX, colour directive or emoji shortcode), a zero-width space follows "http", "www", "ftp",
    "mailto" and "@" (no bare URL or e-mail address is auto-linked), and line breaks become spaces (no new
    block). The one escaping function for such strings: every page uses it.
    """
    flat = _LAYOUT.sub(" ", str(text))
    defused = _AUTOLINK.sub(lambda m: m.group(0) + ZWSP, flat)
    return "".join(_HTML_ENTITIES.get(ch) or ("\\" + ch if ch in _MD_ESCAPED else ch) for ch in defused)


def database_store_or_stop(needs: str) -> SqlStore:
    """The dashboard's store when it is a database; otherwise a message ("The history needs a database store",
    or why the store cannot be opened) and the page stops there."""
    try:
        store = data.open_data_store()
    except StoreError as err:
        st.error(f"The store cannot be opened: {md_text(err)}", icon=":material/error:")
        st.stop()
    if not isinstance(store, SqlStore):
        st.info(
            f"{needs} a database store: {md_text(data.shown_location(store.location))} is a folder of files, which "
            "keeps none. `python -m extract import DATA_DIR` copies the folder into a database (SQLite by default).",
            icon=":material/info:",
        )
        st.stop()
    return store
