"""The tables: columns, dtypes and frame builders, defined once, and the declaration of every stored table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "string", "datetime", "int", "float", "list"
    doc: str  # one line for the README's data dictionary


EVENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "event_id", "string", "Stable id: hash of the document's content and the sentence and time-expression span."
    ),
    Column("doc_id", "string", "Document id: path relative to the input folder without extension, or the JSONL `id`."),
    Column("source", "string", "Who reports it: the document's outlet, else its title, else its doc_id."),
    Column("date_start", "datetime", "First calendar day of the event's period (empty when unresolved)."),
    Column(
        "date_end",
        "datetime",
        "Last calendar day of the event's period, inclusive (a month-level event ends on the month's last day).",
    ),
    Column(
        "granularity",
        "string",
        "Precision of the date: day, week, month, quarter, season, year, decade, range or unresolved.",
    ),
    Column(
        "date_basis",
        "string",
        "How the date was found: explicit, relative, anaphoric, citation, publication, inferred or unresolved.",
    ),
    Column(
        "time_expression",
        "string",
        "The time expression as written in the text (empty for publication-dated lead events).",
    ),
    Column("summary", "string", "Short clause saying what happened."),
    Column("sentence", "string", "The sentence the event comes from, exactly as in the text."),
    Column("char_start", "int", "Offset of the sentence's first character in the document text."),
    Column("char_end", "int", "Offset just past the sentence's last character in the document text."),
    Column("actors", "list", "Canonical names of the countries, organisations and people who act (metonyms resolved)."),
    Column("locations", "list", "Places the sentence names as places (not acting)."),
    Column("event_type", "string", "military, diplomacy, economy, sanctions, conflict, statement or other."),
    Column("modality", "string", "asserted, hypothetical or planned (the dashboard hides the last two by default)."),
    Column("confidence", "float", "0 to 1: how sure the extractor is that this is a dated event with the right date."),
    Column(
        "event_group",
        "string",
        "Id shared by reports of the same real-world event across sources (every asserted row has one; plans none).",
    ),
)

DOCUMENT_COLUMNS: tuple[Column, ...] = (
    Column("doc_id", "string", "Document id, as in the events table."),
    Column("title", "string", "Title from metadata, else the text's first line."),
    Column("outlet", "string", "Publishing outlet, from metadata (empty when unknown)."),
    Column("url", "string", "Address of the article, from metadata (empty when unknown)."),
    Column("published", "datetime", "Publication date: first day of its period (empty when unknown)."),
    Column("published_granularity", "string", "day, month or year; empty when the date is unknown."),
    Column(
        "published_basis",
        "string",
        "metadata, dateline, inferred, corroborated (from events other sources date) or unknown.",
    ),
    Column("path", "string", "File the document was read from."),
    Column("sha256", "string", "SHA-256 of the document's text."),
    Column(
        "scan_sha256",
        "string",
        "SHA-256 of the document's stored time-expression scan, which re-dates it without parsing (empty: none).",
    ),
    Column("n_events", "int", "How many events were extracted from it, plans included."),
)

# Corpus-level tables: computed from the whole stored set at every write (extract/corpus).
GROUP_COLUMNS: tuple[Column, ...] = (
    Column("event_group", "string", "Id of the group, as in the events table's `event_group`."),
    Column("date_start", "datetime", "First day of the consensus date (empty when no member is dated)."),
    Column("date_end", "datetime", "Last day of the consensus date, inclusive."),
    Column("granularity", "string", "Precision of the consensus date: day, week, month, ... or unresolved."),
    Column("date_basis", "string", "How the consensus date was found: explicit, citation, relative, publication..."),
    Column("summary", "string", "What happened, in the words of the clearest member."),
    Column("actors", "list", "Actors the members name, the most often named first."),
    Column("locations", "list", "Places the members name, the most often named first."),
    Column("event_type", "string", "The event type most sources give."),
    Column("n_sources", "int", "How many distinct outlets report the event."),
    Column("n_documents", "int", "How many documents report it."),
    Column("n_reports", "int", "How many event rows the group holds."),
    Column("sources", "list", "The outlets that report it."),
    Column(
        "first_reported",
        "datetime",
        "Earliest publication day among the members' documents (else the earliest publication period's start).",
    ),
    Column("reported_dates", "list", "Each distinct date the members give, with how many sources gave it: 'DATE (N)'."),
    Column(
        "date_agreement",
        "string",
        "single (one source), agree, refines (one date more precise inside another) or conflict.",
    ),
)
DATE_AGREEMENTS = ("single", "agree", "refines", "conflict")

KEY_DATE_COLUMNS: tuple[Column, ...] = (
    Column("date", "datetime", "The day."),
    Column("rank", "int", "1 for the day that matters most, then 2, 3, ...; equal scores go to the earlier day."),
    Column("score", "float", "How much it matters that something happened that day (extract/corpus/keydates.py)."),
    Column("n_sources", "int", "Distinct sources that date an event to that day."),
    Column("n_groups", "int", "Distinct events dated to that day (event groups; else one per document)."),
    Column("summary", "string", "Summary of the day's top event: the group with the most sources, then votes."),
)


@dataclass(frozen=True)
class Table:
    """A stored table: the store keeps one of these per declaration in TABLES (files: one file per format)."""

    name: str  # also the file stem in the files store: events -> events.parquet, events.csv
    columns: tuple[Column, ...]
    formats: tuple[str, ...]  # "parquet", "csv"; the first is the one read back (the others are copies)
    doc: str  # one line: what the table holds


# Every stored table. A new table (event groups, key dates) is one more entry here; the store writes each.
# events and plans share the event columns: the store sends rows with a PLAN_MODALITIES modality to plans.
TABLES: dict[str, Table] = {
    "events": Table("events", EVENT_COLUMNS, ("parquet", "csv"), "what happened (modality asserted)"),
    "plans": Table("plans", EVENT_COLUMNS, ("parquet", "csv"), "planned and hypothetical events, same columns"),
    "documents": Table("documents", DOCUMENT_COLUMNS, ("csv",), "one row per document"),
    "groups": Table("groups", GROUP_COLUMNS, ("parquet", "csv"), "one row per event: reports of it across sources"),
    "key_dates": Table("key_dates", KEY_DATE_COLUMNS, ("csv",), "the story's days, the one that matters most first"),
}
PLAN_MODALITIES = ("planned", "hypothetical")  # rows with these go to the plans table, the others to events

EVENT_COLUMN_NAMES = [c.name for c in EVENT_COLUMNS]
DOCUMENT_COLUMN_NAMES = [c.name for c in DOCUMENT_COLUMNS]

GRANULARITIES = ("day", "week", "month", "quarter", "season", "year", "decade", "range", "unresolved")
DATE_BASES = ("explicit", "relative", "anaphoric", "citation", "publication", "inferred", "unresolved")
EVENT_TYPES = ("military", "diplomacy", "economy", "sanctions", "conflict", "statement", "other")
MODALITIES = ("asserted", "hypothetical", "planned")
PUBLISHED_BASES = ("metadata", "dateline", "inferred", "corroborated", "unknown")


MIN_YEAR, MAX_YEAR = pd.Timestamp.min.year + 1, pd.Timestamp.max.year - 1  # datetime64[ns] range


def _typed(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col.name] if col.name in frame else pd.Series([None] * len(frame), index=frame.index)
        if col.dtype == "string":
            out[col.name] = values.astype("string").fillna("")
        elif col.dtype == "datetime":
            out[col.name] = _timestamps(values)
        elif col.dtype == "int":
            out[col.name] = pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
        elif col.dtype == "float":
            out[col.name] = pd.to_numeric(values, errors="coerce").astype("float64")
        elif col.dtype == "list":
            out[col.name] = values.map(_as_list).astype(object)
    return out.reset_index(drop=True)


def _timestamps(values: pd.Series) -> pd.Series:
    """Dates -> datetime64[ns]; a date pandas cannot hold (before 1678 or after 2261) becomes NaT."""
    parsed = values if pd.api.types.is_datetime64_any_dtype(values) else pd.to_datetime(values, errors="coerce")
    parsed = parsed.where(parsed.dt.year.between(MIN_YEAR, MAX_YEAR))  # other units hold years ns cannot
    return parsed.astype("datetime64[ns]")


def _as_list(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [str(v) for v in value]  # type: ignore[union-attr]


def events_frame(rows: Iterable[Mapping[str, object]] = ()) -> pd.DataFrame:
    """Event rows (mappings) -> the typed events table, columns in schema order."""
    return _typed(pd.DataFrame(list(rows), columns=EVENT_COLUMN_NAMES), EVENT_COLUMNS)


def documents_frame(rows: Iterable[Mapping[str, object]] = ()) -> pd.DataFrame:
    """Document rows (mappings) -> the typed documents table, columns in schema order."""
    return _typed(pd.DataFrame(list(rows), columns=DOCUMENT_COLUMN_NAMES), DOCUMENT_COLUMNS)


def typed_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Any frame with the event columns (e.g. read from CSV) -> the typed events table."""
    return _typed(frame, EVENT_COLUMNS)


def typed_documents(frame: pd.DataFrame) -> pd.DataFrame:
    """Any frame with the document columns (e.g. read from CSV) -> the typed documents table."""
    return _typed(frame, DOCUMENT_COLUMNS)


def typed(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Any frame with a declared table's columns -> that table, typed, columns in schema order."""
    return _typed(frame, TABLES[table].columns)
