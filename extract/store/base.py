"""The storage seam: the Store interface every implementation provides, and the table logic they share.

A store holds the events (plans included), the documents and each document's text. Writers hand it one run's
tables; it replaces every document of the run (its row, its events and plans, its text) and keeps the others,
or, with ``replace_all``, makes the stored set exactly the run's. Readers get typed frames back. ``version()``
is a number that grows with every write, cheap enough to call on every dashboard rerun as a cache key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from extract.schema import PLAN_MODALITIES, TABLES, typed, typed_documents, typed_events

if TYPE_CHECKING:
    from extract.store.sql_corrections import Corrections


@dataclass(frozen=True)
class Corpus:
    """The whole stored set as a write will leave it (this run merged in), for the corpus-level steps."""

    events: pd.DataFrame  # every event, plans included (typed)
    documents: pd.DataFrame  # typed
    read_scan: Callable[[str], str | None]  # doc_id -> the document's stored scan (JSON), None if none


@dataclass(frozen=True)
class CorpusTables:
    """What the corpus-level steps make of a Corpus: the events and documents as they are to be stored (event
    groups filled in, documents dated from each other) and the derived tables (by name, declared in
    schema.TABLES)."""

    events: pd.DataFrame
    documents: pd.DataFrame
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)


# The corpus-level steps (event groups, cross-source dating, key dates), run on the whole set inside the write.
Derive = Callable[[Corpus], CorpusTables]


class StoreError(Exception):
    """The store cannot be read or written (corrupt table, unknown location, unfinished write it cannot finish)."""


class MergeError(StoreError):
    """A merge into a store holding only part of the tables: merging would silently drop the rest."""


@dataclass(frozen=True)
class WriteSummary:
    """What a write did."""

    version: int  # the store's version after the write
    n_documents: int  # documents in this write
    n_events: int  # events in this write, plans included
    stored_documents: int  # documents in the store afterwards
    stored_events: int  # events in the store afterwards, plans included
    # each stored doc_id this write replaced -> (its stored path, the new document's path)
    replaced: dict[str, tuple[str, str]] = field(default_factory=dict)
    removed: tuple[str, ...] = ()  # stored doc_ids dropped (replace_all: not in the run)
    outputs: tuple[str, ...] = ()  # where the tables went (the files store: their paths)


@runtime_checkable
class Store(Protocol):
    """Where the engine's tables live. Implementations: FileStore (a folder), SqlStore (SQLite or PostgreSQL)."""

    @property
    def location(self) -> str:
        """What open_store was given (a folder path or a database URL): reopens the store, keys caches."""
        ...

    def write(
        self,
        events: pd.DataFrame,
        documents: pd.DataFrame,
        texts: Mapping[str, str],
        *,
        scans: Mapping[str, str] | None = None,
        replace_all: bool = False,
        derive: Derive | None = None,
    ) -> WriteSummary:
        """Store one run atomically: every document in ``documents`` (or with events in ``events``) replaces
        the stored one with its doc_id, with its events, plans, text (``texts``: doc_id -> text) and scan
        (``scans``: doc_id -> the time-expression scan as JSON); the other documents are kept, or dropped when
        ``replace_all``. ``derive`` runs the corpus-level steps on the resulting set, and what it returns is
        stored. Raises MergeError when the stored set is incomplete and would be merged into."""
        ...

    def read_events(self) -> pd.DataFrame:
        """Every stored event, asserted ones first, then plans (typed; empty when nothing is stored)."""
        ...

    def read_documents(self) -> pd.DataFrame:
        """The documents table (typed; empty when nothing is stored)."""
        ...

    def read_table(self, name: str) -> pd.DataFrame:
        """Any table declared in schema.TABLES, typed (empty when not stored)."""
        ...

    def read_text(self, doc_id: str) -> str | None:
        """The text the document's events were extracted from (offsets index into it), or None if not stored."""
        ...

    def read_scan(self, doc_id: str) -> str | None:
        """The document's stored time-expression scan (JSON, see extract.timex.Scan), or None if none is stored."""
        ...

    def version(self) -> int:
        """A number that grows with every write (0: nothing written yet). Cheap: no table is read."""
        ...

    def is_empty(self) -> bool:
        """True when no table has been stored yet (the dashboard then extracts the seeds)."""
        ...

    def corrections(self) -> Corrections | None:
        """The store's corrections and events added by hand (extract.store.sql_corrections), or None where the
        store cannot keep them (a folder: corrections need a database)."""
        ...


# --------------------------------------------------------------------------- shared table logic


def is_plan(events: pd.DataFrame) -> np.ndarray:
    """Which rows are planned or hypothetical (they belong in the plans table, not events)."""
    return events["modality"].astype(str).isin(PLAN_MODALITIES).to_numpy()


def split_tables(
    events: pd.DataFrame, documents: pd.DataFrame, derived: Mapping[str, pd.DataFrame] | None = None
) -> dict[str, pd.DataFrame]:
    """The whole stored set (typed events and documents) as one frame per declared table: events split into
    events and plans.

    ``derived`` tables (by name) must be declared in schema.TABLES; a declared table missing from the result
    is left as stored by the caller.
    """
    planned = is_plan(events)
    out = {
        "events": events[~planned].reset_index(drop=True),
        "plans": events[planned].reset_index(drop=True),
        "documents": documents,
    }
    out.update(typed_derived(derived))
    return out


BASE_TABLES = ("events", "plans", "documents")  # written from the events and documents, never derived


def typed_derived(derived: Mapping[str, pd.DataFrame] | None) -> dict[str, pd.DataFrame]:
    """The corpus steps' tables (by name) typed; StoreError for a name not declared in schema.TABLES or one of
    the tables made from the events and documents."""
    out: dict[str, pd.DataFrame] = {}
    for name, frame in (derived or {}).items():
        if name not in TABLES:
            raise StoreError(f"table {name!r} is not declared in extract.schema.TABLES")
        if name in BASE_TABLES:
            raise StoreError(f"table {name!r} is written from the events and documents, not derived")
        out[name] = typed(frame, name)
    return out


def with_hashes(documents: pd.DataFrame, blobs: Mapping[str, str], column: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Documents whose text (or scan) is given get its SHA-256 in ``column`` (what names the stored content);
    returns them and {sha256: content} for the contents to store."""
    run_blobs: dict[str, str] = {}
    if not blobs or not len(documents):
        return documents, run_blobs
    shas = documents[column].astype(str).tolist()
    for i, doc_id in enumerate(documents["doc_id"].astype(str)):
        content = blobs.get(doc_id)
        if content is None:
            continue
        sha = hashlib.sha256(content.encode("utf-8", errors="surrogatepass")).hexdigest()
        shas[i] = sha
        run_blobs[sha] = content
    documents = documents.copy()
    documents[column] = pd.array(shas, dtype="string")
    return documents, run_blobs


def merge_tables(
    old_events: pd.DataFrame, old_docs: pd.DataFrame, new_events: pd.DataFrame, new_docs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old tables with every doc_id in the new ones replaced by the new rows; other documents kept.

    A re-extracted document that now yields no events still replaces its old events (with none).
    Kept rows come first in their old order, then the new rows.
    """
    return merge_typed(
        typed_events(old_events), typed_documents(old_docs), typed_events(new_events), typed_documents(new_docs)
    )


def merge_typed(
    old_events: pd.DataFrame, old_docs: pd.DataFrame, new_events: pd.DataFrame, new_docs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """merge_tables for frames that are typed already (typing 100,000 rows again costs about a second)."""
    replaced = run_doc_ids(new_events, new_docs)
    events = concat(old_events[~old_events["doc_id"].isin(replaced)], new_events)
    docs = concat(old_docs[~old_docs["doc_id"].isin(replaced)], new_docs)
    return events, docs


def run_doc_ids(events: pd.DataFrame, documents: pd.DataFrame) -> set[str]:
    """The doc_ids a run writes: those of its documents and of its events."""
    return set(documents["doc_id"].astype(str)) | set(events["doc_id"].astype(str))


def replaced_paths(old_docs: pd.DataFrame, new_docs: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each stored doc_id the new documents replace -> (its stored path, the new path)."""
    old_paths = dict(zip(old_docs["doc_id"].astype(str), old_docs["path"].astype(str), strict=True))
    new_paths = zip(new_docs["doc_id"].astype(str), new_docs["path"].astype(str), strict=True)
    return {doc_id: (old_paths[doc_id], path) for doc_id, path in new_paths if doc_id in old_paths}


def concat(kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """kept then new, without pandas' warning (and mistyping) on empty frames."""
    frames = [f for f in (kept, new) if len(f)]
    if not frames:
        return new.reset_index(drop=True)
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)


def read_snapshot(store: Store, attempts: int = 5) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(events, documents, version) from one write: read again when a write landed between the two reads."""
    for _ in range(attempts):
        before = store.version()
        events, documents = store.read_events(), store.read_documents()
        after = store.version()
        if after == before:
            return events, documents, after
    return events, documents, after  # writes keep landing: the last read is as good as any
