"""Tagging and extracting in threads at once gives exactly what one thread gets.

Nothing on the extraction path keeps module-level state between documents (the time-expression tagger's
two passes are joined by an explicit `Scan`), so documents tagged side by side cannot read each other's
candidates. The documents are parsed in the threads too: spaCy's CNN pipeline only reads its weights when
predicting, so a parse in a thread equals the sequential one (a parse that differed would show here).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import spacy

from extract.documents import Document
from extract.events import document_tables
from extract.nlp import load_nlp
from extract.timex import find_time_mentions
from tests.corpus import documents, parsed, published

THREADS = 8


def _run(document: Document, doc: spacy.tokens.Doc) -> tuple[list, tuple]:
    mentions = find_time_mentions(document.text, published(document), doc=doc)
    return mentions, tuple(document_tables(document, doc))


@pytest.mark.model
def test_twenty_documents_in_eight_threads_give_what_one_thread_gives() -> None:
    nlp = load_nlp()
    sequential = [_run(document, doc) for document, doc in parsed()]
    assert sum(len(mentions) for mentions, _ in sequential) > 200  # the documents do have mentions to mix up
    assert sum(len(tables[1]) for _, tables in sequential) > 50  # ... and events

    def parse_and_run(document: Document) -> tuple[list, tuple]:
        return _run(document, nlp(document.text))  # parsed in the thread too

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        threaded = list(pool.map(parse_and_run, documents()))
    for document, expected, got in zip(documents(), sequential, threaded, strict=True):
        assert got == expected, document.doc_id


def test_many_tagging_calls_in_threads_never_mix_documents() -> None:
    """Without the model (fast), many more calls at once: each result is its own document's."""
    blank = spacy.blank("en")
    texts = [
        "The talks began on Monday and resumed two days later.",
        "Sales in the fourth quarter rose from a year ago, the company said on Tuesday.",
        "It was founded in 1998; that year it opened a second office, and in March the next year a third.",
        "Between 1994 and 1997 output doubled; since 2020 it has fallen.",
        "The report (Agency, May 2, 2024) said the first vote took place three days later.",
        "Last week the ministers met; next month they meet again, and in the spring of 2026 once more.",
        "On 4 July 2019 the treaty was signed. The following day it was published.",
        "Yesterday the court ruled; the appeal is due by Dec. 15.",
    ]
    jobs = [(texts[i % len(texts)], dt.date(2025, 1 + i % 12, 1 + i % 28)) for i in range(400)]

    def tag(job: tuple[str, dt.date]) -> list:
        text, day = job
        return find_time_mentions(text, day, doc=blank(text))

    sequential = [tag(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        threaded = list(pool.map(tag, jobs))
    assert threaded == sequential
    assert len({tuple(m.value for m in found) for found in sequential}) > len(texts)  # dates differ by job
