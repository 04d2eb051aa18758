"""One bad time expression never loses a document: it is skipped (with a warning naming the document, the
expression and the reason) and the document's other events are kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import spacy

from extract import extract_events
from extract.documents import WARNING, Document
from extract.events import document_tables
from extract.nlp import load_nlp
from extract.pipeline import extract_documents
from extract.timex import find_time_mentions, resolve, scan, scanner
from extract.timex.patterns import PATTERN_BY_NAME

BLANK = spacy.blank("en")
PUB = dt.date(2025, 10, 10)

# A news story whose first and last sentences date events; the middle one holds the expression under test.
STORY = (
    "Archaeologists opened a new excavation on March 3, 2025, near the river. "
    "They say people farmed the valley {expression}. "
    "The museum will show the finds from June 2026."
)


D = dt.date
# (words in the story, the mention expected (text, value, date_start, date_end) or None, the warning expected
# (the expression skipped, the reason's words) or None). Published 10 October 2025.
CASES = [
    # very old: before the calendar's first year
    ("7000 years ago", None, ("7000 years ago", "it dates to 4,976 BC")),
    ("12000 years ago", None, ("12000 years ago", "it dates to 9,976 BC")),
    ("100000 years ago", None, ("100000 years ago", "it dates to 97,976 BC")),
    # thousands separators: the whole number, never its last three digits
    ("2,000 years ago", ("2,000 years ago", "0025", D(25, 1, 1), D(25, 12, 31)), None),
    ("1,000 years ago", ("1,000 years ago", "1025", D(1025, 1, 1), D(1025, 12, 31)), None),
    ("125,000 years ago", None, ("125,000 years ago", "it dates to 122,976 BC")),
    ("2,500 days ago", ("2,500 days ago", "2018-12-06", D(2018, 12, 6), D(2018, 12, 6)), None),
    ("9,000,000 days ago", None, ("9,000,000 days ago", "it dates to 22,617 BC")),
    # eras
    ("in 500 BC", None, ("500 BC", "500 BC is before the calendar's first year")),
    ("in 44 BCE", None, ("44 BCE", "44 BC is before the calendar's first year")),
    ("in 1600 B.C.", None, ("1600 B.C.", "1,600 BC is before")),  # not the year 1600
    ("in the 5th century BC", None, ("the 5th century BC", "the 5th century BC is before")),
    ("in AD 79", ("AD 79", "0079", D(79, 1, 1), D(79, 12, 31)), None),
    ("in 800 CE", ("800 CE", "0800", D(800, 1, 1), D(800, 12, 31)), None),
    # centuries
    ("in the 1st century", ("the 1st century", "00", D(1, 1, 1), D(99, 12, 31)), None),
    ("in the 1800s", ("the 1800s", "18", D(1800, 1, 1), D(1899, 12, 31)), None),
    ("in the 2000s", ("the 2000s", "200", D(2000, 1, 1), D(2009, 12, 31)), None),
    # beyond 9999
    ("until 10000 years from now", None, ("10000 years from now", "it dates to 12,025")),
    ("until the year 12025", None, None),  # no pattern reads a five-digit year
    # negative numbers are no years
    ("in year -2000", None, None),
]


@pytest.mark.model
@pytest.mark.parametrize(("expression", "mention", "warning"), CASES, ids=[c[0] for c in CASES])
def test_very_old_large_or_odd_expressions(expression: str, mention: tuple | None, warning: tuple | None) -> None:
    text = STORY.format(expression=expression)
    doc = load_nlp()(text)
    middle = (text.index("They say"), text.index("The museum"))
    found = [m for m in find_time_mentions(text, PUB, doc=doc) if middle[0] <= m.start < middle[1]]
    assert [(m.text, m.value, m.date_start, m.date_end) for m in found] == ([mention] if mention else [])
    _, events, warnings, _ = document_tables(Document(doc_id="d", text=text, path="d.txt", published="2025-10-10"), doc)
    dated = {e["date_start"] for e in events}
    assert {D(2025, 3, 3), D(2026, 6, 1)} <= dated  # the document's other events survive
    if warning is None:
        assert warnings == []
    else:
        skipped, reason = warning
        assert len(warnings) == 1, warnings
        assert warnings[0].startswith(f"time expression '{skipped}' at offset {text.index(skipped)} skipped: ")
        assert reason in warnings[0]


@pytest.mark.model
def test_an_expression_that_cannot_be_dated_costs_only_itself() -> None:
    text = STORY.format(expression="7000 years ago")
    document = Document(doc_id="dig", text=text, path="news/dig.txt", published="2025-10-10")
    events, docs, problems, *_ = extract_documents([document])
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
    row, events, warnings, _ = document_tables(
        Document(doc_id="d", text=text, path="d.txt", published="2025-10-10"), nlp(text)
    )
    assert row["doc_id"] == "d" and len(events) == 2
    assert len(warnings) == 1 and warnings[0].startswith("time expression '12000 years ago' at offset ")
    assert len(extract_events(text, PUB)) == 2  # the one-call API keeps the events too


def test_a_date_outside_the_calendar_is_skipped_with_the_reason() -> None:
    text = "The survey began 7000 years ago and ended on March 3, 2025."
    result = resolve(scan(text, BLANK(text)), PUB)
    assert [m.text for m in result.dates()] == ["March 3, 2025"]
    assert [(s.text, s.start) for s in result.skipped] == [("7000 years ago", text.index("7000"))]


def test_any_failing_normaliser_costs_only_its_expression(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in one normaliser (here: the weekday's) skips its expressions, named with the error."""

    def broken(groups: object, ctx: object) -> None:
        raise RuntimeError("no such weekday")

    monkeypatch.setitem(PATTERN_BY_NAME, "weekday", replace(PATTERN_BY_NAME["weekday"], norm=broken))
    text = "They met on Monday, signed on March 3, 2025, and left on Friday."
    result = resolve(scan(text, BLANK(text)), PUB)
    assert [m.text for m in result.dates()] == ["March 3, 2025"]
    assert [str(s) for s in result.skipped] == [
        f"time expression 'Monday' at offset {text.index('Monday')} skipped: cannot be normalised "
        "(RuntimeError: no such weekday)",
        f"time expression 'Friday' at offset {text.index('Friday')} skipped: cannot be normalised "
        "(RuntimeError: no such weekday)",
    ]


def test_a_failing_check_while_scanning_costs_only_its_expression(monkeypatch: pytest.MonkeyPatch) -> None:
    real = scanner._not_a_time

    def fails_on_years(text: str, found: object, idx: object) -> bool:
        if text[found.start : found.end].isdigit():  # type: ignore[attr-defined]
            raise IndexError("token out of range")
        return real(text, found, idx)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner, "_not_a_time", fails_on_years)
    text = "Output fell in 2019 and recovered in March 2021."
    scanned = scan(text, BLANK(text))
    assert [c.text for c in scanned.candidates] == ["March 2021"]
    assert [(s.text, s.reason) for s in scanned.skipped] == [
        ("2019", "cannot be normalised (IndexError: token out of range)")
    ]
    assert [s.text for s in resolve(scanned, PUB).skipped] == ["2019"]  # every resolution reports it
