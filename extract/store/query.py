"""Store-side queries: what the dashboard's filters select, counted and paged by the store, not in memory.

    q = open_query(store)                       # any store: SQL on SQLite/PostgreSQL, DuckDB over a folder's Parquet
    q = open_query(store, "duckdb")             # a database store through a DuckDB copy (once per data version, corrections laid over it)
    f = QueryFilters(date_from=..., sources=("Reuters",), text="strike")
    q.report_counts(f)    # reports matching, per-facet counts (each under the other filters), left out by each filter
    q.event_counts(f)     # the same for events (groups): shown, dated, undated, left out
    q.histogram(f, "events")                    # events per month and type; longer periods spread over their months
    q.timeline(f, "events", "source")           # lanes, dense lanes as monthly totals, the rows to draw (limited)
    q.page(f, order_by="date_start", descending=True, offset=0, limit=100)  # the events table, one page

`QueryFilters` mirrors dashboard/data.py's `Filters` field for field, and every answer is the one the dashboard's
pandas functions give over the same tables (tests/test_query.py checks them on random filters, on every store):
an event's number of sources and "sources disagree" come from its group in the groups table (an event whose
group the table does not list is an event of its own, one source); text search is every word of the query,
lower-cased, found in the summary or the sentence; dates compare the event's period (an end before its start
counts as the start) with the range. The dashboard over a large store (dashboard/scaled.py) asks these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from extract.schema import EVENT_TYPES, TABLES
from extract.store import query_flags, query_ready
from extract.store.query_backends import Backend, backend_for
from extract.store.query_reads import DTYPES as _DTYPES
from extract.store.query_reads import EVENTS, REPORTS, lists, mark_rows
from extract.store.query_reads import GROUP_FIELDS as _GROUP_FIELDS

FACET_COLUMNS: dict[str, str] = {
    "sources": "source",
    "event_types": "event_type",
    "granularities": "granularity",
    "date_bases": "date_basis",
}
SEVERAL = "Several sources"  # the lane of an event more than one source reports (dashboard.groups.SEVERAL)
NO_ACTOR = "(no actor)"
MONTH_DAYS = 31  # a period up to this long counts in its first month; a longer one is spread over its months
LANE_LIMIT, MAX_POINTS, MAX_SPANS = 200, 6_000, 2_500  # as dashboard/timeline_chart.py
ORDERABLE = (*(c.name for c in TABLES["events"].columns if c.dtype != "list"), "n_sources")


DEFAULT_FROM = dt.date(2018, 1, 1)  # the dashboard's default date window
DEFAULT_TO = dt.date(2026, 12, 31)


@dataclass(frozen=True)
class QueryFilters:
    """What the sidebar selects (as dashboard.data.Filters). Empty tuples mean 'no restriction'."""

    date_from: dt.date | None = DEFAULT_FROM
    date_to: dt.date | None = DEFAULT_TO
    sources: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    granularities: tuple[str, ...] = ()
    date_bases: tuple[str, ...] = ()
    text: str = ""
    include_hypothetical: bool = False
    include_undated: bool = False
    min_sources: int = 1
    disagree: bool = False

    @classmethod
    def of(cls, filters: Any) -> QueryFilters:
        """The same selection from any object with these fields (dashboard.data.Filters)."""
        return cls(**{f.name: getattr(filters, f.name) for f in fields(cls)})

    def active(self) -> list[str]:
        """Names of the filters that restrict anything (as Filters.active)."""
        names = []
        if self.date_from is not None or self.date_to is not None or not self.include_undated:
            names.append("date")
        names += [f for f in ("sources", "actors", "event_types", "granularities", "date_bases") if getattr(self, f)]
        if self.words():
            names.append("text")
        if not self.include_hypothetical:
            names.append("modality")
        if self.min_sources > 1:
            names.append("min_sources")
        if self.disagree:
            names.append("disagree")
        return names

    def without(self, name: str) -> QueryFilters:
        """The same filters with one cleared."""
        if name == "date":
            return replace(self, date_from=None, date_to=None, include_undated=True)
        if name == "text":
            return replace(self, text="")
        if name == "modality":
            return replace(self, include_hypothetical=True)
        if name == "min_sources":
            return replace(self, min_sources=1)
        if name == "disagree":
            return replace(self, disagree=False)
        return replace(self, **{name: ()})

    def words(self) -> list[str]:
        """The search's words, lower-cased."""
        return self.text.strip().lower().split()


@dataclass
class ReportCounts:
    """Reports (rows of the events table): how many match, each facet value's count under the other filters,
    and what each filter alone leaves out (as dashboard.data.left_out: 'undated', 'out_of_range', 'several')."""

    matching: int
    dated: int
    facets: dict[str, dict[str, int]]
    left_out: dict[str, int]


@dataclass
class EventCounts:
    """Events (groups): how many have a report that matches, how many of those have a date, how many undated
    events pass every filter but the date, and what each filter alone leaves out."""

    shown: int
    dated: int
    undated: int
    left_out: dict[str, int]


@dataclass
class Histogram:
    """Marks per month by event type, as dashboard.charts.month_histogram counts them: `fine` holds periods up to
    MONTH_DAYS long (month: months since 1970-01, event_type, n); `coarse` the longer ones (first, last month, n),
    each spread evenly over its months."""

    fine: pd.DataFrame
    coarse: pd.DataFrame

    def per_month(self, x_range: tuple[dt.date, dt.date] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(months since 1970-01, counts[month, EVENT_TYPES], spread[month]) over the chart's months."""
        months = np.concatenate([self.fine["month"].to_numpy(np.int64), self.coarse["first"].to_numpy(np.int64)])
        if not len(months):
            return np.zeros(0, np.int64), np.zeros((0, len(EVENT_TYPES)), np.int64), np.zeros(0)
        lo, hi = int(months.min()), int(months.max())
        if len(self.coarse):
            hi = max(hi, int(self.coarse["last"].max()))
        if x_range is not None:
            lo = max(lo, int(np.datetime64(x_range[0], "M").astype(np.int64)))
            hi = min(hi, int(np.datetime64(x_range[1], "M").astype(np.int64)))
        width = max(hi - lo + 1, 1)
        counts = np.zeros((width, len(EVENT_TYPES)), np.int64)
        code = {kind: i for i, kind in enumerate(EVENT_TYPES)}
        month = self.fine["month"].to_numpy(np.int64)
        kind = np.asarray([code.get(k, -1) for k in self.fine["event_type"].tolist()], np.int64)
        kept = (kind >= 0) & (month >= lo) & (month <= hi)
        np.add.at(counts, (month[kept] - lo, kind[kept]), self.fine["n"].to_numpy(np.int64)[kept])
        spread = np.zeros(width)
        for first, last, n in self.coarse[["first", "last", "n"]].itertuples(index=False):
            a, b = max(first, lo), min(last, hi)
            if b >= a:
                spread[a - lo : b - lo + 1] += n / (last - first + 1)
        return np.arange(lo, lo + width), counts, spread


@dataclass
class Timeline:
    """What the timeline draws: each lane's dated marks (lane, n, spans; 'Several sources' first, then the
    busiest), the lanes drawn as monthly totals (over the lane limit, then the densest until the rest fit),
    their totals (lane, month since 1970-01, n), and the marks of the other lanes in date order."""

    lanes: pd.DataFrame
    dense: tuple[str, ...]
    months: pd.DataFrame
    rows: pd.DataFrame
    truncated: bool = False  # more marks than max_points outside the dense lanes (not expected: see dense)
    # the reports read with the marks, as Details.members reads them: the drawn single reports and events of
    # their own, and on a ready table the stored groups' and the first undated events' best reports
    reports: pd.DataFrame | None = None


@dataclass
class Extent:
    """The whole store at a glance: reports, undated ones, hypothetical or planned ones, whether any is grouped,
    the first and last day covered, events (groups) whose sources disagree, and the most sources of one event."""

    reports: int
    undated: int
    hypothetical: int
    grouped: bool
    first: dt.date | None
    last: dt.date | None
    conflicts: int
    most_sources: int


@dataclass
class _Sql:
    """A statement under construction: its bound parameters."""

    backend: Backend
    params: dict[str, object] = field(default_factory=dict)

    def add(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def strings(self, values: tuple[str, ...]) -> list[str]:
        return [self.add(self.backend.dialect.string_param(str(v))) for v in values]

    def among(self, values: Sequence[str]) -> str:
        """What ``x IN (...)`` holds for these strings: on DuckDB one list parameter (binding thousands of
        parameters costs more than the scan they filter), elsewhere one parameter each."""
        if self.backend.dialect.name == "duckdb" and len(values) > 1:
            listed = [self.backend.dialect.string_param(str(v)) for v in values]
            return f"SELECT unnest(CAST({self.add(listed)} AS VARCHAR[]))"
        return ", ".join(self.strings(tuple(values)))


class Query:
    """Store-side filtering, counting and paging over one store (see the module docstring)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.d = backend.dialect

    # ------------------------------------------------------------------ the relation and the filters

    def _base(self, groups: bool) -> str:
        """Every event with its fixed period (ds, de) and, with ``groups``, its group's facts: gk (the group's key,
        '~' + event_id for an event of its own), known, n_src, disagree, and the group's consensus."""
        if ready := self.backend.ready_relation():
            return ready  # made once per store version, with the group's facts (query_ready.py)
        ev = self.backend.events_relation()
        de = "CASE WHEN e.date_end IS NULL OR e.date_end < e.date_start THEN e.date_start ELSE e.date_end END"
        cols = f"e.*, e.date_start AS ds, {de} AS de"
        if not groups:
            return f"(SELECT {cols} FROM {ev} e)"
        return (
            f"(SELECT {cols}, CASE WHEN g.event_group IS NULL THEN 0 ELSE 1 END AS known, "
            "CASE WHEN g.event_group IS NULL THEN '~' || e.event_id ELSE e.event_group END AS gk, "
            "CASE WHEN g.event_group IS NULL OR g.n_sources IS NULL OR g.n_sources < 1 THEN 1 "
            "ELSE g.n_sources END AS n_src, "
            "CASE WHEN g.date_agreement = 'conflict' THEN 1 ELSE 0 END AS disagree, "
            "CASE WHEN g.event_group IS NULL THEN e.date_start ELSE g.date_start END AS g_ds, "
            "CASE WHEN g.event_group IS NULL THEN 'single' ELSE g.date_agreement END AS g_agree "
            f"FROM {ev} e LEFT JOIN {self.backend.groups_relation()} g ON g.event_group = e.event_group)"
        )

    @staticmethod
    def _needs_groups(filters: QueryFilters) -> bool:
        return filters.min_sources > 1 or filters.disagree

    def _in_range(self, s: _Sql, f: QueryFilters) -> str:
        parts = ["r.ds IS NOT NULL"]
        if f.date_to is not None:
            parts.append(f"r.ds <= {s.add(self.d.date_param(f.date_to))}")
        if f.date_from is not None:
            parts.append(f"r.de >= {s.add(self.d.date_param(f.date_from))}")
        return "(" + " AND ".join(parts) + ")"

    def _mask(self, s: _Sql, f: QueryFilters, name: str) -> str:
        """The SQL condition of one active filter over the relation ``r``."""
        if name == "date":
            inside = self._in_range(s, f)
            return f"({inside} OR r.ds IS NULL)" if f.include_undated else inside
        if name in FACET_COLUMNS:
            return f"r.{FACET_COLUMNS[name]} IN ({', '.join(s.strings(getattr(f, name)))})"
        if name == "actors":
            return self.d.any_actor("r.actors", s.strings(f.actors))
        if name == "text":
            words = f.words()
            ascii_only = all(w.isascii() for w in words)
            ready = self.backend.ready_relation() is not None  # the text lower-cased once per version
            hay = "r.dl_txt" if ready else self.d.lower("r.summary || ' ' || r.sentence", ascii_only)
            return "(" + " AND ".join(self.d.contains(hay, p) for p in s.strings(tuple(words))) + ")"
        if name == "modality":
            return "r.modality = 'asserted'"
        if name == "min_sources":
            return f"r.n_src >= {s.add(int(f.min_sources))}"
        if name == "disagree":
            return "r.disagree = 1"
        raise ValueError(f"unknown filter {name!r}")

    def _where(self, s: _Sql, f: QueryFilters, skip: str | None = None) -> str:
        conds = [self._mask(s, f, n) for n in f.active() if n != skip]
        return " AND ".join(conds) if conds else "1 = 1"

    @staticmethod
    def _flag(cond: str) -> str:
        return f"CASE WHEN {cond} THEN 1 ELSE 0 END"

    def _flags(self, s: _Sql, f: QueryFilters, extra: str = "") -> tuple[str, list[str]]:
        """A subquery with one 0/1 column per active filter (m_NAME), r.ds's presence (dated) and ``extra``."""
        names = f.active()
        cols = [f"{self._flag(self._mask(s, f, n))} AS m_{n}" for n in names]
        cols.append(f"{self._flag('r.ds IS NOT NULL')} AS dated")
        base = self._base(self._needs_groups(f) or "r.gk" in extra)
        sql = f"(SELECT {', '.join(cols)}{', ' + extra if extra else ''} FROM {base} r)"
        return sql, names

    # ------------------------------------------------------------------ counts

    def report_counts(self, filters: QueryFilters, actors: dict[str, int] | None = None) -> ReportCounts:
        """Reports matching, per-facet counts and what each filter leaves out: one scan, plus one for actors
        (``actors``: their counts made already, `actor_counts` of the same filters)."""
        if not self.backend.stored():
            return ReportCounts(0, 0, {facet: {} for facet in [*FACET_COLUMNS, "actors"]}, {})
        found = query_flags.row_flags(self, filters)  # one scan shared with event_counts, where it can be
        cube, names = (query_flags.cube(found), list(found.names)) if found else self._cube(filters)
        n = cube["n"].to_numpy(np.int64)
        masks = {name: cube[f"m_{name}"].to_numpy(np.int64) == 1 for name in names}
        keep = np.ones(len(cube), bool)
        for mask in masks.values():
            keep &= mask
        facets: dict[str, dict[str, int]] = {}
        for facet, column in FACET_COLUMNS.items():
            others = _combine(masks, len(cube), skip=facet)
            sums = pd.Series(np.where(others, n, 0)).groupby(cube[column].astype(str).to_numpy()).sum()
            facets[facet] = {str(k): int(v) for k, v in sums.sort_values(ascending=False, kind="stable").items()}
        facets["actors"] = self.actor_counts(filters) if actors is None else actors
        dated = cube["dated"].to_numpy(np.int64) == 1
        out: dict[str, int] = {}
        fails = np.zeros(len(cube), np.int64)
        for mask in masks.values():
            fails += ~mask
        for name, mask in masks.items():
            others = _combine(masks, len(cube), skip=name)
            parts = (
                {"undated": others & ~dated & ~mask, "out_of_range": others & dated & ~mask}
                if name == "date"
                else {name: others & ~mask}
            )
            for part, rows in parts.items():
                if (count := int(n[rows].sum())) > 0:
                    out[part] = count
        if masks and (several := int(n[fails >= 2].sum())):
            out["several"] = several
        return ReportCounts(int(n[keep].sum()), int(n[keep & dated].sum()), facets, out)

    def _cube(self, filters: QueryFilters) -> tuple[pd.DataFrame, list[str]]:
        """(reports per facet values, own date (dated) and filters passed (m_NAME), counted in SQL; the names)."""
        s = _Sql(self.backend)
        facet_cols = list(FACET_COLUMNS.values())
        coded = self.backend.ready_relation() is not None  # grouped by the facets' code, named after (query_ready)
        flags, names = self._flags(s, filters, "r.fc" if coded else ", ".join(f"r.{c}" for c in facet_cols))
        keys = ["fc" if coded else ", ".join(facet_cols), "dated", *(f"m_{n}" for n in names)]
        cube_sql = f"SELECT {', '.join(keys)}, COUNT(*) AS n FROM {flags} x GROUP BY {', '.join(keys)}"
        if coded:
            named = ", ".join(f"f.{c}" for c in facet_cols)
            cube_sql = f"SELECT {named}, x.* FROM ({cube_sql}) x JOIN {query_ready.READY_FACETS} f ON f.fc = x.fc"
        return self._run(cube_sql, s), names

    def actor_counts(self, filters: QueryFilters) -> dict[str, int]:
        """Reports per actor under every filter but the actor filter (which it ignores), the most first."""
        found = query_flags.row_flags(self, filters)  # counted from the reports' flags where it can be
        counted = query_flags.actor_numbers(found) if found is not None else None
        if counted is None:
            s = _Sql(self.backend)
            base = self._base(self._needs_groups(filters))
            where = self._where(s, filters, skip="actors")
            counted = self._run(
                f"SELECT a.value AS actor, COUNT(*) AS n FROM {base} r, {self.d.unnest_actors('r.actors', 'a')} "
                f"WHERE {where} GROUP BY a.value",
                s,
            )
        counted = counted.sort_values(["n", "actor"], ascending=[False, True], kind="stable")
        return {str(a): int(c) for a, c in zip(counted["actor"], counted["n"], strict=True)}

    def event_counts(self, filters: QueryFilters) -> EventCounts:
        """Events (groups) shown, dated and undated, and what each filter alone leaves out, as the dashboard
        counts them (data.left_out with groups): one scan grouped by event."""
        if not self.backend.stored():
            return EventCounts(0, 0, 0, {})
        if found := query_flags.row_flags(self, filters):  # the scan report_counts made, where it can be
            got = query_flags.event_numbers(found)
            left = {p[2:]: v for p, v in got.items() if p.startswith("o_") and v > 0}
            return EventCounts(got["shown"], got["dated"], got["undated"], left)
        s = _Sql(self.backend)
        key = "r.gid AS gk" if self.backend.ready_relation() else "r.gk"  # a code groups faster than the key
        flags, names = self._flags(s, filters, f"{key}, CASE WHEN r.g_ds IS NULL THEN 0 ELSE 1 END AS g_dated")
        every = " AND ".join(f"m_{n} = 1" for n in names) or "1 = 1"
        no_date = " AND ".join(f"m_{n} = 1" for n in names if n != "date") or "1 = 1"
        # per report, 0 or 1: shown; its event dated; shown but for the date; left out by this filter alone
        flagged = {"s": self._flag(every), "g_dated": "g_dated", "nd": self._flag(no_date)}
        parts: list[str] = []
        for name in names:
            others = " AND ".join(f"m_{o} = 1" for o in names if o != name) or "1 = 1"
            if name == "date":
                for part, dated in (("undated", 0), ("out_of_range", 1)):
                    flagged[f"o_{part}"] = self._flag(f"{others} AND m_date = 0 AND dated = {dated}")
                    parts.append(part)
            else:
                flagged[f"o_{name}"] = self._flag(f"{others} AND m_{name} = 0")
                parts.append(name)
        fails = " + ".join(f"(1 - m_{n})" for n in names) or "0"
        rows = f"FROM {flags} x WHERE {fails} <= 1 OR ({no_date}) GROUP BY gk"
        if self.d.name == "duckdb":  # an event's flags as the bits of one BIT_OR, not one MAX each: half the time
            bit = {name: 1 << i for i, name in enumerate(flagged)}
            code = " | ".join(f"({expr}) * {bit[name]}" for name, expr in flagged.items())

            def having(on: int, off: int = 0) -> str:
                return f"COUNT(*) FILTER (WHERE b & {on | off} = {on})"

            sums = [
                f"{having(bit['s'])} AS shown",
                f"{having(bit['s'] | bit['g_dated'])} AS dated",
                f"{having(bit['nd'], bit['g_dated'])} AS undated",
                *(f"{having(bit[f'o_{p}'], bit['s'])} AS o_{p}" for p in parts),
            ]
            sql = f"SELECT {', '.join(sums)} FROM (SELECT BIT_OR({code}) AS b {rows}) t"
        else:
            aggs = ", ".join(f"MAX({expr}) AS {name}" for name, expr in flagged.items())
            sums = ["SUM(s) AS shown", "SUM(s * g_dated) AS dated", "SUM(nd * (1 - g_dated)) AS undated"]
            sums += [f"SUM((1 - s) * o_{p}) AS o_{p}" for p in parts]
            sql = f"SELECT {', '.join(sums)} FROM (SELECT gk, {aggs} {rows}) t"
        got = {k: _int(v) for k, v in self._run(sql, s).iloc[0].items()}  # SUM over no rows: NULL
        left = {p: got[f"o_{p}"] for p in parts if got[f"o_{p}"] > 0}
        return EventCounts(got["shown"], got["dated"], got["undated"], left)

    def count(self, filters: QueryFilters, unit: str = REPORTS) -> int:
        """How many reports (or events) match."""
        if not self.backend.stored():
            return 0
        s = _Sql(self.backend)
        base = self._base(self._needs_groups(filters) or unit == EVENTS)
        what = "COUNT(DISTINCT r.gk)" if unit == EVENTS else "COUNT(*)"
        return int(self._run(f"SELECT {what} AS n FROM {base} r WHERE {self._where(s, filters)}", s)["n"].iloc[0])

    def extent(self) -> Extent:
        """The store's totals and span (two small scans: events, groups)."""
        if not self.backend.stored():
            return Extent(0, 0, 0, False, None, None, 0, 1)
        s = _Sql(self.backend)
        got = self._run(
            "SELECT COUNT(*) AS n, SUM(CASE WHEN r.ds IS NULL THEN 1 ELSE 0 END) AS undated, "
            "SUM(CASE WHEN r.modality = 'asserted' THEN 0 ELSE 1 END) AS hyp, "
            "MAX(CASE WHEN r.event_group IS NULL OR r.event_group = '' THEN 0 ELSE 1 END) AS grouped, "
            f"MIN(r.ds) AS first, MAX(r.de) AS last FROM {self._base(False)} r",
            s,
        ).iloc[0]
        g = self._run(
            "SELECT SUM(CASE WHEN g.date_agreement = 'conflict' THEN 1 ELSE 0 END) AS conflicts, "
            f"MAX(g.n_sources) AS most FROM {self.backend.groups_relation()} g",
            s,
        ).iloc[0]
        first, last = (None if pd.isna(v) else pd.Timestamp(v).date() for v in (got["first"], got["last"]))
        return Extent(
            _int(got["n"]),
            _int(got["undated"]),
            _int(got["hyp"]),
            bool(_int(got["grouped"])),
            first,
            last,
            _int(g["conflicts"]),
            max(_int(g["most"]), 1),
        )

    # ------------------------------------------------------------------ marks: histogram, timeline

    def _marks(
        self, s: _Sql, filters: QueryFilters, unit: str, lane_by: str | None = None, *, first_stored: bool = False
    ) -> str:
        """SELECT of the dated marks that pass, one row each (two for a report with two actors, by actor): key
        (event_id, or the group's key), own (1: a report, or an event of its own: its row is rid), rid, ord, ds,
        de, event_type, lane, span (1: a period), first and last month, days (the period's length). Events are
        groups with a passing report, at their consensus date, type and first actor; by source, an event more
        than one source reports is in the 'Several sources' lane, the others in their best report's source.
        ``first_stored``: an event's ord is its first stored report's (the dashboard's order of events), not 0."""
        month, last = self.d.month("r.ds"), self.d.month("r.de")
        tail = (
            f"{self._flag('r.de > r.ds')} AS span, {month} AS first_month, {last} AS last_month, "
            f"{self.d.days('r.ds', 'r.de')} + 1 AS days"
        )
        actor = f"COALESCE({self.d.first_actor('r.actors')}, '{NO_ACTOR}')"
        if unit == REPORTS:
            base = self._base(self._needs_groups(filters))
            where = f"r.ds IS NOT NULL AND {self._where(s, filters)}"
            head = "r.event_id AS key, 1 AS own, r.rid, r.ord, r.ds, r.de, r.event_type"
            if lane_by != "actor":
                lane = {"source": "r.source", "event type": "r.event_type"}.get(lane_by or "", "''")
                return f"SELECT {head}, {lane} AS lane, {tail} FROM {base} r WHERE {where}"
            unnest = self.d.unnest_actors("r.actors", "a")
            return (
                f"SELECT {head}, a.value AS lane, {tail} FROM {base} r, {unnest} WHERE {where} UNION ALL "
                f"SELECT {head}, '{NO_ACTOR}' AS lane, {tail} FROM {base} r "
                f"WHERE {where} AND {self.d.first_actor('r.actors')} IS NULL"
            )
        base = self._base(True)
        lane = {"source": "r.source", "event type": "r.event_type", "actor": actor}.get(lane_by or "", "''")
        own = (
            f"SELECT r.gk AS key, 1 AS own, r.rid, r.ord, r.ds, r.de, r.event_type, {lane} AS lane, {tail} "
            f"FROM {base} r WHERE r.known = 0 AND r.ds IS NOT NULL AND {self._where(s, filters)}"
        )
        visible = f"(SELECT DISTINCT r.event_group FROM {base} r WHERE r.known = 1 AND {self._where(s, filters)})"
        gde = "CASE WHEN g.date_end IS NULL OR g.date_end < g.date_start THEN g.date_start ELSE g.date_end END"
        n_src = "CASE WHEN g.n_sources IS NULL OR g.n_sources < 1 THEN 1 ELSE g.n_sources END"
        ev = self.backend.events_relation()
        best = (  # the group's best report (dated first, the most confident, the first stored): its source
            f"(SELECT e.source FROM {ev} e WHERE e.event_group = g.event_group ORDER BY "
            "CASE WHEN e.date_start IS NULL THEN 1 ELSE 0 END, COALESCE(e.confidence, 0) DESC, e.ord LIMIT 1)"
        )
        known_lane = {
            "source": f"CASE WHEN {n_src} >= 2 THEN '{SEVERAL}' ELSE {best} END",
            "event type": "g.event_type",
            "actor": actor.replace("r.actors", "g.actors"),
        }.get(lane_by or "", "''")
        stored_tail = tail.replace("r.", "g.")
        first = f"(SELECT MIN(e.ord) FROM {ev} e WHERE e.event_group = g.event_group)" if first_stored else "0"
        stored = (
            f"SELECT g.event_group AS key, 0 AS own, NULL AS rid, {first} AS ord, g.ds, g.de, g.event_type, "
            f"{known_lane} AS lane, {stored_tail} FROM (SELECT g0.*, g0.date_start AS ds, "
            f"{gde.replace('g.', 'g0.')} AS de FROM {self.backend.groups_relation()} g0) g "
            f"JOIN {visible} v ON v.event_group = g.event_group WHERE g.ds IS NOT NULL"
        )
        return f"{own} UNION ALL {stored}"

    def histogram(self, filters: QueryFilters, unit: str = EVENTS) -> Histogram:
        """Marks per month and type (periods up to MONTH_DAYS), and the longer periods by first and last month."""
        if not self.backend.stored():
            return Histogram(
                pd.DataFrame(columns=["month", "event_type", "n"]), pd.DataFrame(columns=["first", "last", "n"])
            )
        s = _Sql(self.backend)
        marks = self._marks(s, filters, unit)
        coarse = f"m.days > {MONTH_DAYS}"
        rows = self._run(
            f"SELECT CASE WHEN {coarse} THEN 1 ELSE 0 END AS coarse, m.first_month AS first, "
            f"CASE WHEN {coarse} THEN m.last_month ELSE m.first_month END AS last, "
            f"CASE WHEN {coarse} THEN '' ELSE m.event_type END AS event_type, COUNT(*) AS n "
            f"FROM ({marks}) m GROUP BY 1, 2, 3, 4",
            s,
        )
        for column in ("coarse", "first", "last", "n"):
            rows[column] = rows[column].astype(np.int64)
        is_coarse = rows["coarse"] == 1
        fine = rows.loc[~is_coarse, ["first", "event_type", "n"]].rename(columns={"first": "month"})
        return Histogram(
            fine.reset_index(drop=True), rows.loc[is_coarse, ["first", "last", "n"]].reset_index(drop=True)
        )

    def timeline(
        self,
        filters: QueryFilters,
        unit: str = EVENTS,
        lane_by: str = "source",
        *,
        lane_limit: int = LANE_LIMIT,
        max_points: int = MAX_POINTS,
    ) -> Timeline:
        """Lanes, dense lanes' monthly totals and the other lanes' marks (dated ones only), by the same rule as
        dashboard/timeline_chart.py: a lane over ``lane_limit`` marks is totals, then the densest until the rest
        fit ``max_points`` marks and MAX_SPANS periods. Lanes by source, event type or actor (a report with two
        actors is in two lanes; an event's actor is its first). The marks are made once, in a temporary table."""
        if not self.backend.stored():
            nothing = pd.DataFrame(columns=["lane", "n", "spans"])
            return Timeline(nothing, (), pd.DataFrame(columns=["lane", "month", "n"]), pd.DataFrame())
        s = _Sql(self.backend)
        marks = self._marks(s, filters, unit, lane_by)
        with self.backend.session() as run:
            run(self.backend.temp_table("dl_marks", marks), s.params)
            timeline = self._drawn(run, unit, lane_limit, max_points)
        return timeline

    def _drawn(
        self,
        run: Any,
        unit: str,
        lane_limit: int,
        max_points: int,
        also: str = "",
        by_best: bool = False,
        names: str | None = None,
    ) -> Timeline:
        """The timeline from the marks in dl_marks: its lanes ('Several sources' first, then the busiest), the
        dense lanes' monthly totals, and the other lanes' first ``max_points`` marks (left in dl_pick). ``also``:
        a SELECT of more reports' rids, read with the marks' (Timeline.reports); ``by_best``: see query_reads.mark_rows;
        ``names``: the marks' lanes are codes, named by this relation (code, name: query_timeline._names)."""
        lanes = "SELECT lane, COUNT(*) AS n, SUM(span) AS spans FROM dl_marks GROUP BY lane"
        if names:
            lanes = (
                f"SELECT n.name AS lane, SUM(x.n) AS n, SUM(x.spans) AS spans FROM ({lanes}) x "
                f"JOIN {names} n ON n.code = x.lane GROUP BY n.name"
            )
        lanes = run(lanes, {})
        lanes["lane"] = lanes["lane"].astype(str)
        lanes[["n", "spans"]] = lanes[["n", "spans"]].astype(np.int64)
        lanes = lanes.assign(_top=lanes["lane"] != SEVERAL).sort_values(
            ["_top", "n", "lane"], ascending=[True, False, True], kind="stable"
        )
        lanes = lanes.drop(columns="_top").reset_index(drop=True)
        dense = _dense(lanes, lane_limit, max_points)
        s = _Sql(self.backend)
        held = ", ".join(s.strings(dense))
        if names and dense:  # the dense lanes' codes
            held = f"SELECT n.code FROM {names} n WHERE n.name IN ({held})"
        months = pd.DataFrame({"lane": [], "month": [], "n": []})
        if dense:
            per_month = f"SELECT lane, first_month AS month, COUNT(*) AS n FROM dl_marks WHERE lane IN ({held}) "
            per_month += "GROUP BY lane, first_month"
            if names:
                per_month = (
                    f"SELECT n.name AS lane, x.month, SUM(x.n) AS n FROM ({per_month}) x JOIN {names} n "
                    "ON n.code = x.lane GROUP BY 1, 2"
                )
            months = run(f"{per_month} ORDER BY 1, 2", s.params)
        skip = f"WHERE lane NOT IN ({held}) " if dense else ""
        pick = f"SELECT key, own, rid, lane, ds, ord FROM dl_marks {skip}ORDER BY ds, ord LIMIT {int(max_points) + 1}"
        if names:
            pick = (
                f"SELECT p.key, p.own, p.rid, n.name AS lane, p.ds, p.ord FROM ({pick}) p "
                f"JOIN {names} n ON n.code = p.lane"
            )
        run(self.backend.temp_table("dl_pick", pick), s.params)
        picks = run("SELECT * FROM dl_pick ORDER BY ds, ord", {})
        kept: list[pd.DataFrame] = []
        rows = mark_rows(self, run, picks.head(max_points), unit, kept, also, by_best)
        months = months.astype({"month": np.int64, "n": np.int64})
        return Timeline(lanes, dense, months, rows, len(picks) > max_points, kept[0])

    def chronology(self, filters: QueryFilters, newest_first: bool = True, limit: int = 300) -> pd.DataFrame:
        """The dated events (groups) that pass, in date order (events on one day in the order their first reports
        were stored), newest first or oldest first, at most ``limit``: the groups table's columns (an event of
        its own: its report's), as dashboard/groups.py's chronology picks them."""
        if not self.backend.stored():
            return pd.DataFrame(columns=["event_group", *_GROUP_FIELDS])
        s = _Sql(self.backend)
        marks = self._marks(s, filters, EVENTS, first_stored=True)
        way = "DESC" if newest_first else "ASC"
        with self.backend.session() as run:
            pick = f"SELECT key, own, rid, '' AS lane, ds, ord FROM ({marks}) m ORDER BY ds {way}, ord {way}"
            run(self.backend.temp_table("dl_pick", f"{pick} LIMIT {int(limit)}"), s.params)
            picks = run(f"SELECT * FROM dl_pick ORDER BY ds {way}, ord {way}", {})
            rows = mark_rows(self, run, picks, EVENTS)
        return rows.drop(columns="lane")

    # ------------------------------------------------------------------ the events table

    def page(
        self,
        filters: QueryFilters,
        *,
        order_by: str = "date_start",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> pd.DataFrame:
        """One page of the matching reports (the events table's columns plus n_sources and date_agreement),
        sorted by ``order_by`` (empty dates last), ties in the store's order."""
        if order_by not in ORDERABLE:
            raise ValueError(f"cannot sort by {order_by!r}: one of {', '.join(ORDERABLE)}")
        if not self.backend.stored():
            return pd.DataFrame(columns=[*_DTYPES, "n_sources", "date_agreement"])
        s = _Sql(self.backend)
        base = self._base(self._needs_groups(filters) or order_by == "n_sources")
        column = "r.n_src" if order_by == "n_sources" else f"r.{order_by}"
        text = order_by != "n_sources" and _DTYPES[order_by] == "string"
        key = self.d.text_order(column) if text else column
        nulls = f"CASE WHEN {column} IS NULL THEN 1 ELSE 0 END"
        pick = (
            f"SELECT r.rid FROM {base} r WHERE {self._where(s, filters)} "
            f"ORDER BY {nulls}, {key} {'DESC' if descending else 'ASC'}, r.ord LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        cols = ", ".join(f"r.{c}" for c in _DTYPES)
        with self.backend.session() as run:
            rids = [int(v) for v in run(pick, s.params).get("rid", [])]
            if not rids:
                return pd.DataFrame(columns=[*_DTYPES, "n_sources", "date_agreement"])
            s2 = _Sql(self.backend)  # the page's rows, with their group's facts
            rows = run(
                f"SELECT r.rid, {cols}, r.n_src AS n_sources, r.g_agree AS date_agreement FROM {self._base(True)} r "
                f"WHERE r.rid IN ({', '.join(s2.add(v) for v in rids)})",
                s2.params,
            )
        rows = rows.set_index("rid").loc[rids].reset_index(drop=True)
        return self._rows(rows)

    # ------------------------------------------------------------------ running

    def _run(self, sql: str, s: _Sql) -> pd.DataFrame:
        return self.backend.run(sql, s.params)

    def _rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows as typed values: dates as datetime64, lists as lists."""
        out = frame.copy()
        for column in out.columns:
            if column in ("date_start", "date_end", "ds", "de"):
                out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
            elif column in ("actors", "locations", "sources", "reported_dates"):
                out[column] = lists(out[column].to_numpy(dtype=object))
        return out


def _int(value: object) -> int:
    return 0 if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _combine(masks: dict[str, np.ndarray], n: int, skip: str | None = None) -> np.ndarray:
    keep = np.ones(n, bool)
    for name, mask in masks.items():
        if name != skip:
            keep &= mask
    return keep


def _dense(lanes: pd.DataFrame, lane_limit: int, max_points: int) -> tuple[str, ...]:
    """Lanes drawn as monthly totals: over lane_limit, then the densest until the rest fit (timeline_chart)."""
    n, spans = lanes["n"].to_numpy(np.int64), lanes["spans"].to_numpy(np.int64)
    dense = n > lane_limit
    points, bars = int(n[~dense].sum()), int(spans[~dense].sum())
    for lane in np.argsort(-n, kind="stable"):
        if points <= max_points and bars <= MAX_SPANS:
            break
        if not dense[lane]:
            dense[lane] = True
            points -= int(n[lane])
            bars -= int(spans[lane])
    return tuple(str(x) for x in lanes["lane"].to_numpy()[dense])


def open_query(store: Any, engine: str = "sql") -> Query:
    """Store-side queries over a store opened with extract.store.open_store. A database store answers in SQL;
    with ``engine="duckdb"`` through a copy of its tables in DuckDB, made once per data version with the
    corrections laid over it (faster from about 100,000 events: see README, Store-side queries). A folder of
    files always answers through DuckDB."""
    return Query(backend_for(store, engine))
