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
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from extract.documents import WARNING, Document, Problem

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
    "extract_chunk",
    "extract_documents",
    "iter_results",
    "parse_document",
    "parse_texts",
    "split_text",
]
