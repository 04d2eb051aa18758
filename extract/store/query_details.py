"""Store-side lookups beside `Query`'s counts and marks: the reports of a few events, which of them pass the
filters, the sources and articles behind what the filters select, and the first undated events.

    d = Details(open_query(store, "duckdb"))
    d.members(["g12", "~ev7"])          # every report of these events (a group's key, or '~' + an event id)
    d.groups(["g12"])                   # their rows of the groups table
    d.passing(filters, ["ev7", "ev8"])  # which of these reports the filters select
    d.sources(filters)                  # per source: reports passing all filters but the date, dated ones, drawn
    d.undated(filters, "events", 200)   # (how many, the first keys) of undated events passing all but the date
    d.document_counts(filters, ["a"])   # per article: its reports passing all but the date, and dated ones

Each answer is what the dashboard's pandas code reads from the whole table (dashboard/timeline_data.py), for
the few rows a page shows: a small query each, by key, or one grouped scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from extract.store.query import _DTYPES, EVENTS, REPORTS, Query, QueryFilters, _Sql

OWN = "~"  # an event with no stored group is its own: '~' + its event id (dashboard.groups.OWN_GROUP)
_COLUMNS = ", ".join(f"e.{c}" for c in _DTYPES)


class Details:
    """Small store-side queries over one store, through a `Query` (its backend, relation and filters)."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.backend = query.backend

    def _empty(self) -> pd.DataFrame:
        return pd.DataFrame(columns=["rid", "ord", *_DTYPES])

    def members(self, keys: Sequence[str]) -> pd.DataFrame:
        """Every report of the events `keys` names (a stored group's id, or '~' + an event id), in the store's
        order, typed (dates as datetime64, lists as lists), with ``rid`` and ``ord``."""
        keys = list(dict.fromkeys(str(k) for k in keys))
        if not keys or not self.backend.stored():
            return self._empty()
        s = _Sql(self.backend)
        own = tuple(k[len(OWN) :] for k in keys if k.startswith(OWN))
        stored = tuple(k for k in keys if not k.startswith(OWN))
        parts = []  # one condition each: an OR of the two would read every row's every column
        head = f"SELECT e.rid, e.ord, {_COLUMNS} FROM {self.backend.events_relation()} e WHERE"
        if stored:
            parts.append(f"{head} e.event_group IN ({', '.join(s.strings(stored))})")
        if own:
            parts.append(f"{head} e.event_id IN ({', '.join(s.strings(own))})")
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
            f"SELECT g.* FROM {self.backend.groups_relation()} g "
            f"WHERE g.event_group IN ({', '.join(s.strings(tuple(keys)))})",
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
            f"SELECT r.event_id FROM {base} r WHERE r.event_id IN ({', '.join(s.strings(ids))}) "
            f"AND {q._where(s, filters)}",
            s,
        )
        return {str(v) for v in found.get("event_id", [])}

    def sources(self, filters: QueryFilters) -> pd.DataFrame:
        """Per source (one grouped scan): ``candidates`` (reports passing every filter but the date),
        ``dated`` (those with a date) and ``drawn`` (dated reports passing every filter)."""
        columns = ["source", "candidates", "dated", "drawn"]
        if not self.backend.stored():
            return pd.DataFrame(columns=columns)
        q, s = self.query, _Sql(self.backend)
        base = q._base(q._needs_groups(filters))
        nodate = q._where(s, filters, skip="date")
        inside = q._mask(s, filters, "date") if "date" in filters.active() else "1 = 1"
        rows = q._run(
            "SELECT r.source AS source, COUNT(*) AS candidates, "
            "SUM(CASE WHEN r.ds IS NOT NULL THEN 1 ELSE 0 END) AS dated, "
            f"SUM(CASE WHEN r.ds IS NOT NULL AND {inside} THEN 1 ELSE 0 END) AS drawn "
            f"FROM {base} r WHERE {nodate} GROUP BY r.source",
            s,
        )
        rows["source"] = rows["source"].astype(str)
        for column in columns[1:]:
            rows[column] = pd.to_numeric(rows[column]).fillna(0).astype("int64")
        return rows.reindex(columns=columns)

    def undated(self, filters: QueryFilters, unit: str = EVENTS, limit: int = 200) -> tuple[int, list[str]]:
        """(how many, the first ``limit`` in the store's order) undated events (their keys: a group id or '~' + an
        event id) or reports (their event ids) that pass every filter but the date. An event is undated when its
        consensus date is empty (an event of its own: its report's); it is placed by its first passing report."""
        if not self.backend.stored():
            return 0, []
        q, s = self.query, _Sql(self.backend)
        nodate = q._where(s, filters, skip="date")
        if unit == REPORTS:
            base = q._base(q._needs_groups(filters))
            picked = f"SELECT r.event_id AS k, r.ord AS o FROM {base} r WHERE r.ds IS NULL AND {nodate}"
        else:
            picked = f"SELECT r.gk AS k, MIN(r.ord) AS o FROM {q._base(True)} r WHERE r.g_ds IS NULL AND {nodate} GROUP BY r.gk"
        rows = q._run(
            f"WITH u AS ({picked}) SELECT u.k, (SELECT COUNT(*) FROM u) AS total FROM u ORDER BY u.o LIMIT {int(limit)}",
            s,
        )
        if not len(rows):
            return 0, []
        return int(rows["total"].iloc[0]), [str(k) for k in rows["k"]]

    def document_counts(self, filters: QueryFilters, doc_ids: Sequence[str]) -> pd.DataFrame:
        """Per article of ``doc_ids``: its reports passing every filter but the date (``events``) and how many of
        those have a date (``dated``); articles with none are absent."""
        ids = tuple(dict.fromkeys(str(d) for d in doc_ids))
        columns = ["doc_id", "events", "dated"]
        if not ids or not self.backend.stored():
            return pd.DataFrame(columns=columns)
        q, s = self.query, _Sql(self.backend)
        base = q._base(q._needs_groups(filters))
        rows = q._run(
            "SELECT r.doc_id AS doc_id, COUNT(*) AS events, SUM(CASE WHEN r.ds IS NOT NULL THEN 1 ELSE 0 END) AS dated "
            f"FROM {base} r WHERE r.doc_id IN ({', '.join(s.strings(ids))}) AND {q._where(s, filters, skip='date')} "
            "GROUP BY r.doc_id",
            s,
        )
        rows["doc_id"] = rows["doc_id"].astype(str)
        for column in columns[1:]:
            rows[column] = pd.to_numeric(rows[column]).fillna(0).astype("int64")
        return rows.reindex(columns=columns)
