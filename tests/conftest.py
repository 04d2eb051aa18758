"""Shared fixtures: a tmp DATELINE_DATA folder with a small, hand-written events table."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import schema, store

ARTICLE_A = (
    "Moscow and Havana sign a pact\n\n"
    "Russia and Cuba signed a military cooperation agreement on March 13, 2025. "
    "Officials said talks could resume next year. "
    "Analysts wrote <script>alert('x')</script> in their notes in May 2024."
)


def _sentence_row(text: str, sentence: str, **fields: object) -> dict[str, object]:
    start = text.index(sentence)
    return {"sentence": sentence, "char_start": start, "char_end": start + len(sentence), **fields}


def fixture_rows(doc_a_text: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Events and documents: 3 sources, 2020-2025, day/month/year/range/unresolved, lists, a formula cell."""
    s1 = "Russia and Cuba signed a military cooperation agreement on March 13, 2025."
    s2 = "Officials said talks could resume next year."
    s3 = "Analysts wrote <script>alert('x')</script> in their notes in May 2024."
    events = [
        _sentence_row(
            doc_a_text,
            s1,
            event_id="e1",
            doc_id="a",
            source="TASS",
            date_start="2025-03-13",
            date_end="2025-03-13",
            granularity="day",
            date_basis="explicit",
            time_expression="March 13, 2025",
            summary="Russia and Cuba signed a military agreement",
            actors=["Russia", "Cuba"],
            locations=["Havana"],
            event_type="military",
            modality="asserted",
            confidence=0.9,
        ),
        _sentence_row(
            doc_a_text,
            s2,
            event_id="e2",
            doc_id="a",
            source="TASS",
            date_start="2026-01-01",
            date_end="2026-12-31",
            granularity="year",
            date_basis="relative",
            time_expression="next year",
            summary="talks could resume",
            actors=["Russia"],
            event_type="diplomacy",
            modality="hypothetical",
            confidence=0.5,
        ),
        _sentence_row(
            doc_a_text,
            s3,
            event_id="e3",
            doc_id="a",
            source="TASS",
            date_start="2024-05-01",
            date_end="2024-05-31",
            granularity="month",
            date_basis="explicit",
            time_expression="May 2024",
            summary='=HYPERLINK("http://evil") analysts wrote notes',
            actors=["Analysts"],
            event_type="statement",
            modality="asserted",
            confidence=0.6,
        ),
        {
            "event_id": "e4",
            "doc_id": "b",
            "source": "Reuters",
            "date_start": "2025-03-14",
            "date_end": "2025-03-14",
            "granularity": "day",
            "date_basis": "explicit",
            "time_expression": "Friday",
            "summary": "Cuba hosted Russian ships",
            "sentence": "Cuba hosted Russian ships on Friday.",
            "char_start": 0,
            "char_end": 35,
            "actors": ["Cuba"],
            "locations": [],
            "event_type": "military",
            "modality": "asserted",
            "confidence": 0.8,
        },
        {
            "event_id": "e5",
            "doc_id": "b",
            "source": "Reuters",
            "date_start": "2020-02-01",
            "date_end": "2020-03-15",
            "granularity": "range",
            "date_basis": "explicit",
            "time_expression": "February to mid-March 2020",
            "summary": "+ sanctions were tightened",
            "sentence": "Sanctions were tightened from February to mid-March 2020.",
            "char_start": 40,
            "char_end": 97,
            "actors": ["United States", "Cuba"],
            "event_type": "sanctions",
            "modality": "asserted",
            "confidence": 0.7,
        },
        {
            "event_id": "e6",
            "doc_id": "c",
            "source": "Granma",
            "date_start": "2019-06-10",
            "date_end": "2019-06-10",
            "granularity": "day",
            "date_basis": "explicit",
            "time_expression": "June 10, 2019",
            "summary": "Cuba reported record sugar exports",
            "sentence": "On June 10, 2019 Cuba reported record sugar exports.",
            "char_start": 0,
            "char_end": 51,
            "actors": ["Cuba"],
            "event_type": "economy",
            "modality": "asserted",
            "confidence": 0.95,
        },
        {
            "event_id": "e7",
            "doc_id": "c",
            "source": "Granma",
            "date_start": None,
            "date_end": None,
            "granularity": "unresolved",
            "date_basis": "unresolved",
            "time_expression": "some day",
            "summary": "a ceremony will be held",
            "sentence": "A ceremony will be held some day.",
            "char_start": 60,
            "char_end": 93,
            "actors": [],
            "event_type": "other",
            "modality": "planned",
            "confidence": 0.2,
        },
        {
            "event_id": "e8",
            "doc_id": "c",
            "source": "Granma",
            "date_start": "2015-05-05",
            "date_end": "2015-05-05",
            "granularity": "day",
            "date_basis": "citation",
            "time_expression": "May 5, 2015",
            "summary": "Cuba and the United States held talks",
            "sentence": "Cuba and the United States held talks on May 5, 2015.",
            "char_start": 100,
            "char_end": 153,
            "actors": ["Cuba", "United States"],
            "event_type": "diplomacy",
            "modality": "asserted",
            "confidence": 0.85,
        },
    ]
    documents = [
        {
            "doc_id": "a",
            "title": "Moscow and Havana sign a <b>pact</b>",
            "outlet": "TASS",
            "url": "https://example.org/a",
            "published": "2025-10-10",
            "published_granularity": "day",
            "published_basis": "dateline",
            "path": "a.txt",
            "sha256": "",
            "n_events": 3,
        },
        {
            "doc_id": "b",
            "title": "Ships in Havana",
            "outlet": "Reuters",
            "url": "",
            "published": "2025-03-15",
            "published_granularity": "day",
            "published_basis": "metadata",
            "path": "missing/b.txt",
            "sha256": "",
            "n_events": 2,
        },
        {
            "doc_id": "c",
            "title": "Sugar",
            "outlet": "Granma",
            "url": "",
            "published": "2019-06-11",
            "published_granularity": "day",
            "published_basis": "metadata",
            "path": "",
            "sha256": "",
            "n_events": 3,
        },
    ]
    return events, documents


def write_tables(
    folder: Path,
    events: list[dict[str, object]],
    documents: list[dict[str, object]],
    texts: dict[str, str] | None = None,
) -> None:
    """Make the stored set exactly these rows (and texts), through the store as an extraction run does."""
    store.open_store(folder).write(
        schema.events_frame(events), schema.documents_frame(documents), texts or {}, replace_all=True
    )


@pytest.fixture
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DATELINE_DATA folder with the fixture tables and document a's text (b and c have none stored)."""
    folder = tmp_path / "data"
    events, documents = fixture_rows(ARTICLE_A)
    write_tables(folder, events, documents, {"a": ARTICLE_A})
    monkeypatch.setenv("DATELINE_DATA", str(folder))
    return folder
