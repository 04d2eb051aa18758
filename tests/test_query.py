"""Store-side queries (extract/store/query.py) against the dashboard's pandas functions, the reference: random
filters over a synthetic store (files through DuckDB, SQLite, PostgreSQL) give the same counts and rows."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, data, groups, timeline_chart
from dashboard.synthetic import synthetic_groups, synthetic_tables
from extract import store
from extract.store import query, query_flags
from tests.databases import database

N_EVENTS = 2_500
ROUNDS = 12
WORDS = ["talks", "strike", "sanctions summit", "été", "ÉTÉ", "o'neil", "reported", "zz-none", "(military)"]


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, store.CorpusTables]:
    events, documents = synthetic_tables(N_EVENTS, seed=11)
    rng = np.random.default_rng(5)
    odd = rng.choice(len(events), 120, replace=False)
    events.loc[odd[:40], "summary"] = "Été talks in Zürich ÉTÉ"  # text search folds non-ASCII case
    events.loc[odd[40:70], "actors"] = pd.Series([[] for _ in range(30)], index=odd[40:70])  # no actor
    events.loc[odd[70:90], "actors"] = pd.Series([["O'Neil", "Russia"] for _ in range(20)], index=odd[70:90])
    quoted = documents["doc_id"].isin(events.loc[odd[90:120], "doc_id"])
    documents.loc[quoted, "outlet"] = "Outlet O'Neil"  # a quote in a value
    events.loc[events["doc_id"].isin(documents.loc[quoted, "doc_id"]), "source"] = "Outlet O'Neil"
    events, group_table, key_dates = synthetic_groups(events, documents)
    # some stored group ids the groups table does not list: their events are events of their own
    lost = group_table["event_group"].iloc[::37]
    group_table = group_table[~group_table["event_group"].isin(lost)].reset_index(drop=True)
    tables = store.CorpusTables(events, documents, {"groups": group_table, "key_dates": key_dates})
    return events, documents, tables


@contextlib.contextmanager
def _store(kind: str, folder) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if kind == "files":
        yield str(folder / "data")
        return
    with database(kind.split("+")[0], folder) as url:
        yield url


@pytest.fixture(scope="module", params=["files", "sqlite", "postgresql", "sqlite+duckdb"])
def stored(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """(Query, reference Dataset) over one store holding the synthetic tables ("+duckdb": a database store
    queried through its DuckDB copy)."""
    folder = tmp_path_factory.mktemp(request.param.replace("+", "-"))
    events, documents, tables = _tables()
    with _store(request.param, folder) as location:
        target = store.open_store(location)
        target.write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        (ev, docs, group_table, key_dates, version), _ = data.read_tables(target)
        ds = data.build_dataset(ev, docs, location, version, None, group_table, key_dates)
        engine = "duckdb" if request.param.endswith("+duckdb") else "sql"
        yield query.open_query(target, engine), ds


def random_filters(rng: np.random.Generator, ds: data.Dataset) -> data.Filters:
    """Filters as a user might set them: each one on or off at random."""

    def some(options: list[str], p: float) -> tuple[str, ...]:
        if rng.random() > p or not options:
            return ()
        k = int(rng.integers(1, min(4, len(options)) + 1))
        return tuple(str(v) for v in rng.choice(options, k, replace=False))

    day = dt.date(2016, 1, 1)
    start = day + dt.timedelta(days=int(rng.integers(0, 3000))) if rng.random() < 0.7 else None
    end = (start or day) + dt.timedelta(days=int(rng.integers(30, 2500))) if rng.random() < 0.7 else None
    return data.Filters(
        date_from=start,
        date_to=end,
        sources=some(ds.options("sources"), 0.4),
        actors=some([*ds.options("actors")[:12], "O'Neil"], 0.4),
        event_types=some(ds.options("event_types"), 0.3),
        granularities=some(ds.options("granularities"), 0.25),
        date_bases=some(ds.options("date_bases"), 0.2),
        text=str(rng.choice(WORDS)) if rng.random() < 0.35 else "",
        include_hypothetical=bool(rng.random() < 0.5),
        include_undated=bool(rng.random() < 0.5),
        min_sources=int(rng.choice([1, 1, 2, 3])),
        disagree=bool(rng.random() < 0.2),
    )


def _cases(ds: data.Dataset, seed: int) -> list[data.Filters]:
    rng = np.random.default_rng(seed)
    fixed = [
        data.Filters(),
        data.Filters(date_from=None, date_to=None, include_hypothetical=True, include_undated=True),
        data.Filters(text="ÉTÉ zürich", include_undated=True),
        data.Filters(sources=("Outlet O'Neil",), actors=("O'Neil",), include_hypothetical=True),
        data.Filters(min_sources=2, disagree=True),
    ]
    return fixed + [random_filters(rng, ds) for _ in range(ROUNDS)]


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def test_report_counts_match_the_dashboard(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 1):
        masks = data.dataset_masks(ds, filters)
        keep = data.combine(masks, len(ds.events))
        got = q.report_counts(query.QueryFilters.of(filters))
        assert got.matching == int(keep.sum()), filters
        assert got.dated == int((keep & ds.events["_dated"].to_numpy()).sum()), filters
        assert got.left_out == data.left_out(ds.events, masks), filters
        want = data.facet_counts(ds, filters, masks)
        assert {k: _nonzero(v) for k, v in got.facets.items()} == {k: _nonzero(v) for k, v in want.items()}, filters
        assert q.count(query.QueryFilters.of(filters)) == got.matching
        # the actors' counts ignore the actor filter: made once, they serve any choice of actors (dashboard/scaled)
        others = query.QueryFilters.of(filters).without("actors")
        assert _nonzero(q.actor_counts(others)) == _nonzero(want["actors"]), filters
        assert q.report_counts(query.QueryFilters.of(filters), q.actor_counts(others)) == got, filters


def test_event_counts_match_the_dashboard(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    n_groups = len(ds.groups)
    g_dated = ds.groups["_dated"].to_numpy()
    for filters in _cases(ds, 2):
        masks = data.dataset_masks(ds, filters)
        keep = data.combine(masks, len(ds.events))
        nodate = data.combine(masks, len(ds.events), skip="date") if "date" in masks else keep
        shown = groups.visible(ds.group_of, keep, n_groups)
        got = q.event_counts(query.QueryFilters.of(filters))
        assert got.shown == int(shown.sum()), filters
        assert got.dated == int((shown & g_dated).sum()), filters
        assert got.undated == int((groups.visible(ds.group_of, nodate, n_groups) & ~g_dated).sum()), filters
        assert got.left_out == data.left_out(ds.events, masks, (ds.group_of, n_groups)), filters
        assert q.count(query.QueryFilters.of(filters), query.EVENTS) == got.shown


def _figure_bars(figure) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    out: dict[tuple[str, str], float] = {}
    for trace in figure.data:
        for month, y in zip(trace.customdata, trace.y, strict=True):
            out[(str(trace.name), str(month))] = round(float(y), 3)
    return out


def _store_bars(hist: query.Histogram, x_range) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    months, counts, spread = hist.per_month(x_range)
    labels = np.datetime_as_string(months.astype("datetime64[M]"), unit="M")
    out: dict[tuple[str, str], float] = {}
    for k, kind in enumerate(charts.EVENT_TYPES):
        for i in np.flatnonzero(counts[:, k] > 0):
            out[(kind, str(labels[i]))] = float(counts[i, k])
    for i in np.flatnonzero(spread > 0.0005):
        out[("known only to a longer period", str(labels[i]))] = round(float(spread[i]), 3)
    return out


def test_histogram_matches_the_chart(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 3)[:10]:
        masks = data.dataset_masks(ds, filters)
        keep = data.combine(masks, len(ds.events))
        shown = groups.visible(ds.group_of, keep, len(ds.groups))
        x_range = (filters.date_from, filters.date_to) if filters.date_from and filters.date_to else None
        qf = query.QueryFilters.of(filters)
        report_rows = ds.events.loc[keep, charts.CHART_COLUMNS]
        want = _figure_bars(charts.month_histogram(report_rows, x_range, unit="reports"))
        assert _store_bars(q.histogram(qf, query.REPORTS), x_range) == want, filters
        group_rows = ds.groups.loc[shown, charts.GROUP_CHART_COLUMNS]
        want = _figure_bars(charts.month_histogram(group_rows, x_range, unit="events"))
        assert _store_bars(q.histogram(qf, query.EVENTS), x_range) == want, filters


def _reference_marks(ds: data.Dataset, filters: data.Filters, unit: str, lane_by: str) -> pd.DataFrame:
    """(id, lane, month) of each dated mark the dashboard draws, lanes as the store names them."""
    masks = data.dataset_masks(ds, filters)
    keep = data.combine(masks, len(ds.events))
    if unit == query.EVENTS:
        shown = groups.visible(ds.group_of, keep, len(ds.groups))
        rows = ds.groups[shown & ds.groups["_dated"].to_numpy()]
        ids = rows["event_group"].astype(str)
        lane_of = {"source": "_lane", "actor": "_actor", "event type": "event_type"}[lane_by]
        lane = rows[lane_of].astype(str)
        if lane_by == "source":  # lane names -> the sources they stand for
            lane = lane.map(lambda v: v if v == groups.SEVERAL else ds.lane_sources.get(v, v))
        return pd.DataFrame({"id": ids, "lane": lane, "month": rows["_mi"]})
    rows = ds.events[keep & ds.events["_dated"].to_numpy()]
    if lane_by == "actor":
        lists = [a if len(a) else [query.NO_ACTOR] for a in rows["actors"]]
        lengths = [len(a) for a in lists]
        return pd.DataFrame(
            {
                "id": np.repeat(rows["event_id"].to_numpy(), lengths),
                "lane": [x for a in lists for x in a],
                "month": np.repeat(rows["_mi"].to_numpy(), lengths),
            }
        )
    column = "source" if lane_by == "source" else "event_type"
    return pd.DataFrame({"id": rows["event_id"], "lane": rows[column].astype(str), "month": rows["_mi"]})


@pytest.mark.parametrize("unit", [query.EVENTS, query.REPORTS])
@pytest.mark.parametrize("lane_by", ["source", "actor", "event type"])
def test_timeline_lanes_totals_and_rows(stored, unit: str, lane_by: str) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 4)[:7]:
        ref = _reference_marks(ds, filters, unit, lane_by)
        got = q.timeline(query.QueryFilters.of(filters), unit, lane_by, lane_limit=150, max_points=400)
        assert dict(zip(got.lanes["lane"], got.lanes["n"], strict=True)) == dict(Counter(ref["lane"])), filters
        if len(got.lanes):
            assert (got.lanes["lane"].iloc[0] == query.SEVERAL) or query.SEVERAL not in set(got.lanes["lane"])
        n = dict(zip(got.lanes["lane"], got.lanes["n"], strict=True))
        assert all(n[lane] > 150 for lane in got.dense) or sum(n[k] for k in n if k not in got.dense) <= 400
        assert sum(n[k] for k in n if k not in got.dense) <= 400
        drawn = ref[~ref["lane"].isin(got.dense)]
        id_column = "event_group" if unit == query.EVENTS else "event_id"
        drawn_pairs = Counter(zip(drawn["id"], drawn["lane"], strict=True))
        assert Counter(zip(got.rows[id_column], got.rows["lane"], strict=True)) == drawn_pairs
        assert got.rows["date_start"].is_monotonic_increasing
        if len(got.rows):  # each mark's own fields: the group's consensus, or the report's
            table = ds.groups if unit == query.EVENTS else ds.events
            want = table.drop_duplicates(id_column).set_index(id_column).loc[got.rows[id_column]]
            for column in ("date_start", "event_type", "summary"):
                assert list(got.rows[column]) == list(want[column]), column
            if unit == query.EVENTS:
                assert list(got.rows["n_sources"]) == list(want["n_sources"])
        totals = ref[ref["lane"].isin(got.dense)].groupby(["lane", "month"]).size()
        cells = zip(got.months["lane"], got.months["month"], strict=True)
        assert dict(zip(cells, got.months["n"], strict=True)) == totals.to_dict()


@pytest.mark.parametrize("newest_first", [True, False])
def test_chronology_lists_the_events_the_dashboard_lists(stored, newest_first: bool) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 6)[:8]:
        keep = data.combine(data.dataset_masks(ds, filters), len(ds.events))
        shown = groups.visible(ds.group_of, keep, len(ds.groups))
        want = groups.chronology(ds.groups, shown, newest_first, 40)
        got = q.chronology(query.QueryFilters.of(filters), newest_first, 40)
        assert list(got["event_group"]) == list(want["event_group"]), filters
        assert list(got["n_sources"]) == list(want["sources"])
        assert list(got["summary"]) == list(want["what"])


@pytest.mark.parametrize(
    ("order_by", "descending"), [("date_start", False), ("date_start", True), ("source", False), ("confidence", True)]
)
def test_events_table_pages(stored, order_by: str, descending: bool) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 5)[:6]:
        rows = data.filter_events(ds.events, filters)
        want = rows.sort_values(order_by, ascending=not descending, kind="stable", na_position="last")
        qf = query.QueryFilters.of(filters)
        for offset in (0, 40):
            page = q.page(qf, order_by=order_by, descending=descending, offset=offset, limit=25)
            expected = want.iloc[offset : offset + 25]
            assert list(page["event_id"]) == list(expected["event_id"]), (filters, order_by)
            assert list(page["n_sources"]) == list(expected["_n_sources"])
            assert [list(a) for a in page["actors"]] == [list(a) for a in expected["actors"]]
            same = page["date_start"].isna().to_numpy() == expected["date_start"].isna().to_numpy()
            assert same.all()


def test_report_ids_kept_in_memory_are_the_tables(stored) -> None:  # type: ignore[no-untyped-def]
    q, _ = stored
    backend = q.backend
    rows = backend.run(f"SELECT e.rid, e.event_id, e.doc_id, e.event_group FROM {backend.events_relation()} e", {})
    rids = rows["rid"].to_numpy()[::-7][:300]  # scattered, out of order
    kept = backend.ids(rids)
    if backend.ready_relation() is None:
        assert kept is None  # a database answering in SQL keeps none: they are read
        return
    expected = rows.set_index("rid").loc[rids].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.astype(object), expected.astype(object), check_dtype=False)
    assert backend.ids(np.array([rids[0], rids.max() + 1])) is None  # one not kept: read them all instead


def test_counts_from_one_scan_of_flags_are_the_sql_counts(stored, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    if q.backend.ready_relation() is None:
        assert query_flags.row_flags(q, query.QueryFilters()) is None  # a database answering in SQL: counted in SQL
        return
    cases = [query.QueryFilters.of(f) for f in _cases(ds, seed=23)]
    from_flags = [(q.report_counts(f), q.event_counts(f), q.actor_counts(f)) for f in cases]
    assert all(query_flags.row_flags(q, f) is not None for f in cases[-query_flags.KEEP :])
    monkeypatch.setattr(query_flags, "row_flags", lambda *args: None)  # the SQL path
    assert [(q.report_counts(f), q.event_counts(f), q.actor_counts(f)) for f in cases] == from_flags


def test_flags_of_another_table_than_the_layouts_are_not_used(stored, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    q, _ = stored
    layout = q.backend.layout()
    if layout is None:
        return
    shuffled = replace(layout, gid=layout.gid[::-1].copy())
    monkeypatch.setattr(q.backend, "layout", lambda: shuffled)  # as if the table was made again meanwhile
    assert query_flags.row_flags(q, query.QueryFilters(text="talks")) is None
    assert q.event_counts(query.QueryFilters(text="talks")).shown > 0  # counted in SQL instead


def test_filters_mirror_the_dashboards() -> None:
    assert [f.name for f in query.fields(query.QueryFilters)] == [f.name for f in query.fields(data.Filters)]
    assert query.QueryFilters() == query.QueryFilters.of(data.Filters())
    assert query.SEVERAL == groups.SEVERAL and query.LANE_LIMIT == timeline_chart.LANE_LIMIT
    assert (query.MAX_POINTS, query.MAX_SPANS) == (timeline_chart.MAX_POINTS, timeline_chart.MAX_SPANS)
    assert query.MONTH_DAYS == charts.MONTH_DAYS
    with pytest.raises(ValueError, match="cannot sort"):
        query.open_query(store.open_store("unused-folder")).page(query.QueryFilters(), order_by="x; DROP TABLE events")


def test_an_empty_store_answers_zero(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for location in (str(tmp_path / "none"), f"sqlite:///{tmp_path / 'none.db'}"):
        q = query.open_query(store.open_store(location))
        assert q.report_counts(query.QueryFilters()).matching == 0
        assert q.event_counts(query.QueryFilters()).shown == 0
        assert q.page(query.QueryFilters()).empty


def test_a_folder_held_only_as_csv_answers_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    events, documents, tables = _tables()
    folder = tmp_path / "data"
    store.open_store(str(folder)).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
    q = query.open_query(store.open_store(str(folder)))
    cases = [query.QueryFilters(), query.QueryFilters(actors=("O'Neil",), min_sources=2, include_undated=True)]
    before = [(q.report_counts(f), q.event_counts(f), q.page(f, limit=30)) for f in cases]
    for name in ("events", "plans", "groups"):
        (folder / f"{name}.parquet").unlink()  # an old folder: CSV only
    q = query.open_query(store.open_store(str(folder)))
    for f, (reports, evs, page) in zip(cases, before, strict=True):
        assert q.report_counts(f) == reports
        assert q.event_counts(f) == evs
        assert list(q.page(f, limit=30)["event_id"]) == list(page["event_id"])


def test_a_large_write_refreshes_postgresql_statistics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The store's queries are planned on the tables' statistics: a write that changes many rows refreshes them
    (ANALYZE, inside the write), so a fresh table is not planned as an empty one."""
    import sqlalchemy as sa

    events, documents = synthetic_tables(12_000, seed=3)
    with database("postgresql", tmp_path) as url:
        target = store.open_store(url)
        target.write(events.head(50), documents, {})
        with target.database.engine().connect() as conn:
            reltuples = sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('events')")
            assert conn.execute(reltuples).scalar() < 1  # a small write: not analyzed (-1: never)
        target.write(events, documents, {}, replace_all=True)
        with target.database.engine().connect() as conn:
            assert conn.execute(reltuples).scalar() > 10_000


def test_the_duckdb_copy_follows_the_stores_writes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    events, documents = synthetic_tables(400, seed=9)
    target = store.open_store(f"sqlite:///{tmp_path / 'd.db'}")
    first = documents["doc_id"].isin(events["doc_id"].head(100))
    target.write(events[events["doc_id"].isin(documents.loc[first, "doc_id"])], documents[first], {})
    q = query.open_query(target, "duckdb")
    every = query.QueryFilters(date_from=None, date_to=None, include_hypothetical=True, include_undated=True)
    assert q.count(every) == int(events["doc_id"].isin(documents.loc[first, "doc_id"]).sum())
    target.write(events, documents, {}, replace_all=True)
    assert q.count(every) == len(events)  # the next query reads the new version's copy
