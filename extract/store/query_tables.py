"""Store-side tables for the dashboard's pages over a large store: the events table in any of its orders (a page,
or every matching row in chunks for a download), the sources compared, one document's events, one day's events,
an event's reports, and where sources meet.

Each function takes a `Query` (extract/store/query.py) and answers as the dashboard's pandas code does over the
loaded tables (tests/test_query_tables.py checks them on files, SQLite and PostgreSQL):

    rows = ordered_rows(q, filters, [("n_sources", True), ("date_start", True)], offset=0, limit=100)
    for chunk in export_chunks(q, filters, [("date_start", True)]): ...
    source_stats(q, filters); source_periods(q, filters, "year"); document_rows(q, "doc-1", filters)
    day_groups(q, day, filters); group_members(q, keys); agreements(q, filters)

Every row carries its group's facts: n_sources (1 for an event of its own), date_agreement ('single'), and the
group's consensus period (group_date_start, group_date_end; an event of its own: its own period), and its key
(event_key: its event_group, or '~' + its event_id for an event of its own); dates with an end before their start
read as the start (as dashboard/data.py prepares them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from extract.store.query import _DTYPES, ORDERABLE, Query, QueryFilters, _Sql

EXPORT_CHUNK = 50_000
MAX_AGREEMENTS = 200
_DATES = ("date_start", "date_end", "group_date_start", "group_date_end", "first", "last", "ds", "de")
_GROUP_COLUMNS = ["n_sources", "date_agreement", "group_date_start", "group_date_end", "event_key"]


def _relation(q: Query) -> str:
    """Query._base(True) plus the group's consensus end (g_de), as the dashboard fixes it."""
    gde = "CASE WHEN g.date_end IS NULL OR g.date_end < g.date_start THEN g.date_start ELSE g.date_end END"
    return (
        f"(SELECT b.*, CASE WHEN b.known = 0 THEN b.de ELSE {gde} END AS g_de FROM {q._base(True)} b "
        f"LEFT JOIN {q.backend.groups_relation()} g ON b.known = 1 AND g.event_group = b.event_group)"
    )


def _columns(prefix: str = "r") -> str:
    """The events table's columns (date_end fixed), then the group's facts."""
    cols = [f"{prefix}.de AS date_end" if c == "date_end" else f"{prefix}.{c}" for c in _DTYPES]
    cols += [
        f"{prefix}.n_src AS n_sources",
        f"{prefix}.g_agree AS date_agreement",
        f"{prefix}.g_ds AS group_date_start",
        f"{prefix}.g_de AS group_date_end",
        f"{prefix}.gk AS event_key",
    ]
    return ", ".join(cols)


def _typed(q: Query, frame: pd.DataFrame) -> pd.DataFrame:
    out = q._rows(frame)
    for column in _DATES:
        if column in out.columns:
            out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    if "n_sources" in out.columns:
        out["n_sources"] = out["n_sources"].fillna(1).astype(np.int64)
    if "event_key" in out.columns:
        out["event_key"] = out["event_key"].astype(str)
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=[*_DTYPES, *_GROUP_COLUMNS])


def _order(q: Query, keys: Sequence[tuple[str, bool]]) -> str:
    """ORDER BY items: each key (column, descending) with its empty values last, then the store's order."""
    items = []
    for column, descending in keys:
        if column not in ORDERABLE:
            raise ValueError(f"cannot sort by {column!r}: one of {', '.join(ORDERABLE)}")
        expr = "r.n_src" if column == "n_sources" else f"r.{column}"
        text = column != "n_sources" and _DTYPES[column] == "string"
        items.append(f"CASE WHEN {expr} IS NULL THEN 1 ELSE 0 END")
        items.append(f"{q.d.text_order(expr) if text else expr} {'DESC' if descending else 'ASC'}")
    return ", ".join([*items, "r.ord"])


def ordered_rows(
    q: Query, filters: QueryFilters, keys: Sequence[tuple[str, bool]], *, offset: int = 0, limit: int = 100
) -> pd.DataFrame:
    """One page of the matching reports sorted by several keys ((column, descending); empty values last, ties in
    the store's order: the events table's stable sort), with their group's facts."""
    if not q.backend.stored():
        return _empty()
    s = _Sql(q.backend)
    groups = Query._needs_groups(filters) or any(column == "n_sources" for column, _ in keys)
    pick = (  # the page's rows first (joined to the groups only when the filters or the order need them)
        f"SELECT r.rid FROM {q._base(groups)} r WHERE {q._where(s, filters)} "
        f"ORDER BY {_order(q, keys)} LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    with q.backend.session() as run:
        rids = [int(v) for v in run(pick, s.params).get("rid", [])]
        if not rids:
            return _empty()
        s2 = _Sql(q.backend)
        held = ", ".join(s2.add(v) for v in rids)
        rows = run(f"SELECT r.rid AS dl_rid, {_columns()} FROM {_relation(q)} r WHERE r.rid IN ({held})", s2.params)
    rows = rows.set_index("dl_rid").reindex(rids).dropna(how="all").reset_index(drop=True)  # gone meanwhile: left out
    return _typed(q, rows)


def export_chunks(
    q: Query, filters: QueryFilters, keys: Sequence[tuple[str, bool]], chunk: int = EXPORT_CHUNK
) -> Iterator[pd.DataFrame]:
    """Every matching report in the table's order, ``chunk`` rows at a time (the rows numbered once, in a
    temporary table, on one snapshot of the store)."""
    if not q.backend.stored():
        return
    s = _Sql(q.backend)
    numbered = (  # every matching row once, numbered in the table's order; then read a slice at a time
        f"SELECT {_columns()}, ROW_NUMBER() OVER (ORDER BY {_order(q, keys)}) AS dl_pos FROM {_relation(q)} r "
        f"WHERE {q._where(s, filters)}"
    )
    with q.backend.session() as run:
        run(q.backend.temp_table("dl_export", numbered), s.params)
        total = int(run("SELECT COUNT(*) AS n FROM dl_export", {})["n"].iloc[0])
        for start in range(0, total, chunk):
            rows = run(
                f"SELECT * FROM dl_export WHERE dl_pos > {start} AND dl_pos <= {start + chunk} ORDER BY dl_pos", {}
            )
            yield _typed(q, rows.drop(columns="dl_pos"))


@dataclass
class SourcesOverview:
    """The Sources page's overview: per source (events, documents, first, last), the documents matching, the
    top sources' dated reports per month, and where sources meet (see `source_stats`, `source_periods`,
    `agreements`)."""

    stats: pd.DataFrame
    n_documents: int
    months: pd.DataFrame
    agreements: pd.DataFrame


_MATCH_COLUMNS = "r.source, r.doc_id, r.ds, r.de, r.granularity, r.actors, r.event_type, r.event_id, r.ord"


def _matching(q: Query, s: _Sql, filters: QueryFilters) -> str:
    """The FROM item of the matching reports (joined to the groups only when the filters need them)."""
    rel = _relation(q) if Query._needs_groups(filters) else q._base(False)
    return f"(SELECT {_MATCH_COLUMNS} FROM {rel} r WHERE {q._where(s, filters)})"


def sources_overview(q: Query, filters: QueryFilters, top: int = 15, max_rows: int = MAX_AGREEMENTS) -> SourcesOverview:
    """Everything the Sources overview counts, from one read of the matching reports (kept in a temporary table
    for the four counts)."""
    if not q.backend.stored():
        return SourcesOverview(_stats_frame(q, pd.DataFrame()), 0, _months_frame(pd.DataFrame()), _agree_frame(q))
    s = _Sql(q.backend)
    with q.backend.session() as run:
        run(q.backend.temp_table("dl_match", f"SELECT * FROM {_matching(q, s, filters)} m"), s.params)
        stats, n_docs = _stats(run, "dl_match")
        months = _months(q, run, "dl_match", top)
        agree = _agreements(q, run, "dl_match", max_rows)
    return SourcesOverview(_stats_frame(q, stats), n_docs, _months_frame(months), agree)


def _stats(run: Any, rel: str, params: Mapping[str, object] | None = None) -> tuple[pd.DataFrame, int]:
    found = run(
        "SELECT r.source, COUNT(*) AS events, COUNT(DISTINCT r.doc_id) AS documents, MIN(r.ds) AS first, "
        f"MAX(r.de) AS last FROM {rel} r GROUP BY r.source",
        params or {},
    )
    docs = run(f"SELECT COUNT(DISTINCT r.doc_id) AS n FROM {rel} r", params or {})
    return found, int(docs["n"].iloc[0] or 0)


def _stats_frame(q: Query, found: pd.DataFrame) -> pd.DataFrame:
    found = _typed(q, found.reindex(columns=["source", "events", "documents", "first", "last"]))
    found["source"] = found["source"].astype(str)
    found[["events", "documents"]] = found[["events", "documents"]].astype(np.int64)
    return found.sort_values(["events", "source"], ascending=[False, True], kind="stable").reset_index(drop=True)


def source_stats(q: Query, filters: QueryFilters) -> tuple[pd.DataFrame, int]:
    """(per source: events, documents, first day, last day; most events first, then by name), and the number of
    distinct documents over all the matching reports."""
    if not q.backend.stored():
        return _stats_frame(q, pd.DataFrame()), 0
    s = _Sql(q.backend)
    with q.backend.session() as run:
        found, n_docs = _stats(run, _matching(q, s, filters), s.params)
    return _stats_frame(q, found), n_docs


def _months(q: Query, run: Any, rel: str, top: int, params: Mapping[str, object] | None = None) -> pd.DataFrame:
    top_sql = (
        f"SELECT r.source FROM {rel} r WHERE r.ds IS NOT NULL GROUP BY r.source "
        f"ORDER BY COUNT(*) DESC, {q.d.text_order('r.source')} LIMIT {int(top)}"
    )
    month = q.d.month("r.ds")
    return run(
        f"SELECT r.source, {month} AS mi, COUNT(*) AS n FROM {rel} r WHERE r.ds IS NOT NULL "
        f"AND r.source IN ({top_sql}) GROUP BY r.source, {month}",
        params or {},
    )


def _months_frame(found: pd.DataFrame) -> pd.DataFrame:
    if not len(found):
        return pd.DataFrame({"source": pd.Series(dtype=str), "month": pd.Series(dtype="datetime64[ns]"), "n": []})
    mi = found["mi"].astype(np.int64).to_numpy()
    out = pd.DataFrame({"source": found["source"].astype(str), "n": found["n"].astype(np.int64)})
    out["month"] = mi.astype("datetime64[M]").astype("datetime64[ns]")
    return out[["source", "month", "n"]].sort_values(["source", "month"], kind="stable").reset_index(drop=True)


def source_periods(q: Query, filters: QueryFilters, unit: str = "year", top: int = 15) -> pd.DataFrame:
    """Dated matching reports per source and year (``unit="year"``: column year) or month (column month: the first
    day of the month), for the ``top`` sources with most dated reports (most first, then by name)."""
    if unit not in ("year", "month"):
        raise ValueError(f"unit is year or month, not {unit!r}")
    if not q.backend.stored():
        return pd.DataFrame(columns=["source", unit, "n"])
    s = _Sql(q.backend)
    with q.backend.session() as run:
        months = _months_frame(_months(q, run, _matching(q, s, filters), top, s.params))
    return by_year(months) if unit == "year" else months


def by_year(months: pd.DataFrame) -> pd.DataFrame:
    """A (source, month, n) table summed by year (source, year, n)."""
    years = months.assign(year=pd.to_datetime(months["month"]).dt.year.astype(np.int64))
    years = years.groupby(["source", "year"], as_index=False)["n"].sum()
    return years.sort_values(["source", "year"], kind="stable").reset_index(drop=True)


def document_rows(q: Query, doc_id: str, filters: QueryFilters) -> pd.DataFrame:
    """Every report of one document in the store's order, with its group's facts and ``passes``: whether it
    passes the filters."""
    if not q.backend.stored():
        return _empty().assign(passes=pd.Series(dtype=bool))
    s = _Sql(q.backend)
    passes = q._flag(q._where(s, filters))
    doc = s.add(q.d.string_param(str(doc_id)))
    found = q._run(
        f"SELECT {_columns()}, {passes} AS passes FROM {_relation(q)} r WHERE r.doc_id = {doc} ORDER BY r.ord", s
    )
    out = _typed(q, found.reindex(columns=[*_DTYPES, *_GROUP_COLUMNS, "passes"]))
    out["passes"] = out["passes"].fillna(0).astype(int).astype(bool)
    return out


def _of_keys(q: Query, s: _Sql, keys: Sequence[str]) -> str:
    """The condition 'an event of these keys' over the relation ``r``, with a first test on the stored columns
    (event_group, event_id) that the engine can apply while it reads the events."""
    held = s.among([str(k) for k in keys])
    own = tuple(str(k)[1:] for k in keys if str(k).startswith("~"))
    first = f"r.event_group IN ({held})" + (f" OR r.event_id IN ({s.among(own)})" if own else "")
    return f"({first}) AND r.gk IN ({held})"


def day_groups(q: Query, day: dt.date, filters: QueryFilters) -> pd.DataFrame:
    """The events (groups) dated to ``day`` by their consensus or by one of their reports, as dashboard/views/
    key_dates.py picks them: key, n_sources, visible (a report passes the filters); most sources first, then in
    the order their first reports were stored."""
    columns = ["key", "n_sources", "visible"]
    if not q.backend.stored():
        return pd.DataFrame(columns=columns)
    s = _Sql(q.backend)
    at = s.add(q.d.date_param(day))
    gde = "CASE WHEN g.date_end IS NULL OR g.date_end < g.date_start THEN g.date_start ELSE g.date_end END"
    with q.backend.session() as run:
        found = run(
            f"SELECT r.gk AS key FROM {_relation(q)} r WHERE r.date_start = {at} AND r.de = {at} UNION "
            f"SELECT g.event_group AS key FROM {q.backend.groups_relation()} g "
            f"WHERE g.date_start = {at} AND {gde} = {at}",
            s.params,
        )
        keys = [str(k) for k in found["key"]] if len(found) else []
        if not keys:
            return pd.DataFrame(columns=columns)
        s2 = _Sql(q.backend)
        passes = q._flag(q._where(s2, filters))
        found = run(
            f"SELECT r.gk AS key, MAX(r.n_src) AS n_sources, MAX({passes}) AS visible, MIN(r.ord) AS first "
            f"FROM {_relation(q)} r WHERE {_of_keys(q, s2, keys)} GROUP BY r.gk",
            s2.params,
        )
    if not len(found):
        return pd.DataFrame(columns=columns)
    found = found.astype({"n_sources": np.int64, "visible": np.int64, "first": np.int64})
    found = found.sort_values(["n_sources", "first"], ascending=[False, True], kind="stable")
    found["visible"] = found["visible"] == 1
    found["key"] = found["key"].astype(str)
    return found[columns].reset_index(drop=True)


def group_members(
    q: Query, keys: Sequence[str], filters: QueryFilters | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the reports of these events (group keys; '~' + event_id: an event of its own) in the store's order, with
    ``passes`` when filters are given; the groups table's rows of those that it lists)."""
    if not q.backend.stored() or not keys:
        return _empty(), pd.DataFrame()
    s, s2 = _Sql(q.backend), _Sql(q.backend)
    passes = f", {q._flag(q._where(s, filters))} AS passes" if filters is not None else ""
    listed = s2.among([str(k) for k in keys])
    with q.backend.session() as run:
        rows = run(
            f"SELECT {_columns()}{passes} FROM {_relation(q)} r WHERE {_of_keys(q, s, keys)} ORDER BY r.ord", s.params
        )
        table = run(f"SELECT g.* FROM {q.backend.groups_relation()} g WHERE g.event_group IN ({listed})", s2.params)
    rows = _typed(q, rows)
    if "passes" in rows:
        rows["passes"] = rows["passes"].fillna(0).astype(int).astype(bool)
    return rows, q._rows(table)


def rows_by_id(q: Query, event_ids: Sequence[str]) -> pd.DataFrame:
    """The reports with these event ids, in the store's order, with their group's facts."""
    if not q.backend.stored() or not event_ids:
        return _empty()
    s = _Sql(q.backend)
    held = s.among([str(e) for e in event_ids])
    return _typed(
        q, q._run(f"SELECT {_columns()} FROM {_relation(q)} r WHERE r.event_id IN ({held}) ORDER BY r.ord", s)
    )


def _pairs(q: Query, rel: str) -> str:
    """(month since 1970-01, actor, source, event type, event id, ord) of every report of ``rel`` dated to a day,
    week or month, once per actor."""
    return (
        f"SELECT {q.d.month('r.ds')} AS mi, a.value AS actor, r.source, r.event_type, r.event_id, r.ord "
        f"FROM {rel} r, {q.d.unnest_actors('r.actors', 'a')} WHERE r.ds IS NOT NULL "
        "AND r.granularity IN ('day', 'week', 'month')"
    )


def _agree_frame(q: Query) -> pd.DataFrame:
    return pd.DataFrame(columns=["month", "actor", "n_sources", "n_events", "sources", "event_types", "kinds"])


def _agreements(
    q: Query, run: Any, rel: str, max_rows: int, params: Mapping[str, object] | None = None
) -> pd.DataFrame:
    best = (
        "SELECT mi, actor, COUNT(DISTINCT source) AS n_sources, COUNT(DISTINCT event_id) AS n_events "
        f"FROM ({_pairs(q, rel)}) p0 GROUP BY mi, actor HAVING COUNT(DISTINCT source) >= 2 "
        f"ORDER BY 3 DESC, 4 DESC, 1 DESC, {q.d.text_order('actor')} LIMIT {int(max_rows)}"
    )
    run(q.backend.temp_table("dl_best", best), params or {})
    table = run("SELECT * FROM dl_best", {})
    if not len(table):
        return _agree_frame(q)
    found = run(
        f"SELECT DISTINCT p.mi, p.actor, p.source, p.event_type FROM ({_pairs(q, rel)}) p "
        "JOIN dl_best b ON b.mi = p.mi AND b.actor = p.actor",
        params or {},
    )
    table = table.astype({"mi": np.int64, "n_sources": np.int64, "n_events": np.int64})
    table["actor"] = table["actor"].astype(str)
    found = found.astype({"mi": np.int64}).assign(actor=found["actor"].astype(str))
    for name, column in (("sources", "source"), ("event_types", "event_type")):
        values = found[["mi", "actor", column]].astype({column: str}).drop_duplicates()
        joined = values.sort_values(column, kind="stable").groupby(["mi", "actor"], sort=False)[column].agg(", ".join)
        table = table.join(joined.rename(name), on=["mi", "actor"])
    table["month"] = table["mi"].to_numpy().astype("datetime64[M]").astype("datetime64[ns]")
    table["kinds"] = np.where(table["event_types"].str.contains(",", regex=False), "different kinds", "same kind")
    return table[list(_agree_frame(q).columns)].reset_index(drop=True)


def agreements(q: Query, filters: QueryFilters, max_rows: int = MAX_AGREEMENTS) -> pd.DataFrame:
    """Months in which two or more sources report events with a shared actor (dashboard.data.agreements, over
    the matching reports dated to a day, week or month): month, actor, n_sources, n_events, sources,
    event_types, kinds; most sources first, then most events, the latest month, the actor. (A row's events:
    `agreement_events`.)"""
    if not q.backend.stored():
        return _agree_frame(q)
    s = _Sql(q.backend)
    with q.backend.session() as run:
        return _agreements(q, run, _matching(q, s, filters), max_rows, s.params)


def agreement_events(q: Query, filters: QueryFilters, month: pd.Timestamp, actor: str) -> list[str]:
    """The event ids of one row of `agreements` (its month's first day, its actor), in the store's order."""
    if not q.backend.stored():
        return []
    s = _Sql(q.backend)
    stamp = pd.Timestamp(month)
    mi = (stamp.year - 1970) * 12 + stamp.month - 1
    found = q._run(
        f"SELECT p.event_id, p.ord FROM ({_pairs(q, _matching(q, s, filters))}) p WHERE p.mi = {s.add(int(mi))} "
        f"AND p.actor = {s.add(q.d.string_param(str(actor)))} ORDER BY p.ord",
        s,
    )
    return list(dict.fromkeys(str(e) for e in found["event_id"]))
