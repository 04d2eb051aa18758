"""Twenty different real-looking documents for tests that need variety: the seeds, the annotated batches'
texts (each text once) and one results story; parsed once per test session."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from spacy.tokens import Doc

from extract.documents import Document, read_inputs

ROOT = Path(__file__).resolve().parents[1]

# Unlike the corpus: a results story (quarters, "a year ago"), anaphora, a citation, an open range,
# yearless dates, a weekday.
RESULTS_STORY = (
    "Harbour Logistics posts higher third-quarter profit\n\n"
    "OSLO, Oct. 22 (Wire) - Harbour Logistics said on Wednesday that net income in the third quarter rose "
    "to 41 million crowns from 33 million a year ago. Revenue for the first nine months of the year was flat. "
    "The company said shipments have grown since March 2024, and that a new terminal opened on Sept. 3 "
    "(Port Bulletin, Sept. 4, 2025). Two weeks later the board approved a second one, due to open in "
    "the spring of 2027. The chief executive will present the plan to investors next Tuesday.\n"
)


@functools.cache
def documents() -> tuple[Document, ...]:
    """The twenty documents, in a fixed order."""
    unique: dict[str, Document] = {}
    for folders in ([ROOT / "seeds"], sorted((ROOT / "benchmarks" / "annotated").glob("batch*/texts"))):
        found, problems = read_inputs(folders)
        assert not problems, problems
        for d in found:
            unique.setdefault(d.text, d)
    out = (*unique.values(), Document(doc_id="results", text=RESULTS_STORY, path="results.txt"))
    assert len(out) == 20, len(out)
    return out


@functools.cache
def parsed() -> tuple[tuple[Document, Doc], ...]:
    """Each document with its parse by the real model."""
    from extract.nlp import load_nlp

    nlp = load_nlp()
    return tuple((d, nlp(d.text)) for d in documents())


def published(document: Document) -> dt.date:
    """A fixed publication date per document, different between documents."""
    return dt.date(2025, 10, 10) - dt.timedelta(days=37 * (len(document.text) % 11))
