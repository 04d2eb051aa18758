"""Stand-ins for the model and the per-document extractor, for tests of the runner and the CLI.

Top-level functions in an importable module, so ``Extractor(model=..., tables=...)`` built from them can be
sent to spawned worker processes (``jobs > 1``).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re

import spacy
from spacy.tokens import Doc

from extract.documents import Document


def blank_nlp() -> spacy.language.Language:
    """Tokenizer and sentence splitter only: fast, and needs no model package."""
    model = spacy.blank("en")
    model.add_pipe("sentencizer")
    return model


def _crash(doc: Doc) -> Doc:
    """A pipeline step that fails on one marked text, as a parser might on odd input."""
    if "CRASH" in doc.text:
        raise RuntimeError("parser fell over")
    return doc


if not spacy.language.Language.has_factory("dateline_test_crash"):
    spacy.language.Language.component("dateline_test_crash", func=_crash)


def crashing_nlp() -> spacy.language.Language:
    """blank_nlp, with a step that raises on a text containing "CRASH"."""
    model = blank_nlp()
    model.add_pipe("dateline_test_crash")
    return model


def fake_tables(document: Document, doc: Doc) -> tuple[dict, list[dict]]:
    """One event per four-digit year token, with the sentence's offsets (a stand-in for the real extractor).

    A text containing "EXPLODE" raises, as the real extractor might on odd input.
    """
    if "EXPLODE" in document.text:
        raise ValueError("cannot handle this one")
    row = {
        "doc_id": document.doc_id,
        "title": document.title or document.text.strip().splitlines()[0],
        "outlet": document.outlet,
        "published": document.published or None,
        "path": document.path,
        "sha256": hashlib.sha256(document.text.encode()).hexdigest(),
    }
    rows = []
    for token in doc:
        if re.fullmatch(r"(19|20)\d\d", token.text):
            sent = token.sent
            rows.append(
                {
                    "event_id": f"{document.doc_id}:{token.idx}",
                    "doc_id": document.doc_id,
                    "source": document.outlet or document.doc_id,
                    "date_start": f"{token.text}-01-01",
                    "date_end": f"{token.text}-12-31",
                    "granularity": "year",
                    "time_expression": token.text,
                    "sentence": sent.text,
                    "char_start": sent.start_char,
                    "char_end": sent.end_char,
                    "actors": [t.text for t in sent if t.text in ("Russia", "Cuba")],
                    "confidence": 0.5,
                }
            )
    return row, rows


def dies_in_a_worker(document: Document, doc: Doc) -> tuple[dict, list[dict]]:
    """fake_tables, except that a worker process handling a "DIE" document is killed (as by the OOM killer)."""
    if "DIE" in document.text and multiprocessing.parent_process() is not None:
        os._exit(1)
    return fake_tables(document, doc)


def untypable_rows(document: Document, doc: Doc) -> tuple[dict, list[dict]]:
    """fake_tables, except that document "d01" gets an event the events table cannot hold."""
    row, rows = fake_tables(document, doc)
    if document.doc_id == "d01":
        rows[0]["actors"] = 5  # not a list
    return row, rows


def not_for_odd(document: Document, doc: Doc) -> tuple[dict, list[dict]]:
    """fake_tables, except NotImplementedError for documents d01 and d03."""
    if document.doc_id in ("d01", "d03"):
        raise NotImplementedError("no rule for this")
    return fake_tables(document, doc)


def token_counts(document: Document, doc: Doc) -> tuple[dict, list[dict]]:
    """No events; the row records what reached the extractor: characters and tokens of the Doc."""
    assert doc.text == document.text
    row = {"doc_id": document.doc_id, "title": f"{len(doc.text)} chars, {len(doc)} tokens", "path": document.path}
    return row, []


class _Recorder:
    """A pipeline step that notes each batch the model is given: (number of texts, characters in all)."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, int]] = []

    def __call__(self, doc: Doc) -> Doc:
        self.batches.append((1, len(doc.text)))
        return doc

    def pipe(self, docs, batch_size: int = 1):  # spaCy's component protocol
        batch = list(docs)  # Language.pipe hands over one call's texts; the runner calls it once per batch
        self.batches.append((len(batch), sum(len(d.text) for d in batch)))
        yield from batch


if not spacy.language.Language.has_factory("dateline_test_recorder"):
    spacy.language.Language.factory("dateline_test_recorder", func=lambda nlp, name: _Recorder())


def recording_nlp() -> spacy.language.Language:
    """blank_nlp with a "recorder" step: ``model.get_pipe("recorder").batches`` lists the batches parsed."""
    model = blank_nlp()
    model.add_pipe("dateline_test_recorder", name="recorder")
    return model


def with_warnings(document: Document, doc: Doc) -> tuple[dict, list[dict], list[str]]:
    """fake_tables, plus a warning about what it left out (as events.document_tables reports skipped dates)."""
    row, rows = fake_tables(document, doc)
    return row, rows, [f"time expression 'someday' skipped: no date ({len(rows)} kept)"]


def killing_tables(document: Document, doc: Doc, marker: str, victim: str) -> object:
    """The real per-document extraction, except that the first time ``victim`` is met (no ``marker`` file yet)
    the process dies on the spot, as a worker killed mid-run (out of memory, a lost machine) would."""
    from extract.events import document_tables

    if document.doc_id == victim and not os.path.exists(marker):
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
        os._exit(1)
    return document_tables(document, doc)
