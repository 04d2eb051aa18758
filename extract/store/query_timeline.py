"""The Timeline page's store-side work in one pass: the marks that pass the filters are made once (a temporary
table), and the lanes, the dense lanes' monthly totals, the marks to draw, the events per month and the
chronology are all read from it, instead of one scan of the whole table each (`Query.timeline`,
`Query.histogram`, `Query.chronology` answer the same, separately).

    page = timeline_pass(open_query(store, "duckdb"), filters, "events", "source", newest_first=True)
    page.timeline, page.histogram, page.chronology, page.n_marks

Marks are made with each event's first stored report's order (`first_stored`), so events on one day keep the
dashboard's order in both the drawn marks and the chronology.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from extract.store.query import (
    EVENTS,
    LANE_LIMIT,
    MAX_POINTS,
    MONTH_DAYS,
    REPORTS,
    SEVERAL,
    Histogram,
    Query,
    QueryFilters,
    Timeline,
    _dense,
    _Sql,
)


@dataclass
class TimelinePage:
    """What the pass read: the timeline (as `Query.timeline`), the histogram (as `Query.histogram`), the
    chronology (as `Query.chronology`; None in reports mode: it lists events) and how many marks pass."""

    timeline: Timeline
    histogram: Histogram
    chronology: pd.DataFrame | None
    n_marks: int


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
    lane_limit: int = LANE_LIMIT,
    max_points: int = MAX_POINTS,
) -> TimelinePage:
    """Timeline, histogram and chronology of the marks that pass (see the module docstring). By actor, a
    report is a mark in each of its actors' lanes: its histogram is then `Query.histogram`'s own scan."""
    backend = query.backend
    if not backend.stored():
        return _empty(unit)
    s = _Sql(backend)
    marks = query._marks(s, filters, unit, lane_by, first_stored=unit == EVENTS)
    with backend.session() as run:
        run(backend.temp_table("dl_marks", marks), s.params)
        lanes = run("SELECT lane, COUNT(*) AS n, SUM(span) AS spans FROM dl_marks GROUP BY lane", {})
        lanes["lane"] = lanes["lane"].astype(str)
        lanes[["n", "spans"]] = lanes[["n", "spans"]].astype(np.int64)
        lanes = lanes.assign(_top=lanes["lane"] != SEVERAL).sort_values(
            ["_top", "n", "lane"], ascending=[True, False, True], kind="stable"
        )
        lanes = lanes.drop(columns="_top").reset_index(drop=True)
        dense = _dense(lanes, lane_limit, max_points)
        s2 = _Sql(backend)
        held = ", ".join(s2.strings(dense))
        months = pd.DataFrame({"lane": [], "month": [], "n": []})
        if dense:
            months = run(
                "SELECT lane, first_month AS month, COUNT(*) AS n FROM dl_marks "
                f"WHERE lane IN ({held}) GROUP BY lane, first_month ORDER BY 1, 2",
                s2.params,
            )
        skip = f"WHERE lane NOT IN ({held}) " if dense else ""
        pick = f"SELECT key, own, rid, lane, ds, ord FROM dl_marks {skip}ORDER BY ds, ord LIMIT {int(max_points) + 1}"
        run(backend.temp_table("dl_pick", pick), s2.params)
        picks = run("SELECT * FROM dl_pick ORDER BY ds, ord", {})
        truncated = len(picks) > max_points
        rows = query._mark_rows(run, picks.head(max_points), unit)
        histogram = None
        if not (unit == REPORTS and lane_by == "actor"):
            histogram = _histogram(run)
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
            chronology = query._mark_rows(run, chosen, EVENTS).drop(columns="lane")
    if histogram is None:
        histogram = query.histogram(filters, unit)
    months = months.astype({"month": np.int64, "n": np.int64})
    n_marks = int(lanes["n"].sum()) if not (unit == REPORTS and lane_by == "actor") else -1
    return TimelinePage(Timeline(lanes, dense, months, rows, truncated), histogram, chronology, n_marks)


def _histogram(run: object) -> Histogram:
    """Marks per month and type, and the longer periods by first and last month (as Query.histogram)."""
    coarse = f"m.days > {MONTH_DAYS}"
    rows = run(  # type: ignore[operator]
        f"SELECT CASE WHEN {coarse} THEN 1 ELSE 0 END AS coarse, m.first_month AS first, "
        f"CASE WHEN {coarse} THEN m.last_month ELSE m.first_month END AS last, "
        f"CASE WHEN {coarse} THEN '' ELSE m.event_type END AS event_type, COUNT(*) AS n "
        "FROM dl_marks m GROUP BY 1, 2, 3, 4",
        {},
    )
    for column in ("coarse", "first", "last", "n"):
        rows[column] = rows[column].astype(np.int64)
    is_coarse = rows["coarse"] == 1
    fine = rows.loc[~is_coarse, ["first", "event_type", "n"]].rename(columns={"first": "month"})
    return Histogram(fine.reset_index(drop=True), rows.loc[is_coarse, ["first", "last", "n"]].reset_index(drop=True))
