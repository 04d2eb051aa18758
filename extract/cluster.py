"""Extraction on a Dask distributed cluster: ``python -m extract INPUT... --scheduler tcp://HOST:8786|local``.

The per-document work is the local run's (``pipeline.Extractor``); only where it runs changes. The inputs are
read one file at a time (``documents.iter_inputs``) and go out in chunks of ``CHUNK_DOCS`` documents, one Dask
task each, with at most ``WINDOW_PER_THREAD`` chunks per worker thread in flight or waiting to be written, so neither
this process nor the scheduler ever holds the whole corpus. Each worker loads the spaCy model once, when it
joins (a worker plugin; a restarted worker loads it again). Results are written through the store in input
order, ``BATCH_DOCS`` documents per write, each batch's tables built by ``pipeline.extraction_tables`` (the
same rows and event ids as a single run), without the corpus steps; those (groups, cross-source dating, key
dates: ``corpus.steps.corpus_tables``) run once at the end, over the whole stored set.

Fault tolerance: a task whose worker dies (killed, out of memory) is run again elsewhere by the scheduler, and
a task that raises is retried ``RETRIES`` times. Batches are committed as they finish, so an interrupted run
keeps the documents written so far; ``resume`` then skips every input whose doc_id is stored with the same
content hash (SHA-256 of its text, as the documents table's ``sha256`` column holds it) and finishes the run.

With ``merge`` (the CLI's default) the documents a run did not extract are kept; without it (the CLI's
``--replace``) the stored set becomes exactly the run's documents, as with the local run: the first batch
replaces the stored set (unless resuming), and at the end documents stored but not among the inputs are
dropped. This module imports ``distributed``: import it only when a cluster is asked for.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import distributed

from extract.corpus.steps import corpus_tables
from extract.documents import (
    JSONL_SUFFIXES,
    MAX_BYTES,
    SIDECAR_SUFFIX,
    SUPPORTED_SUFFIXES,
    Document,
    iter_inputs,
)
from extract.pipeline import Extractor, Result, cut_to_words, extraction_tables
from extract.runs import RunReport, write_recorded
from extract.schema import documents_frame, events_frame
from extract.store import Store, is_plan, open_store, read_snapshot

if TYPE_CHECKING:
    from extract.store.team import Actor

CHUNK_DOCS = 16  # documents per task: big enough to batch them through the model, small enough to retry cheaply
WINDOW_PER_THREAD = 4  # chunks per worker thread submitted, or finished but not yet written
BATCH_DOCS = 200  # documents per store write (each write reads the stored tables: fewer, larger writes)
RETRIES = 3  # a task that raises is run again this many times (a dead worker's tasks are rescheduled anyway)
CONNECT_TIMEOUT_S = 30  # reaching the scheduler
WORKER_WAIT_S = 300  # waiting for the first (or --workers N) workers to join a remote scheduler

# (documents done, their estimated total, a note: "2 workers, 3,100 words/s"); the CLI draws it as a bar
ClusterProgress = Callable[[int, int, str], None]


class ClusterError(Exception):
    """The cluster cannot be used (scheduler unreachable, no workers) or a task failed for good."""


@dataclass
class ClusterReport(RunReport):
    """RunReport, plus what the cluster did."""

    n_skipped: int = 0  # inputs skipped as already stored (resume)
    workers: int = 0  # workers when the run ended
    words: int = 0  # words in the documents extracted
    seconds: float = 0.0  # from the first task submitted to the last result

    @property
    def words_per_second(self) -> float:
        """Extraction throughput (the writes included, the final corpus step not)."""
        return self.words / self.seconds if self.seconds > 0 else 0.0


class LoadModel(distributed.WorkerPlugin):
    """Loads the extractor's model when a worker joins, so each worker loads it once and tasks find it ready."""

    name = "dateline-model"

    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def setup(self, worker: Any) -> None:
        """Load the model into the worker process's cache (pipeline._MODELS)."""
        self.extractor.nlp()


def extract_chunk(extractor: Extractor, chunk: list[Document]) -> list[Result]:
    """One task: a chunk's per-document results (the model is the worker's, loaded once)."""
    return extractor(chunk)


@contextmanager
def connect(scheduler: str, workers: int | None = None) -> Iterator[distributed.Client]:
    """A client of the scheduler at ``scheduler`` (tcp://HOST:PORT, or any address Dask accepts), or of a local
    cluster of ``workers`` processes (one thread each; default one per CPU) for "local". With a remote
    scheduler, waits until ``workers`` (default 1) workers have joined."""
    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        with (
            distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as lc,
            distributed.Client(lc) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        try:
            client.wait_for_workers(workers or 1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            joined = _cluster(client)["n_workers"]
            raise ClusterError(
                f"{scheduler}: {joined} worker(s) joined within {WORKER_WAIT_S} s, {workers or 1} needed"
            ) from None
        yield client


def run_on_cluster(
    inputs: Sequence[Path],
    store: Store | str | Path,
    scheduler: str,
    *,
    workers: int | None = None,
    progress: ClusterProgress | None = None,
    merge: bool = False,
    resume: bool = False,
    actor: Actor | None = None,
    extractor: Extractor | None = None,
    chunk_docs: int = CHUNK_DOCS,
    batch_docs: int = BATCH_DOCS,
    max_bytes: int = MAX_BYTES,
) -> ClusterReport:
    """Extract ``inputs`` on the cluster ``scheduler`` names (see ``connect``) and write them through ``store``.

    ``merge``/``progress``/``actor`` as for runs.run_extraction (each batch and the last write recorded in a
    database's audit log as ``actor``'s); ``resume`` skips inputs stored already with the same
    content hash. Nothing is written when no document could be extracted (and none was skipped). Raises
    ClusterError when the cluster cannot be used or a task fails for good, StoreError when a write fails;
    either way the batches written before stay.
    """
    target = store if isinstance(store, Store) else open_store(store)
    extractor = extractor or Extractor()
    report = ClusterReport(n_documents=0, n_events=0)
    stored = stored_hashes(target) if resume else {}
    total = count_documents(inputs)
    skipped: set[str] = set()

    def wanted() -> Iterator[Document]:
        for document in iter_inputs(inputs, report.problems, max_bytes):
            report.n_read += 1
            if stored and stored.get(document.doc_id) == content_hash(document, extractor):
                skipped.add(document.doc_id)
                continue
            yield document

    where = ", ".join(str(p) for p in inputs)[:500]
    writer = _Writer(target, replace_first=not (merge or resume), report=report, batch_docs=batch_docs)
    writer.actor, writer.where = actor, where
    with connect(scheduler, workers) as client:
        _load_model(client, extractor)
        _extract(client, extractor, _chunks(wanted(), chunk_docs), writer, report, progress, total, skipped)
        report.workers = _cluster(client)["n_workers"]
    report.n_skipped = len(skipped)
    if writer.written or skipped:
        _finish(target, report, writer.doc_ids | skipped, drop_others=resume and not merge, actor=actor, where=where)
    return report


def _extract(
    client: distributed.Client,
    extractor: Extractor,
    chunks: Iterator[list[Document]],
    writer: _Writer,
    report: ClusterReport,
    progress: ClusterProgress | None,
    total: int,
    skipped: set[str],
) -> None:
    """Submit chunks in a bounded window, collect their results, hand them to the writer in input order."""
    run = uuid.uuid4().hex[:8]
    window = max(2, WINDOW_PER_THREAD * max(1, _cluster(client)["total_threads"]))
    submitted: dict[distributed.Future, int] = {}
    waiting: dict[int, list[Document]] = {}  # chunk index -> its documents, until written
    finished: dict[int, list[Result]] = {}  # chunk index -> its results, until its turn to be written
    next_write, next_index = 0, 0
    futures = distributed.as_completed()
    start = time.perf_counter()
    shown = {"at": 0.0, "workers": 0}

    def fill() -> None:
        nonlocal next_index
        while next_index - next_write < window:
            chunk = next(chunks, None)
            if chunk is None:
                return
            future = client.submit(
                extract_chunk, extractor, chunk, key=f"dateline-{run}-{next_index}", retries=RETRIES, pure=False
            )
            submitted[future] = next_index
            waiting[next_index] = chunk
            futures.add(future)
            next_index += 1

    fill()
    done = 0
    for future in futures:
        index = submitted.pop(future)
        try:
            results = future.result()
        except Exception as exc:
            raise ClusterError(
                f"a task failed for good ({type(exc).__name__}: {exc}); the {report.n_documents:,} documents written "
                "so far are kept: run again with --resume to finish"
            ) from exc
        finished[index] = results
        done += len(results)
        report.words += sum(len(d.text.split()) for d in waiting[index])
        report.seconds = time.perf_counter() - start
        if progress is not None:
            now = time.monotonic()
            if now - shown["at"] > 1:  # the worker count is a round trip to the scheduler
                shown["at"], shown["workers"] = now, _cluster(client)["n_workers"]
            note = f"{shown['workers']} workers, {report.words_per_second:,.0f} words/s"
            progress(done + len(skipped), max(total, done + len(skipped)), note)
        while next_write in finished:
            writer.add(waiting.pop(next_write), finished.pop(next_write))
            next_write += 1
        if writer.pending >= writer.batch_docs:
            writer.flush()
        fill()
    writer.flush()
    report.seconds = time.perf_counter() - start


class _Writer:
    """Collects results in input order and writes them through the store a batch at a time (no corpus step)."""

    def __init__(self, target: Store, replace_first: bool, report: ClusterReport, batch_docs: int) -> None:
        self.target = target
        self.batch_docs = batch_docs
        self.replace_first = replace_first  # the first write replaces the stored set (a run without --merge)
        self.report = report
        self.documents: list[Document] = []
        self.results: list[Result] = []
        self.doc_ids: set[str] = set()  # the documents written
        self.written = False
        self.actor: Actor | None = None  # who the writes are recorded as (a database's audit log)
        self.where = ""

    @property
    def pending(self) -> int:
        return len(self.documents)

    def add(self, documents: list[Document], results: list[Result]) -> None:
        self.documents.extend(documents)
        self.results.extend(results)

    def flush(self) -> None:
        if not self.documents:
            return
        extraction = extraction_tables(self.documents, self.results)
        self.documents, self.results = [], []
        report = self.report
        report.problems.extend(extraction.problems)
        events, docs = extraction.events, extraction.documents
        if not len(docs):
            return
        summary = write_recorded(
            self.target,
            events,
            docs,
            extraction.texts,
            actor=self.actor,
            where=self.where,
            action="extract (cluster batch)",
            scans=extraction.datings,
            replace_all=self.replace_first and not self.written,
        )
        self.written = True
        self.doc_ids.update(str(d) for d in docs["doc_id"])
        report.replaced.update(summary.replaced)
        report.n_documents += len(docs)
        report.n_events += len(events)
        report.n_plans += int(is_plan(events).sum()) if len(events) else 0
        report.outputs = list(summary.outputs)
        report.version = summary.version


def _finish(
    target: Store, report: ClusterReport, keep: set[str], drop_others: bool, actor: Actor | None, where: str
) -> None:
    """The corpus steps once, over the whole stored set; ``drop_others``: first drop the stored documents that
    are not in ``keep`` (a resumed run without --merge leaves exactly its inputs, as a single run does)."""
    events, docs = events_frame(), documents_frame()
    replace_all = False
    if drop_others:
        stored_events, stored_docs, _ = read_snapshot(target)
        if not set(stored_docs["doc_id"].astype(str)) <= keep:
            events = stored_events[stored_events["doc_id"].astype(str).isin(keep)]
            docs = stored_docs[stored_docs["doc_id"].astype(str).isin(keep)]
            replace_all = True  # the kept rows as stored (texts and scans by their hashes), the others dropped
    summary = write_recorded(
        target,
        events,
        docs,
        {},
        actor=actor,
        where=where,
        action="extract (cluster, corpus steps)",
        replace_all=replace_all,
        derive=corpus_tables,
    )
    report.outputs = list(summary.outputs)
    report.version = summary.version


def _load_model(client: distributed.Client, extractor: Extractor) -> None:
    """Register the plugin that loads the model on every worker (now, and on each that joins later)."""
    try:
        client.register_plugin(LoadModel(extractor))
    except Exception as exc:  # the workers' own error, sent back as text
        hint = (
            "; the workers cannot import Dateline's code: start them in the project's folder with PYTHONPATH set to it "
            "(see README, Running on a cluster)"
            if "No module named" in str(exc)
            else ""
        )
        raise ClusterError(f"the workers could not load the model ({type(exc).__name__}: {exc}){hint}") from exc


def _cluster(client: distributed.Client) -> dict[str, Any]:
    """The scheduler's summary (n_workers, total_threads), without every worker's details."""
    return client.scheduler_info(n_workers=0)


def _chunks(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while chunk := list(islice(iterator, size)):
        yield chunk


def content_hash(document: Document, extractor: Extractor) -> str:
    """SHA-256 of the text the document's rows would index into (cut at the word limit), as stored."""
    text = cut_to_words(document, extractor.max_words)[0].text
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def stored_hashes(store: Store) -> dict[str, str]:
    """doc_id -> the stored text's SHA-256, for every stored document ({} for an empty store)."""
    if store.is_empty():
        return {}
    docs = store.read_documents()
    return dict(zip(docs["doc_id"].astype(str), docs["sha256"].astype(str), strict=True))


def count_documents(inputs: Sequence[Path]) -> int:
    """About how many documents the inputs hold (for the progress bar): one per text file, one per non-blank
    JSONL line; read problems are left to the run."""
    count = 0
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                count += sum(_count_file(Path(dirpath) / name) for name in filenames if not name.startswith("."))
        elif path.is_file():
            count += _count_file(path)
    return count


def _count_file(path: Path) -> int:
    name = path.name.lower()
    if name.endswith(SIDECAR_SUFFIX) or path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return 0
    if path.suffix.lower() not in JSONL_SUFFIXES:
        return 1
    lines = 0
    try:
        with path.open("rb") as handle:
            for line in handle:
                lines += bool(line.strip())
    except OSError:
        return 0
    return lines


__all__ = [
    "BATCH_DOCS",
    "CHUNK_DOCS",
    "ClusterError",
    "ClusterReport",
    "LoadModel",
    "connect",
    "content_hash",
    "count_documents",
    "extract_chunk",
    "run_on_cluster",
    "stored_hashes",
]
