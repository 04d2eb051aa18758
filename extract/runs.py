"""One extraction run: read inputs, extract, write the results through a store.

``run_extraction`` is what ``python -m extract`` and the dashboard's first start call. It never touches files
of the data folder itself: everything it stores goes through ``Store.write``, which replaces the run's
documents (their rows, events, plans and texts) atomically and, with ``merge``, keeps the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extract import pipeline
from extract.corpus.steps import corpus_tables
from extract.documents import MAX_BYTES, Problem, read_inputs
from extract.store import MergeError, Store, StoreError, is_plan, open_store

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from extract.store import WriteSummary
    from extract.store.team import Actor

__all__ = ["MergeError", "RunReport", "StoreError", "run_extraction", "write_recorded"]


@dataclass
class RunReport:
    """What run_extraction did: counts, problems and where the tables went (empty when nothing was written)."""

    n_documents: int  # documents extracted and stored (this run's, not merged-in old ones)
    n_events: int  # events from this run's documents
    problems: list[Problem] = field(default_factory=list)
    n_plans: int = 0  # of n_events, those planned or hypothetical
    n_read: int = 0  # documents read from the inputs (some may then fail extraction)
    # merge: each stored doc_id this run replaced -> (its stored path, the new document's path)
    replaced: dict[str, tuple[str, str]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # stored doc_ids dropped (not merging: not in this run)
    outputs: list[str] = field(default_factory=list)  # what the store wrote (the files store: table files)
    version: int = 0  # the store's version after the write (0: nothing written)

    @property
    def written(self) -> bool:
        """True when the tables were written."""
        return bool(self.version)


def write_recorded(
    target: Store,
    events: pd.DataFrame,
    documents: pd.DataFrame,
    texts: Mapping[str, str],
    *,
    actor: Actor | None,
    where: str,
    action: str = "extract",
    **options: Any,
) -> WriteSummary:
    """``target.write``; into a database with an ``actor``, in one transaction with its audit entry (the role
    checked there, the documents added, replaced and removed recorded as the actor's)."""
    if actor is not None and hasattr(target, "write_in"):
        from extract.store.sql_uploads import recorded_write

        return recorded_write(target, events, documents, texts, actor=actor, action=action, target=where, **options)  # type: ignore[arg-type]
    return target.write(events, documents, texts, **options)


def run_extraction(
    inputs: list[Path],
    store: Store | str | Path,
    jobs: int = 1,
    progress: pipeline.Progress | None = None,
    merge: bool = False,
    *,
    max_bytes: int = MAX_BYTES,
    namespace_jsonl: bool = False,
    actor: Actor | None = None,
    **extract_options: Any,
) -> RunReport:
    """Read inputs, extract, and write the tables with their texts through ``store`` (a Store or a location).

    Without ``merge`` the stored set becomes exactly this run's; with it, the run's documents replace stored
    ones with the same doc_id and the others are kept. Nothing is written when no document could be
    extracted, so stored tables are never replaced by empty ones. Raises StoreError when the stored tables
    cannot be read for merging, MergeError when merging into a store holding only part of them.
    ``namespace_jsonl``: see ``read_inputs``; ``extract_options`` go to ``pipeline.extract_documents``.
    ``actor``: into a database, the write is recorded in its audit log as this actor's, with its counts (documents
    added, replaced, removed), in the write's own transaction.
    """
    target = store if isinstance(store, Store) else open_store(store)
    documents, problems = read_inputs(inputs, max_bytes=max_bytes, namespace_jsonl=namespace_jsonl)
    report = RunReport(n_documents=0, n_events=0, problems=problems, n_read=len(documents))
    if not documents:
        return report
    extraction = pipeline.extract_documents(documents, jobs=jobs, progress=progress, **extract_options)
    events, docs = extraction.events, extraction.documents
    problems.extend(extraction.problems)
    report.n_documents, report.n_events = len(docs), len(events)
    report.n_plans = int(is_plan(events).sum()) if len(events) else 0
    if not len(docs):
        return report
    options: dict[str, Any] = {"scans": extraction.datings, "replace_all": not merge, "derive": corpus_tables}
    where = ", ".join(str(p) for p in inputs)[:500]
    summary = write_recorded(target, events, docs, extraction.texts, actor=actor, where=where, **options)
    report.replaced = summary.replaced
    report.removed = list(summary.removed)
    report.outputs = list(summary.outputs)
    report.version = summary.version
    return report
