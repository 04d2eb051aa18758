"""Average-linkage clustering of scored pairs, with a threshold and a date-window constraint.

In: n items, scored pairs (a, b, score), each item's document and date window. Out: a cluster label per item.
Two clusters join when the average score over every pair of their items from different documents reaches
the threshold (a pair never scored counts as 0) and some day lies in every member's window; the best such
join is made first, until none is left. Unlike joining everything linked by a chain of strong pairs
(transitive closure), one good link cannot pull two otherwise unrelated groups together.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable

import numpy as np


def average_linkage(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    score: np.ndarray,
    doc: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    threshold: float,
    apart: Callable[[int, int], bool] | None = None,
) -> np.ndarray:
    """Items and scored pairs -> labels (the smallest item of each cluster). `apart(x, y)`, asked about two
    items of one document, says whether they must stay in different clusters (None: never).

    Clusters can only reach an average of `threshold` if one of their pairs does, so each connected component
    of the pairs scoring at least that is clustered on its own: near-linear as long as those components
    stay small, as they do when only reports of one event score high together."""
    labels = np.arange(n)
    strong = score >= threshold
    component = connected_components(n, a[strong], b[strong])
    inside = component[a] == component[b]
    a, b, score = a[inside], b[inside], score[inside]
    order = np.argsort(component[a], kind="stable")
    a, b, score = a[order], b[order], score[order]
    cut = np.flatnonzero(np.diff(component[a])) + 1
    for start, stop in zip(np.r_[0, cut], np.r_[cut, len(a)], strict=True):
        if stop > start and score[start:stop].max() >= threshold:
            _link(labels, a[start:stop], b[start:stop], score[start:stop], doc, lo, hi, threshold, apart)
    return labels


def _kept_apart(
    first: list[int],
    second: list[int],
    first_docs: Counter[int],
    second_docs: Counter[int],
    doc: np.ndarray,
    apart: Callable[[int, int], bool],
) -> bool:
    """Would joining the two clusters put together two items of one document that must stay apart?"""
    shared = first_docs.keys() & second_docs.keys()
    if not shared:
        return False
    mine = [x for x in first if int(doc[x]) in shared]
    return any(apart(x, y) for x in mine for y in second if doc[y] == doc[x])


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the graph on n nodes with edges (a, b): the smallest node of each node's."""
    label = np.arange(n)
    while True:  # min-label propagation with pointer jumping: a few vectorised passes
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


def _link(
    labels: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    score: np.ndarray,
    doc: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    threshold: float,
    apart: Callable[[int, int], bool] | None,
) -> None:
    """Average linkage inside one component; writes its items' labels."""
    members: dict[int, list[int]] = {}
    docs: dict[int, Counter[int]] = {}
    window: dict[int, tuple[int, int]] = {}
    sums: dict[int, dict[int, float]] = {}
    for x, y, s in zip(a.tolist(), b.tolist(), score.tolist(), strict=True):
        for item in (x, y):
            if item not in members:
                members[item], docs[item] = [item], Counter([int(doc[item])])
                window[item], sums[item] = (int(lo[item]), int(hi[item])), {}
        sums[x][y] = sums[x].get(y, 0.0) + s
        sums[y][x] = sums[x][y]

    def average(c: int, d: int) -> float:
        small, large = docs[c], docs[d]
        if len(small) > len(large):  # walk the smaller one: a big group meets many small
            small, large = large, small
        count = len(members[c]) * len(members[d])  # less the pairs from one document
        for j, k in small.items():
            if j in large:
                count -= k * large[j]
        return sums[c][d] / count if count else 0.0

    # Only joins that reach the threshold go on the heap (the loop stops at the first that does not); an
    # entry carries both clusters' versions, so one made stale by a later join is recognised without
    # computing its average again.
    version = dict.fromkeys(members, 0)
    heap = [(-s, c, d, 0, 0) for c in sums for d, s in sums[c].items() if c < d and s >= threshold]
    heapq.heapify(heap)
    while heap:
        _, c, d, vc, vd = heapq.heappop(heap)
        if version.get(c) != vc or version.get(d) != vd:
            continue  # stale: one of the two has changed since this entry was pushed
        start, end = max(window[c][0], window[d][0]), min(window[c][1], window[d][1])
        if start > end:
            continue  # no day lies in every member's window: not one event
        if apart is not None and _kept_apart(members[c], members[d], docs[c], docs[d], doc, apart):
            continue  # two rows of one document that report different events
        members[c] += members.pop(d)
        docs[c] += docs.pop(d)
        window[c] = (start, end)
        del window[d], version[d]
        version[c] += 1
        for other, s in sums.pop(d).items():
            del sums[other][d]
            if other != c:
                sums[c][other] = sums[c].get(other, 0.0) + s
                sums[other][c] = sums[c][other]
        for other in sums[c]:
            joined = average(c, other)
            if joined >= threshold:
                x, y = min(c, other), max(c, other)
                heapq.heappush(heap, (-joined, x, y, version[x], version[y]))
    for c, items in members.items():
        labels[items] = c
