"""Spotting an event told again later in the same document, in near-linear time.

An event is a retelling of an earlier one of its document when either

* both have the same dates and nearly the same words around their time expressions (Jaccard similarity of
  the two word sets at least ``SAME_WORDS``), or
* both hang on the same trigger verb and the new event's calendar period strictly contains the earlier one
  ("signed on March 13, 2025" ... "signed in March 2025"); a range never counts as containing.

Comparing each new event with every earlier one is quadratic: a long document that repeats one sentence
thousands of times took minutes. ``Retellings`` indexes the earlier events instead, so each check costs
about the same whatever came before, and answers exactly as the pairwise comparison did:

* similar words: event word sets of up to ``MAX_INDEXED_WORDS`` are indexed under (dates, size, every
  subset large enough to make a match); a pair with Jaccard >= t shares a subset I with |I| >= t x |set| for
  both sets, so looking up the new set's large-enough subsets finds every match. Bigger sets (events with
  many time expressions) are compared one by one with the earlier events of the same dates, as before.
* containment: per trigger, a Fenwick tree over start days keeps the earliest end among the events that
  start on or after a day, so "some earlier event lies within [start, end]" is two logarithmic queries.
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations

SAME_WORDS = 0.6  # Jaccard similarity of the words around two events' dates that makes them one
MAX_INDEXED_WORDS = 12  # larger word sets (rare) are compared pairwise within their dates
TRIGGER = "trigger:"  # prefix of the trigger's lemma in an event's word window

_WordSet = frozenset[str]


def _min_shared(size: int) -> int:
    """The fewest shared words that can reach SAME_WORDS with a set of ``size`` words."""
    return next(k for k in range(1, size + 1) if k / size >= SAME_WORDS)


def _similar(words: _WordSet, other: _WordSet) -> bool:
    return bool(words) and len(words & other) / len(words | other) >= SAME_WORDS


class _EarliestEnd:
    """Start day -> end day of events; query: the earliest end among events starting on or after a day."""

    SIZE = dt.date.max.toordinal() + 1

    def __init__(self) -> None:
        self._tree: dict[int, int] = {}  # sparse Fenwick tree over reversed day numbers, min of ends

    def add(self, start: int, end: int) -> None:
        i = self.SIZE - start
        while i <= self.SIZE:
            if end < self._tree.get(i, self.SIZE):
                self._tree[i] = end
            i += i & -i

    def earliest_end_from(self, start: int) -> int:
        """Earliest end among events starting on day ``start`` or later (SIZE when there is none)."""
        best = self.SIZE
        i = self.SIZE - start
        while i > 0:
            best = min(best, self._tree.get(i, self.SIZE))
            i -= i & -i
        return best


class Retellings:
    """The events of one document so far, indexed to tell whether a new event retells one of them."""

    def __init__(self) -> None:
        self._subsets: set[tuple[dt.date, dt.date, int, _WordSet]] = set()  # (dates, set size, subset)
        self._large: dict[tuple[dt.date, dt.date], list[_WordSet]] = {}  # sets too big to index by subset
        self._all_dates: dict[tuple[dt.date, dt.date], list[_WordSet]] = {}  # every non-empty set, by dates
        self._by_trigger: dict[str, _EarliestEnd] = {}

    def retells(self, start: dt.date | None, end: dt.date | None, granularity: str, window: set[str]) -> bool:
        """True when an earlier event (added with ``add``) is the same one told again.

        ``window``: the content words around the event's dates, plus "trigger:<lemma>" for its verb.
        """
        if not window or start is None or end is None:
            return False
        words = frozenset(w for w in window if not w.startswith(TRIGGER))
        if words and self._similar_words(start, end, words):
            return True
        if granularity == "range":
            return False  # a span ("since 2024", "between 2019 and 2021") frames many acts, not one told again
        for trigger in (w for w in window if w.startswith(TRIGGER)):
            index = self._by_trigger.get(trigger)
            if index is None:
                continue
            first, last = start.toordinal(), end.toordinal()
            # strictly inside [start, end]: an end before ours (from our start on), or ours from a later start
            if index.earliest_end_from(first) < last or index.earliest_end_from(first + 1) <= last:
                return True
        return False

    def add(self, start: dt.date | None, end: dt.date | None, window: set[str]) -> None:
        """Remember an event (one that was kept) for later checks."""
        if not window or start is None or end is None:
            return  # such an event can never be found again: retells() skips it too
        words = frozenset(w for w in window if not w.startswith(TRIGGER))
        if words:
            self._all_dates.setdefault((start, end), []).append(words)
            if len(words) > MAX_INDEXED_WORDS:
                self._large.setdefault((start, end), []).append(words)
            else:
                size = len(words)
                ordered = sorted(words)
                for k in range(_min_shared(size), size + 1):
                    self._subsets.update((start, end, size, frozenset(c)) for c in combinations(ordered, k))
        for trigger in (w for w in window if w.startswith(TRIGGER)):
            self._by_trigger.setdefault(trigger, _EarliestEnd()).add(start.toordinal(), end.toordinal())

    def _similar_words(self, start: dt.date, end: dt.date, words: _WordSet) -> bool:
        if len(words) > MAX_INDEXED_WORDS:
            return any(_similar(words, other) for other in self._all_dates.get((start, end), ()))
        if any(_similar(words, other) for other in self._large.get((start, end), ())):
            return True
        size = len(words)
        ordered = sorted(words)
        for k in range(_min_shared(size), size + 1):
            # an earlier set of `other` words holding these k: Jaccard is at least k / (size + other - k)
            sizes = [o for o in range(k, MAX_INDEXED_WORDS + 1) if k / (size + o - k) >= SAME_WORDS]
            if not sizes:
                continue
            for shared in combinations(ordered, k):
                key = frozenset(shared)
                if any((start, end, o, key) in self._subsets for o in sizes):
                    return True
        return False


__all__ = ["Retellings"]
