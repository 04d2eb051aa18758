"""Scaled mode (dashboard/scaled.py): a large store's Summary and QueryView say what the loaded Dataset and
View say of the same store: the sidebar's facts, the counts, what the filters leave out, the empty message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, scaled, sidebar
from dashboard.synthetic import synthetic_groups, synthetic_tables
from extract import store
from tests.databases import database
from tests.test_query import random_filters

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def _write(location: str, n: int = 1_500) -> None:
    events, documents = synthetic_tables(n, seed=3)
    events, groups, key_dates = synthetic_groups(events, documents)
    tables = store.CorpusTables(events, documents, {"groups": groups, "key_dates": key_dates})
    store.open_store(location).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)


@pytest.fixture(scope="module", params=["files", "sqlite", "postgresql"])
def location(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp(f"scaled-{request.param}")
    if request.param == "files":
        _write(str(folder / "data"))
        yield str(folder / "data")
        return
    with database(request.param, folder) as url:
        _write(url)
        yield url


def test_summary_gives_the_sidebar_the_datasets_facts(location: str) -> None:
    ds, summary = data.load_dataset(location), scaled.load_summary(location)
    assert summary.problem is None and summary.n_events == len(ds.events) > 0
    for name in ("n_undated", "n_hypothetical", "has_groups", "n_conflicts", "most_sources"):
        assert getattr(summary, name) == getattr(ds, name), name
    assert summary.n_undated > 0 and summary.n_hypothetical > 0 and summary.n_conflicts > 0
    assert summary.date_bounds() == ds.date_bounds()
    assert summary.n_documents == len(ds.documents)
    for facet in ("sources", "event_types", "granularities", "date_bases", "actors"):
        assert summary.all_counts[facet] == {k: v for k, v in ds.all_counts[facet].items() if v}, facet
        assert set(summary.options(facet)) == set(ds.options(facet)), facet
    assert summary.source_lanes == ds.source_lanes
    assert summary.title_lanes == ds.title_lanes


def test_summary_gives_reports_their_lane_and_why_undated_as_the_loaded_dataset(location: str) -> None:
    ds, summary = data.load_dataset(location), scaled.load_summary(location)
    undated = ds.events[~ds.events["_dated"]]
    picked = pd.concat([ds.events.iloc[:40], undated.iloc[:40]], ignore_index=True)
    assert len(undated) and picked["_why_undated"].ne("").any()
    bare = picked.drop(columns=["_lane", "_why_undated"])
    bare.loc[0, "doc_id"] = "not-a-stored-article"  # an article the store does not hold: no publication date
    mine = summary.with_documents(bare)
    theirs = data.with_documents(bare, ds.documents)
    assert mine["_lane"].tolist() == picked["_lane"].tolist()
    assert mine["_why_undated"].tolist() == theirs["_why_undated"].tolist()


def test_query_view_counts_as_the_loaded_view(location: str) -> None:
    ds, summary = data.load_dataset(location), scaled.load_summary(location)
    rng = np.random.default_rng(8)
    query = scaled.open_view_query(location)
    cases = [data.Filters(), data.Filters(text="zz-nothing-matches"), *(random_filters(rng, ds) for _ in range(8))]
    for filters in cases:
        masks = data.dataset_masks(ds, filters)
        loaded = sidebar.View(ds, filters, masks, data.combine(masks, len(ds.events)))
        queried = scaled.QueryView(summary, filters, query)
        assert queried.count == loaded.count, filters
        assert queried.total == loaded.total
        assert queried.left_out == loaded.left_out, filters
        assert queried.left_out_text() == loaded.left_out_text()
        if not loaded.count:
            assert queried.empty_message() == loaded.empty_message(), filters


def test_threshold_from_the_environment() -> None:
    assert scaled.query_threshold({"DATELINE_QUERY_ROWS": "0"}) == 0
    assert scaled.query_threshold({"DATELINE_QUERY_ROWS": "1234"}) == 1234
    assert scaled.query_threshold({"DATELINE_QUERY_ROWS": "lots"}) == scaled.QUERY_ROWS
    assert scaled.query_threshold({"DATELINE_QUERY_ROWS": "-5"}) == 0


def test_use_queries_by_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = str(tmp_path / "data")
    _write(where, 300)
    monkeypatch.setenv("DATELINE_QUERY_ROWS", "301")
    assert not scaled.use_queries(where)
    monkeypatch.setenv("DATELINE_QUERY_ROWS", "300")
    assert scaled.use_queries(where)
    monkeypatch.setenv("DATELINE_QUERY_ROWS", "0")
    assert not scaled.use_queries(str(tmp_path / "nothing" / "there"))  # nothing stored: loaded (and explained)


def _sidebar(at: AppTest) -> tuple[str, str]:
    head = next(m.value for m in at.sidebar.markdown if "events match" in m.value)
    caption = next(c.value for c in at.sidebar.caption if c.value.startswith("Data:"))
    return head, caption


def test_the_sidebar_reads_the_same_in_both_modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = str(tmp_path / "data")
    _write(where, 800)
    monkeypatch.setenv("DATELINE_DATA", where)
    seen = []
    for rows in ("1000000", "0"):
        monkeypatch.setenv("DATELINE_QUERY_ROWS", rows)
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.sidebar.text_input(key=sidebar.KEYS["text"]).set_value("talks").run()
        options = [tuple(m.options) for m in at.sidebar.multiselect]
        seen.append((_sidebar(at), options, at.sidebar.toggle[0].label))
    assert seen[0] == seen[1]
    assert "800 events" in seen[0][0][1]
    assert pd.Series(seen[0][1][0]).str.match(r".+ \(\d[\d,]*\)$").all()  # options carry whole-table counts
