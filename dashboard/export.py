"""Downloads of the filtered events: CSV (spreadsheet-safe), JSON and TimelineJS3 JSON."""

from __future__ import annotations

import codecs
import html
import json
from collections.abc import Iterator

import numpy as np
import pandas as pd

from extract import schema, store

# What a download adds to each event row: its group's sources and agreement, and its article.
CONTEXT_COLUMNS: tuple[schema.Column, ...] = (
    schema.Column("group_sources", "int", "How many sources report the event (its group); 1 when ungrouped."),
    schema.Column("group_agreement", "string", "single, agree, refines or conflict: how far the sources agree."),
    schema.Column("group_date_start", "datetime", "First day of the date the group's sources agree on."),
    schema.Column("group_date_end", "datetime", "Last day of that date, inclusive."),
    schema.Column("title", "string", "The source article's title."),
    schema.Column("published", "datetime", "The source article's publication date (empty when unknown)."),
    schema.Column("url", "string", "The source article's address (empty when unknown)."),
)
CONTEXT_COLUMN_NAMES = [c.name for c in CONTEXT_COLUMNS]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _columns(events: pd.DataFrame) -> tuple[schema.Column, ...]:
    """The event columns, then whichever context columns the frame has."""
    return schema.EVENT_COLUMNS + tuple(c for c in CONTEXT_COLUMNS if c.name in events.columns)


def with_context(
    events: pd.DataFrame, group_of: np.ndarray, groups: pd.DataFrame, documents: pd.DataFrame
) -> pd.DataFrame:
    """Event rows (a slice of the prepared events, whose index is their row number) with the context columns.

    `group_of` and `groups` are the dataset's (each event's group row, the group frame); `documents` its
    documents table."""
    out = events[schema.EVENT_COLUMN_NAMES].copy()
    rows = groups.iloc[group_of[events.index.to_numpy()]]
    out["group_sources"] = rows["n_sources"].to_numpy()
    out["group_agreement"] = rows["date_agreement"].to_numpy()
    out["group_date_start"] = rows["date_start"].to_numpy()
    out["group_date_end"] = rows["date_end"].to_numpy()
    return _with_documents(out, documents)


def context_of_rows(rows: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """`with_context` for rows the store gave (extract/store/query_tables.py: the event columns with the fixed
    date_end, and their group's n_sources, date_agreement, group_date_start and group_date_end)."""
    out = rows[schema.EVENT_COLUMN_NAMES].reset_index(drop=True)
    out["group_sources"] = rows["n_sources"].to_numpy(dtype=np.int64)
    out["group_agreement"] = rows["date_agreement"].astype(str).to_numpy(dtype=object)
    out["group_date_start"] = rows["group_date_start"].to_numpy(dtype="datetime64[ns]")
    out["group_date_end"] = rows["group_date_end"].to_numpy(dtype="datetime64[ns]")
    return _with_documents(out, documents)


def _with_documents(out: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """The article's title, publication date and address beside each row."""
    docs = documents.drop_duplicates("doc_id", keep="last").set_index("doc_id")
    doc_ids = out["doc_id"].astype(str)
    out["title"] = doc_ids.map(docs["title"]).fillna("").to_numpy()
    out["published"] = doc_ids.map(docs["published"]).to_numpy(dtype="datetime64[ns]")
    out["url"] = doc_ids.map(docs["url"]).fillna("").to_numpy()
    return out


def _neutralise_series(values: pd.Series) -> pd.Series:
    """A single quote prefixed to text a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    values = values.astype(str)
    risky = values.str.startswith(FORMULA_STARTS).to_numpy(dtype=bool)
    if not risky.any():
        return values
    return values.where(~risky, "'" + values)


def export_frame(events: pd.DataFrame) -> pd.DataFrame:
    """The schema's event columns (and context columns when present), dates as YYYY-MM-DD text (empty when
    unresolved), lists kept."""
    return store.csv_frame(events, _columns(events), join_lists=False)


def to_csv_bytes(events: pd.DataFrame) -> bytes:
    """events.csv's layout (then the context columns, when present) made safe for spreadsheets: UTF-8 with
    BOM, CRLF, formula-like cells neutralised."""
    columns = _columns(events)
    out = store.csv_frame(events, columns)  # the same layout as events.csv, so it reads back alike
    for column in [c.name for c in columns if c.dtype in ("string", "list")]:
        out[column] = _neutralise_series(out[column])
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _jsonable(value: object) -> object:
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def to_records(events: pd.DataFrame) -> list[dict[str, object]]:
    """Events as plain JSON-ready dicts in schema column order."""
    out = export_frame(events)
    return [{k: _jsonable(v) for k, v in row.items()} for row in out.to_dict(orient="records")]


def to_json_bytes(events: pd.DataFrame) -> bytes:
    """The events as a JSON array of objects (UTF-8)."""
    return json.dumps(to_records(events), ensure_ascii=False, indent=1).encode("utf-8")


def _tl_date(day: pd.Timestamp, granularity: str) -> dict[str, int]:
    """A TimelineJS date object carrying only the precision the event has."""
    if granularity in ("year", "decade"):
        return {"year": day.year}
    if granularity == "month":
        return {"year": day.year, "month": day.month}
    return {"year": day.year, "month": day.month, "day": day.day}


def to_timelinejs(events: pd.DataFrame, title: str = "Dateline events") -> dict[str, object]:
    """A TimelineJS3 document ({"title", "events"}) of the dated events; every text field is HTML-escaped.

    TimelineJS puts headline, text, group and display_date into the page as HTML (innerHTML), so all of them
    are escaped here; only the markup this function adds (<p>, <em>) stays markup.

    Day events get a start date only; other granularities get start and end dates at their precision.
    Undated events are left out (TimelineJS needs a start date).
    """
    items: list[dict[str, object]] = []
    dated = events[events["date_start"].notna()]
    for row in dated.itertuples(index=False):
        start, end, granularity = pd.Timestamp(row.date_start), pd.Timestamp(row.date_end), str(row.granularity)
        item: dict[str, object] = {
            "unique_id": str(row.event_id),
            "start_date": _tl_date(start, granularity),
            "text": {
                "headline": html.escape(str(row.summary) or str(row.sentence)[:80]),
                "text": (
                    f"<p>{html.escape(str(row.sentence))}</p>"
                    f"<p><em>{html.escape(str(row.source))}</em>"
                    + (f" · written as “{html.escape(str(row.time_expression))}”" if row.time_expression else "")
                    + "</p>"
                ),
            },
            "group": html.escape(str(row.source)),
        }
        if pd.notna(end) and _tl_date(end, granularity) != item["start_date"]:
            item["end_date"] = _tl_date(end, granularity)
        if row.time_expression:
            item["display_date"] = html.escape(str(row.time_expression))
        items.append(item)
    return {"title": {"text": {"headline": html.escape(title), "text": f"{len(items):,} events"}}, "events": items}


def to_timelinejs_bytes(events: pd.DataFrame, title: str = "Dateline events") -> bytes:
    """`to_timelinejs` serialised as UTF-8 JSON."""
    return json.dumps(to_timelinejs(events, title), ensure_ascii=False, indent=1).encode("utf-8")


def chunked_csv(chunks: Iterator[pd.DataFrame]) -> bytes:
    """`to_csv_bytes` of the chunks one after the other: one byte-order mark, one header."""
    parts: list[bytes] = []
    for chunk in chunks:
        body = to_csv_bytes(chunk)
        if parts:  # the BOM and the header line only once
            body = body[len(codecs.BOM_UTF8) :].split(b"\r\n", 1)[1]
        parts.append(body)
    return b"".join(parts) if parts else to_csv_bytes(pd.DataFrame(columns=schema.EVENT_COLUMN_NAMES))


def chunked_json(chunks: Iterator[pd.DataFrame]) -> bytes:
    """`to_json_bytes` of the chunks one after the other (the same bytes as of one frame)."""
    bodies = [to_json_bytes(chunk)[2:-2] for chunk in chunks]  # each '[\n ... \n]' without its brackets
    bodies = [b for b in bodies if b]
    return b"[\n" + b",\n".join(bodies) + b"\n]" if bodies else b"[]"


def chunked_timelinejs(chunks: Iterator[pd.DataFrame], title: str = "Dateline events") -> bytes:
    """`to_timelinejs_bytes` of the chunks one after the other."""
    items: list[object] = []
    for chunk in chunks:
        items.extend(to_timelinejs(chunk, title)["events"])  # type: ignore[arg-type]
    headline = {"headline": html.escape(title), "text": f"{len(items):,} events"}
    return json.dumps({"title": {"text": headline}, "events": items}, ensure_ascii=False, indent=1).encode("utf-8")
