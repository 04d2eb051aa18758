"""A database store queried through its DuckDB copy (extract/store/query_mirror.py): after corrections of every
kind the copy answers as the pandas dataset built from the corrected tables does, on SQLite and PostgreSQL; the
copy is saved to the cache folder and attached again by a restarted process; a correction is laid over it
without a new copy; a data write brings a new copy and removes the old file."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dashboard import charts, corrected, data, groups
from dashboard.synthetic import synthetic_groups, synthetic_tables
from extract.store import CorpusTables, open_store, query, query_mirror
from extract.store.corrections import SPLIT, document_locator, event_locator
from extract.store.sql_corrections import Corrections
from extract.store.sql_rows import parse_list
from extract.store.team import LOCAL
from tests.databases import database
from tests.test_query import _cases, _figure_bars, _nonzero, _reference_marks, _store_bars

N_EVENTS = 1500
EVERY = query.QueryFilters(date_from=None, date_to=None, include_hypothetical=True, include_undated=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(query_mirror.CACHE_ENV, str(tmp_path / "cache"))
    with database(request.param, tmp_path) as found:
        events, documents = synthetic_tables(N_EVENTS, seed=11)
        events, group_table, key_dates = synthetic_groups(events, documents, seed=11)
        tables = CorpusTables(events, documents, {"groups": group_table, "key_dates": key_dates})
        open_store(found).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        query_mirror.forget()
        yield found
        query_mirror.wait_saved()
        query_mirror.forget()


def fixes_of(url: str) -> Corrections:
    found = open_store(url).corrections()  # type: ignore[attr-defined]
    assert isinstance(found, Corrections)
    return found


def assert_answers(q: query.Query, ds: data.Dataset, seed: int = 1, rounds: int = 8) -> None:
    """The copy's answers equal the dataset's (tests/test_query.py's comparisons, on fewer filters)."""
    cases = _cases(ds, seed)[:rounds]
    for filters in cases:
        qf = query.QueryFilters.of(filters)
        masks = data.dataset_masks(ds, filters)
        keep = data.combine(masks, len(ds.events))
        got = q.report_counts(qf)
        assert got.matching == int(keep.sum()), filters
        assert got.left_out == data.left_out(ds.events, masks), filters
        want = data.facet_counts(ds, filters, masks)
        assert {k: _nonzero(v) for k, v in got.facets.items()} == {k: _nonzero(v) for k, v in want.items()}, filters
        shown = groups.visible(ds.group_of, keep, len(ds.groups))
        events = q.event_counts(qf)
        assert events.shown == int(shown.sum()), filters
        assert events.left_out == data.left_out(ds.events, masks, (ds.group_of, len(ds.groups))), filters
        x_range = (filters.date_from, filters.date_to) if filters.date_from and filters.date_to else None
        group_rows = ds.groups.loc[shown, charts.GROUP_CHART_COLUMNS]
        want_bars = _figure_bars(charts.month_histogram(group_rows, x_range, unit="events"))
        assert _store_bars(q.histogram(qf, query.EVENTS), x_range) == want_bars, filters
        chronology = groups.chronology(ds.groups, shown, True, 40)
        got_chronology = q.chronology(qf, True, 40)
        assert list(got_chronology["event_group"]) == list(chronology["event_group"]), filters
        assert list(got_chronology["summary"]) == list(chronology["what"]), filters
        rows = data.filter_events(ds.events, filters).sort_values("date_start", kind="stable", na_position="last")
        page = q.page(qf, order_by="date_start", offset=0, limit=60)
        assert list(page["event_id"]) == list(rows["event_id"].iloc[:60]), filters
        assert list(page["summary"]) == list(rows["summary"].iloc[:60]), filters
        assert list(page["n_sources"]) == list(rows["_n_sources"].iloc[:60]), filters
    for unit, lane_by in itertools.product((query.EVENTS, query.REPORTS), ("source", "actor")):
        for filters in cases[:3]:
            ref = _reference_marks(ds, filters, unit, lane_by)
            got_tl = q.timeline(query.QueryFilters.of(filters), unit, lane_by, lane_limit=150, max_points=400)
            assert dict(zip(got_tl.lanes["lane"], got_tl.lanes["n"], strict=True)) == dict(Counter(ref["lane"]))


def test_the_copy_answers_as_the_corrected_dataset_after_every_kind_of_correction(url: str) -> None:
    store = open_store(url)
    q = query.open_query(store, "duckdb")
    assert_answers(q, corrected.full_build(fixes_of(url), url))  # no correction yet
    reads = _count_reads()

    fixes = fixes_of(url)
    events, docs = store.read_events(), store.read_documents()
    grouped = events[events["event_group"] != ""]
    sizes = grouped.groupby("event_group")["event_id"].transform("size")
    multi = grouped[sizes.to_numpy() >= 3]  # reports of events that several sources report
    single = events[events["event_group"] == ""]

    def save(row: pd.Series, changes: dict[str, object]) -> None:
        fixes.save(
            LOCAL, "event", event_locator(row, docs), changes, expected_version=0, target_id=str(row["event_id"])
        )

    first, second = multi.iloc[0], multi.iloc[3]
    save(first, {"date_start": "2024-05-06", "date_end": "2024-05-07", "granularity": "range"})  # date change
    save(second, {"summary": "Corrected summit", "event_type": "diplomacy", "actors": ["Cuba", "Venezuela"]})
    assert_answers(q, corrected.full_build(fixes, url), seed=2)
    assert q.page(query.QueryFilters(text="corrected summit", include_undated=True))["summary"].tolist() == [
        "Corrected summit"
    ]
    save(single.iloc[0], {"rejected": True})
    save(multi.iloc[6], {"rejected": True})  # a group loses a member
    save(multi.iloc[9], {"group": SPLIT})
    target = multi[multi["event_group"] != multi.iloc[12]["event_group"]].iloc[-1]
    save(multi.iloc[12], {"group": str(target["event_group"]), "group_with": str(target["event_id"])})  # a move
    save(single.iloc[5], {"date_start": None})  # undated by hand
    assert_answers(q, corrected.full_build(fixes, url), seed=3)
    assert q.count(EVERY) == N_EVENTS - 2

    fixes.save(LOCAL, "document", document_locator(docs.iloc[4]), {"outlet": "Renamed Outlet"}, expected_version=0)
    fixes.save(
        LOCAL, "document", document_locator(docs.iloc[7]), {"published": None, "title": "No date"}, expected_version=0
    )
    manual = fixes.add_event(LOCAL, {"source": "Field notes", "summary": "Added by hand", "date_start": "2025-03-01"})
    joined = fixes.add_event(
        LOCAL, {"source": "Notes 2", "summary": "Joins a group", "event_group": str(first["event_group"])}
    )
    full = corrected.full_build(fixes, url)
    assert_answers(q, full, seed=4)
    assert "Renamed Outlet" in q.report_counts(EVERY).facets["sources"]
    assert {manual, joined} <= set(q.page(EVERY, limit=N_EVENTS + 10)["event_id"])

    fixes.edit_event(LOCAL, manual, {"summary": "Edited by hand"}, expected_version=1)
    fixes.delete_event(LOCAL, joined, expected_version=1)
    stored = fixes.find("event", event_locator(second, docs))
    assert stored is not None
    fixes.remove(LOCAL, int(stored["id"]), expected_version=int(stored["version"]))  # undone
    assert_answers(q, corrected.full_build(fixes, url), seed=5)
    listed = q.page(EVERY, limit=N_EVENTS + 10)
    assert "Corrected summit" not in set(listed["summary"]) and joined not in set(listed["event_id"])
    assert _count_reads() == reads  # every correction was laid over the copy: the tables were not read again


def test_corrections_all_over_the_table(url: str) -> None:
    store = open_store(url)
    q = query.open_query(store, "duckdb")
    assert q.count(EVERY) == N_EVENTS
    fixes = fixes_of(url)
    events, docs = store.read_events(), store.read_documents()
    for i, at in enumerate(range(0, N_EVENTS, 97)):
        row = events.iloc[at]
        changes = {"rejected": True} if i % 3 == 0 else {"summary": f"fix {i}", "date_start": f"2023-02-0{i % 9 + 1}"}
        fixes.save(LOCAL, "event", event_locator(row, docs), changes, expected_version=0, target_id=row["event_id"])
    assert_answers(q, corrected.full_build(fixes, url), seed=6)


def _count_reads() -> int:
    return _READS["n"]


_READS = {"n": 0}


@pytest.fixture(autouse=True)
def _counted_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count the reads of the store's tables into a copy (query_mirror._read_all)."""
    read = query_mirror._read_all
    _READS["n"] = 0

    def counted(store: object) -> dict[str, pa.Table]:
        _READS["n"] += 1
        return read(store)

    monkeypatch.setattr(query_mirror, "_read_all", counted)


def test_a_restarted_process_attaches_the_saved_copy(url: str, tmp_path: Path) -> None:
    store = open_store(url)
    q = query.open_query(store, "duckdb")
    before = (q.report_counts(EVERY), q.page(EVERY, limit=50))
    assert _count_reads() == 1  # the tables read once
    query_mirror.wait_saved()
    saved = list((tmp_path / "cache").glob("mirror-*.duckdb"))
    assert len(saved) == 1 and not list((tmp_path / "cache").glob("*.part"))
    assert query_mirror._MIRRORS[store.location].path == saved[0]  # this process now reads the file too
    assert q.report_counts(EVERY) == before[0]

    query_mirror.forget()  # as a restarted process: nothing in memory
    q = query.open_query(open_store(url), "duckdb")
    assert q.report_counts(EVERY) == before[0]
    pd.testing.assert_frame_equal(q.page(EVERY, limit=50), before[1])
    assert _count_reads() == 1  # attached, not read again

    fixes = fixes_of(url)
    events, docs = store.read_events(), store.read_documents()
    row = events.iloc[10]
    fixes.save(LOCAL, "event", event_locator(row, docs), {"summary": "Seen at once"}, expected_version=0)
    found = q.page(query.QueryFilters(text="seen at once", include_undated=True, include_hypothetical=True))
    assert list(found["event_id"]) == [row["event_id"]]  # laid over the attached copy
    assert _count_reads() == 1

    store.write(events[events["doc_id"] == "doc0"], docs[docs["doc_id"] == "doc0"], {})  # a data write
    assert q.count(EVERY) == len(store.read_events())
    assert _count_reads() == 2  # a new copy
    query_mirror.wait_saved()
    assert len(list((tmp_path / "cache").glob("mirror-*.duckdb"))) == 1  # the old version's file removed
    found = q.page(query.QueryFilters(text="seen at once", include_undated=True, include_hypothetical=True))
    assert list(found["event_id"]) == [row["event_id"]]  # the correction still found on the new data


def test_a_damaged_saved_copy_is_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(query_mirror.CACHE_ENV, str(tmp_path / "cache"))
    url = _small_store(tmp_path)
    assert query.open_query(open_store(url), "duckdb").count(EVERY) == 300
    query_mirror.wait_saved()
    (saved,) = (tmp_path / "cache").glob("mirror-*.duckdb")
    assert saved.stat().st_mode & 0o077 == 0 and (tmp_path / "cache").stat().st_mode & 0o077 == 0  # owner's only
    saved.write_bytes(b"not a database")
    query_mirror.forget()
    assert query.open_query(open_store(url), "duckdb").count(EVERY) == 300
    query_mirror.wait_saved()
    assert _count_reads() == 2
    query_mirror.forget()
    assert query.open_query(open_store(url), "duckdb").count(EVERY) == 300
    assert _count_reads() == 2  # the file made again is whole
    query_mirror.forget()


def test_the_save_waits_for_a_quiet_moment_and_writes_in_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No step of the save is written while a session queries the copy; once none has for QUIET_S, the save
    goes on by itself, and the file written in steps holds every row in the copy's order."""
    import duckdb

    monkeypatch.setenv(query_mirror.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(query_mirror, "STEP_ROWS", 70)
    monkeypatch.setattr(query_mirror, "QUIET_S", 0.5)
    store = open_store(_small_store(tmp_path))
    backend = query_mirror.MirrorBackend(store)
    with backend._views() as cursor:  # a session drawing its page
        assert cursor.execute("SELECT COUNT(*) FROM dl_events").fetchone()[0] == 300
        mirror = query_mirror._MIRRORS[store.location]
        time.sleep(1.5)
        assert mirror.saving is not None and mirror.saving.is_alive() and mirror.arrow is not None
        assert not list((tmp_path / "cache").glob("mirror-*.duckdb"))
        copied = mirror.arrow["events"]["event_id"].to_pylist()
    mirror.saving.join(30)  # quiet now: no hurry asked, the save ends by itself
    assert mirror.path is not None and mirror.arrow is None
    with duckdb.connect(str(mirror.path), read_only=True) as saved:
        ids = [row[0] for row in saved.execute("SELECT event_id FROM dl_events ORDER BY rowid").fetchall()]
    assert ids == copied and sorted(ids) == sorted(store.read_events()["event_id"])
    query_mirror.forget()


def test_without_a_cache_folder_the_copy_stays_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(query_mirror.CACHE_ENV, "off")
    url = _small_store(tmp_path)
    assert query.open_query(open_store(url), "duckdb").count(EVERY) == 300
    query_mirror.wait_saved()
    assert not list(tmp_path.rglob("mirror-*"))
    query_mirror.forget()
    assert query.open_query(open_store(url), "duckdb").count(EVERY) == 300
    assert _count_reads() == 2
    query_mirror.forget()


def test_the_cache_folder(tmp_path: Path) -> None:
    sqlite = open_store(f"sqlite:///{tmp_path / 'db' / 'x.db'}")
    assert query_mirror.cache_folder(sqlite, {}) == tmp_path / "db" / query_mirror.CACHE_FOLDER
    assert query_mirror.cache_folder(sqlite, {"DATELINE_CACHE": "/c"}) == Path("/c")
    assert query_mirror.cache_folder(sqlite, {"DATELINE_CACHE": "off"}) is None
    pg = open_store("postgresql://user@host/db")
    assert query_mirror.cache_folder(pg, {"DATELINE_DATA": "/d"}) == Path("/d") / query_mirror.CACHE_FOLDER
    assert query_mirror.cache_folder(pg, {"DATELINE_DATA": "postgresql://x/y"}) is None


def test_two_processes_copying_at_once_leave_one_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(query_mirror.CACHE_ENV, str(tmp_path / "cache"))
    url = _small_store(tmp_path, 3000)
    script = (
        "import sys; from extract.store import open_store, query, query_mirror\n"
        "q = query.open_query(open_store(sys.argv[1]), 'duckdb')\n"
        "print(q.count(query.QueryFilters(date_from=None, date_to=None, include_hypothetical=True, "
        "include_undated=True)))\n"
        "query_mirror.wait_saved()\n"
    )
    env = _env()
    runs = [
        subprocess.Popen([sys.executable, "-c", script, url], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0].strip() for run in runs]
    assert outputs == ["3000", "3000"] and all(run.returncode == 0 for run in runs)
    files = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(files) == 1 and files[0].endswith(".duckdb")
    query_mirror.forget()
    assert query.open_query(open_store(url), "duckdb").count(EVERY) == 3000
    assert _count_reads() == 0  # attached
    query_mirror.forget()


def test_stored_lists_are_parsed_as_the_store_parses_them() -> None:
    texts = ["[]", '["a", "b"]', '["é","x"]', "a; b", "", "null", '"x"', "[1, 2]", '["a",]', '[["a"]]', "[null]"]
    texts += ['["a\\u0000b"]', "[true]", '{"a": 1}', '  ["a"]', '["\\u00e9"]', '["a", null]', "['a']", '["😀"]']
    texts += ['["a"],["b"', '"c"]', '["a", "],[", "b"]', '["c"],["d"]', '["a\nb"]']
    for pair in itertools.permutations(texts, 2):
        got = query_mirror._parse_lists(pa.array(list(pair), pa.large_string())).to_pylist()
        assert got == [parse_list(t) for t in pair], pair


def _small_store(folder: Path, n: int = 300) -> str:
    url = f"sqlite:///{folder / 'small.db'}"
    events, documents = synthetic_tables(n, seed=3)
    open_store(url).write(events, documents, {}, replace_all=True)
    return url


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def test_rows_of_the_copy_are_the_stores(url: str) -> None:
    """Every column of every event, as the store's own reader types it."""
    store = open_store(url)
    q = query.open_query(store, "duckdb")
    page = q.page(EVERY, order_by="event_id", limit=N_EVENTS)
    want = store.read_events().sort_values("event_id", kind="stable").reset_index(drop=True)
    for column in want.columns:
        got, expected = page[column].tolist(), want[column].tolist()
        if column in ("date_start", "date_end"):
            got, expected = [str(v)[:10] for v in got], [str(v)[:10] for v in expected]
        if column == "confidence":
            np.testing.assert_allclose(np.array(got, float), np.array(expected, float))
            continue
        assert [list(v) if isinstance(v, list | np.ndarray) else v for v in got] == expected, column


def test_strings_with_nul_and_the_escape_mark_come_back_whole(url: str) -> None:
    """PostgreSQL keeps NUL escaped (sql_rows.escape): the copy holds the strings as written."""
    from extract.store.sql_rows import MARK

    store = open_store(url)
    events, docs = store.read_events(), store.read_documents()
    odd = f"nul\x00here {MARK}0 mark"
    events.loc[events.index[:2], "summary"] = odd
    store.write(events, docs, {}, replace_all=True)
    q = query.open_query(store, "duckdb")
    page = q.page(EVERY, order_by="event_id", limit=N_EVENTS)
    assert sorted(page.loc[page["summary"] == odd, "event_id"]) == sorted(events["event_id"].iloc[:2])


def test_marks_drawn_from_the_groups_facts_are_those_drawn_from_every_report(url: str) -> None:
    """A drawn group's mark made from its best report and the ready groups table's facts (how many reports, the
    highest confidence, the dated ones' span) is the mark made from all its reports, after corrections that
    reject a report and move another's date."""
    from dashboard import scaled, scaled_timeline
    from extract.store.query_details import Details
    from extract.store.query_ready import MEMBER_FACTS

    store = open_store(url)
    events, docs = store.read_events(), store.read_documents()
    grouped = events[events["event_group"].astype(str) != ""]
    sizes = grouped.groupby("event_group")["event_id"].transform("size")
    several = grouped[sizes > 2]
    fixes = fixes_of(url)
    for at, changes in [(0, {"rejected": True}), (7, {"date_start": "2019-02-03", "date_end": "2019-02-03"})]:
        row = several.iloc[at]
        fixes.save(LOCAL, "event", event_locator(row, docs), changes, expected_version=0, target_id=row["event_id"])
    details = Details(query.open_query(store, "duckdb"))
    keys = [*list(dict.fromkeys(several["event_group"].astype(str)))[:150], "~" + str(events["event_id"].iloc[3])]
    table = details.groups(keys)
    assert set(MEMBER_FACTS) <= set(table.columns) and table["dl_n"].notna().all()
    summary = scaled.load_summary(url)
    told = scaled_timeline.event_frame(details, keys, summary, table, best=True)
    full = scaled_timeline.event_frame(details, keys, summary, table.drop(columns=list(MEMBER_FACTS)), best=False)
    assert len(told[0]) < len(full[0])  # fewer reports read
    columns = ["event_group", "_n_reports", "_conf", "_lo", "_hi", "_spread", "_hover", "_when", "_lane", "_faded"]
    mine, theirs = (f[1][columns].sort_values("event_group").reset_index(drop=True) for f in (told, full))
    assert mine["_n_reports"].max() > 2 and mine["_spread"].ne(0).any()  # the facts matter here
    pd.testing.assert_frame_equal(mine, theirs)
