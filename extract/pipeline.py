"""Documents -> parsed spaCy Docs -> events and documents tables, in one process or several.

The per-document work is an ``Extractor``: a small frozen (so picklable) record of the settings (piece size,
batch sizes, the word limit, which model and which tables function) with the steps that use them. The runner,
``extract_documents``, takes one as an argument and maps documents to results with it, in this process or in
worker processes that each load the model once.

Memory: a text is parsed in pieces of at most ``piece_chars`` characters; a long text's pieces go through the
model ``pieces_at_once`` at a time and are then joined, offsets intact; short texts are batched (up to
``batch_size`` texts and ``batch_chars`` characters), so one batch never holds more than a few pieces' worth of
text. A text over ``max_words`` words is cut at a paragraph or sentence boundary before the limit, with a
warning naming the document, and the part kept is extracted.

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

import importlib
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, NamedTuple

from extract.documents import WARNING, Document, Problem

if TYPE_CHECKING:  # pandas and spaCy are imported lazily: spawned workers should start fast
    import pandas as pd
    from spacy.language import Language
    from spacy.tokens import Doc

# ----------------------------------------------------------------- settings: every default in one place

# Longest text parsed in one go; longer ones are cut (at paragraph breaks when they can be) into pieces of at
# most this. The model's matrices grow with what it parses at once, and past a few tens of thousands of
# characters they parse slower per word (benchmarks/long_document.py) and take more memory.
PIECE_CHARS = 25_000
PIECES_AT_ONCE = 2  # pieces of one long text that go through the model together
BATCH_SIZE = 32  # short texts parsed together (news articles, a few thousand characters each)
BATCH_CHARS = 100_000  # ... up to this many characters in all, so a batch of long ones stays small
MAX_WORDS = 200_000  # a longer text is cut (at a paragraph or sentence end) and the rest ignored, with a warning
MAX_CHUNK = 16  # documents sent to a worker at a time
TABLES = "extract.events:document_tables"  # the per-document extraction: (Document, Doc) -> (row, events, warnings)
MODEL = "extract.nlp:load_nlp"  # the spaCy pipeline's loader

Progress = Callable[[int, int, str], None]  # (done, total, doc_id of the document just finished)
# (document row, event rows, warnings about the document: each a short string naming what was skipped and why,
# the document's DatingRecord as JSON), as events.DocumentTables; a stand-in may leave out the last two
Tables = Callable[[Document, "Doc"], tuple[dict, list[dict], list[str], str] | tuple[dict, list[dict]]]


@dataclass(frozen=True)
class Extracted:
    """One document's extraction."""

    row: dict  # its documents-table row, n_events included
    events: list[dict]  # its event rows (plans included)
    warnings: tuple[Problem, ...] = ()  # e.g. the text was cut at the word limit, an expression was skipped
    text: str = ""  # the text the rows index into (the document's, cut at the word limit)
    dating: str = ""  # its DatingRecord as JSON (see extract.dating), "" when the tables function gives none


class Extraction(NamedTuple):
    """What extract_documents returns: the tables, the problems, and per extracted document its text and its
    dating record (both keyed by doc_id, for the store)."""

    events: pd.DataFrame
    documents: pd.DataFrame
    problems: list[Problem]
    texts: dict[str, str]
    datings: dict[str, str]


Result = Extracted | Problem  # a Problem: the document could not be extracted (the reason names it)


# --------------------------------------------------------------------------- the extractor


@dataclass(frozen=True)
class Extractor:
    """Settings and steps of the per-document extraction; picklable, so worker processes receive it.

    ``tables`` and ``model`` are a function or a "module:name" reference, looked up when used (so the
    defaults follow ``extract.events.document_tables`` and ``extract.nlp.load_nlp`` as they are at run time);
    a function given directly must be a top-level one for ``jobs > 1``. The model is loaded once per process.
    """

    tables: Tables | str = TABLES
    model: Callable[[], Language] | str = MODEL
    piece_chars: int = PIECE_CHARS
    pieces_at_once: int = PIECES_AT_ONCE
    batch_size: int = BATCH_SIZE
    batch_chars: int = BATCH_CHARS
    max_words: int | None = MAX_WORDS  # None: no limit

    def __post_init__(self) -> None:
        for name in ("piece_chars", "pieces_at_once", "batch_size", "batch_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"Extractor.{name} must be positive")
        if self.max_words is not None and self.max_words < 1:
            raise ValueError("Extractor.max_words must be positive (or None for no limit)")

    def nlp(self) -> Language:
        """The spaCy pipeline, loaded on first use in this process and kept."""
        loader = _resolve(self.model)
        if loader not in _MODELS:
            _MODELS[loader] = loader()
        return _MODELS[loader]

    def parse(self, texts: Iterable[str]) -> Iterator[Doc | Exception]:
        """One Doc per text, in order (an Exception for a text the model fails on); see ``parse_texts``."""
        return _parse(self.nlp(), texts, self)

    def results(self, documents: Iterable[Document]) -> Iterator[Result]:
        """Extract documents one by one: an Extracted, or a Problem naming the document, for each."""
        tables = _resolve(self.tables)
        kept: list[Document] = []  # each document, cut to the word limit
        cuts: list[Problem | None] = []  # the warning when it was cut
        for document in documents:
            document, cut = cut_to_words(document, self.max_words)
            kept.append(document)
            cuts.append(cut)
        for document, cut, doc in zip(kept, cuts, self.parse(d.text for d in kept), strict=True):
            try:
                if isinstance(doc, Exception):
                    raise doc
                row, events, *more = tables(document, doc)
                notes, dating = [*more, [], ""][:2]  # stand-ins may leave out warnings and dating
                warnings = [cut] if cut is not None else []
                warnings += [Problem(document.path, f"doc '{document.doc_id}': {w}", WARNING) for w in notes]
                row = {**row, "n_events": len(events)}
                yield Extracted(row, list(events), tuple(warnings), document.text, dating)
            except Exception as exc:
                yield Problem(document.path, f"doc '{document.doc_id}': extraction failed: {type(exc).__name__}: {exc}")

    def __call__(self, documents: Iterable[Document]) -> list[Result]:
        """``results`` as a list (what a worker sends back for a chunk)."""
        return list(self.results(documents))


_MODELS: dict[Callable[[], Any], Any] = {}  # loader -> its model, per process


def _resolve(ref: Callable | str) -> Callable:
    """A "module:name" reference -> the object it names now; a callable is returned as it is."""
    if callable(ref):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


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


_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"\s*")
CUT_LOOKBACK = 20_000  # characters before the word limit searched for a paragraph or sentence end


def cut_to_words(document: Document, max_words: int | None) -> tuple[Document, Problem | None]:
    """The document, or its beginning when its text has over ``max_words`` words, with a warning naming it.

    The cut falls after the last paragraph break before the limit, else the last sentence end, line break or
    word (within CUT_LOOKBACK characters), so what is kept ends cleanly; offsets into it are offsets into the
    whole text.
    """
    text = document.text
    if max_words is None or len(text) < 2 * max_words:
        return document, None  # a word and a separator are two characters at least: it cannot be over
    limit = None
    for count, match in enumerate(_WORD.finditer(text), start=1):
        if count == max_words:
            limit = match.end()
        elif count > max_words:
            break
    else:
        return document, None
    assert limit is not None
    low = max(0, limit - CUT_LOOKBACK)
    limit = _SPACE.match(text, limit).end()  # the space after the last word allowed goes with it
    end = limit
    for pattern in _CUTS:
        ends = [m.end() for m in pattern.finditer(text, low, limit)]
        if ends:
            end = ends[-1]
            break
    kept = text[:end]
    n_kept = len(_WORD.findall(kept))
    problem = Problem(
        document.path,
        f"doc '{document.doc_id}': text too long (over {max_words:,} words): extracted its first {n_kept:,} "
        f"words (to character {end:,} of {len(text):,}) and ignored the rest; split it into smaller documents",
        WARNING,
    )
    return replace(document, text=kept), problem


def parse_document(nlp: Language, text: str, piece_limit: int | None = None) -> Doc:
    """Parse one text; a text longer than the piece limit is parsed in pieces and joined.

    The joined Doc's text equals ``text``, so character offsets index into the original.
    """
    doc = next(parse_texts(nlp, [text], piece_limit=piece_limit))
    if isinstance(doc, Exception):
        raise doc
    return doc


def parse_texts(
    nlp: Language, texts: Iterable[str], piece_limit: int | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[Doc | Exception]:
    """Parse texts, long ones in pieces a few at a time, short ones batched; one Doc per text, in order.

    A text the model fails on gives the Exception instead of a Doc (the others are parsed as usual).
    """
    settings = Extractor(piece_chars=piece_limit or PIECE_CHARS, batch_size=batch_size)
    return _parse(nlp, texts, settings)


def _parse(nlp: Language, texts: Iterable[str], settings: Extractor) -> Iterator[Doc | Exception]:
    """parse_texts with the extractor's sizes (lazy: a batch is parsed when its first Doc is asked for)."""
    limit = min(settings.piece_chars, nlp.max_length)
    batch: list[str] = []
    size = 0
    for text in texts:
        pieces = split_text(text, limit)
        if len(pieces) > 1 or size + len(text) > settings.batch_chars or len(batch) >= settings.batch_size:
            yield from _parse_batch(nlp, batch)
            batch, size = [], 0
        if len(pieces) > 1:
            yield _parse_pieces(nlp, pieces, settings.pieces_at_once)
        else:
            batch.append(text)
            size += len(text)
    yield from _parse_batch(nlp, batch)


def _parse_batch(nlp: Language, texts: list[str]) -> list[Doc | Exception]:
    """Short texts through the model together; when the batch fails, one by one to isolate the culprit."""
    from extract.nlp import keep_text

    if not texts:
        return []
    try:
        return [
            keep_text(_light(doc), text)
            for doc, text in zip(nlp.pipe(texts, batch_size=len(texts)), texts, strict=True)
        ]
    except Exception:
        out: list[Doc | Exception] = []
        for text in texts:
            try:
                out.append(keep_text(_light(nlp(text)), text))
            except Exception as exc:
                out.append(exc)
        return out


def _parse_pieces(nlp: Language, pieces: list[str], at_once: int) -> Doc | Exception:
    """One long text's pieces, ``at_once`` at a time, joined into one Doc whose text is the whole text."""
    from spacy.tokens import Doc

    from extract.nlp import keep_text

    try:
        docs = []
        for i in range(0, len(pieces), at_once):
            docs.extend(_light(doc) for doc in nlp.pipe(pieces[i : i + at_once], batch_size=at_once))
        # ensure_whitespace=False: the pieces already carry their own whitespace, so texts join exactly.
        return keep_text(Doc.from_docs(docs, ensure_whitespace=False), "".join(pieces))
    except Exception as exc:
        return exc


def _light(doc: Doc) -> Doc:
    """The Doc without its tok2vec tensor (384 bytes a token; no rule reads it, and no vectors are used)."""
    import numpy

    doc.tensor = numpy.zeros((0,), dtype="float32")
    return doc


# --------------------------------------------------------------------------- extraction


def extract_documents(
    documents: Sequence[Document],
    jobs: int = 1,
    progress: Progress | None = None,
    *,
    extractor: Extractor | None = None,
) -> Extraction:
    """Documents -> (events table, documents table, problems, texts, dating records), in input order.

    ``extractor``: the per-document extraction and its settings (default: ``Extractor()``). ``jobs`` processes
    share the work (``jobs <= 0``: one per CPU); each loads the extractor's model once.
    """
    extractor = extractor or Extractor()
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

    def run_here(index: int) -> None:
        """A chunk processed in this process, reporting progress document by document."""
        if results[index] is not None:
            return
        out: list[Result] = []
        results[index] = out
        for document, result in zip(chunks[index], extractor.results(chunks[index]), strict=True):
            out.append(result)
            tick(1, document.doc_id)

    if workers <= 0:
        for index in range(len(chunks)):
            run_here(index)
    else:
        broken = _run_parallel(chunks, workers, extractor, received, run_here)
        left = [index for index, chunk_results in enumerate(results) if chunk_results is None]
        if broken:
            n_left = sum(len(chunks[i]) for i in left)
            problems.append(
                Problem("--jobs", f"a worker process died; {n_left:,} documents were extracted here instead", WARNING)
            )
        for index in left:
            run_here(index)

    flat = [result for chunk_results in results for result in chunk_results or ()]
    extraction = extraction_tables(documents, flat)
    extraction.problems.extend(problems)
    return extraction


def extraction_tables(documents: Sequence[Document], results: Sequence[Result]) -> Extraction:
    """Per-document results (aligned with ``documents``) -> the tables, problems, texts and dating records,
    as extract_documents returns them; a run extracted in batches (extract.cluster) builds each batch's
    tables with it, so they are the ones a single run makes of the same documents."""
    events, docs, found = _frames(list(documents), list(results))
    extracted = {r.row["doc_id"]: r for r in results if isinstance(r, Extracted)}
    kept = [str(doc_id) for doc_id in docs["doc_id"]]
    texts = {doc_id: extracted[doc_id].text for doc_id in kept if doc_id in extracted}
    datings = {doc_id: extracted[doc_id].dating for doc_id in kept if doc_id in extracted and extracted[doc_id].dating}
    return Extraction(events, docs, found, texts, datings)


def _frames(documents: list[Document], results: list[Result]) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Results (aligned with documents) -> typed tables; a document whose rows cannot be typed is a Problem."""
    from extract.schema import documents_frame, events_frame

    problems = [r for r in results if isinstance(r, Problem)]
    problems += [w for r in results if isinstance(r, Extracted) for w in r.warnings]
    good = [(d, r) for d, r in zip(documents, results, strict=True) if isinstance(r, Extracted)]
    try:
        events = events_frame(row for _, r in good for row in r.events)
        docs = documents_frame(r.row for _, r in good)
    except Exception:
        # One document's rows (e.g. a date pandas cannot hold) broke the table: find it and leave it out.
        kept = []
        for document, result in good:
            try:
                events_frame(result.events)
                documents_frame([result.row])
                kept.append(result)
            except Exception as exc:
                problems.append(
                    Problem(document.path, f"doc '{document.doc_id}': bad extracted rows: {type(exc).__name__}: {exc}")
                )
        events = events_frame(row for r in kept for row in r.events)
        docs = documents_frame(r.row for r in kept)
    order = {d.doc_id: i for i, d in enumerate(documents)}  # problems in input order, as the documents
    problems.sort(key=lambda p: order.get(_doc_id_of(p), len(order)))
    return events, docs, problems


def _doc_id_of(problem: Problem) -> str:
    match = re.match(r"doc '(.*?)':", problem.reason)
    return match.group(1) if match else ""


def _chunks(documents: list[Document], jobs: int) -> list[list[Document]]:
    if not documents:
        return []
    # One process: a single stream through the model. Several: about a dozen chunks per process keeps the
    # last ones short, so the processes finish together.
    size = len(documents) if jobs <= 1 else max(1, min(MAX_CHUNK, math.ceil(len(documents) / (jobs * 12))))
    return [documents[i : i + size] for i in range(0, len(documents), size)]


_WORKER: dict[str, Any] = {}


def _init_worker(extractor: Extractor, taken: Any) -> None:
    """Worker start-up: load the model once; every chunk this process handles reuses it."""
    extractor.nlp()
    _WORKER["extractor"] = extractor
    _WORKER["taken"] = taken  # shared bytes: 1 = the calling process has taken that chunk


def _work(index: int, chunk: list[Document]) -> list[Result] | None:
    """A chunk's results, or None when the calling process has taken it."""
    if _WORKER["taken"][index]:
        return None
    return _WORKER["extractor"](chunk)


def _run_parallel(
    chunks: list[list[Document]],
    workers: int,
    extractor: Extractor,
    received: Callable[[int, list[Result]], None],
    run_here: Callable[[int], None],
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
            workers, mp_context=context, initializer=_init_worker, initargs=(extractor, taken)
        ) as pool:
            try:
                futures = [pool.submit(_work, index, chunk) for index, chunk in enumerate(chunks)]
                pending.update({future: index for index, future in enumerate(futures)})
                extractor.nlp()  # loads (or reuses the cached model) while the workers start
                for index in range(len(chunks) - 1, -1, -1):
                    collect(block=False)
                    if futures[index].running() or futures[index].done():
                        break  # handed to a worker, and so are all chunks before it
                    taken[index] = 1
                    run_here(index)
                while pending:
                    collect(block=True)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    except BrokenProcessPool:
        return True
    return False


__all__ = [
    "MAX_WORDS",
    "PIECE_CHARS",
    "Extracted",
    "Extraction",
    "Extractor",
    "cut_to_words",
    "extract_documents",
    "extraction_tables",
    "parse_document",
    "parse_texts",
    "split_text",
]
