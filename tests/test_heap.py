"""dashboard/heap.py: the heap is frozen once per store version, and the previous version's garbage is collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

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
