"""Extraction from the dashboard: seeds at first start, uploaded files later (merged into the data folder).

Uploads are read, and so checked, by `extract.documents.documents_from_bytes` alone: a bad JSONL line is
named as file:line and the file's other lines still go on; a file that yields no document is named with
its problem. A file that yields documents is saved under `<data folder>/uploads/`, and the saved files go
through `extract.pipeline.run_extraction(..., merge=True, namespace_jsonl=True)`.

doc_ids: an uploaded `article.txt` is the document `article`, so uploading a corrected `article.txt` later
replaces it (its events too). The earlier file stays on disk (a different file of the same name is saved in
`uploads/<hash>/`), so the Sources page always finds the text of the stored version. JSONL lines are
`<file stem>/<id>` (`batch.jsonl` line `{"id": 1}` -> `batch/1`), so two batches numbered 1..N do not
replace each other; re-uploading `batch.jsonl` does. Every replaced stored document is listed in the report.

Writers: `WRITE_LOCK` serialises this server's sessions; `run_extraction` also takes the data folder's
inter-process lock (`extract.store.lock`) around read-merge-write, so a cron `python -m extract ... --merge`
into the same folder and an upload cannot lose each other's documents.

Why run_extraction on saved files rather than `pipeline.extract_documents` + `store.merge_tables` on the
documents in memory: the saved file is what the documents table's `path` then points at, so the Sources
page can show the full text later; and run_extraction already does everything after reading (skipping a
doc_id repeated across the batch, merging by doc_id, writing the tables atomically), so none of it is
repeated here. The price is that each good upload is parsed twice, which is small next to extraction.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.data import PROJECT_ROOT, has_events_file, load_dataset
from extract import documents, pipeline

UPLOAD_TYPES = [suffix.lstrip(".") for suffix in documents.SUPPORTED_SUFFIXES]
MAX_UPLOAD_MB = documents.MAX_BYTES // 1_048_576  # the engine refuses larger files; the uploader says so first
SEEDS = PROJECT_ROOT / "seeds"
UPLOADS = "uploads"
Progress = Callable[[int, int, str], None]
# One extraction writes into a data folder at a time (per server process): otherwise two sessions that
# merge at once would each write the old tables plus their own documents, and one would lose the other's.
WRITE_LOCK = threading.Lock()


def extract_seeds(folder: Path, progress: Progress | None = None) -> pipeline.RunReport | None:
    """Extract seeds/ into an empty data folder (None when another session did it meanwhile)."""
    with WRITE_LOCK:
        if has_events_file(folder):
            return None
        folder.mkdir(parents=True, exist_ok=True)
        # merge: should a cron run have written into the folder meanwhile, its documents are kept.
        return pipeline.run_extraction([SEEDS], folder, progress=progress, merge=True)


def safe_name(name: str) -> str:
    """A file name without folders or odd characters."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"
    return base


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


def save_upload(name: str, data: bytes, folder: Path) -> Path:
    """Save an upload as folder/uploads/NAME, or folder/uploads/HASH/NAME when a different NAME is there.

    The file name (so the doc_id) stays the upload's, so its documents replace those of an earlier upload of
    that name, while the earlier file stays for documents still pointing at it. Written atomically.
    """
    target = folder / UPLOADS
    path = target / safe_name(name)
    if path.exists() and path.read_bytes() != data:
        path = target / hashlib.sha256(data).hexdigest()[:16] / path.name
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def extract_uploads(files: list[tuple[str, bytes]], folder: Path, progress: Progress | None = None) -> UploadReport:
    """Extract uploaded files and merge their events into the folder's tables; bad files are reported, not fatal."""
    report = UploadReport()
    saved: dict[str, str] = {}  # saved path -> upload name
    seen: set[tuple[str, str]] = set()  # (upload name, problem) already reported
    for name, data in files:
        found, problems = documents.documents_from_bytes(name, data)
        for problem in problems:
            _note(report, seen, name, problem_text(problem, name))
        if not found:
            report.rejected.append(name)
            if not problems:  # documents_from_bytes always says why; this is only a safety net
                _note(report, seen, name, "no article could be read from it")
            continue
        saved[str(save_upload(name, data, folder))] = name
    if not saved:
        return report

    with WRITE_LOCK:
        before = load_dataset(folder)
        report.events_before = report.events_after = len(before.events)
        try:
            result = pipeline.run_extraction(
                [Path(p) for p in saved], folder, progress=progress, merge=True, namespace_jsonl=True
            )
        except Exception as err:  # a corrupt stored table, a missing model...: nothing was written
            report.error = f"{type(err).__name__}: {err}"
            report.rejected += saved.values()
            return report
        after = load_dataset(folder)
    report.events_after = len(after.events)
    for problem in result.problems:  # the re-read repeats each file's problems: only new ones are added
        _note(report, seen, *_run_problem(problem, saved))
    new_docs = after.documents[after.documents["path"].isin(list(saved) if result.written else [])]
    new_ids = set(new_docs["doc_id"])
    added_paths = set(new_docs["path"])
    for path, name in saved.items():
        (report.accepted if path in added_paths else report.rejected).append(name)
    report.documents_added = len(new_docs)
    report.replaced = sorted(result.replaced)
    report.documents_replaced = len(report.replaced)
    kept_before = before.events[~before.events["doc_id"].isin(new_ids)]
    report.lost_events = int((~kept_before["event_id"].isin(set(after.events["event_id"]))).sum())
    report.run_report = (
        f"{result.n_read:,} articles read, {result.n_documents:,} extracted, {result.n_events:,} events found"
        + ("" if result.written else "; nothing was written")
    )
    return report


def replaced_text(doc_ids: list[str], shown: int = 10) -> str:
    """'replaced 2 stored documents: a, b' (the first `shown` named)."""
    names = ", ".join(doc_ids[:shown]) + (f" and {len(doc_ids) - shown:,} more" if len(doc_ids) > shown else "")
    return f"replaced {len(doc_ids):,} stored document{'s' if len(doc_ids) != 1 else ''}: {names}"


def _run_problem(problem: documents.Problem, saved: dict[str, str]) -> tuple[str, str]:
    """(upload name, problem in words) for a problem run_extraction met in a saved upload."""
    for path, name in saved.items():
        if problem.path == path or problem.path.startswith(f"{path}:"):
            reason = problem.reason
            for other, other_name in saved.items():
                reason = reason.replace(other, other_name)
            mapped = documents.Problem(name + problem.path[len(path) :], reason, problem.severity)
            return name, problem_text(mapped, name)
    return problem.path, problem.reason


def _note(report: UploadReport, seen: set[tuple[str, str]], name: str, text: str) -> None:
    if (name, text) not in seen:
        seen.add((name, text))
        report.problems.setdefault(name, []).append(text)
