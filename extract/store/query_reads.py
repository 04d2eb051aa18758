"""The few rows behind a page's marks, read from a large store: the reports by ``rid`` and the stored groups by
their best report, typed as the dashboard reads them (`mark_rows`, for extract/store/query.py).

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
DTYPES = {c.name: c.dtype for c in TABLES["events"].columns}  # the events table's columns and their types
REPORTS, EVENTS = "reports", "events"  # what a mark is: a report, an event (extract/store/query.py)


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


def mark_rows(
    query: Any,
    run: Any,
    picks: pd.DataFrame,
    unit: str,
    kept: list[pd.DataFrame] | None = None,
    also: str = "",
    by_best: bool = False,
) -> pd.DataFrame:
    """The picked marks' rows, in the picks' order, with their lane: the events table's columns for reports
    and events of their own, the groups table's for the others (as dashboard/groups.py builds them).
    ``kept``: given, the reports read (the events table's columns, ``rid`` and ``ord``: with a ready table,
    the stored groups' best reports too) are appended to it, and the ready groups table's facts of its groups'
    reports are kept (query_ready.MEMBER_FACTS); ``also``: a SELECT of more rids read into it. ``by_best``: the
    stored groups' marks carry their best report's rid (query_timeline._coded_event_marks): their groups are
    found by it, and for the timeline (kept) those reports are read with the others."""
    by_best = by_best and unit == EVENTS and len(picks) > 0
    wanted = "SELECT p.rid FROM dl_pick p" + ("" if by_best and kept is not None else " WHERE p.own = 1")
    if also and kept is not None:
        wanted += f" UNION ALL {also}"
    read = reports_by_rid(query.backend, run, wanted)
    read = query._rows(read)  # typed once: the lists made Python lists for the kept reports and the own marks
    if kept is not None:
        kept.append(read.reindex(columns=["rid", "ord", *DTYPES]))
    groups = pd.DataFrame()
    if unit == EVENTS:
        groups = groups_of_picks(query.backend, run, by_best, kept is not None)
    own_rows = read.reindex(columns=["rid", *DTYPES])
    picks = picks.assign(pos=np.arange(len(picks)))
    if unit == REPORTS:
        out = picks[["pos", "rid", "lane"]].merge(own_rows, on="rid", how="left")
        return out.sort_values("pos").drop(columns=["pos", "rid"]).reset_index(drop=True)
    mine = picks["own"].to_numpy().astype(int) == 1
    # each pick's row found by position (a merge of a few hundred rows costs several times as much)
    own_picks = picks.loc[mine, ["pos", "lane"]]
    at = pd.Index(own_rows["rid"]).get_indexer(picks.loc[mine, "rid"])
    chosen = own_rows.iloc[at[at >= 0]].reset_index(drop=True)
    own = chosen.assign(
        event_group="~" + chosen["event_id"].astype(str),
        n_sources=1,
        sources=pd.Series([[source] for source in chosen["source"]], dtype=object),
        reported_dates=pd.Series([[] for _ in range(len(chosen))], dtype=object),
        date_agreement="single",
    )[["event_group", *GROUP_FIELDS]]
    own_picks = pd.concat([own_picks.iloc[at >= 0].reset_index(drop=True), own], axis=1)
    stored = query._rows(groups)
    if len(stored):
        stored = stored.drop_duplicates("event_group")
        stored["n_sources"] = np.maximum(stored["n_sources"].fillna(1).astype(np.int64), 1)
    facts = [c for c in query_ready.MEMBER_FACTS if c in stored] if kept is not None else []  # the drawn marks'
    best = ["dl_best"] if by_best and "dl_best" not in facts else []  # a stored mark's group found by it
    stored = stored.reindex(columns=["event_group", *GROUP_FIELDS, *facts, *best]).astype({"event_group": object})
    if by_best:  # the marks carry their best report's rid, not their key (query_timeline._coded_event_marks)
        by, wanted = stored["dl_best"].astype(np.int64), picks.loc[~mine, "rid"].astype(np.int64)
    else:
        by, wanted = stored["event_group"], picks.loc[~mine, "key"].astype(object)
    index = pd.Index(by)
    if index.is_unique:
        at = index.get_indexer(wanted)
        found = stored.iloc[at[at >= 0]].drop(columns=best).reset_index(drop=True)
        stored_picks = pd.concat(
            [picks.loc[~mine, ["pos", "lane"]].iloc[at >= 0].reset_index(drop=True), found], axis=1
        )
    else:  # a key stored twice (dropped above) or a best report's rid twice: every match, as a merge gives
        side = picks.loc[~mine, ["pos", "lane"]].assign(_by=wanted.to_numpy())
        stored_picks = side.merge(stored.assign(_by=by.to_numpy()), on="_by").drop(columns=["_by", *best])
    out = pd.concat([own_picks, stored_picks], ignore_index=True).sort_values("pos")
    return out.drop(columns="pos").reset_index(drop=True)


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
