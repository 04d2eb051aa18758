"""Extraction from the dashboard: seeds at first start, uploaded files later, all written through the store.

Uploads never touch the disk as files: each is read, and so checked, by `extract.documents.documents_from_bytes`
(a bad JSONL line is named as file:line and the file's other lines still go on; a file that yields no document
is named with its problem), the documents go through `extract.pipeline.extract_documents`, and the results,
texts included, through `Store.write` (merged: documents with other doc_ids are kept). A document's `path` is
the upload's name; the Sources page shows its text from the store.

doc_ids: an uploaded `article.txt` is the document `article`, so uploading a corrected `article.txt` later
replaces it (its events and text too). JSONL lines are `<file stem>/<id>` (`batch.jsonl` line `{"id": 1}` ->
`batch/1`), so two batches numbered 1..N do not replace each other; re-uploading `batch.jsonl` does. A doc_id
repeated within one batch of uploads is reported and the later document skipped. Every replaced stored
document is listed in the report.

Writers: `WRITE_LOCK` serialises this server's extractions (one model's worth of CPU at a time); the store's
write takes its own inter-process lock around read-merge-write, so a cron `python -m extract ... --merge` into
the same store and an upload cannot lose each other's documents.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dashboard.data import PROJECT_ROOT
from extract import documents, pipeline, runs
from extract.corpus.steps import corpus_tables
from extract.store import Store, open_store
from extract.store.team import LOCAL, Actor, require

UPLOAD_TYPES = [suffix.lstrip(".") for suffix in documents.SUPPORTED_SUFFIXES]
MAX_UPLOAD_MB = documents.MAX_BYTES // 1_048_576  # the engine refuses larger files; the uploader says so first
SEEDS = PROJECT_ROOT / "seeds"
Progress = Callable[[int, int, str], None]
# One extraction at a time per server process: extraction is CPU-bound, and the seeds are extracted once.
WRITE_LOCK = threading.Lock()


def extract_seeds(store: Store | str | Path, progress: Progress | None = None) -> runs.RunReport | None:
    """Extract seeds/ into an empty store (None when the store holds tables already, e.g. another session's)."""
    target = store if isinstance(store, Store) else open_store(store)
    with WRITE_LOCK:
        if not target.is_empty():
            return None
        # merge: should a cron run have written into the store meanwhile, its documents are kept.
        return runs.run_extraction([SEEDS], target, progress=progress, merge=True)


def problem_text(problem: documents.Problem, name: str) -> str:
    """A problem of the upload `name` in words, without the file name (the UI shows it once, in bold)."""
    where = problem.path
    line = where[len(name) + 1 :] if where.startswith(f"{name}:") else ""
    if problem.severity == documents.WARNING:
        return f"line {line}: {problem.reason}" if line else problem.reason
    return f"line {line} skipped: {problem.reason}" if line else problem.reason


@dataclass
class UploadReport:
    """What happened to a batch of uploaded files."""

    accepted: list[str] = field(default_factory=list)  # files whose documents are now in the tables
    rejected: list[str] = field(default_factory=list)  # files that added nothing (unreadable, or extraction failed)
    problems: dict[str, list[str]] = field(default_factory=dict)  # file -> its problems, in words
    events_before: int = 0
    events_after: int = 0
    documents_added: int = 0  # documents this run wrote (new or replacing one with the same doc_id)
    documents_replaced: int = 0
    replaced: list[str] = field(default_factory=list)  # stored doc_ids this upload replaced
    lost_events: int = 0  # events of other documents that are gone (should stay 0)
    error: str | None = None
    run_report: str = ""


def read_uploads(
    files: list[tuple[str, bytes]], report: UploadReport
) -> tuple[list[documents.Document], dict[str, str]]:
    """Uploaded (name, bytes) -> documents, and doc_id -> upload name; problems and refused files go to report."""
    found: list[documents.Document] = []
    origin: dict[str, str] = {}  # doc_id -> the upload it came from
    seen: set[tuple[str, str]] = set()
    for name, data in files:
        docs, problems = documents.documents_from_bytes(name, data)
        for problem in problems:
            _note(report, seen, name, problem_text(problem, name))
        kept = 0
        for doc in _namespaced(name, docs):
            if doc.doc_id in origin:
                _note(report, seen, name, f"duplicate doc_id '{doc.doc_id}' (already in {origin[doc.doc_id]}); skipped")
                continue
            origin[doc.doc_id] = name
            found.append(doc)
            kept += 1
        if not kept:
            report.rejected.append(name)
            if not problems and not docs:  # documents_from_bytes always says why; this is only a safety net
                _note(report, seen, name, "no article could be read from it")
    return found, origin


def extract_uploads(
    files: list[tuple[str, bytes]],
    store: Store | str | Path,
    progress: Progress | None = None,
    actor: Actor = LOCAL,
) -> UploadReport:
    """Extract uploaded files and merge their documents into the store; bad files are reported, not fatal. The
    write is refused (report.error) unless ``actor`` is an editor in the store at the moment of writing."""
    target = store if isinstance(store, Store) else open_store(store)
    report = UploadReport()
    found, origin = read_uploads(files, report)
    if not found:
        return report
    names = list(dict.fromkeys(origin.values()))
    with WRITE_LOCK:
        try:
            before = target.read_events()
            extraction = pipeline.extract_documents(found, progress=progress)
            events, docs, failures = extraction.events, extraction.documents, extraction.problems
            extracted = set(docs["doc_id"].astype(str))
            summary = None
            if extracted:
                require(target, actor, "editor", "upload articles")  # the role as stored now, not as shown
                summary = target.write(events, docs, extraction.texts, scans=extraction.datings, derive=corpus_tables)
            after = target.read_events()
        except Exception as err:  # a corrupt stored table, a missing model...: nothing was written
            report.error = f"{type(err).__name__}: {err}"
            report.rejected += [n for n in names if n not in report.rejected]
            return report
    seen = {(name, text) for name, texts in report.problems.items() for text in texts}
    for problem in failures:  # extraction failures name the document's path: the upload's name
        _note(report, seen, problem.path, problem_text(problem, problem.path))
    accepted = {origin[doc_id] for doc_id in extracted}
    for name in names:
        if name in accepted:
            report.accepted.append(name)
        elif name not in report.rejected:
            report.rejected.append(name)
    report.events_before, report.events_after = len(before), len(after)
    report.documents_added = len(docs)
    report.replaced = sorted(summary.replaced) if summary else []
    report.documents_replaced = len(report.replaced)
    kept_before = before[~before["doc_id"].isin(extracted)]
    report.lost_events = int((~kept_before["event_id"].isin(set(after["event_id"]))).sum())
    report.run_report = f"{len(found):,} articles read, {len(docs):,} extracted, {len(events):,} events found" + (
        "" if summary else "; nothing was written"
    )
    return report


def replaced_text(doc_ids: list[str], shown: int = 10) -> str:
    """'replaced 2 stored documents: a, b' (the first `shown` named)."""
    names = ", ".join(doc_ids[:shown]) + (f" and {len(doc_ids) - shown:,} more" if len(doc_ids) > shown else "")
    return f"replaced {len(doc_ids):,} stored document{'s' if len(doc_ids) != 1 else ''}: {names}"


def _namespaced(name: str, docs: list[documents.Document]) -> list[documents.Document]:
    """JSONL documents get the file's doc_id in front of their own: `batch.jsonl` line `{"id": 1}` -> `batch/1`."""
    base = PurePosixPath(name.replace("\\", "/")).name
    suffix = PurePosixPath(base).suffix.lower()
    if suffix not in documents.JSONL_SUFFIXES:
        return docs
    stem = base[: -len(suffix)]
    return [dataclasses.replace(doc, doc_id=f"{stem}/{doc.doc_id}") for doc in docs]


def _note(report: UploadReport, seen: set[tuple[str, str]], name: str, text: str) -> None:
    if (name, text) not in seen:
        seen.add((name, text))
        report.problems.setdefault(name, []).append(text)
