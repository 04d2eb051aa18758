"""The Timeline page's store-side work in one pass: the reports that pass every filter but the date are read
once into a temporary table (dl_nd, with a flag for the date filter), the marks made once from it (dl_marks),
and the lanes, the dense lanes' monthly totals, the marks to draw, the events per month, the chronology, the
sources behind them and the first undated events are all read from those, instead of one scan of the whole
table each (`Query.timeline`, `Query.histogram`, `Query.chronology` and `Details` answer the same, separately).

    page = timeline_pass(open_query(store, "duckdb"), filters, "events", "source", newest_first=True)
    page.timeline, page.histogram, page.chronology, page.n_marks

Marks are made with each event's first stored report's order (`first_stored`), so events on one day keep the
dashboard's order in both the drawn marks and the chronology.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from extract.store import query_reads, query_ready
from extract.store.query import (
    EVENTS,
    LANE_LIMIT,
    MAX_POINTS,
    MONTH_DAYS,
    NO_ACTOR,
    REPORTS,
    SEVERAL,
    Histogram,
    Query,
    QueryFilters,
    Timeline,
    _Sql,
)

SOURCE_COLUMNS = ["source", "candidates", "dated", "drawn"]
DOCUMENT_COLUMNS = ["doc_id", "events", "dated"]


@dataclass
class TimelinePage:
    """What the pass read: the timeline (as `Query.timeline`), the histogram (as `Query.histogram`), the
    chronology (as `Query.chronology`; None in reports mode: it lists events) and how many marks pass."""

    timeline: Timeline
    histogram: Histogram
    chronology: pd.DataFrame | None
    n_marks: int
    sources: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SOURCE_COLUMNS))  # as Details.sources
    n_undated: int = 0  # undated events (reports) passing every filter but the date
    undated: list[str] = field(default_factory=list)  # the first of them (as Details.undated)
    documents: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DOCUMENT_COLUMNS))


def _empty(unit: str) -> TimelinePage:
    nothing = pd.DataFrame(columns=["lane", "n", "spans"])
    return TimelinePage(
        Timeline(nothing, (), pd.DataFrame(columns=["lane", "month", "n"]), pd.DataFrame()),
        Histogram(pd.DataFrame(columns=["month", "event_type", "n"]), pd.DataFrame(columns=["first", "last", "n"])),
        pd.DataFrame() if unit == EVENTS else None,
        0,
    )


def timeline_pass(
    query: Query,
    filters: QueryFilters,
    unit: str = EVENTS,
    lane_by: str = "source",
    *,
    newest_first: bool = True,
    chronology_rows: int = 300,
    undated_rows: int = 200,
    doc_ids: Sequence[str] = (),
    lane_limit: int = LANE_LIMIT,
    max_points: int = MAX_POINTS,
) -> TimelinePage:
    """Timeline, histogram and chronology of the marks that pass, the sources behind them, the first
    ``undated_rows`` undated ones and the reports of the articles ``doc_ids`` (see the module docstring). By
    actor, a report is a mark in each of its actors' lanes: its histogram is then `Query.histogram`'s scan."""
    backend = query.backend
    if not backend.stored():
        return _empty(unit)
    names = _names(query, unit)  # the source and event type codes' names, where the marks carry codes
    with backend.session() as run:
        _passing(query, run, filters, unit, lane_by)
        if unit == EVENTS:
            _event_marks(query, run, lane_by)
        else:
            _report_marks(query, run, lane_by)
        # the first undated events found first: their best reports are read with the marks' (Timeline.reports)
        undated = _undated(query, run, unit, undated_rows)
        also = "SELECT u.rid FROM dl_undated u" if unit == EVENTS and _coded(query) else ""
        by_best = unit == EVENTS and _coded(query)  # stored marks carry their best report's rid: _coded_event_marks
        lane_names = names if lane_by != "actor" else None  # actors' lanes are their names
        timeline = query._drawn(run, unit, lane_limit, max_points, also, by_best, lane_names)
        histogram = None
        if not (unit == REPORTS and lane_by == "actor"):
            histogram = _histogram(run, names)
        chronology = None
        if unit == EVENTS:
            way = "DESC" if newest_first else "ASC"
            run("DROP TABLE IF EXISTS dl_pick", {})
            run(
                backend.temp_table(
                    "dl_pick",
                    f"SELECT key, own, rid, '' AS lane, ds, ord FROM dl_marks ORDER BY ds {way}, ord {way} "
                    f"LIMIT {int(chronology_rows)}",
                ),
                {},
            )
            chosen = run(f"SELECT * FROM dl_pick ORDER BY ds {way}, ord {way}", {})
            chronology = query_reads.mark_rows(query, run, chosen, EVENTS, by_best=by_best).drop(columns="lane")
        counted = (
            "COUNT(*) AS candidates, SUM(CASE WHEN r.ds IS NOT NULL THEN 1 ELSE 0 END) AS dated, "
            "SUM(CASE WHEN r.ds IS NOT NULL AND r.in_date = 1 THEN 1 ELSE 0 END) AS drawn FROM dl_nd r"
        )
        # the sources by name (the page lists those without a lane in this order; a hash aggregate has none)
        if names:
            counted = f"SELECT r.sc AS code, {counted} GROUP BY r.sc"
            sources = run(
                "SELECT n.name AS source, SUM(x.candidates) AS candidates, SUM(x.dated) AS dated, "
                f"SUM(x.drawn) AS drawn FROM ({counted}) x JOIN {names} n ON n.code = x.code GROUP BY n.name ORDER BY 1",
                {},
            )
        else:
            sources = run(f"SELECT r.source AS source, {counted} GROUP BY r.source ORDER BY 1", {})
        documents = pd.DataFrame(columns=DOCUMENT_COLUMNS)
        if doc_ids:
            s3 = _Sql(backend)
            wanted = f"IN ({s3.among(list(doc_ids))})"
            rows = "dl_nd r"
            if unit == EVENTS and _coded(query):  # dl_nd holds no document ids: the few wanted found by rid
                rows = f"dl_nd r JOIN (SELECT e.rid, e.doc_id FROM {backend.ready_relation()} e WHERE e.doc_id {wanted}) x ON x.rid = r.rid"
            documents = run(
                f"SELECT {'x' if 'JOIN' in rows else 'r'}.doc_id AS doc_id, COUNT(*) AS events, "
                f"SUM(CASE WHEN r.ds IS NOT NULL THEN 1 ELSE 0 END) AS dated FROM {rows} "
                f"{'' if 'JOIN' in rows else 'WHERE r.doc_id ' + wanted} GROUP BY 1",
                s3.params,
            )
    if histogram is None:
        histogram = query.histogram(filters, unit)
    n_marks = int(timeline.lanes["n"].sum()) if not (unit == REPORTS and lane_by == "actor") else -1
    n_undated = int(undated["total"].iloc[0]) if len(undated) else 0
    return TimelinePage(
        timeline,
        histogram,
        chronology,
        n_marks,
        _counted(sources, SOURCE_COLUMNS),
        n_undated,
        [str(k) for k in undated["k"]] if len(undated) else [],
        _counted(documents, DOCUMENT_COLUMNS),
    )


def _undated(query: Query, run: Any, unit: str, limit: int) -> pd.DataFrame:
    """The first ``limit`` undated events (reports) passing every filter but the date, in the store's order
    (``k``: an event's key, a report's id), and how many there are (``total``)."""
    if unit == REPORTS:
        picked = "SELECT r.event_id AS k, r.ord AS o FROM dl_nd r WHERE r.ds IS NULL"
    elif not _coded(query):
        picked = "SELECT r.gk AS k, MIN(r.ord) AS o FROM dl_nd r WHERE r.g_ds IS NULL GROUP BY r.gk"
    else:  # the first ones' keys looked up by their code: a group's row, or an event's own row (-1 - rid); kept
        # in dl_undated with their best report's rid (read with the marks')
        backend = query.backend
        run(
            backend.temp_table(
                "dl_undated",
                "WITH u AS (SELECT r.gid, MIN(r.ord) AS o FROM dl_nd r WHERE r.g_ds IS NULL GROUP BY r.gid), "
                f"t AS (SELECT gid, o FROM u ORDER BY o LIMIT {int(limit)}) "
                "SELECT COALESCE(g.event_group, '~' || e.event_id) AS k, COALESCE(g.dl_best, e.rid) AS rid, t.o, "
                "(SELECT COUNT(*) FROM u) AS total FROM t "
                f"LEFT JOIN (SELECT rowid AS gid, event_group, dl_best FROM {backend.groups_relation()} "
                "WHERE rowid IN (SELECT gid FROM t)) g ON g.gid = t.gid "
                f"LEFT JOIN (SELECT rid, event_id FROM {backend.ready_relation()} "
                "WHERE rid IN (SELECT -1 - gid FROM t WHERE gid < 0)) e ON e.rid = -1 - t.gid",
            ),
            {},
        )
        return run("SELECT k, total FROM dl_undated ORDER BY o", {})
    return run(
        f"WITH u AS ({picked}) SELECT u.k, (SELECT COUNT(*) FROM u) AS total FROM u ORDER BY u.o LIMIT {int(limit)}",
        {},
    )


def _counted(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A key column (text) and counts (integers; SUM over no rows is NULL)."""
    rows = rows.reindex(columns=columns)
    rows[columns[0]] = rows[columns[0]].astype(str)
    for column in columns[1:]:
        rows[column] = pd.to_numeric(rows[column]).fillna(0).astype("int64")
    return rows


def _names(query: Query, unit: str) -> str | None:
    """For events over a ready table: the relation (code, name) that names the codes the marks carry instead of
    their source, event type and lane (query_ready's names; 0: 'Several sources', -1: no lane); else None."""
    if unit != EVENTS or not _coded(query):
        return None
    return f"(SELECT code, name FROM {query_ready.READY_NAMES} UNION ALL SELECT 0, '{SEVERAL}' UNION ALL SELECT -1, '')"


def _coded(query: Query) -> bool:
    """Whether the pass reads a ready table (extract/store/query_ready.py): dl_nd then holds each report's
    group's code (``gid``) instead of its key and its document and event ids, and the few keys and ids shown are
    looked up after."""
    return query.backend.ready_relation() is not None


def _passing(query: Query, run: Any, filters: QueryFilters, unit: str, lane_by: str) -> None:
    """dl_nd: the reports passing every filter but the date, the columns the page reads, and ``in_date`` (1:
    the date filter passes them too); for events, with their group's facts (known, gk, event_group, g_ds)."""
    s = _Sql(query.backend)
    in_date = query._mask(s, filters, "date") if "date" in filters.active() else "1 = 1"
    cols = "r.rid, r.ord, r.ds, r.de"
    if unit == REPORTS or not _coded(query):  # strings cost most to copy: a ready table's codes stand in for them
        cols += ", r.event_type, r.source, r.doc_id, r.event_id"
    else:
        cols += ", r.tc, r.sc"
    if lane_by == "actor":  # a list: copied only when lanes need it
        cols += ", r.actors"
    if unit == EVENTS:
        cols += ", r.known, r.gid, r.g_ds" if _coded(query) else ", r.known, r.gk, r.event_group, r.g_ds"
    base = query._base(unit == EVENTS or query._needs_groups(filters))
    select = (
        f"SELECT {cols}, CASE WHEN {in_date} THEN 1 ELSE 0 END AS in_date FROM {base} r "
        f"WHERE {query._where(s, filters, skip='date')}"
    )
    run(query.backend.temp_table("dl_nd", select), s.params)


def _tail(d: Any, x: str) -> str:
    """A mark's span flag, first and last month and length in days (as Query._marks)."""
    return (
        f"CASE WHEN {x}.de > {x}.ds THEN 1 ELSE 0 END AS span, {d.month(f'{x}.ds')} AS first_month, "
        f"{d.month(f'{x}.de')} AS last_month, {d.days(f'{x}.ds', f'{x}.de')} + 1 AS days"
    )


def _report_marks(query: Query, run: Any, lane_by: str) -> None:
    """dl_marks of single reports (as Query._marks): a report in each of its actors' lanes, by actor."""
    d = query.d
    head = f"r.event_id AS key, 1 AS own, r.rid, r.ord, r.ds, r.de, r.event_type, {{lane}} AS lane, {_tail(d, 'r')}"
    where = "r.in_date = 1 AND r.ds IS NOT NULL"
    if lane_by != "actor":
        lane = {"source": "r.source", "event type": "r.event_type"}.get(lane_by, "''")
        select = f"SELECT {head.format(lane=lane)} FROM dl_nd r WHERE {where}"
    else:
        select = (
            f"SELECT {head.format(lane='a.value')} FROM dl_nd r, {d.unnest_actors('r.actors', 'a')} WHERE {where} "
            f"UNION ALL SELECT {head.format(lane=repr(NO_ACTOR))} FROM dl_nd r "
            f"WHERE {where} AND {d.first_actor('r.actors')} IS NULL"
        )
    run(query.backend.temp_table("dl_marks", select), {})


def _event_marks(query: Query, run: Any, lane_by: str) -> None:
    """The events' marks as `Query._marks` makes them (with ``first_stored``), from dl_nd: each visible group's
    first stored report and, by source, its best report's source (dated first, the most confident, the first
    stored: dl_best), then the marks (dl_marks): the events of their own from dl_nd, the stored groups from the
    groups table."""
    backend, d = query.backend, query.d
    ev = backend.events_relation()
    if _coded(query):
        _coded_event_marks(query, run, lane_by)
        return
    visible = "SELECT DISTINCT p.event_group FROM dl_nd p WHERE p.in_date = 1 AND p.known = 1"
    if lane_by == "source":
        best = (
            "ROW_NUMBER() OVER (PARTITION BY e.event_group ORDER BY CASE WHEN e.date_start IS NULL THEN 1 ELSE 0 END, "
            "COALESCE(e.confidence, 0) DESC, e.ord)"
        )
        members = (
            f"SELECT b.event_group, b.source, b.first FROM (SELECT e.event_group, e.source, "
            f"MIN(e.ord) OVER (PARTITION BY e.event_group) AS first, {best} AS rn FROM {ev} e "
            f"WHERE e.event_group IN ({visible})) b WHERE b.rn = 1"
        )
    else:
        members = (
            f"SELECT e.event_group, '' AS source, MIN(e.ord) AS first FROM {ev} e "
            f"WHERE e.event_group IN ({visible}) GROUP BY e.event_group"
        )
    run(backend.temp_table("dl_best", members), {})

    actor = f"COALESCE({d.first_actor('r.actors')}, '{NO_ACTOR}')"
    lane = {"source": "r.source", "event type": "r.event_type", "actor": actor}.get(lane_by, "''")
    own = (
        f"SELECT r.gk AS key, 1 AS own, r.rid, r.ord, r.ds, r.de, r.event_type, {lane} AS lane, {_tail(d, 'r')} "
        "FROM dl_nd r WHERE r.in_date = 1 AND r.known = 0 AND r.ds IS NOT NULL"
    )
    n_src = "CASE WHEN g.n_sources IS NULL OR g.n_sources < 1 THEN 1 ELSE g.n_sources END"
    stored_lane = {
        "source": f"CASE WHEN {n_src} >= 2 THEN '{SEVERAL}' ELSE b.source END",
        "event type": "g.event_type",
        "actor": actor.replace("r.actors", "g.actors"),
    }.get(lane_by, "''")
    gde = "CASE WHEN g0.date_end IS NULL OR g0.date_end < g0.date_start THEN g0.date_start ELSE g0.date_end END"
    stored = (
        f"SELECT g.event_group AS key, 0 AS own, NULL AS rid, b.first AS ord, g.ds, g.de, g.event_type, "
        f"{stored_lane} AS lane, {_tail(d, 'g')} FROM (SELECT g0.*, g0.date_start AS ds, {gde} AS de "
        f"FROM {backend.groups_relation()} g0) g JOIN dl_best b ON b.event_group = g.event_group "
        "WHERE g.ds IS NOT NULL"
    )
    run(backend.temp_table("dl_marks", f"{own} UNION ALL {stored}"), {})


def _coded_event_marks(query: Query, run: Any, lane_by: str) -> None:
    """_event_marks over a ready table, in one statement: the visible groups found by their code, each one's first
    and best report read from the ready groups table; no mark carries its key (a string of every visible group
    copied): an event of its own's rows are found by ``rid``, a stored group's by its best report's ``rid``
    (read with the marks: query_reads.mark_rows)."""
    backend, d = query.backend, query.d
    actor = f"COALESCE({d.first_actor('r.actors')}, '{NO_ACTOR}')"
    # the event type and the lane as codes (_names): an actor's lane by its name
    lane = {"source": "r.sc", "event type": "r.tc", "actor": actor}.get(lane_by, "-1")
    own = (
        f"SELECT CAST(NULL AS VARCHAR) AS key, 1 AS own, r.rid, r.ord, r.ds, r.de, r.tc AS event_type, {lane} AS lane, "
        f"{_tail(d, 'r')} FROM dl_nd r WHERE r.in_date = 1 AND r.known = 0 AND r.ds IS NOT NULL"
    )
    n_src = "CASE WHEN g.n_sources IS NULL OR g.n_sources < 1 THEN 1 ELSE g.n_sources END"
    stored_lane = {
        "source": f"CASE WHEN {n_src} >= 2 THEN 0 ELSE g.dl_best_sc END",
        "event type": "g.dl_tc",
        "actor": actor.replace("r.actors", "g.actors"),
    }.get(lane_by, "-1")
    de = "CASE WHEN g.date_end IS NULL OR g.date_end < g.date_start THEN g.date_start ELSE g.date_end END"
    stored = (
        "SELECT CAST(NULL AS VARCHAR) AS key, 0 AS own, g.dl_best AS rid, g.dl_first AS ord, g.ds, g.de, "
        "g.dl_tc AS event_type, "
        f"{stored_lane} AS lane, {_tail(d, 'g')} FROM (SELECT g.*, g.date_start AS ds, {de} AS de "
        f"FROM {backend.groups_relation()} g JOIN (SELECT DISTINCT p.gid FROM dl_nd p "
        "WHERE p.in_date = 1 AND p.known = 1) v ON v.gid = g.rowid WHERE g.date_start IS NOT NULL) g"
    )
    run(backend.temp_table("dl_marks", f"{own} UNION ALL {stored}"), {})


def _histogram(run: object, names: str | None = None) -> Histogram:
    """Marks per month and type, and the longer periods by first and last month (as Query.histogram). ``names``:
    the marks' event types are codes, named by this relation (_names)."""
    coarse = f"m.days > {MONTH_DAYS}"
    sql = (
        f"SELECT CASE WHEN {coarse} THEN 1 ELSE 0 END AS coarse, m.first_month AS first, "
        f"CASE WHEN {coarse} THEN m.last_month ELSE m.first_month END AS last, "
        f"CASE WHEN {coarse} THEN {-1 if names else repr('')} ELSE m.event_type END AS event_type, COUNT(*) AS n "
        "FROM dl_marks m GROUP BY 1, 2, 3, 4"
    )
    if names:
        sql = (
            "SELECT x.coarse, x.first, x.last, n.name AS event_type, SUM(x.n) AS n "
            f"FROM ({sql}) x JOIN {names} n ON n.code = x.event_type GROUP BY 1, 2, 3, 4"
        )
    rows = run(sql, {})  # type: ignore[operator]
    for column in ("coarse", "first", "last", "n"):
        rows[column] = rows[column].astype(np.int64)
    is_coarse = rows["coarse"] == 1
    fine = rows.loc[~is_coarse, ["first", "event_type", "n"]].rename(columns={"first": "month"})
    return Histogram(fine.reset_index(drop=True), rows.loc[is_coarse, ["first", "last", "n"]].reset_index(drop=True))
