"""Store-side lookups beside `Query`'s counts and marks: the reports of a few events (what a click on the
timeline opens, and what styles and labels its marks), their groups, and which of them pass the filters.

    d = Details(open_query(store, "duckdb"))
    d.members(["g12", "~ev7"])          # every report of these events (a group's key, or '~' + an event id)
    d.groups(["g12"])                   # their rows of the groups table
    d.passing(filters, ["ev7", "ev8"])  # which of these reports the filters select

Each answer is what the dashboard's pandas code reads from the whole table (dashboard/groups.py members, the
sidebar's row mask), for the few rows a page shows: a small query by key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from extract.store.query import _DTYPES, Query, QueryFilters, _Sql

OWN = "~"  # an event with no stored group is its own: '~' + its event id (dashboard.groups.OWN_GROUP)
_COLUMNS = ", ".join(f"e.{c}" for c in _DTYPES)


def text_in(column: pd.Series, values: Iterable[str]) -> np.ndarray:
    """Whether each cell, as text, is one of ``values`` (pandas' isin on Arrow strings makes a Python object of
    each value first: 5 to 10 times slower for thousands)."""
    text = pa.array(column.astype("string[pyarrow]"))
    wanted = pa.array([str(v) for v in values], pa.string())
    return pc.fill_null(pc.is_in(text, value_set=wanted), False).to_numpy(zero_copy_only=False)


class Details:
    """Small store-side queries over one store, through a `Query` (its backend, relation and filters)."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.backend = query.backend

    def _empty(self) -> pd.DataFrame:
        return pd.DataFrame(columns=["rid", "ord", *_DTYPES])

    def members(self, keys: Sequence[str], known: pd.DataFrame | None = None, best: bool = False) -> pd.DataFrame:
        """Every report of the events `keys` names (a stored group's id, or '~' + an event id), in the store's
        order, typed (dates as datetime64, lists as lists), with ``rid`` and ``ord``. ``known``: reports read
        already, as this reads them (Timeline.reports): an event of its own among them is not read again.
        ``best``: of a stored group only its best report, where a ready groups table names it (its other reports'
        facts are in that table: extract/store/query_ready.py MEMBER_FACTS); one among ``known`` is not read again
        (the timeline read its marks' best reports)."""
        keys = list(dict.fromkeys(str(k) for k in keys))
        if known is not None and len(known):
            have = set(known["event_id"].astype(str).tolist())
            told = (
                set(known["event_group"].astype(str).tolist())
                if best and self.backend.ready_relation() is not None
                else set()
            )
            rest = [k for k in keys if not (k.startswith(OWN) and k[len(OWN) :] in have) and k not in told]
            wanted = {k[len(OWN) :] for k in keys if k.startswith(OWN)} & have
            found = known[text_in(known["event_id"], wanted) | text_in(known["event_group"], told & set(keys))]
            read = self.members(rest, best=best)
            both = pd.concat([x for x in (found, read) if len(x)], ignore_index=True) if len(read) else found
            return both.drop_duplicates("rid").sort_values("ord", kind="stable").reset_index(drop=True)
        if not keys or not self.backend.stored():
            return self._empty()
        s = _Sql(self.backend)
        own = tuple(k[len(OWN) :] for k in keys if k.startswith(OWN))
        stored = tuple(k for k in keys if not k.startswith(OWN))
        parts = []  # one condition each: an OR of the two would read every row's every column
        head = f"SELECT e.rid, e.ord, {_COLUMNS} FROM {self.backend.events_relation()} e WHERE"
        if stored and best and self.backend.ready_relation() is not None:
            chosen = (
                f"SELECT g.dl_best FROM {self.backend.groups_relation()} g WHERE g.event_group IN ({s.among(stored)})"
            )
            parts.append(f"{head} e.rid IN ({chosen})")
        elif stored:
            parts.append(f"{head} e.event_group IN ({s.among(stored)})")
        if own:
            parts.append(f"{head} e.event_id IN ({s.among(own)})")
        rows = self.query._run(" UNION ALL ".join(parts), s)
        rows = rows.drop_duplicates("rid").sort_values("ord", kind="stable") if len(rows) else rows
        return self.query._rows(rows).reset_index(drop=True) if len(rows) else self._empty()

    def groups(self, keys: Sequence[str]) -> pd.DataFrame:
        """The groups table's rows of these group ids (typed)."""
        keys = [str(k) for k in dict.fromkeys(keys) if not str(k).startswith(OWN)]
        if not keys or not self.backend.stored():
            return pd.DataFrame(columns=["event_group"])
        s = _Sql(self.backend)
        rows = self.query._run(
            f"SELECT g.* FROM {self.backend.groups_relation()} g WHERE g.event_group IN ({s.among(keys)})",
            s,
        )
        return self.query._rows(rows).drop_duplicates("event_group").reset_index(drop=True)

    def passing(self, filters: QueryFilters, event_ids: Sequence[str]) -> set[str]:
        """Which of these reports (event ids) the filters select."""
        ids = tuple(dict.fromkeys(str(i) for i in event_ids))
        if not ids or not self.backend.stored():
            return set()
        q, s = self.query, _Sql(self.backend)
        base = q._base(q._needs_groups(filters))
        found = q._run(
            f"SELECT r.event_id FROM {base} r WHERE r.event_id IN ({s.among(ids)}) AND {q._where(s, filters)}",
            s,
        )
        return {str(v) for v in found.get("event_id", [])}
