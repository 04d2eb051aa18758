"""The Timeline page over a large store (dashboard/scaled_timeline.py): the same headline, marks, histogram,
chronology and lists as the in-memory page (dashboard/timeline_data.py) for the same filters, on a folder, a
SQLite and a PostgreSQL store; dense lanes as monthly totals with the caption saying so; a mark or a link
opening the event's reports."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, groups, scaled, scaled_timeline, timeline_chart, timeline_data
from dashboard.scaled import QueryView
from dashboard.synthetic import synthetic_groups, synthetic_tables
from extract import store
from extract.store.query import QueryFilters, open_query
from extract.store.query_details import Details
from extract.store.query_timeline import timeline_pass
from tests.databases import database
from tests.test_query import random_filters

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
MODES = [timeline_data.EVENTS, timeline_data.REPORTS]
LANES = ["source", "actor", "event type"]


def _write(location: str, n: int = 1_200) -> None:
    events, documents = synthetic_tables(n, seed=5)
    events, groups_table, key_dates = synthetic_groups(events, documents)
    documents.loc[documents.index[:3], "published"] = pd.NaT  # articles without a publication date
    documents.loc[documents.index[:3], "published_basis"] = "unknown"
    tables = store.CorpusTables(events, documents, {"groups": groups_table, "key_dates": key_dates})
    store.open_store(location).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)


@pytest.fixture(scope="module", params=["files", "sqlite", "postgresql"])
def location(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp(f"tl-{request.param}")
    if request.param == "files":
        _write(str(folder / "data"))
        yield str(folder / "data")
        return
    with database(request.param, folder) as url:
        _write(url)
        yield url


def _ids(figure: go.Figure) -> list[str]:
    return sorted(
        str(i) for trace in figure.data for i in (trace.customdata if trace.customdata is not None else []) if i
    )


def _bars(figure: go.Figure) -> list[tuple[str, list[str], list[float]]]:
    return [(t.name, list(t.x), [round(float(v), 6) for v in t.y]) for t in figure.data]


def _same(memory: timeline_data.TimelineParts, stored: timeline_data.TimelineParts, why: str) -> None:
    for name in ("n_marks", "n_reports", "n_sources", "n_undated", "left_out", "n_chronology", "sources_without_lane"):
        assert getattr(stored, name) == getattr(memory, name), f"{name}: {why}"
    assert _ids(stored.figure) == _ids(memory.figure), why
    meta_m, meta_s = memory.figure.layout.meta, stored.figure.layout.meta
    assert meta_s["aggregated"] == meta_m["aggregated"], why
    assert sorted(meta_s["lanes"]) == sorted(meta_m["lanes"]), why  # ties in size may take another order
    assert _bars(stored.histogram) == _bars(memory.histogram), why
    pd.testing.assert_frame_equal(
        stored.chronology.reset_index(drop=True), memory.chronology.reset_index(drop=True), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        stored.undated.reset_index(drop=True), memory.undated.reset_index(drop=True), check_dtype=False
    )
    docs_m, docs_s = memory.undated_documents, stored.undated_documents
    pd.testing.assert_frame_equal(docs_s.reset_index(drop=True), docs_m.reset_index(drop=True), check_dtype=False)
    assert stored.n_undated_documents == len(docs_m)


def _memory(ds: data.Dataset, filters: data.Filters, mode: str, lane_by: str) -> timeline_data.TimelineParts:
    masks = data.dataset_masks(ds, filters)
    keep = data.combine(masks, len(ds.events))
    lo, hi = ds.date_bounds()
    return timeline_data.timeline_parts(
        ds,
        masks,
        keep,
        mode=mode,
        lane_by=lane_by,
        x_range=(filters.date_from or lo, filters.date_to or hi),
        titles=timeline_data.titles_in(ds),
    )


def _stored(view: QueryView, mode: str, lane_by: str) -> timeline_data.TimelineParts:
    lo, hi = view.summary.date_bounds()
    f = view.filters
    return scaled_timeline.timeline_parts(
        view, mode=mode, lane_by=lane_by, x_range=(f.date_from or lo, f.date_to or hi)
    )


@pytest.mark.parametrize("engine", ["duckdb", "sql"])
def test_scaled_parts_are_the_in_memory_parts(location: str, engine: str) -> None:
    ds, summary = data.load_dataset(location), scaled.load_summary(location)
    query = open_query(store.open_store(location), engine)
    rng = np.random.default_rng(11)
    cases = [data.Filters(), data.Filters(include_hypothetical=True, include_undated=True)]
    cases += [random_filters(rng, ds) for _ in range(5)]
    for i, filters in enumerate(cases):
        view = QueryView(summary, QueryFilters.of(filters), query)
        mode, lane_by = MODES[i % 2], LANES[i % 3]
        _same(_memory(ds, filters, mode, lane_by), _stored(view, mode, lane_by), f"{filters} {mode} {lane_by}")


def test_dense_lanes_are_the_stores_monthly_totals(location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline_chart, "LANE_LIMIT", 40)
    monkeypatch.setattr(timeline_chart, "MAX_POINTS", 150)
    ds, summary = data.load_dataset(location), scaled.load_summary(location)
    filters = data.Filters()
    view = QueryView(summary, QueryFilters.of(filters), scaled.open_view_query(location))
    memory, stored = _memory(ds, filters, timeline_data.EVENTS, "source"), _stored(view, timeline_data.EVENTS, "source")
    _same(memory, stored, "dense lanes")
    dense = stored.figure.layout.meta["aggregated"]
    assert dense and 0 < len(set(_ids(stored.figure))) <= 150
    totals = [t for t in stored.figure.data if t.name == "events per month"]
    assert len(totals) == 1
    memory_totals = next(t for t in memory.figure.data if t.name == "events per month")
    assert sorted(zip(totals[0].base, totals[0].y, strict=True)) == sorted(
        zip(memory_totals.base, memory_totals.y, strict=True)
    )
    assert sorted(totals[0].hovertext) == sorted(memory_totals.hovertext)  # month, count and lane of each cell


@pytest.mark.parametrize("engine", ["duckdb", "sql"])
def test_one_pass_answers_as_the_separate_queries(location: str, engine: str) -> None:
    query = open_query(store.open_store(location), engine)
    filters = QueryFilters(include_hypothetical=True)
    for unit, lane_by in [("events", "source"), ("reports", "actor"), ("events", "event type")]:
        page = timeline_pass(query, filters, unit, lane_by, newest_first=False, chronology_rows=50)
        alone = query.timeline(filters, unit, lane_by)
        pd.testing.assert_frame_equal(page.timeline.lanes, alone.lanes)
        assert page.timeline.dense == alone.dense
        assert sorted(page.timeline.rows["lane"]) == sorted(alone.rows["lane"])
        hist = query.histogram(filters, unit)
        (grid, counts, spread), expected = page.histogram.per_month(), hist.per_month()
        assert grid.tolist() == expected[0].tolist() and counts.tolist() == expected[1].tolist()
        assert np.allclose(spread, expected[2])  # the same shares, summed in another order
        if unit == "events":
            assert page.chronology is not None
            expected = query.chronology(filters, newest_first=False, limit=50)
            assert list(page.chronology["event_group"]) == list(expected["event_group"])


def test_details_read_an_events_reports(location: str) -> None:
    ds = data.load_dataset(location)
    details = Details(open_query(store.open_store(location)))
    several = ds.groups[ds.groups["_n_reports"].to_numpy() > 1]["event_group"].iloc[0]
    own = next(k for k in ds.groups["event_group"] if str(k).startswith(groups.OWN_GROUP))
    for key in (several, own):
        expected = groups.members(ds.events, ds.group_of, ds.groups, key)
        found = details.members([key])
        assert sorted(found["event_id"]) == sorted(expected["event_id"]), key
    assert details.members(["no-such-group", "~no-such-event"]).empty
    ids = list(ds.events["event_id"].astype(str)[:40])
    filters = data.Filters(event_types=("military",))
    keep = data.combine(data.dataset_masks(ds, filters), len(ds.events))[:40]
    assert details.passing(QueryFilters.of(filters), ids) == {i for i, k in zip(ids, keep, strict=True) if k}


# ---------------------------------------------------------------------------------------------- the page (AppTest)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    where = str(tmp_path_factory.mktemp("tl-app") / "data")
    _write(where, 900)
    return where


def _run(
    folder: str, monkeypatch: pytest.MonkeyPatch, scaled_mode: bool, query: dict | None = None, pick=None
) -> AppTest:
    monkeypatch.setenv("DATELINE_DATA", folder)
    if scaled_mode:
        monkeypatch.setenv("DATELINE_QUERY_ROWS", "0")
    else:
        monkeypatch.delenv("DATELINE_QUERY_ROWS", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    if query:
        at.query_params.update(query)
    if pick:
        at.session_state["_tl_pick"] = pick
    at.run()
    assert not at.exception, at.exception
    return at


def _drawn(at: AppTest) -> set[str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {i for trace in spec["data"] for i in trace.get("customdata") or [] if i}


def _page(at: AppTest) -> tuple[set[str], str, list[str], list[pd.DataFrame]]:
    return _drawn(at), at.markdown[0].value, [c.value for c in at.caption], [d.value for d in at.dataframe]


def test_the_page_reads_the_same_with_and_without_queries(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = []
    for scaled_mode in (False, True):
        at = _run(folder, monkeypatch, scaled_mode)
        first = _page(at)
        at.multiselect(key="f_types").set_value(["military", "diplomacy"]).run()
        at.segmented_control(key="tl_lanes").set_value("actor").run()
        second = _page(at)
        at.segmented_control(key="tl_mode").set_value(timeline_data.REPORTS).run()
        assert not at.exception
        pages.append((first, second, _page(at)))
    for memory, stored in zip(*pages, strict=True):
        assert stored[0] == memory[0] and stored[0]
        assert stored[1] == memory[1]
        assert stored[2] == memory[2]
        for a, b in zip(stored[3], memory[3], strict=True):
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
    assert "3 articles have no publication date" in " ".join(pages[1][0][2])


def test_the_timeline_is_begun_while_the_sidebar_counts_with_the_pages_choices(
    folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str, tuple]] = []
    real = scaled_timeline.compute_parts

    def spy(view, **chosen):  # type: ignore[no-untyped-def]
        made.append((threading.current_thread().name, tuple(sorted(chosen.items()))))
        return real(view, **chosen)

    monkeypatch.setattr(scaled_timeline, "compute_parts", spy)
    at = _run(folder, monkeypatch, True)
    changes = [
        lambda: at.multiselect(key="f_types").set_value(["military"]),
        lambda: at.segmented_control(key="tl_lanes").set_value("actor"),
        lambda: at.segmented_control(key="tl_mode").set_value(timeline_data.REPORTS),
        lambda: at.segmented_control(key="tl_order").set_value(timeline_data.ORDERS[1]),
        lambda: at.date_input(key="f_from").set_value(dt.date(2025, 1, 1)),
    ]
    for change in changes:
        before = len(made)
        change().run()
        assert not at.exception, at.exception
        # made once per rerun, in the thread begun before the sidebar's counts: the page asked for the same
        # choices (a wrong guess would be made again in the script's thread)
        assert [name.startswith("dateline-timeline-ahead") for name, _ in made[before:]] == [True]
    before = len(made)
    at.switch_page("views/sources.py").run()
    assert not at.exception and len(made) == before  # another page begins nothing


def test_dense_lanes_say_so_on_the_page(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline_chart, "LANE_LIMIT", 20)
    at = _run(folder, monkeypatch, True)
    caption = " ".join(c.value for c in at.caption)
    assert "they are drawn as grey monthly totals. Narrow the filters to see single events." in caption
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("name") == "events per month" for t in spec["data"])
    assert spec["layout"]["meta"]["aggregated"]
    memory = _run(folder, monkeypatch, False)
    assert _drawn(memory) == _drawn(at)


def _panel(at: AppTest) -> tuple[list[str], str]:
    return [s.value for s in at.subheader], " ".join(m.value for m in at.markdown[1:])


def test_a_mark_or_a_link_opens_the_events_reports(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = data.load_dataset(folder)
    key = str(ds.groups[(ds.groups["_n_reports"] > 2) & ds.groups["_dated"]]["event_group"].iloc[0])
    pick = {"where": "chart", "ids": [key], "mode": timeline_data.EVENTS}
    stored = _run(folder, monkeypatch, True, pick=pick)
    memory = _run(folder, monkeypatch, False, pick=pick)
    assert "Selected event" in _panel(stored)[0]
    assert _panel(stored) == _panel(memory)
    assert stored.query_params["event"] == key
    reports = groups.members(ds.events, ds.group_of, ds.groups, key)
    assert all(f"**{source}**" in _panel(stored)[1] for source in reports["source"])
    linked = _run(folder, monkeypatch, True, query={"event": key})
    assert _panel(linked) == _panel(stored)
    gone = _run(folder, monkeypatch, True, query={"event": "no-such-group"})
    assert "Selected event" not in _panel(gone)[0]
    assert "not in the store" in gone.info[0].value


def test_a_picked_report_opens_its_details(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = data.load_dataset(folder)
    ids = list(ds.events[ds.events["_dated"] & ~ds.events["_hypothetical"]]["event_id"].astype(str)[:2])
    pick = {"where": "chart", "ids": ids, "mode": timeline_data.REPORTS}
    pages = []
    for scaled_mode in (True, False):
        monkeypatch.setenv("DATELINE_DATA", folder)
        at = _run(folder, monkeypatch, scaled_mode)
        at.segmented_control(key="tl_mode").set_value(timeline_data.REPORTS).run()
        at.session_state["_tl_pick"] = pick
        at.run()
        assert not at.exception
        pages.append(_panel(at))
    assert pages[0] == pages[1]
    assert any(s.startswith("2 selected reports") or s.startswith("1 selected report") for s in pages[0][0])


def test_x_range_outside_the_data_draws_nothing(location: str) -> None:
    summary = scaled.load_summary(location)
    view = QueryView(
        summary,
        QueryFilters(date_from=dt.date(1990, 1, 1), date_to=dt.date(1990, 12, 31)),
        scaled.open_view_query(location),
    )
    parts = scaled_timeline.timeline_parts(view, x_range=(dt.date(1990, 1, 1), dt.date(1990, 12, 31)))
    assert parts.n_marks == 0 and not _ids(parts.figure)
    assert parts.chronology.empty


def test_the_fixture_store_without_groups_reads_the_same(data_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/conftest.py's small store (no groups table: every event is an event of its own)."""
    pages = []
    for scaled_mode in (False, True):
        at = _run(str(data_folder), monkeypatch, scaled_mode)
        first = _page(at)
        at.segmented_control(key="tl_mode").set_value(timeline_data.REPORTS).run()
        assert not at.exception
        pages.append((first, _page(at)))
    for memory, stored in zip(*pages, strict=True):
        assert stored[0] == memory[0] and stored[0]
        assert stored[1:3] == memory[1:3]
        for a, b in zip(stored[3], memory[3], strict=True):
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
