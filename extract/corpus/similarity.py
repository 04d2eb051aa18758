"""How alike two event rows (or two documents) are: shared words and names, weighted by rarity.

In: the rows' text fields (`summary`, `sentence`, `actors`, `locations`), the documents' titles and the rows'
date windows (`extract.corpus.windows`). Out: candidate pairs of rows from different documents with their
similarities. Everything is numpy over flat arrays, so a table of 100,000 rows takes seconds.

A similarity is a cosine between sets of stems weighted by inverse document frequency (a word every document
uses weighs little, a place name one story uses weighs much). A row has three such sets, compared separately:
its summary's words, its sentence's words and the words of its actor and location names. Candidate pairs
are rows of different documents that share a stem while their windows overlap; a row is paired through one
stem with at most `max_fanout` others, the nearest in time. A stem used by very many documents is too
common to tell events apart (unless most of its uses fall in one week: the words of one big event) and
counts for neither the candidates nor the cosine. Both keep the cost near-linear in the number of rows.
"""

from __future__ import annotations

import re
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


def _normal(raw: str, numbers: bool) -> str:
    """A raw lower-case token -> its stem, or "" when it cannot tell events apart."""
    word = _POSSESSIVE.sub("", raw).strip(".")
    if len(word) < 2 or word in stopwords() or (not numbers and word.replace(",", "").isdigit()):
        return ""
    return stem(word)


def words(text: str, *, numbers: bool = False) -> set[str]:
    """Text -> the set of stems that can tell one event from another: no stop words, and no bare numbers
    unless `numbers` (in a name, "Resolution 2231", the number is what tells it apart)."""
    return {w for w in (_normal(raw, numbers) for raw in _WORD.findall(text.lower())) if w}


def tokens(texts: pd.Series, *, numbers: bool = False) -> pd.DataFrame:
    """Texts -> one row per distinct (owner, stem): owner is the text's position, stem as in `words`.

    Vectorised: the regex runs once per text, the normalisation once per distinct raw token."""
    found = texts.astype(str).reset_index(drop=True).str.lower().str.findall(_WORD).explode().dropna()
    codes, raw = pd.factorize(found)
    normal = np.array([_normal(r, numbers) for r in raw], dtype=object)
    out = pd.DataFrame({"owner": found.index.to_numpy(dtype="int64"), "word": normal[codes] if len(raw) else []})
    return out[out["word"] != ""].drop_duplicates()


@dataclass(frozen=True)
class Bags:
    """Owners' (rows' or documents') weighted stem sets, CSR-style: owner i has entries indptr[i]:indptr[i+1]."""

    indptr: np.ndarray  # int64, n_owners + 1
    term: np.ndarray  # int64 term id (the same word in two spaces has two ids)
    space: np.ndarray  # int8: SUMMARY, SENTENCE or NAMES (documents: all SENTENCE)
    weight: np.ndarray  # float64: idf, L2-normalised within each owner and space
    common: np.ndarray  # bool: the term is in too many documents to pair rows (see row_bags)

    def owners(self) -> np.ndarray:
        """The owner of every entry."""
        return np.repeat(np.arange(len(self.indptr) - 1, dtype="int64"), np.diff(self.indptr))


def _bags(
    entries: pd.DataFrame,
    owner_doc: np.ndarray,
    n_owners: int,
    max_df: float = np.inf,
    day: np.ndarray | None = None,
    norm_floor: tuple[float, ...] = (0.0,) * N_SPACES,
) -> Bags:
    """Distinct (owner, word, space) entries -> Bags; idf over documents (owner_doc maps owner -> document).
    Terms in more than max_df documents are marked common, unless most of their dated owners (day >= 0)
    fall in one week: a word every report of one big event uses is that event's, not common.

    Weights are idf divided by the owner's norm in that space, the norm being at least `norm_floor[space]`
    times the idf of a word only one document uses: two short texts that share only words many documents use
    are then not alike (a plain cosine makes two rows that name only the same two countries identical)."""
    entries = entries.sort_values(["owner", "space"], kind="stable")
    owner = entries["owner"].to_numpy(dtype="int64")
    space = entries["space"].to_numpy(dtype="int8")
    codes = pd.factorize(entries["word"])[0].astype("int64") * N_SPACES + space  # one term per word and space
    n_docs = max(int(owner_doc.max(initial=-1)) + 1, 1)
    df = pd.Series(owner_doc[owner]).groupby(codes).nunique().reindex(codes).to_numpy() if len(codes) else codes
    weight = np.log1p(n_docs / df) if len(codes) else np.zeros(0)
    norm = np.bincount(owner * N_SPACES + space, weights=weight**2, minlength=n_owners * N_SPACES)
    floor = np.tile(np.asarray(norm_floor, dtype="float64") * np.log1p(n_docs), n_owners)
    norm = np.maximum(norm, floor**2)
    weight = weight / np.sqrt(norm[owner * N_SPACES + space]) if len(codes) else weight
    common = df > max_df
    if common.any() and day is not None:
        dated = day[owner] >= 0
        per_week = pd.Series(1, index=[codes[dated], day[owner][dated] // 7]).groupby(level=[0, 1]).size()
        peak = per_week.groupby(level=0).max() / per_week.groupby(level=0).sum()
        common &= ~(peak.reindex(codes).fillna(0.0).to_numpy() >= 0.5)
    indptr = np.zeros(n_owners + 1, dtype="int64")
    np.cumsum(np.bincount(owner, minlength=n_owners), out=indptr[1:])
    return Bags(indptr, codes, space, weight.astype("float64"), common)


def _names(events: pd.DataFrame) -> pd.Series:
    """Each row's actor and location names as one text."""
    return pd.Series([" ".join([*a, *b]) for a, b in zip(events["actors"], events["locations"], strict=True)])


@dataclass(frozen=True)
class RowWords:
    """The rows' words, tokenised once (`tokens` frames, owner = row position): what `row_bags` and
    `document_bags` are built from."""

    summary: pd.DataFrame
    sentence: pd.DataFrame
    names: pd.DataFrame  # actor and location names, numbers kept

    @classmethod
    def of(cls, events: pd.DataFrame) -> RowWords:
        """Events (summary, sentence, actors, locations) -> their words."""
        return cls(tokens(events["summary"]), tokens(events["sentence"]), tokens(_names(events), numbers=True))


def row_bags(
    events: pd.DataFrame,
    doc: np.ndarray,
    max_df: float = np.inf,
    day: np.ndarray | None = None,
    norm_floor: tuple[float, ...] = (0.0,) * N_SPACES,
    words: RowWords | None = None,
) -> Bags:
    """Events (summary, sentence, actors, locations), each row's document code (and day number, -1 when it has
    none) -> each row's weighted stems.

    Document frequency counts documents, not rows, so a story that repeats a name in ten sentences does not
    make the name common. A term in more than max_df documents, spread over time, is marked common: it
    weighs little and would pair most rows of a large table with each other, so it is left out of
    candidates and cosines. `norm_floor` (per space, see `_bags`) keeps a few widely used words from making
    two short rows alike. `words`: the rows' words when already tokenised."""
    words = words or RowWords.of(events)
    parts = [
        words.summary.assign(space=SUMMARY),
        words.sentence.assign(space=SENTENCE),
        words.names.assign(space=NAMES),
    ]
    return _bags(pd.concat(parts, ignore_index=True), doc, len(events), max_df, day, norm_floor)


def document_bags(events: pd.DataFrame, doc: np.ndarray, titles: pd.Series, words: RowWords | None = None) -> Bags:
    """Events, each row's document code and the documents' titles (by code) -> each document's weighted stems
    (its title and its rows' sentences and names, as one set). `words`: the rows' words when already
    tokenised."""
    words = words or RowWords.of(events)
    own = pd.concat([words.sentence, words.names], ignore_index=True)
    own["owner"] = doc[own["owner"].to_numpy()]
    entries = pd.concat([own, tokens(titles)], ignore_index=True).drop_duplicates().assign(space=SENTENCE)
    return _bags(entries, np.arange(len(titles)), len(titles))


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
    before its own ends, at most the max_fanout nearest."""
    owner = bag.owners()
    entries = np.flatnonzero(usable[owner] & ~bag.common)
    span = int(hi[usable].max(initial=0)) + 2
    start_key = bag.term[entries] * span + lo[owner[entries]]
    order = np.argsort(start_key, kind="stable")
    entries, start_key = entries[order], start_key[order]
    end = np.searchsorted(start_key, bag.term[entries] * span + hi[owner[entries]], side="right")
    # in a crowd (more than max_fanout rows with the term in the window) only the nearest in time are paired,
    # so the reports of one big event still link up without every pair being scored
    fan = np.minimum(end - np.arange(len(entries)) - 1, max_fanout)
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
    t = np.flatnonzero(is_target[owner] & ~bag.common)
    t = t[np.argsort(bag.term[t], kind="stable")]
    q = np.flatnonzero(is_query[owner] & ~bag.common)
    first = np.searchsorted(bag.term[t], bag.term[q], side="left")
    count = np.searchsorted(bag.term[t], bag.term[q], side="right") - first
    count = np.where(count <= max_fanout, count, 0)
    left, right = np.repeat(q, count), t[_ranges(first, count)]
    cross = doc[owner[left]] != doc[owner[right]]
    return _pairs(left[cross], right[cross], bag, owner, n, ordered=False)


def _shared_terms(bag: Bags, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every i, the entries of owner a[i] whose term owner b[i] also has: (i, entry of a[i], entry of
    b[i]) as three arrays. Each entry of a[i] looks its term up among b[i]'s entries in the one sorted array
    of (owner, term) keys."""
    span = int(bag.term.max(initial=0)) + 1
    keys = bag.owners() * span + bag.term  # sorted by owner; terms sorted within an owner below
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    length = bag.indptr[a + 1] - bag.indptr[a]
    at = _ranges(bag.indptr[a], length)
    wanted = np.repeat(b, length) * span + bag.term[at]
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1) if len(keys) else np.zeros(0, dtype="int64")
    hit = keys[found] == wanted if len(keys) else np.zeros(0, dtype=bool)
    pair = np.repeat(np.arange(len(a)), length)
    return pair[hit], at[hit], order[found[hit]]


def pair_cosines(bag: Bags, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of the bags of owners a[i] and b[i], for every i (all spaces together)."""
    size = np.diff(bag.indptr)
    a, b = np.where(size[a] <= size[b], a, b), np.where(size[a] <= size[b], b, a)  # look up the smaller one's terms
    pair, left, right = _shared_terms(bag, a, b)
    products = bag.weight[left] * bag.weight[right]
    return np.minimum(np.bincount(pair, weights=products, minlength=len(a)), 1.0)


def owner_similarity(bag: Bags, x: int, y: int) -> np.ndarray:
    """Cosines of owners x and y in each space (N_SPACES,), from their own entries only: cheap for one pair."""
    ex, ey = slice(bag.indptr[x], bag.indptr[x + 1]), slice(bag.indptr[y], bag.indptr[y + 1])
    _, at_x, at_y = np.intersect1d(bag.term[ex], bag.term[ey], assume_unique=True, return_indices=True)
    products = bag.weight[ex][at_x] * bag.weight[ey][at_y]
    return np.minimum(np.bincount(bag.space[ex][at_x], weights=products, minlength=N_SPACES), 1.0)


def pair_similarities(bag: Bags, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosines of the rows a[i] and b[i] in each space: (len(a), N_SPACES), as `Pairs.sim` holds them. For
    any pairs, rows of one document included."""
    pair, left, right = _shared_terms(bag, a, b)
    flat = np.bincount(
        pair * N_SPACES + bag.space[left],
        weights=bag.weight[left] * bag.weight[right],
        minlength=len(a) * N_SPACES,
    )
    return np.minimum(flat.reshape(len(a), N_SPACES), 1.0)


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
