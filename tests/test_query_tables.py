"""The pages' store-side tables (extract/store/query_tables.py) against the dashboard's pandas code over the loaded
tables: the events table in every order and its downloads, the sources compared, a document's events, a day's
events, an event's reports, where sources meet; on files (DuckDB), SQLite, PostgreSQL and a database's DuckDB copy.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import data, export, groups
from dashboard.scaled_pages import SORTS, STORE_SORTS
from dashboard.scaled_sources import loaded_day_events
from extract import store
from extract.store import query
from extract.store import query_tables as qt
from tests.test_query import _cases, _store, _tables


@pytest.fixture(scope="module", params=["files", "sqlite", "postgresql", "sqlite+duckdb"])
def stored(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """(Query, reference Dataset) over one store holding tests/test_query.py's synthetic tables."""
    folder = tmp_path_factory.mktemp(request.param.replace("+", "-"))
    events, documents, tables = _tables()
    with _store(request.param, folder) as location:
        target = store.open_store(location)
        target.write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        (ev, docs, group_table, key_dates, version), _ = data.read_tables(target)
        ds = data.build_dataset(ev, docs, location, version, None, group_table, key_dates)
        engine = "duckdb" if request.param.endswith("+duckdb") else "sql"
        yield query.open_query(target, engine), ds


def _keep(ds: data.Dataset, filters: data.Filters):  # type: ignore[no-untyped-def]
    return data.combine(data.dataset_masks(ds, filters), len(ds.events))


@pytest.mark.parametrize("label", list(SORTS))
def test_pages_in_every_order_match_the_loaded_table(stored, label: str) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    by, ascending = SORTS[label]
    for filters in _cases(ds, 7)[:6]:
        keep = _keep(ds, filters)
        keys = ds.events.loc[keep, by]
        order = keys.sort_values(by, ascending=ascending, na_position="last", kind="stable").index
        want = ds.events.loc[order]
        for offset in (0, 30):
            got = qt.ordered_rows(q, query.QueryFilters.of(filters), STORE_SORTS[label], offset=offset, limit=20)
            expected = want.iloc[offset : offset + 20]
            assert list(got["event_id"]) == list(expected["event_id"]), (label, filters)
            assert list(got["n_sources"]) == list(expected["_n_sources"])
            agreement = ds.groups["date_agreement"].to_numpy()[ds.group_of[expected.index.to_numpy()]]
            assert list(got["date_agreement"]) == list(agreement)
            assert list(got["event_key"]) == list(ds.groups["event_group"].to_numpy()[ds.group_of[expected.index]])


def _same_frames(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got, want = export.export_frame(got), export.export_frame(want)
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)


def test_export_chunks_hold_every_row_as_the_loaded_download(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    label = "Most sources first"
    by, ascending = SORTS[label]
    for filters in _cases(ds, 8)[:4]:
        keep = _keep(ds, filters)
        order = ds.events.loc[keep, by].sort_values(by, ascending=ascending, na_position="last", kind="stable").index
        want = export.with_context(ds.events.loc[order], ds.group_of, ds.groups, ds.documents)
        chunks = list(qt.export_chunks(q, query.QueryFilters.of(filters), STORE_SORTS[label], chunk=300))
        assert len(chunks) == -(-len(want) // 300)
        got = pd.concat([export.context_of_rows(c, ds.documents) for c in chunks], ignore_index=True)
        _same_frames(got, want)
        pieces = [export.context_of_rows(c, ds.documents) for c in chunks]
        assert export.chunked_csv(iter(pieces)) == export.to_csv_bytes(want)
        assert export.chunked_json(iter(pieces)) == export.to_json_bytes(want)
        assert export.chunked_timelinejs(iter(pieces)) == export.to_timelinejs_bytes(want)


def test_source_stats_and_periods_match_the_overview(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 9)[:8]:
        events = ds.events[_keep(ds, filters)]
        qf = query.QueryFilters.of(filters)
        got, n_docs = qt.source_stats(q, qf)
        assert n_docs == events["doc_id"].nunique()
        want = events.groupby("source").agg(
            events=("event_id", "size"),
            documents=("doc_id", "nunique"),
            first=("date_start", "min"),
            last=("date_end", "max"),
        )
        assert len(got) == len(want)
        assert list(got["events"]) == sorted(want["events"], reverse=True)
        mine = got.set_index("source").loc[want.index]
        assert list(mine["events"]) == list(want["events"]) and list(mine["documents"]) == list(want["documents"])
        assert mine["first"].equals(want["first"].astype("datetime64[ns]"))
        assert mine["last"].equals(want["last"].astype("datetime64[ns]"))
        dated = events[events["_dated"]]
        years = qt.source_periods(q, qf, "year", top=5)
        counts = dated["source"].value_counts()
        assert set(years["source"]) <= set(counts.index) and years["source"].nunique() == min(5, len(counts))
        if len(counts) > 5:
            assert counts[list(set(years["source"]))].min() >= counts.iloc[5]
        part = dated[dated["source"].isin(set(years["source"]))]
        assert years.set_index(["source", "year"])["n"].to_dict() == part.groupby(["source", "_year"]).size().to_dict()
        months = qt.source_periods(q, qf, "month", top=5)
        assert (
            months.set_index(["source", "month"])["n"].to_dict() == part.groupby(["source", "_month"]).size().to_dict()
        )


def test_a_documents_events_and_which_pass(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    doc_ids = list(ds.events["doc_id"].astype(str).drop_duplicates().iloc[::97][:5])
    for filters in _cases(ds, 10)[:5]:
        keep = _keep(ds, filters)
        for doc in doc_ids:
            in_doc = (ds.events["doc_id"].astype(str) == doc).to_numpy()
            got = qt.document_rows(q, doc, query.QueryFilters.of(filters))
            assert list(got["event_id"]) == list(ds.events.loc[in_doc, "event_id"])
            assert list(got["passes"]) == list(keep[in_doc])
    assert qt.document_rows(q, "no such document", query.QueryFilters()).empty


def test_a_days_events_as_the_key_dates_page_lists_them(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    days = [*pd.to_datetime(ds.key_dates["date"]).iloc[:6], pd.Timestamp("1999-01-01")]
    for filters in _cases(ds, 11)[:4]:
        keep = _keep(ds, filters)
        shown = groups.visible(ds.group_of, keep, len(ds.groups))
        for day in days:
            rows = loaded_day_events(ds, day)
            got = qt.day_groups(q, day.date(), query.QueryFilters.of(filters))
            assert list(got["key"]) == list(ds.groups["event_group"].to_numpy()[rows]), day
            assert list(got["visible"]) == list(shown[rows])
            assert list(got["n_sources"]) == list(ds.groups["n_sources"].to_numpy()[rows])


def test_an_events_reports_and_rows_by_id(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    keys = list(ds.groups.sort_values("n_sources", ascending=False)["event_group"].iloc[:4])
    keys.append(str(ds.groups.loc[ds.groups["event_group"].str.startswith(groups.OWN_GROUP), "event_group"].iloc[0]))
    filters = data.Filters(include_undated=True)
    members, table = qt.group_members(q, keys, query.QueryFilters.of(filters))
    keep = _keep(ds, filters)
    want = ds.events[pd.Series(ds.groups["event_group"].to_numpy()[ds.group_of]).isin(keys).to_numpy()]
    assert list(members["event_id"]) == list(want["event_id"])
    assert list(members["passes"]) == list(keep[want.index.to_numpy()])
    assert set(table["event_group"]) == {k for k in keys if not k.startswith(groups.OWN_GROUP)}
    ids = list(want["event_id"].iloc[::-1])
    assert list(qt.rows_by_id(q, ids)["event_id"]) == list(want["event_id"])


def test_where_sources_meet_matches_the_agreements_table(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 12)[:6]:
        want = data.agreements(ds.events[_keep(ds, filters)], max_rows=10_000)
        got = qt.agreements(q, query.QueryFilters.of(filters), max_rows=10_000)
        assert len(got) == len(want), filters
        key = ["month", "actor"]
        merged = got.merge(want, on=key, suffixes=("", "_want"))
        assert len(merged) == len(want)
        for column in ("n_sources", "n_events", "sources", "event_types", "kinds"):
            assert list(merged[column]) == list(merged[f"{column}_want"]), column
        qf = query.QueryFilters.of(filters)
        for row in merged.head(8).itertuples(index=False):
            assert qt.agreement_events(q, qf, row.month, row.actor) == list(row.event_ids)
        ranks = list(zip(got["n_sources"], got["n_events"], got["month"], strict=True))
        assert ranks == sorted(ranks, key=lambda r: (-r[0], -r[1], -r[2].value))
        top = qt.agreements(q, query.QueryFilters.of(filters), max_rows=5)
        assert list(top["actor"]) == list(got["actor"].iloc[:5])


def test_the_sources_overview_counts_once_what_the_parts_count(stored) -> None:  # type: ignore[no-untyped-def]
    q, ds = stored
    for filters in _cases(ds, 13)[:5]:
        qf = query.QueryFilters.of(filters)
        got = qt.sources_overview(q, qf, top=5, max_rows=50)
        stats, n_docs = qt.source_stats(q, qf)
        pd.testing.assert_frame_equal(got.stats, stats)
        assert got.n_documents == n_docs == ds.events.loc[_keep(ds, filters), "doc_id"].nunique()
        pd.testing.assert_frame_equal(got.months, qt.source_periods(q, qf, "month", top=5))
        pd.testing.assert_frame_equal(qt.by_year(got.months), qt.source_periods(q, qf, "year", top=5))
        pd.testing.assert_frame_equal(got.agreements, qt.agreements(q, qf, max_rows=50))
