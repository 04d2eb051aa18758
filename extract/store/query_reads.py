"""The few rows behind a page's marks, read from a large store: the reports by ``rid`` and the stored groups by
their best report, typed as the dashboard reads them (extract/store/query.py `Query._mark_rows`).

Rows scattered over a million cost a read of every block of each column asked for, so these ask only for the
columns a mark shows, and take the reports' ids (the costliest columns: high-cardinality strings) from the
backend's memory where it keeps them (`Backend.ids`, extract/store/query_ready.py).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from extract.schema import TABLES
from extract.store import query_ready

# what a mark shows of a group (the groups table's columns; an event of its own gives its report's)
GROUP_FIELDS = [
    "date_start",
    "date_end",
    "granularity",
    "date_basis",
    "summary",
    "actors",
    "event_type",
    "n_sources",
    "sources",
    "reported_dates",
    "date_agreement",
]
_EVENT_COLUMNS = [c.name for c in TABLES["events"].columns]


def reports_by_rid(backend: Any, run: Any, wanted: str) -> pd.DataFrame:
    """The events table's columns, ``rid`` and ``ord`` of the reports whose rid the SELECT ``wanted`` gives; the
    ids from the backend's memory where it keeps them (Backend.ids)."""
    ev = backend.events_relation()
    kept = backend.ready_relation() is not None
    cols = ", ".join(f"e.{c}" for c in _EVENT_COLUMNS if not (kept and c in query_ready.ID_COLUMNS))
    read = run(f"SELECT e.rid, e.ord, {cols} FROM {ev} e WHERE e.rid IN ({wanted})", {})
    if not kept:
        return read
    ids = backend.ids(read["rid"].to_numpy())
    if ids is None:  # not kept (the table made again meanwhile): read
        named = ", ".join(f"e.{c}" for c in query_ready.ID_COLUMNS)
        found = run(f"SELECT e.rid, {named} FROM {ev} e WHERE e.rid IN ({wanted})", {})
        return read.merge(found, on="rid", how="left")
    return pd.concat([read.reset_index(drop=True), ids], axis=1)


def groups_of_picks(backend: Any, run: Any, by_best: bool, facts: bool) -> pd.DataFrame:
    """The groups table's rows of the stored groups' marks in dl_pick (found by key, or ``by_best`` by their
    best report's rid: then only the columns a mark reads, ``facts`` with MEMBER_FACTS, and each group's key
    from the backend's memory, as its best report's group, where it keeps the reports' ids)."""
    rel = backend.groups_relation()
    if not by_best:
        return run(f"SELECT g.* FROM {rel} g WHERE g.event_group IN (SELECT p.key FROM dl_pick p WHERE p.own = 0)", {})
    cols = dict.fromkeys(["dl_best", *GROUP_FIELDS, *(query_ready.MEMBER_FACTS if facts else ())])
    found = f"FROM {rel} g WHERE g.dl_best IN (SELECT p.rid FROM dl_pick p WHERE p.own = 0)"
    if backend.ready_relation() is not None:
        rows = run(f"SELECT {', '.join('g.' + c for c in cols)} {found}", {})
        ids = backend.ids(rows["dl_best"].to_numpy())
        if ids is not None:  # a string of every group decompressed to find a few: the costliest column
            return rows.assign(event_group=ids["event_group"].to_numpy())
    return run(f"SELECT g.* {found}", {})


def lists(values: np.ndarray) -> list[list[str]]:
    """Each stored list as a Python list of strings (as_list)."""
    return [as_list(value) for value in values]


def as_list(value: object) -> list[str]:
    """One stored list (DuckDB's array, a JSON array from a database, a list) as a list of strings."""
    if type(value) is np.ndarray and value.dtype == object:  # DuckDB's lists (the most common): items are str
        items = value.tolist()
        return [v for v in items if v is not None] if None in items else items
    if value is None or value is pd.NA:
        return []
    if isinstance(value, str):
        return [str(v) for v in json.loads(value or "[]")]
    return [str(v) for v in list(value)]  # type: ignore[call-overload]
