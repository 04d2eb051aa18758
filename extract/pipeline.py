"""Documents -> parsed spaCy Docs -> events and documents tables, in one process or several.

Parallelism (``jobs > 1``): ``jobs - 1`` worker processes (spawn context, so it is safe in threaded hosts such
as the dashboard and on every platform) each load the model once; the calling process works too, with its own
(cached) model. Documents go out in chunks: workers take chunks from the front, the caller takes them from the
back, so nobody idles while workers are still starting up. The caller marks a chunk as its own in a shared
array before starting it and a worker skips a chunk so marked (no ``Future.cancel``: on Python 3.11 a
cancelled future makes a broken pool's manager thread crash). In the rare race where both start the same
chunk, the first result is kept. Results are put back in input order. A chunk nobody returned results for
(a worker process died: killed, out of memory) is extracted in the calling process at the end.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extract.documents import MAX_BYTES, WARNING, Document, Problem, read_inputs

if TYPE_CHECKING:  # pandas and spaCy are imported lazily: spawned workers should start fast
    import pandas as pd
    from spacy.language import Language
    from spacy.tokens import Doc

PIECE_CHARS = 100_000  # longest text parsed in one go; longer texts are cut into pieces of at most this
BATCH_SIZE = 32  # nlp.pipe batch size (texts are news articles, a few thousand characters each)
MAX_CHUNK = 16  # documents sent to a worker at a time

Progress = Callable[[int, int, str], None]  # (done, total, doc_id of the document just finished)
# (document row, event rows, warnings about the document: each a short string naming what was skipped and why)
Tables = Callable[[Document, "Doc"], tuple[dict, list[dict], list[str]]]
Result = tuple[dict, list[dict], list[Problem]] | Problem  # a document's rows and warnings, or why it failed


class MergeError(Exception):
    """--merge into a folder holding only part of the tables: merging would silently drop the rest."""


@dataclass
class RunReport:
    """What run_extraction did: counts, problems and the files written (None when nothing was written)."""

    n_documents: int  # documents extracted and in the written tables (this run's, not merged-in old ones)
    n_events: int  # events from this run's documents
    problems: list[Problem] = field(default_factory=list)
    events_parquet: Path | None = None
    events_csv: Path | None = None
    documents_csv: Path | None = None
    plans_parquet: Path | None = None  # planned and hypothetical events, kept apart (see extract.store)
    plans_csv: Path | None = None
    n_plans: int = 0  # of n_events, those planned or hypothetical
    n_read: int = 0  # documents read from the inputs (some may then fail extraction)
    # merge: each stored doc_id this run replaced -> (its stored path, the new document's path)
    replaced: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def written(self) -> bool:
        """True when the tables were written."""
        return self.events_parquet is not None

    @property
    def outputs(self) -> list[Path]:
        """The files written."""
        files = (self.events_parquet, self.events_csv, self.plans_parquet, self.plans_csv, self.documents_csv)
        return [p for p in files if p is not None]


# --------------------------------------------------------------------------- long texts


# Preferred cut points, best first: paragraph break, sentence end, line break, any whitespace.
_CUTS = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"[.!?][\"'”’)\]]*\s+"),
    re.compile(r"\n\s*"),
    re.compile(r"\s+"),
)


def split_text(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """Cut text into consecutive pieces of at most ``limit`` characters whose concatenation is ``text``.

    Cuts fall just after a paragraph break, else a sentence end, else a line break, else whitespace, looking
    in the second half of each window so pieces stay large; only text without any of those is cut hard.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = limit
        for pattern in _CUTS:
            ends = [m.end() for m in pattern.finditer(window, limit // 2)]
            if ends:
                cut = ends[-1]
                break
        pieces.append(window[:cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def parse_document(nlp: Language, text: str, piece_limit: int | None = None) -> Doc:
    """Parse one text; a text longer than the piece limit is parsed in pieces and joined.

    The joined Doc's text equals ``text``, so character offsets index into the original.
    """
    return next(parse_texts(nlp, [text], piece_limit=piece_limit))


def parse_texts(
    nlp: Language, texts: Iterable[str], piece_limit: int | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[Doc]:
    """Parse texts with ``nlp.pipe`` (batched), long ones in pieces; yields one Doc per text, in order."""
    from spacy.tokens import Doc

    limit = min(piece_limit or PIECE_CHARS, nlp.max_length)
    plan = [split_text(text, limit) for text in texts]
    stream = nlp.pipe((piece for pieces in plan for piece in pieces), batch_size=batch_size)
    for pieces in plan:
        docs = [next(stream) for _ in pieces]
        # ensure_whitespace=False: the pieces already carry their own whitespace, so texts join exactly.
        yield docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False)


# --------------------------------------------------------------------------- extraction


def iter_results(
    nlp: Language, documents: Sequence[Document], tables: Tables | None = None, piece_limit: int | None = None
) -> Iterator[Result]:
    """Parse (batched) and extract documents one by one; yields (document row, event rows, warnings) or a Problem
    each."""
    tables = tables or _default_tables()
    stream: Iterator[Doc] | None = parse_texts(nlp, [d.text for d in documents], piece_limit=piece_limit)
    for document in documents:
        doc = None
        if stream is not None:
            try:
                doc = next(stream)
            except Exception:  # a text broke the batch: parse the rest one by one to find which
                stream = None
        try:
            if doc is None:
                doc = parse_document(nlp, document.text, piece_limit)
            row, events, *notes = tables(document, doc)  # (a stand-in extractor may return no warnings)
            warnings = (
                [Problem(document.path, f"doc '{document.doc_id}': {w}", WARNING) for w in notes[0]] if notes else []
            )
            yield {**row, "n_events": len(events)}, list(events), warnings
        except Exception as exc:
            yield Problem(document.path, f"doc '{document.doc_id}': extraction failed: {type(exc).__name__}: {exc}")


def extract_chunk(
    nlp: Language, documents: Sequence[Document], tables: Tables | None = None, piece_limit: int | None = None
) -> list[Result]:
    """iter_results as a list (what a worker sends back for a chunk)."""
    return list(iter_results(nlp, documents, tables, piece_limit))


def extract_documents(
    documents: Sequence[Document],
    jobs: int = 1,
    progress: Progress | None = None,
    *,
    piece_limit: int | None = None,
    nlp_loader: Callable[[], Language] | None = None,
    tables: Tables | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Documents -> (events table, documents table, problems), in input order.

    ``jobs`` processes share the work (``jobs <= 0``: one per CPU). ``nlp_loader`` and ``tables`` replace
    ``load_nlp`` and ``events.document_tables`` (tests, benchmarks); with ``jobs > 1`` they must be
    importable top-level functions so worker processes can receive them.
    """
    documents = list(documents)
    total = len(documents)
    jobs = (os.cpu_count() or 1) if jobs <= 0 else jobs
    chunks = _chunks(documents, jobs)
    workers = min(jobs, len(chunks)) - 1
    results: list[list[Result] | None] = [None] * len(chunks)
    problems: list[Problem] = []  # about the run itself, not one document
    done = 0

    def tick(n: int, doc_id: str) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total, doc_id)

    def received(index: int, chunk_results: list[Result]) -> None:
        """A worker's results for a chunk (ignored when this process has taken the chunk)."""
        if results[index] is None:
            results[index] = chunk_results
            tick(len(chunk_results), chunks[index][-1].doc_id)

    def run_here(index: int, nlp: Language) -> None:
        """A chunk processed in this process, reporting progress document by document."""
        if results[index] is not None:
            return
        out: list[Result] = []
        results[index] = out
        for document, result in zip(chunks[index], iter_results(nlp, chunks[index], tables, piece_limit), strict=True):
            out.append(result)
            tick(1, document.doc_id)

    loader = nlp_loader or _default_loader()
    if workers <= 0:
        nlp = loader()
        for index in range(len(chunks)):
            run_here(index, nlp)
    else:
        broken = _run_parallel(chunks, workers, loader, nlp_loader, tables, piece_limit, received, run_here)
        left = [index for index, chunk_results in enumerate(results) if chunk_results is None]
        if broken:
            n_left = sum(len(chunks[i]) for i in left)
            problems.append(
                Problem("--jobs", f"a worker process died; {n_left:,} documents were extracted here instead", WARNING)
            )
        if left:
            nlp = loader()
            for index in left:
                run_here(index, nlp)

    flat = [result for chunk_results in results for result in chunk_results or ()]
    events, docs, found = _frames(documents, flat)
    return events, docs, found + problems


def _frames(documents: list[Document], results: list[Result]) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Results (aligned with documents) -> typed tables; a document whose rows cannot be typed is a Problem."""
    from extract.schema import documents_frame, events_frame

    problems = [r for r in results if isinstance(r, Problem)]
    problems += [w for r in results if not isinstance(r, Problem) for w in r[2]]  # warnings next to the results
    good = [(d, r) for d, r in zip(documents, results, strict=True) if not isinstance(r, Problem)]
    try:
        events = events_frame(row for _, r in good for row in r[1])
        docs = documents_frame(r[0] for _, r in good)
    except Exception:
        # One document's rows (e.g. a date pandas cannot hold) broke the table: find it and leave it out.
        kept = []
        for document, (row, rows, _) in good:
            try:
                events_frame(rows)
                documents_frame([row])
                kept.append((document, (row, rows, [])))
            except Exception as exc:
                problems.append(
                    Problem(document.path, f"doc '{document.doc_id}': bad extracted rows: {type(exc).__name__}: {exc}")
                )
        events = events_frame(row for _, r in kept for row in r[1])
        docs = documents_frame(r[0] for _, r in kept)
    order = {d.doc_id: i for i, d in enumerate(documents)}  # problems in input order, as the documents
    problems.sort(key=lambda p: order.get(_doc_id_of(p), len(order)))
    return events, docs, problems


def _doc_id_of(problem: Problem) -> str:
    match = re.match(r"doc '(.*?)':", problem.reason)
    return match.group(1) if match else ""


def run_extraction(
    inputs: list[Path],
    out_dir: Path,
    jobs: int = 1,
    progress: Progress | None = None,
    merge: bool = False,
    *,
    max_bytes: int = MAX_BYTES,
    piece_limit: int | None = None,
    namespace_jsonl: bool = False,
) -> RunReport:
    """Read inputs, extract, and write the tables to out_dir atomically (merged into existing ones if asked).

    Nothing is written when no document could be extracted, so earlier tables are never replaced by empty
    ones. Raises store.StoreError when merging and the existing tables cannot be read, and MergeError when
    merging into a folder that holds only one of the two tables. The read-merge-write step holds the folder's
    exclusive lock (``store.lock``), so concurrent runs into one folder (a cron job, dashboard uploads) each
    merge into the other's result instead of overwriting it. ``namespace_jsonl``: see ``read_inputs``.
    """
    from extract import store

    documents, problems = read_inputs(inputs, max_bytes=max_bytes, namespace_jsonl=namespace_jsonl)
    report = RunReport(n_documents=0, n_events=0, problems=problems, n_read=len(documents))
    if not documents:
        return report
    events, docs, failures = extract_documents(documents, jobs=jobs, progress=progress, piece_limit=piece_limit)
    problems.extend(failures)
    report.n_documents, report.n_events = len(docs), len(events)
    report.n_plans = int(store.is_plan(events).sum()) if len(events) else 0
    if not len(docs):
        return report
    out_dir = Path(out_dir)
    with store.lock(out_dir):
        if merge:
            events, docs = _merged(out_dir, events, docs, report)
        paths = store.write_tables(events, docs, out_dir)
    report.events_parquet = paths[store.EVENTS_PARQUET]
    report.events_csv = paths[store.EVENTS_CSV]
    report.plans_parquet = paths[store.PLANS_PARQUET]
    report.plans_csv = paths[store.PLANS_CSV]
    report.documents_csv = paths[store.DOCUMENTS_CSV]
    return report


# --------------------------------------------------------------------------- internals


def _merged(out_dir: Path, events: pd.DataFrame, docs: pd.DataFrame, report: RunReport) -> tuple[pd.DataFrame, ...]:
    """This run's tables merged into the stored ones (caller holds the lock); notes replaced doc_ids in report."""
    from extract import store

    has_events, has_docs = store.has_events(out_dir), store.has_documents(out_dir)
    if not has_events and not has_docs:
        return events, docs
    if not (has_events and has_docs):
        present = f"{store.EVENTS_PARQUET}/{store.EVENTS_CSV}" if has_events else store.DOCUMENTS_CSV
        missing = store.DOCUMENTS_CSV if has_events else f"{store.EVENTS_PARQUET} (or {store.EVENTS_CSV})"
        raise MergeError(
            f"cannot merge into {out_dir}: it has {present} but no {missing}; restore the missing file, "
            "or move the folder away and extract everything again"
        )
    old_events, old_docs = store.read_events(out_dir), store.read_documents(out_dir)
    old_paths = dict(zip(old_docs["doc_id"].astype(str), old_docs["path"].astype(str), strict=True))
    new_paths = zip(docs["doc_id"].astype(str), docs["path"].astype(str), strict=True)
    report.replaced = {doc_id: (old_paths[doc_id], path) for doc_id, path in new_paths if doc_id in old_paths}
    return store.merge_tables(old_events, old_docs, events, docs)


def _default_loader() -> Callable[[], Language]:
    from extract.nlp import load_nlp

    return load_nlp


def _default_tables() -> Tables:
    # Looked up at call time (not import time) so the lead's implementation and test monkeypatches apply.
    from extract import events

    return events.document_tables


def _chunks(documents: list[Document], jobs: int) -> list[list[Document]]:
    if not documents:
        return []
    # One process: a single stream through nlp.pipe. Several: about a dozen chunks per process keeps the
    # last ones short, so the processes finish together.
    size = len(documents) if jobs <= 1 else max(1, min(MAX_CHUNK, math.ceil(len(documents) / (jobs * 12))))
    return [documents[i : i + size] for i in range(0, len(documents), size)]


_WORKER: dict[str, Any] = {}


def _init_worker(nlp_loader: Callable[[], Language] | None, tables: Tables | None, taken: Any) -> None:
    """Worker start-up: load the model once; every chunk this process handles reuses it."""
    _WORKER["nlp"] = (nlp_loader or _default_loader())()
    _WORKER["tables"] = tables
    _WORKER["taken"] = taken  # shared bytes: 1 = the calling process has taken that chunk


def _work(index: int, chunk: list[Document], piece_limit: int | None) -> list[Result] | None:
    """A chunk's results, or None when the calling process has taken it."""
    if _WORKER["taken"][index]:
        return None
    return extract_chunk(_WORKER["nlp"], chunk, _WORKER["tables"], piece_limit)


def _run_parallel(
    chunks: list[list[Document]],
    workers: int,
    loader: Callable[[], Language],
    nlp_loader: Callable[[], Language] | None,
    tables: Tables | None,
    piece_limit: int | None,
    received: Callable[[int, list[Result]], None],
    run_here: Callable[[int, Language], None],
) -> bool:
    """Workers take chunks from the front; this process takes them from the back until the two meet.

    Returns False, or True when a worker process died (killed, out of memory, failed to start): the pool is
    then broken and the chunks without results are left for the caller. Any other exception propagates.
    """
    pending: dict[Future, int] = {}

    def collect(block: bool) -> None:
        if not pending:
            return
        ready, _ = wait(list(pending), timeout=None if block else 0, return_when="FIRST_COMPLETED")
        for future in ready:
            index = pending.pop(future)
            chunk_results = future.result()  # re-raises a worker's exception (BrokenProcessPool if it died)
            if chunk_results is not None:  # None: this process took the chunk
                received(index, chunk_results)

    context = get_context("spawn")
    taken = context.Array("b", len(chunks), lock=False)
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(nlp_loader, tables, taken)
        ) as pool:
            try:
                futures = [pool.submit(_work, index, chunk, piece_limit) for index, chunk in enumerate(chunks)]
                pending.update({future: index for index, future in enumerate(futures)})
                nlp = loader()  # loads (or reuses the cached model) while the workers start
                for index in range(len(chunks) - 1, -1, -1):
                    collect(block=False)
                    if futures[index].running() or futures[index].done():
                        break  # handed to a worker, and so are all chunks before it
                    taken[index] = 1
                    run_here(index, nlp)
                while pending:
                    collect(block=True)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    except BrokenProcessPool:
        return True
    return False


__all__ = [
    "PIECE_CHARS",
    "MergeError",
    "RunReport",
    "extract_chunk",
    "extract_documents",
    "iter_results",
    "parse_document",
    "parse_texts",
    "run_extraction",
    "split_text",
]
