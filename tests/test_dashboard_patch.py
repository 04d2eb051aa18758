"""The corrected dataset patched over a cached base (dashboard/corrected.py) equals a full build of the corrected
tables, after corrections of every kind, on SQLite and PostgreSQL; the store's two versions move apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import corrected, data
from dashboard.synthetic import synthetic_groups, synthetic_tables
from extract.store import CorpusTables, open_store, sql_engine
from extract.store.corrections import SPLIT, document_locator, event_locator
from extract.store.sql import SqlStore
from extract.store.sql_corrections import Corrections
from extract.store.team import LOCAL
from tests.databases import database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        events, documents = synthetic_tables(1500, seed=11)
        events, groups, key_dates = synthetic_groups(events, documents, seed=11)
        tables = CorpusTables(events, documents, {"groups": groups, "key_dates": key_dates})
        open_store(found).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        yield found


def fixes_of(url: str) -> Corrections:
    found = open_store(url).corrections()  # type: ignore[attr-defined]
    assert isinstance(found, Corrections)
    return found


def assert_same(patched: data.Dataset, full: data.Dataset) -> None:
    """Every frame and lookup the pages read, compared exactly (values, dtypes, order)."""
    pd.testing.assert_frame_equal(patched.events, full.events)
    pd.testing.assert_frame_equal(patched.documents, full.documents)
    pd.testing.assert_frame_equal(patched.groups, full.groups)
    np.testing.assert_array_equal(patched.group_of, full.group_of)
    assert patched.facet_codes.keys() == full.facet_codes.keys()
    for facet, (codes, labels) in full.facet_codes.items():
        np.testing.assert_array_equal(patched.facet_codes[facet][0], codes)
        assert patched.facet_codes[facet][1] == labels
    np.testing.assert_array_equal(patched.actor_rows, full.actor_rows)
    np.testing.assert_array_equal(patched.actor_codes, full.actor_codes)
    assert patched.actor_labels == full.actor_labels
    pd.testing.assert_frame_equal(patched.rejected, full.rejected)
    pd.testing.assert_frame_equal(patched.orphans, full.orphans)
    pd.testing.assert_frame_equal(patched.key_dates, full.key_dates)
    assert patched.editable and full.editable
    assert len(patched.corrections) == len(full.corrections) and len(patched.manual) == len(full.manual)


def check(base: corrected.Base, url: str) -> data.Dataset:
    fixes = fixes_of(url)
    full = corrected.full_build(fixes, url)
    version = open_store(url).versions().version  # type: ignore[attr-defined]
    patched = corrected.load_corrected(base, url, version)
    assert_same(patched, full)
    assert patched.version == full.version
    return patched


def test_the_patched_dataset_equals_a_full_build_after_every_kind_of_correction(url: str) -> None:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    before = store.versions()
    base = corrected.load_base(url)
    assert not base.dataset.problem and len(base.dataset.events) == 1500
    untouched = (base.dataset.events.copy(), base.dataset.groups.copy(), base.events.copy(), base.groups.copy())
    check(base, url)  # no correction yet

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
    save(first, {"date_start": "2024-05-06", "date_end": "2024-05-07", "granularity": "range"})
    save(second, {"summary": "Corrected summit", "event_type": "diplomacy", "actors": ["Cuba", "Venezuela"]})
    check(base, url)
    save(single.iloc[0], {"rejected": True})
    save(multi.iloc[6], {"rejected": True})  # a group loses a member
    save(multi.iloc[9], {"group": SPLIT})
    target = multi[multi["event_group"] != multi.iloc[12]["event_group"]].iloc[-1]
    moved = multi.iloc[12]
    save(moved, {"group": str(target["event_group"]), "group_with": str(target["event_id"])})
    save(single.iloc[5], {"date_start": None})  # undated by hand
    check(base, url)

    doc = docs.iloc[4]  # an outlet renamed: its reports' source, lane and groups follow
    fixes.save(LOCAL, "document", document_locator(doc), {"outlet": "Renamed Outlet"}, expected_version=0)
    other = docs.iloc[7]
    fixes.save(LOCAL, "document", document_locator(other), {"published": None, "title": "No date"}, expected_version=0)
    manual = fixes.add_event(LOCAL, {"source": "Field notes", "summary": "Added by hand", "date_start": "2025-03-01"})
    joined = fixes.add_event(
        LOCAL, {"source": "Notes 2", "summary": "Joins a group", "event_group": str(first["event_group"])}
    )
    patched = check(base, url)
    assert {manual, joined} <= set(patched.events["event_id"])
    assert "Renamed Outlet" in set(patched.events["_lane"])
    assert len(patched.rejected) == 2

    fixes.edit_event(LOCAL, manual, {"summary": "Edited by hand"}, expected_version=1)
    fixes.delete_event(LOCAL, joined, expected_version=1)
    stored = fixes.find("event", event_locator(second, docs))
    assert stored is not None
    fixes.remove(LOCAL, int(stored["id"]), expected_version=int(stored["version"]))  # undo
    patched = check(base, url)
    assert "Corrected summit" not in set(patched.events["summary"])
    assert joined not in set(patched.events["event_id"])

    after = store.versions()
    assert after.data == before.data  # corrections never move the data version: the base stays cached
    assert after.corrections > before.corrections and after.version == after.corrections > before.version
    for was, now in zip(untouched, (base.dataset.events, base.dataset.groups, base.events, base.groups), strict=True):
        pd.testing.assert_frame_equal(now, was)  # the cached base was never changed in place


def test_corrections_all_over_the_table_are_patched_alike(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_RUNS runs of unchanged rows the frames are taken and copied instead of sliced: the same result."""
    store = open_store(url)
    base = corrected.load_base(url)
    fixes = fixes_of(url)
    events, docs = store.read_events(), store.read_documents()
    for i, at in enumerate(range(0, 1500, 97)):
        row = events.iloc[at]
        changes = {"rejected": True} if i % 3 == 0 else {"summary": f"fix {i}", "date_start": f"2023-02-0{i % 9 + 1}"}
        fixes.save(LOCAL, "event", event_locator(row, docs), changes, expected_version=0, target_id=row["event_id"])
    sliced = check(base, url)
    monkeypatch.setattr(corrected, "MAX_RUNS", 4)
    taken = check(base, url)
    pd.testing.assert_frame_equal(sliced.events, taken.events)
    pd.testing.assert_frame_equal(sliced.groups, taken.groups)


def test_a_data_write_moves_the_data_version_and_a_correction_only_the_other(url: str) -> None:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    start = store.versions()
    assert start.version == start.data == store.version() and start.corrections == 0
    events, docs = store.read_events(), store.read_documents()
    fixes_of(url).save(LOCAL, "event", event_locator(events.iloc[0], docs), {"summary": "x"}, expected_version=0)
    fixed = store.versions()
    assert fixed.data == start.data and fixed.corrections == fixed.version == store.version() > start.version
    store.write(events[events["doc_id"] == "doc0"], docs[docs["doc_id"] == "doc0"], {})
    written = store.versions()
    assert written.data == written.version > fixed.version and written.corrections == fixed.corrections


def test_the_dashboard_loader_serves_the_patched_dataset_until_the_data_changes(url: str) -> None:
    data.clear_cache()
    first = data.load_dataset(url)
    assert first.editable and not first.problem
    store = open_store(url)
    events, docs = store.read_events(), store.read_documents()
    row = events.iloc[10]
    fixes_of(url).save(LOCAL, "event", event_locator(row, docs), {"summary": "Seen at once"}, expected_version=0)
    second = data.load_dataset(url)
    assert second.version > first.version
    shown = second.events.loc[second.events["event_id"] == row["event_id"], "summary"]
    assert list(shown) == ["Seen at once"]
    assert_same(second, corrected.full_build(fixes_of(url), url))
    data.clear_cache()


def test_a_store_from_before_the_two_versions_gets_both_from_its_version(url: str) -> None:
    """Migration 0003 down and up again: before it, versions() answers the one version thrice; after it, both
    parts start at the store's version (its corrections as new as its data)."""
    store = open_store(url)
    assert isinstance(store, SqlStore)
    version = store.version()
    database_ = sql_engine.Database(url)
    database_.migrate("0002", down=True)
    assert store.versions() == (version, version, version)
    database_.migrate()
    assert store.versions() == (version, version, version)
    events, docs = store.read_events(), store.read_documents()
    fixes_of(url).save(LOCAL, "event", event_locator(events.iloc[0], docs), {"summary": "y"}, expected_version=0)
    after = store.versions()
    assert after.data == version and after.corrections == after.version > version
