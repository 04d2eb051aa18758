"""The groups table's columns, declared like the events and documents tables in `extract.schema` (and meant
to move there once the store writes `groups.parquet` / `groups.csv`)."""

from __future__ import annotations

import pandas as pd

from extract.schema import Column, _typed

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

GROUP_COLUMN_NAMES = [c.name for c in GROUP_COLUMNS]
DATE_AGREEMENTS = ("single", "agree", "refines", "conflict")


def groups_frame(rows: list[dict[str, object]] | None = None) -> pd.DataFrame:
    """Group rows (mappings) -> the typed groups table, columns in declaration order."""
    return _typed(pd.DataFrame(rows or [], columns=GROUP_COLUMN_NAMES), GROUP_COLUMNS)


def typed_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """Any frame with the group columns (e.g. read from CSV) -> the typed groups table."""
    return _typed(frame, GROUP_COLUMNS)
