"""Extraction from the dashboard: seeds at first start, uploaded files later, all written through the store.

Uploads never touch the disk as files: each is read, and so checked, by `extract.documents.documents_from_bytes`
(a bad JSONL line is named as file:line and the file's other lines still go on; a file that yields no document
is named with its problem), the documents go through `extract.pipeline.extract_documents`, and the results,
texts included, through `Store.write` (merged: documents with other doc_ids are kept). A document's `path` is
the upload's name; the Sources page shows its text from the store.

doc_ids: an uploaded `article.txt` is the document `article`. JSONL lines are `<file stem>/<id>` (`batch.jsonl`
line `{"id": 1}` -> `batch/1`), so two batches numbered 1..N do not meet. A doc_id repeated within one batch of
uploads is reported and the later document skipped.

Nothing is replaced silently: an upload whose text (SHA-256) is stored already is reported as "already stored
as DOC" and not extracted again; one whose doc_id is stored with other content (a corrected file, a seed's
name, a JSONL id of an earlier batch) is extracted but waits in `UploadReport.pending`, with what would change
(`Change`: titles, event counts, a few summaries), until an editor confirms it (`confirm_replacements`). Into a
database every write goes through `extract.store.sql_uploads`: the editor role checked, the uploads table and
the audit log written, in the write's own transaction, and a replacement or removal can be undone there. A
folder of files gets the same rules (checked before its write) but keeps no history.

The actor: `current_actor()` (the session's `actor`, else LOCAL, the local single-user app).

Writers: `WRITE_LOCK` serialises this server's extractions (one model's worth of CPU at a time); the store's
write takes its own inter-process lock around read-merge-write, so a cron `python -m extract ... --merge` into
the same store and an upload cannot lose each other's documents.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from dashboard.data import PROJECT_ROOT
from dashboard.labels import counted
from extract import documents, pipeline, runs, schema
from extract.corpus.steps import corpus_tables
from extract.schema import typed_documents
from extract.store import Store, open_store, sql_uploads
from extract.store.base import concat
from extract.store.sql import SqlStore
from extract.store.sql_uploads import text_sha
from extract.store.team import LOCAL, Actor, PermissionDenied, authorize

UPLOAD_TYPES = [suffix.lstrip(".") for suffix in documents.SUPPORTED_SUFFIXES]
MAX_UPLOAD_MB = documents.MAX_BYTES // 1_048_576  # the engine refuses larger files; the uploader says so first
SEEDS = PROJECT_ROOT / "seeds"
Progress = Callable[[int, int, str], None]
# One extraction at a time per server process: extraction is CPU-bound, and the seeds are extracted once.
WRITE_LOCK = threading.Lock()
SHOWN = 5  # event summaries shown per version when a replacement waits for confirmation


def extract_seeds(
    store: Store | str | Path, progress: Progress | None = None, *, actor: Actor = LOCAL
) -> runs.RunReport | None:
    """Extract seeds/ into an empty store (None when the store holds tables already, e.g. another session's).
    Into a database the write needs ``actor`` to be an editor and is recorded in the audit log as theirs."""
    target = store if isinstance(store, Store) else open_store(store)
    with WRITE_LOCK:
        if not target.is_empty():
            return None
        # merge: should a cron run have written into the store meanwhile, its documents are kept.
        return runs.run_extraction([SEEDS], target, progress=progress, merge=True, actor=actor)


def problem_text(problem: documents.Problem, name: str) -> str:
    """A problem of the upload `name` in words, without the file name (the UI shows it once, in bold)."""
    where = problem.path
    line = where[len(name) + 1 :] if where.startswith(f"{name}:") else ""
    if problem.severity == documents.WARNING:
        return f"line {line}: {problem.reason}" if line else problem.reason
    return f"line {line} skipped: {problem.reason}" if line else problem.reason


@dataclass
class Change:
    """What replacing a stored document with an upload would change: old and new title, events, a few
    summaries."""

    doc_id: str
    filename: str
    old_sha256: str
    old_title: str
    new_title: str
    old_events: int
    new_events: int
    old_summaries: list[str] = field(default_factory=list)
    new_summaries: list[str] = field(default_factory=list)


@dataclass
class Pending:
    """Extracted uploads whose doc_id is stored with other content: written only when an editor confirms."""

    events: pd.DataFrame
    documents: pd.DataFrame
    texts: dict[str, str]
    scans: dict[str, str]
    filenames: dict[str, str]
    changes: list[Change]


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
    replaced: list[str] = field(default_factory=list)  # stored doc_ids this upload replaced (confirmed)
    duplicates: dict[str, str] = field(default_factory=dict)  # doc_id -> the stored doc_id with the same content
    pending: Pending | None = None  # replacements waiting for an editor's confirmation
    lost_events: int = 0  # events of other documents that are gone (should stay 0)
    error: str | None = None
    run_report: str = ""
    recorded: bool = False  # who uploaded what went to the store's uploads table and audit log (a database)


def current_actor() -> Actor:
    """Who is using the dashboard: the one place the upload pages ask. ``dashboard.auth.current_actor`` once the
    login exists; until then the session's ``actor``, else LOCAL (the local single-user app)."""
    try:
        from dashboard import auth  # type: ignore[attr-defined]
    except ImportError:
        auth = None
    if auth is not None and hasattr(auth, "current_actor"):
        return auth.current_actor()
    import streamlit as st

    actor = st.session_state.get("actor", LOCAL)
    return actor if isinstance(actor, Actor) else LOCAL


def _may_upload(target: Store, actor: Actor) -> None:
    """PermissionDenied unless ``actor`` is an editor in the store now (LOCAL always is; a named user needs a
    database store, the only kind with users)."""
    if actor.local:
        return
    if not isinstance(target, SqlStore):
        raise PermissionDenied(f"{actor.email}: to upload articles as a named user needs a database store")
    with target.database.reading() as conn:
        if conn is None:
            raise PermissionDenied(
                f"{actor.email} is not a user of this dashboard: to upload articles needs the editor role"
            )
        authorize(conn, actor, "editor", "upload articles")


def has_history(store: Store) -> bool:
    """Whether the store records uploads and the audit log (a database; a folder of files does not)."""
    return isinstance(store, SqlStore)


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


LARGE_BATCH = 100  # documents from which an upload is shared among worker processes


def upload_jobs(n_documents: int, environ: dict[str, str] | None = None) -> int:
    """Processes that extract an upload: one for a small batch; for LARGE_BATCH documents or more,
    DATELINE_UPLOAD_JOBS (0: one per CPU; default: one per CPU, at most 4, each loading the model once)."""
    if n_documents < LARGE_BATCH:
        return 1
    raw = (os.environ if environ is None else environ).get("DATELINE_UPLOAD_JOBS", "")
    cpus = os.cpu_count() or 1
    try:
        wanted = int(raw) if raw.strip() else min(cpus, 4)
    except ValueError:
        wanted = min(cpus, 4)
    return max(1, min(cpus if wanted <= 0 else wanted, n_documents))


def _takes_words(callback: Callable[..., object]) -> bool:
    """Whether a progress callback accepts ``words=`` and ``workers=`` (dashboard.components' does)."""
    try:
        params = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is p.VAR_KEYWORD for p in params) or {"words", "workers"} <= {p.name for p in params}


def _counting_words(progress: Progress | None, fresh: list[documents.Document], workers: int) -> Progress | None:
    """The progress callback, told the words done so far (the batch's mean per document: a worker reports a
    chunk at a time) and the workers, for a large batch."""
    if progress is None or len(fresh) < LARGE_BATCH or not _takes_words(progress):
        return progress  # a callback that takes (done, total, doc_id) only gets those
    mean = sum(len(doc.text.split()) for doc in fresh) / len(fresh)

    def tick(done: int, total: int, doc_id: str) -> None:
        progress(done, total, doc_id, words=round(done * mean), workers=workers)  # type: ignore[call-arg]

    return tick


def extract_uploads(
    files: list[tuple[str, bytes]],
    store: Store | str | Path,
    progress: Progress | None = None,
    *,
    actor: Actor,
) -> UploadReport:
    """Extract uploaded files and merge their documents into the store; bad files are reported, not fatal.

    A content stored already (same SHA-256 of the text) is not extracted again: it is reported (and, in a
    database, recorded) as a duplicate of the stored document. A document whose doc_id is stored with other
    content is extracted but not written: it waits in ``report.pending`` for ``confirm_replacements``. ``actor``:
    who uploads (``current_actor()`` in the app); a database checks the editor role and records it."""
    target = store if isinstance(store, Store) else open_store(store)
    report = UploadReport(recorded=has_history(target))
    found, origin = read_uploads(files, report)
    if not found:
        return report
    names = list(dict.fromkeys(origin.values()))
    with WRITE_LOCK:
        try:
            _may_upload(target, actor)  # before extracting (the write's own transaction checks again)
            before = target.read_events()
            stored = target.read_documents()
            by_sha: dict[str, str] = {}
            for doc_id, sha in zip(stored["doc_id"].astype(str), stored["sha256"].astype(str), strict=True):
                by_sha.setdefault(sha, doc_id)
            fresh, copies = [], []
            for doc in found:
                sha = text_sha(doc.text)
                if sha in by_sha:
                    report.duplicates[doc.doc_id] = by_sha[sha]
                    copies.append(doc)
                else:
                    by_sha[sha] = doc.doc_id
                    fresh.append(doc)
            jobs = upload_jobs(len(fresh))
            ticks = _counting_words(progress, fresh, jobs)
            extraction = pipeline.extract_documents(fresh, jobs, progress=ticks) if fresh else None
            events = extraction.events if extraction else schema.events_frame()
            docs = extraction.documents if extraction else schema.documents_frame()
            failures = extraction.problems if extraction else []
            texts = dict(extraction.texts) if extraction else {}
            scans = dict(extraction.datings) if extraction else {}
            copy_rows = [{"doc_id": d.doc_id, "title": d.title or "", "path": d.path} for d in copies]
            texts.update({d.doc_id: d.text for d in copies})
            docs_all = concat(typed_documents(docs), schema.documents_frame(copy_rows))
            _write_batch(target, events, docs_all, texts, scans, origin, {}, actor, before, stored, report)
            after = target.read_events()
        except Exception as err:  # a corrupt stored table, a missing model, a refused role...: nothing was written
            report.error = f"{type(err).__name__}: {err}"
            report.rejected += [n for n in names if n not in report.rejected]
            return report
    extracted = set(docs["doc_id"].astype(str))
    seen = {(name, text) for name, texts in report.problems.items() for text in texts}
    for problem in failures:  # extraction failures name the document's path: the upload's name
        _note(report, seen, problem.path, problem_text(problem, problem.path))
    _tally(report, names, origin, before, after, extracted)
    written = "" if report.documents_added else "; nothing was written" + (" yet" if report.pending else "")
    waiting = "; replacements wait for an editor's confirmation (below)" if report.pending else ""
    report.run_report = (
        f"{counted(len(found), 'article')} read, {len(docs):,} extracted, {counted(len(events), 'event')} found"
        + written
        + waiting
    )
    return report


def confirm_replacements(
    pending: Pending, store: Store | str | Path, *, actor: Actor, doc_ids: list[str] | None = None
) -> UploadReport:
    """Write the pending replacements an editor confirmed (``doc_ids``; default all), each only if the stored
    version is still the one shown (else it is pending again)."""
    target = store if isinstance(store, Store) else open_store(store)
    report = UploadReport(recorded=has_history(target))
    chosen = {c.doc_id: c.old_sha256 for c in pending.changes if doc_ids is None or c.doc_id in doc_ids}
    names = list(dict.fromkeys(pending.filenames[d] for d in chosen))
    with WRITE_LOCK:
        try:
            _may_upload(target, actor)
            before, stored = target.read_events(), target.read_documents()
            docs = pending.documents[pending.documents["doc_id"].astype(str).isin(chosen)]
            events = pending.events[pending.events["doc_id"].astype(str).isin(chosen)]
            _write_batch(
                target,
                events,
                docs,
                pending.texts,
                pending.scans,
                pending.filenames,
                chosen,
                actor,
                before,
                stored,
                report,
            )
            after = target.read_events()
        except Exception as err:
            report.error = f"{type(err).__name__}: {err}"
            report.rejected += names
            return report
    _tally(report, names, pending.filenames, before, after, set(chosen))
    return report


def _write_batch(
    target: Store,
    events: pd.DataFrame,
    docs: pd.DataFrame,
    texts: dict[str, str],
    scans: dict[str, str],
    filenames: dict[str, str],
    confirmed: dict[str, str],
    actor: Actor,
    before: pd.DataFrame,
    stored: pd.DataFrame,
    report: UploadReport,
) -> None:
    """Write what may be written; the replacements not confirmed go to ``report.pending``."""
    if isinstance(target, SqlStore):
        outcome = sql_uploads.store_uploads(
            target,
            events,
            docs,
            texts,
            actor=actor,
            filenames=filenames,
            scans=scans,
            confirmed=confirmed,
            derive=corpus_tables,
        )
        written, conflicts = outcome.added + outcome.replaced, outcome.conflicts
        report.duplicates.update(outcome.duplicates)
        report.replaced = sorted(outcome.replaced)
    else:  # a folder of files: the same rules, checked before its write (it keeps no history)
        by_id = dict(zip(stored["doc_id"].astype(str), stored["sha256"].astype(str), strict=True))
        conflicts, written = {}, []
        for doc_id in docs["doc_id"].astype(str):
            if doc_id in report.duplicates:
                continue
            if doc_id in by_id and confirmed.get(doc_id) != by_id[doc_id]:
                conflicts[doc_id] = by_id[doc_id]
            else:
                written.append(doc_id)
        if written:
            keep = docs["doc_id"].astype(str).isin(written)
            summary = target.write(
                events[events["doc_id"].astype(str).isin(written)],
                docs[keep],
                {k: v for k, v in texts.items() if k in written},
                scans={k: v for k, v in scans.items() if k in written},
                derive=corpus_tables,
            )
            report.replaced = sorted(summary.replaced)
    report.documents_added = len(written)
    report.documents_replaced = len(report.replaced)
    if conflicts:
        report.pending = _pending(events, docs, texts, scans, filenames, conflicts, before, stored)


def _pending(
    events: pd.DataFrame,
    docs: pd.DataFrame,
    texts: dict[str, str],
    scans: dict[str, str],
    filenames: dict[str, str],
    conflicts: dict[str, str],
    before: pd.DataFrame,
    stored: pd.DataFrame,
) -> Pending:
    ids = set(conflicts)
    titles = dict(zip(stored["doc_id"].astype(str), stored["title"].astype(str), strict=True))
    new_titles = dict(zip(docs["doc_id"].astype(str), docs["title"].astype(str), strict=True))
    changes = []
    for doc_id, old_sha in conflicts.items():
        old = before[before["doc_id"].astype(str) == doc_id]
        new = events[events["doc_id"].astype(str) == doc_id]
        changes.append(
            Change(
                doc_id=doc_id,
                filename=filenames.get(doc_id, ""),
                old_sha256=old_sha,
                old_title=titles.get(doc_id, ""),
                new_title=new_titles.get(doc_id, ""),
                old_events=len(old),
                new_events=len(new),
                old_summaries=[str(s) for s in old["summary"].head(SHOWN)],
                new_summaries=[str(s) for s in new["summary"].head(SHOWN)],
            )
        )
    return Pending(
        events=events[events["doc_id"].astype(str).isin(ids)].reset_index(drop=True),
        documents=docs[docs["doc_id"].astype(str).isin(ids)].reset_index(drop=True),
        texts={k: v for k, v in texts.items() if k in ids},
        scans={k: v for k, v in scans.items() if k in ids},
        filenames={k: v for k, v in filenames.items() if k in ids},
        changes=changes,
    )


def _tally(
    report: UploadReport,
    names: list[str],
    origin: dict[str, str],
    before: pd.DataFrame,
    after: pd.DataFrame,
    extracted: set[str],
) -> None:
    """Which files were added, waiting or refused, and the events before and after."""
    waiting = {c.doc_id for c in report.pending.changes} if report.pending else set()
    written = {d for d in extracted if d not in waiting and d not in report.duplicates}
    accepted = {origin[d] for d in written}
    held = {origin[d] for d in waiting | set(report.duplicates) if d in origin}
    for name in names:
        if name in accepted:
            report.accepted.append(name)
        elif name not in report.rejected and name not in held:
            report.rejected.append(name)
    report.events_before, report.events_after = len(before), len(after)
    kept_before = before[~before["doc_id"].isin(written)]
    report.lost_events = int((~kept_before["event_id"].isin(set(after["event_id"]))).sum())


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
