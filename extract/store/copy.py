"""One store's whole content into another, in one write: importing a data folder into a database, exporting a
database to a folder (``python -m extract import``; ``python -m extract ... --db URL --out DIR``).

What is copied: the events and plans, the documents, every derived table declared in schema.TABLES (event
groups, key dates), each document's text and scan. A text or scan the source cannot give back (lost, damaged)
is reported and the document copied without it; the rest goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from extract.schema import TABLES
from extract.store.base import BASE_TABLES, Corpus, CorpusTables, Derive, Store, StoreError, WriteSummary


@dataclass
class CopyReport:
    """What copy_store did."""

    summary: WriteSummary
    n_texts: int  # texts copied
    n_scans: int  # scans copied
    tables: tuple[str, ...]  # derived tables copied as they were (none when recomputed by ``derive``)
    problems: list[str] = field(default_factory=list)  # "doc_id: what could not be copied"


def copy_store(
    source: Store,
    target: Store,
    *,
    merge: bool = False,
    derive: Derive | None = None,
    attempts: int = 5,
    write: Callable[..., WriteSummary] | None = None,
) -> CopyReport:
    """Write everything ``source`` holds into ``target``, in one write.

    Without ``merge`` the target's set becomes exactly the source's, derived tables included as the source has
    them. With ``merge`` the source's documents replace the target's with the same doc_id and the others stay;
    ``derive`` (the corpus steps) then recomputes the derived tables over the merged set (without it they are
    left as the target has them). StoreError when the source holds nothing. ``write``: what writes into the
    target, called as ``target.write`` is (default: that; the CLI passes a write that records itself in the
    database's audit log, extract.store.sql_uploads.recorded_write).
    """
    for _ in range(attempts):  # a write landing in the source while it is read: read again
        before = source.version()
        events, documents = source.read_events(), source.read_documents()
        tables = {name: source.read_table(name) for name in TABLES if name not in BASE_TABLES}
        texts, scans, problems = _contents(source, documents)
        if source.version() == before:
            break
    if source.is_empty() or not len(documents):
        raise StoreError(f"{_name(source)} holds no documents: nothing to copy")
    if merge:
        chosen = derive
        copied: tuple[str, ...] = ()
    else:
        copied = tuple(name for name, frame in tables.items() if len(frame))
        chosen = _as_stored(tables)
    summary = (write or target.write)(events, documents, texts, scans=scans, replace_all=not merge, derive=chosen)
    return CopyReport(summary, len(texts), len(scans), copied, problems)


def _as_stored(tables: Mapping[str, pd.DataFrame]) -> Derive:
    """A derive step that keeps the events and documents and gives the source's derived tables."""

    def keep(corpus: Corpus) -> CorpusTables:
        return CorpusTables(corpus.events, corpus.documents, dict(tables))

    return keep


def _contents(source: Store, documents: pd.DataFrame) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Each document's text and scan, and what could not be read."""
    problems: list[str] = []
    bulk_texts: Callable[[], dict[str, str]] | None = getattr(source, "read_texts", None)
    bulk_scans: Callable[[], dict[str, str]] | None = getattr(source, "read_scans", None)
    if bulk_texts is not None and bulk_scans is not None:
        return bulk_texts(), bulk_scans(), problems
    texts: dict[str, str] = {}
    scans: dict[str, str] = {}
    for doc_id, sha, scan_sha in zip(
        documents["doc_id"].astype(str), documents["sha256"], documents["scan_sha256"], strict=True
    ):
        for kind, wanted, read, found in (
            ("text", sha, source.read_text, texts),
            ("scan", scan_sha, source.read_scan, scans),
        ):
            try:
                content = read(doc_id)
            except StoreError as exc:
                problems.append(f"{doc_id}: {kind} not copied: {exc}")
                continue
            if content is not None:
                found[doc_id] = content
            elif wanted:
                problems.append(f"{doc_id}: {kind} not copied: the store has none (it names {wanted[:12]}…)")
    return texts, scans, problems


def _name(store: Store) -> str:
    return str(getattr(store, "display", store.location))
