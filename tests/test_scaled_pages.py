"""The Events table, Sources and Key dates pages over a store answered by queries (DATELINE_QUERY_ROWS=0, the scaled
mode of dashboard/scaled.py) show what they show over the same store loaded whole: the same rows, counts, a
document's events, a day's events, and downloads with the same bytes. On a folder (DuckDB over its Parquet files)
and on SQLite (through its DuckDB copy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard import scaled_sources
from dashboard.synthetic import synthetic_groups, synthetic_tables
from extract import store
from extract.store.team import LOCAL
from tests.databases import database

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
N_EVENTS, N_DOCS = 1_400, 120


@pytest.fixture(scope="module", params=["files", "sqlite"])
def location(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A small synthetic store (groups and key dates as a corpus step makes them)."""
    folder = tmp_path_factory.mktemp(request.param)
    events, documents = synthetic_tables(N_EVENTS, seed=4, n_docs=N_DOCS)
    events, group_table, key_dates = synthetic_groups(events, documents)
    tables = store.CorpusTables(events, documents, {"groups": group_table, "key_dates": key_dates})
    if request.param == "files":
        where = str(folder / "data")
        store.open_store(where).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        yield where
        return
    with database("sqlite", folder) as url:
        store.open_store(url).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        yield url


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes | Callable[[], bytes]]:
    """What st.download_button was handed, by file name: bytes, or the callable that makes them when pressed."""
    captured: dict[str, bytes | Callable[[], bytes]] = {}
    original, deferred = MemoryMediaFileStorage.load_and_get_id, MediaFileManager.add_deferred

    def capture(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename and isinstance(path_or_data, bytes):
            captured[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def capture_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):  # type: ignore[no-untyped-def]
        if file_name:
            captured[file_name] = data_callable
        return deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    monkeypatch.setattr(MediaFileManager, "add_deferred", capture_deferred)
    return captured


def run(
    monkeypatch: pytest.MonkeyPatch,
    location: str,
    scaled: bool,
    page: str,
    query: dict[str, str] | None = None,
    state: dict[str, object] | None = None,
) -> AppTest:
    """The page over the store, loaded whole or answered by queries."""
    monkeypatch.setenv("DATELINE_DATA", location)
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    if scaled:
        monkeypatch.setenv("DATELINE_QUERY_ROWS", "0")
    else:
        monkeypatch.delenv("DATELINE_QUERY_ROWS", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    at.run()  # the default page first: pages are known after one run
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["_dateline_view"].scaled is scaled
    return at


def both(monkeypatch: pytest.MonkeyPatch, location: str, page: str, **kw: object) -> tuple[AppTest, AppTest]:
    return run(monkeypatch, location, False, page, **kw), run(monkeypatch, location, True, page, **kw)  # type: ignore[arg-type]


TABLE = ["event_id", "summary", "_when_key", "source", "_n_sources", "_agreement", "event_group", "doc_id"]


@pytest.mark.parametrize("order", ["Date (newest first)", "Most sources first", "Source"])
def test_the_events_table_shows_the_same_rows(monkeypatch, location, order: str) -> None:  # type: ignore[no-untyped-def]
    loaded, scaled = both(monkeypatch, location, "views/events.py", state={"ev_sort": order})
    want, got = loaded.dataframe[0].value, scaled.dataframe[0].value
    assert len(got) == 100 < len(want)
    pd.testing.assert_frame_equal(
        got[TABLE].reset_index(drop=True), want[TABLE].head(100).reset_index(drop=True), check_dtype=False
    )
    count = loaded.caption[0].value.split(" events")[0]
    assert scaled.caption[0].value.startswith(count)
    assert any(f"Rows 1–100 of {count}" in m.value for m in scaled.markdown)
    second = run(monkeypatch, location, True, "views/events.py", state={"ev_sort": order, "ev_page": 2})
    page_two = second.dataframe[0].value
    assert list(page_two["event_id"]) == list(want["event_id"].iloc[100:200])


def test_downloads_hold_every_matching_row_as_the_loaded_ones(monkeypatch, location, downloads) -> None:  # type: ignore[no-untyped-def]
    run(monkeypatch, location, False, "views/events.py")
    loaded = dict(downloads)
    downloads.clear()
    run(monkeypatch, location, True, "views/events.py")
    assert set(loaded) == set(downloads) == {"dateline-events.csv", "dateline-events.json", "dateline-timelinejs.json"}
    for name, want in loaded.items():
        made = downloads[name]
        assert callable(made), "built only when pressed"
        assert made() == want, name
    assert loaded["dateline-events.csv"].count(b"\r\n") > 500


def test_a_selected_row_is_read_in_detail(monkeypatch, location) -> None:  # type: ignore[no-untyped-def]
    at = run(monkeypatch, location, True, "views/events.py")
    first = at.dataframe[0].value.iloc[0]
    at.session_state["ev_table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception
    assert any(s.value == "1 selected row" for s in at.subheader)
    assert any(str(first["summary"]).split(" (")[0] in m.value for m in at.markdown)


def _overview(at: AppTest) -> pd.DataFrame:
    table = at.dataframe[0].value
    return table.sort_values("source").reset_index(drop=True)


def test_the_sources_overview_counts_the_same(monkeypatch, location) -> None:  # type: ignore[no-untyped-def]
    loaded, scaled = both(monkeypatch, location, "views/sources.py")
    pd.testing.assert_frame_equal(_overview(scaled), _overview(loaded), check_dtype=False)
    assert scaled.caption[1].value == loaded.caption[1].value  # "N sources, N documents and N events match"
    want, got = loaded.dataframe[1].value, scaled.dataframe[1].value  # where sources meet
    key = ["month", "actor"]
    assert len(got) == len(want) > 0
    merged = got.merge(want, on=key, suffixes=("", "_want"))
    assert len(merged) == len(want)
    assert list(merged["sources"]) == list(merged["sources_want"])
    assert [f.key for f in scaled.get("plotly_chart")] == [f.key for f in loaded.get("plotly_chart")]


def test_a_document_shows_the_same_events(monkeypatch, location) -> None:  # type: ignore[no-untyped-def]
    doc = str(store.open_store(location).read_documents()["doc_id"].iloc[7])
    loaded, scaled = both(monkeypatch, location, "views/sources.py", query={"doc": doc})
    assert scaled.session_state["src_doc"] == doc
    got, want = (at.dataframe[0].value.reset_index(drop=True) for at in (scaled, loaded))
    assert len(want) > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    said = [c.value for c in loaded.caption if "of this document's" in c.value]
    assert said and said == [c.value for c in scaled.caption if "of this document's" in c.value]
    assert [m.value for m in scaled.title] == [m.value for m in loaded.title]
    assert [h.value for h in scaled.get("html")] == [h.value for h in loaded.get("html")]  # the highlighted text


def test_the_document_search_offers_few_documents(monkeypatch, location) -> None:  # type: ignore[no-untyped-def]
    documents = store.open_store(location).read_documents()
    word = str(documents["title"].iloc[3]).split()[0].lower()
    for scaled in (False, True):
        at = run(monkeypatch, location, scaled, "views/sources.py", state={"src_find": word})
        options = at.selectbox(key="src_doc").options
        rows = scaled_sources.matching_documents(documents, word)
        assert 1 < len(options) == min(len(rows), scaled_sources.MAX_DOC_OPTIONS) + 1
        at.text_input(key="src_find").set_value("").run()
        assert len(at.selectbox(key="src_doc").options) == min(len(documents), scaled_sources.MAX_DOC_OPTIONS) + 1


def test_a_key_date_lists_the_same_events(monkeypatch, location) -> None:  # type: ignore[no-untyped-def]
    days = store.open_store(location).read_table("key_dates")
    day = f"{pd.Timestamp(days.sort_values('rank')['date'].iloc[0]):%Y-%m-%d}"
    loaded, scaled = both(monkeypatch, location, "views/key_dates.py", query={"day": day})
    assert [s.value for s in scaled.subheader] == [s.value for s in loaded.subheader]
    assert len(scaled.dataframe[0].value) == len(loaded.dataframe[0].value)
    heads = [m.value for m in loaded.markdown if m.value.startswith("#### ")]
    assert heads and heads == [m.value for m in scaled.markdown if m.value.startswith("#### ")]
    assert [c.value for c in scaled.caption] == [c.value for c in loaded.caption]


@pytest.mark.parametrize("page", ["views/add.py", "views/history.py", "views/users.py"])
def test_the_other_pages_work_over_queries(monkeypatch, location, page: str) -> None:  # type: ignore[no-untyped-def]
    loaded, scaled = both(monkeypatch, location, page)
    assert [c.value for c in scaled.caption] == [c.value for c in loaded.caption]


def test_a_selected_row_is_corrected_over_queries(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database store over queries: the selected row's Edit form saves a correction, and the row then reads as
    corrected (its form and mark), from a dataset of its own article and event only."""
    events, documents = synthetic_tables(600, seed=5, n_docs=60)
    events, group_table, key_dates = synthetic_groups(events, documents)
    tables = store.CorpusTables(events, documents, {"groups": group_table, "key_dates": key_dates})
    with database("sqlite", tmp_path) as url:
        target = store.open_store(url)
        target.write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        at = run(monkeypatch, url, True, "views/events.py")
        eid = str(at.dataframe[0].value.iloc[0]["event_id"])
        at.session_state["ev_table"] = {"selection": {"rows": [0], "columns": []}}
        at.run()
        assert not at.exception and "Correct the selected rows" in [s.value for s in at.subheader]
        key = f"fix-ev-{eid}"
        at.text_area(key=f"{key}-summary").set_value("Talks resumed in Geneva")
        at.button(key=f"FormSubmitter:{key}-Save correction").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        corrections, _ = target.corrections().read_fixes()
        assert len(corrections) == 1 and corrections["changes"].iloc[0]["summary"] == "Talks resumed in Geneva"
        at.session_state["ev_table"] = {"selection": {"rows": [0], "columns": []}}
        at.run()
        assert any(m.value.startswith("**Talks resumed in Geneva**") for m in at.markdown)
        assert any("corrected by" in m.value for m in at.markdown)
        assert any(b.label == "Undo this correction" for b in at.button)


def test_an_event_added_by_hand_is_shown_once_and_opens_once(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Over queries the table reads the copy with the corrections laid over it: an event added by hand is one row,
    and its Edit form (made from the rows as extracted, then corrected) is drawn once."""
    events, documents = synthetic_tables(600, seed=5, n_docs=60)
    events, group_table, key_dates = synthetic_groups(events, documents)
    tables = store.CorpusTables(events, documents, {"groups": group_table, "key_dates": key_dates})
    with database("sqlite", tmp_path) as url:
        target = store.open_store(url)
        target.write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        fields = {"source": "Hand Desk", "summary": "Zqxhand summit held", "date_start": "2024-05-02"}
        eid = target.corrections().add_event(LOCAL, fields)
        monkeypatch.setenv("DATELINE_QUERY_ROWS", "0")
        at = run(monkeypatch, url, True, "views/events.py")
        at.text_input(key="f_text").input("zqxhand").run()
        table = at.dataframe[0].value
        assert list(table["event_id"]) == [eid]
        at.session_state["ev_table"] = {"selection": {"rows": [0], "columns": []}}
        at.run()
        assert not at.exception, at.exception
        assert sum("Zqxhand summit held" in m.value for m in at.markdown if m.value.startswith("**")) >= 1
