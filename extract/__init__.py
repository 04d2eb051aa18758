"""Dateline's extraction engine: articles in, one table of dated events out.

Public API:
    find_time_mentions(text, published) -> list[TimeMention]
    extract_events(text, published=None, ...) -> events DataFrame for one text
    EVENT_COLUMNS, DOCUMENT_COLUMNS: the two tables' schema
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from extract.schema import DOCUMENT_COLUMNS, EVENT_COLUMNS, documents_frame, events_frame

if TYPE_CHECKING:
    import pandas as pd

    from extract.timex import TimeMention, find_time_mentions

__all__ = [
    "DOCUMENT_COLUMNS",
    "EVENT_COLUMNS",
    "TimeMention",
    "documents_frame",
    "events_frame",
    "extract_events",
    "find_time_mentions",
]


def extract_events(
    text: str,
    published: dt.date | str | None = None,
    *,
    doc_id: str = "text",
    title: str = "",
    outlet: str = "",
    url: str = "",
) -> pd.DataFrame:
    """One article's text (and optional metadata) -> its events table."""
    from extract.documents import Document
    from extract.events import document_tables
    from extract.nlp import load_nlp
    from extract.pipeline import parse_document

    raw = published.isoformat() if isinstance(published, dt.date) else (published or "")
    document = Document(doc_id=doc_id, text=text, path="", title=title, outlet=outlet, url=url, published=raw)
    tables = document_tables(document, parse_document(load_nlp(), text))  # long texts in pieces, like the CLI
    return events_frame(tables.events)


def __getattr__(name: str) -> object:
    # The tagger is loaded on first use, so that importing a light module of the package (the schema, a
    # corpus step, the store) does not load the tagger's pattern tables.
    if name in ("TimeMention", "find_time_mentions"):
        from extract import timex

        return getattr(timex, name)
    raise AttributeError(f"module 'extract' has no attribute {name!r}")
