"""How alike two event rows (or two documents) are: shared words and names, weighted by rarity.

In: the rows' text fields (`summary`, `sentence`, `actors`, `locations`), the documents' titles and the rows'
date windows (`extract.corpus.windows`). Out: candidate pairs of rows from different documents with their
similarities. Everything is numpy over flat arrays, so a table of 100,000 rows takes seconds.

A similarity is a cosine between sets of stems weighted by inverse document frequency (a word every document
uses weighs little, a place name one story uses weighs much). A row has three such sets, compared separately:
its summary's words, its sentence's words and the words of its actor and location names. Candidate pairs
are rows of different documents that share a stem while their windows overlap; a stem shared by more than
`max_fanout` rows in one window is too common there to tell events apart and counts for neither the
candidates nor the cosine, which keeps the cost near-linear in the number of rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ying", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
SUMMARY, SENTENCE, NAMES = 0, 1, 2  # the three word sets of a row
N_SPACES = 3


@cache
def stopwords() -> frozenset[str]:
    """The editable stop-word list (stopwords.txt): words that never count as shared."""
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.lstrip().startswith("#"))


@cache
def stem(word: str) -> str:
    """A light suffix strip so 'ratified', 'ratifies' and 'ratifying' meet; never below four letters."""
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(repl) >= 4 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + repl
    return word


def words(text: str) -> set[str]:
    """Text -> the set of stems that can tell one event from another (no stop words, no bare numbers)."""
    stop = stopwords()
    out = set()
    for raw in _WORD.findall(text.lower()):
        word = _POSSESSIVE.sub("", raw).strip(".")
        if len(word) > 1 and word not in stop and not word.replace(",", "").isdigit():
            out.add(stem(word))
    return out


@dataclass(frozen=True)
class Bags:
    """Owners' (rows' or documents') weighted stem sets, CSR-style: owner i has entries indptr[i]:indptr[i+1]."""

    indptr: np.ndarray  # int64, n_owners + 1
    term: np.ndarray  # int64 term id (the same word in two spaces has two ids)
    space: np.ndarray  # int8: SUMMARY, SENTENCE or NAMES (documents: all SENTENCE)
    weight: np.ndarray  # float64: idf, L2-normalised within each owner and space

    def owners(self) -> np.ndarray:
        """The owner of every entry."""
        return np.repeat(np.arange(len(self.indptr) - 1, dtype="int64"), np.diff(self.indptr))


def _bags(owner: list[int], term: list[str], space: list[int], owner_doc: np.ndarray, n_owners: int) -> Bags:
    """(owner, term, space) entries, owners sorted -> Bags with idf over documents (owner_doc: owner -> doc)."""
    owner_arr = np.asarray(owner, dtype="int64")
    space_arr = np.asarray(space, dtype="int8")
    codes, vocab = pd.factorize(pd.Series(term, dtype=object))
    codes = codes.astype("int64")
    n_docs = max(int(owner_doc.max(initial=-1)) + 1, 1)
    doc_term = np.unique(owner_doc[owner_arr] * max(len(vocab), 1) + codes)
    df = np.bincount(doc_term % max(len(vocab), 1), minlength=len(vocab))
    weight = np.log1p(n_docs / np.maximum(df, 1))[codes]
    norm = np.bincount(owner_arr * N_SPACES + space_arr, weights=weight**2, minlength=n_owners * N_SPACES)
    weight = weight / np.sqrt(norm[owner_arr * N_SPACES + space_arr]) if len(weight) else weight
    indptr = np.zeros(n_owners + 1, dtype="int64")
    np.cumsum(np.bincount(owner_arr, minlength=n_owners), out=indptr[1:])
    return Bags(indptr, codes, space_arr, weight.astype("float64"))


def row_bags(events: pd.DataFrame, doc: np.ndarray) -> Bags:
    """Events (summary, sentence, actors, locations) and each row's document code -> each row's weighted stems.

    Document frequency counts documents, not rows, so a story that repeats a name in ten sentences does not
    make the name common."""
    names = (" ".join([*a, *b]) for a, b in zip(events["actors"], events["locations"], strict=True))
    fields = zip(events["summary"].astype(str), events["sentence"].astype(str), names, strict=True)
    owner: list[int] = []
    term: list[str] = []
    space: list[int] = []
    for i, texts in enumerate(fields):
        for s, text in enumerate(texts):
            found = words(text)
            owner += [i] * len(found)
            term += [f"{s}{w}" for w in found]
            space += [s] * len(found)
    return _bags(owner, term, space, doc, len(events))


def document_bags(events: pd.DataFrame, doc: np.ndarray, titles: Iterable[str]) -> Bags:
    """Events, each row's document code and the documents' titles (by code) -> each document's weighted stems
    (its title and its rows' sentences and names, as one set)."""
    per_doc = [words(title) for title in titles]
    names = (" ".join([*a, *b]) for a, b in zip(events["actors"], events["locations"], strict=True))
    for code, sentence, name in zip(doc.tolist(), events["sentence"].astype(str), names, strict=True):
        per_doc[code] |= words(sentence) | words(name)
    owner = [i for i, found in enumerate(per_doc) for _ in found]
    term = [w for found in per_doc for w in found]
    return _bags(owner, term, [SENTENCE] * len(term), np.arange(len(per_doc)), len(per_doc))


@dataclass(frozen=True)
class Pairs:
    """Pairs of rows (a < b for candidate pairs) and their cosines."""

    a: np.ndarray  # int64 row
    b: np.ndarray  # int64 row
    sim: np.ndarray  # float64 (n_pairs, N_SPACES): cosine of the summaries, the sentences, the names


def _ranges(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Concatenated aranges: start[i], start[i] + 1, ..., start[i] + length[i] - 1 for every i."""
    total = int(length.sum())
    return np.repeat(start - np.cumsum(length) + length, length) + np.arange(total)


def _pairs(left: np.ndarray, right: np.ndarray, bag: Bags, owner: np.ndarray, n: int, ordered: bool) -> Pairs:
    """Entry pairs sharing a term -> row pairs with their summed weight products (cosines, since unit length)."""
    ra, rb = owner[left], owner[right]
    a, b = (np.minimum(ra, rb), np.maximum(ra, rb)) if ordered else (ra, rb)
    key, inverse = np.unique(a * n + b, return_inverse=True)
    flat = np.bincount(
        inverse * N_SPACES + bag.space[left],
        weights=bag.weight[left] * bag.weight[right],
        minlength=len(key) * N_SPACES,
    )
    # rounding can nudge a cosine of identical sets just past 1
    return Pairs(key // max(n, 1), key % max(n, 1), np.minimum(flat.reshape(len(key), N_SPACES), 1.0))


def candidate_pairs(
    bag: Bags, lo: np.ndarray, hi: np.ndarray, doc: np.ndarray, usable: np.ndarray, *, max_fanout: int
) -> Pairs:
    """Pairs of usable rows of different documents that share a term while their windows [lo, hi] overlap.

    The (row, term) entries are sorted by (term, lo); each pairs with the entries after it whose window starts
    before its own ends, unless there are more than max_fanout of them (the term is too common in that
    stretch of time to mean anything)."""
    owner = bag.owners()
    entries = np.flatnonzero(usable[owner])
    span = int(hi[usable].max(initial=0)) + 2
    start_key = bag.term[entries] * span + lo[owner[entries]]
    order = np.argsort(start_key, kind="stable")
    entries, start_key = entries[order], start_key[order]
    end = np.searchsorted(start_key, bag.term[entries] * span + hi[owner[entries]], side="right")
    fan = end - np.arange(len(entries)) - 1
    fan = np.where(fan <= max_fanout, fan, 0)
    first = np.repeat(np.arange(len(entries)), fan)
    second = _ranges(np.arange(len(entries)) + 1, fan)
    left, right = entries[first], entries[second]
    cross = doc[owner[left]] != doc[owner[right]]
    return _pairs(left[cross], right[cross], bag, owner, len(usable), ordered=True)


def query_pairs(bag: Bags, queries: np.ndarray, targets: np.ndarray, doc: np.ndarray, *, max_fanout: int) -> Pairs:
    """(query row, target row) pairs of different documents sharing a term, whatever their dates; a term more
    than max_fanout targets share is ignored. `a` holds the query rows, `b` the targets."""
    owner = bag.owners()
    n = len(bag.indptr) - 1
    is_target, is_query = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    is_target[targets], is_query[queries] = True, True
    t = np.flatnonzero(is_target[owner])
    t = t[np.argsort(bag.term[t], kind="stable")]
    q = np.flatnonzero(is_query[owner])
    first = np.searchsorted(bag.term[t], bag.term[q], side="left")
    count = np.searchsorted(bag.term[t], bag.term[q], side="right") - first
    count = np.where(count <= max_fanout, count, 0)
    left, right = np.repeat(q, count), t[_ranges(first, count)]
    cross = doc[owner[left]] != doc[owner[right]]
    return _pairs(left[cross], right[cross], bag, owner, n, ordered=False)


def pair_cosines(bag: Bags, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of the bags of owners a[i] and b[i], for every i (all spaces together)."""
    span = int(bag.term.max(initial=0)) + 1

    def entries(owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        length = bag.indptr[owners + 1] - bag.indptr[owners]
        at = _ranges(bag.indptr[owners], length)
        return np.repeat(np.arange(len(owners), dtype="int64"), length) * span + bag.term[at], at

    key_a, at_a = entries(a)
    key_b, at_b = entries(b)
    shared, ia, ib = np.intersect1d(key_a, key_b, assume_unique=True, return_indices=True)
    products = bag.weight[at_a[ia]] * bag.weight[at_b[ib]]
    return np.minimum(np.bincount(shared // span, weights=products, minlength=len(a)), 1.0)


def cross_pairs(
    doc_a: np.ndarray, doc_b: np.ndarray, doc: np.ndarray, lo: np.ndarray, hi: np.ndarray, usable: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of usable rows, one of document doc_a[i] and one of doc_b[i], whose windows overlap, as
    (a, b) with a < b."""
    rows = np.flatnonzero(usable)
    rows = rows[np.argsort(doc[rows], kind="stable")]
    start = np.searchsorted(doc[rows], np.arange(int(doc.max(initial=-1)) + 2))
    n_a, n_b = start[doc_a + 1] - start[doc_a], start[doc_b + 1] - start[doc_b]
    per_pair = n_a * n_b
    pair = np.repeat(np.arange(len(doc_a)), per_pair)
    k = _ranges(np.zeros(len(doc_a), dtype="int64"), per_pair)
    ra = rows[start[doc_a][pair] + k // n_b[pair]]
    rb = rows[start[doc_b][pair] + k % n_b[pair]]
    overlap = (lo[ra] <= hi[rb]) & (lo[rb] <= hi[ra])
    ra, rb = ra[overlap], rb[overlap]
    return np.minimum(ra, rb), np.maximum(ra, rb)
