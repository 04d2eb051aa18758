"""One bad time expression never loses a document: it is skipped (with a warning naming the document, the
expression and the reason) and the document's other events are kept."""

from __future__ import annotations

import datetime as dt

import pytest
import spacy

from extract import extract_events
from extract.documents import WARNING, Document
from extract.events import document_tables
from extract.nlp import load_nlp
from extract.pipeline import extract_documents
from extract.timex import resolve, scan

BLANK = spacy.blank("en")
PUB = dt.date(2025, 10, 10)

# A news story whose first and last sentences date events; the middle one holds the expression under test.
STORY = (
    "Archaeologists opened a new excavation on March 3, 2025, near the river. "
    "They say people farmed the valley {expression}. "
    "The museum will show the finds from June 2026."
)


@pytest.mark.model
def test_an_expression_that_cannot_be_dated_costs_only_itself() -> None:
    text = STORY.format(expression="7000 years ago")
    document = Document(doc_id="dig", text=text, path="news/dig.txt", published="2025-10-10")
    events, docs, problems = extract_documents([document])
    assert list(docs["doc_id"]) == ["dig"]
    assert {str(d.date()) for d in events["date_start"]} == {"2025-03-03", "2026-06-01"}
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.path, problem.severity) == ("news/dig.txt", WARNING)
    assert problem.reason.startswith("doc 'dig': time expression '7000 years ago' at offset ")
    assert "skipped" in problem.reason


@pytest.mark.model
def test_document_tables_reports_what_it_skipped() -> None:
    text = STORY.format(expression="12000 years ago")
    nlp = load_nlp()
    row, events, warnings = document_tables(
        Document(doc_id="d", text=text, path="d.txt", published="2025-10-10"), nlp(text)
    )
    assert row["doc_id"] == "d" and len(events) == 2
    assert len(warnings) == 1 and warnings[0].startswith("time expression '12000 years ago' at offset ")
    assert len(extract_events(text, PUB)) == 2  # the one-call API keeps the events too


def test_a_failing_normaliser_is_skipped_with_the_reason() -> None:
    text = "The survey began 7000 years ago and ended on March 3, 2025."
    result = resolve(scan(text, BLANK(text)), PUB)
    assert [m.text for m in result.dates()] == ["March 3, 2025"]
    assert [(s.text, s.start) for s in result.skipped] == [("7000 years ago", text.index("7000"))]
