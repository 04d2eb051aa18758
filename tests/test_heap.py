"""dashboard/heap.py: the heap is frozen once per store version, and the previous version's garbage is collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import heap


class _Table:
    """An object in a reference cycle: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    heap._SETTLED.clear()
    yield
    gc.unfreeze()
    heap._SETTLED.clear()


def test_settled_once_per_stamp() -> None:
    assert heap.settle(("store", 1))
    assert gc.get_freeze_count() > 0
    assert not heap.settle(("store", 1))
    assert heap.settle(("store", 2))


def test_the_old_versions_cycles_are_collected_on_the_next() -> None:
    table = _Table()
    gone = weakref.ref(table)
    heap.settle(("store", 1))  # the table is alive: frozen
    del table
    gc.collect()
    assert gone() is not None  # frozen objects are not collected
    heap.settle(("store", 2))
    assert gone() is None


def test_forget_settles_again_at_the_same_stamp() -> None:
    assert heap.settle(("store", 1))
    heap.forget()
    assert heap.settle(("store", 1))


def test_the_app_settles_per_data_version_not_per_correction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A correction moves the store's version but not its data version: no new collection of the whole heap
    (0.3 s with 100,000 events loaded) in the next rerun; a data write does settle again."""
    from streamlit.testing.v1 import AppTest

    from extract.corpus.steps import corpus_tables
    from extract.store import open_store
    from extract.store.corrections import event_locator
    from extract.store.team import LOCAL
    from tests.test_store_contract import run

    url = f"sqlite:///{tmp_path / 'dateline.db'}"
    store = open_store(url)
    store.write(*run("a", "b", "c"), derive=corpus_tables)
    monkeypatch.setenv("DATELINE_DATA", url)
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    settled = list(heap._SETTLED)
    assert settled == [(url, store.versions().data)]
    events, docs = store.read_events(), store.read_documents()
    fixes = store.corrections()
    fixes.save(LOCAL, "event", event_locator(events.iloc[0], docs), {"summary": "Moved"}, expected_version=0)
    at.run()
    assert settled == heap._SETTLED  # not settled again
    store.write(*run("a", "b"), derive=corpus_tables)
    at.run()
    assert heap._SETTLED == [(url, store.versions().data)] != settled
