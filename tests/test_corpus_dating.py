"""Cross-source dating: a document its own text cannot date takes its publication date from the event groups it
shares with dated documents, and its events are re-dated from its stored scan.

Short texts are parsed by the model once (`document_tables`, as the pipeline does), which gives each
document's rows and its dating record (the time-expression scan plus each event's mention offsets); the
corpus steps then run on the tables and the stored records alone.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from spacy.language import Language

from extract.corpus.dating import CORROBORATED, date_from_groups, dating_records, own_dates
from extract.corpus.grouping import group_events
from extract.corpus.steps import corpus_tables
from extract.documents import Document
from extract.events import document_tables
from extract.nlp import load_nlp
from extract.schema import documents_frame, events_frame
from extract.store import FileStore
from extract.store.base import Corpus, CorpusTables

pytestmark = pytest.mark.model

# A dated report (metadata: 10 October 2025, a Friday) of two events on two written days.
DATED = (
    "dated",
    "Senate backs fisheries pact\n\n"
    "The senate ratified the fisheries agreement with Norland on October 8, 2025. "
    "The port authority reopened the northern harbour on October 9, 2025.",
    "2025-10-10",
)
RATIFIED_WEDNESDAY = "Lawmakers ratified the fisheries agreement with Norland on Wednesday."


def undated(*sentences: str, published: str = "") -> tuple[str, str, str]:
    """A second report, without a publication date unless one is given."""
    return ("undated", "Lawmakers back fisheries pact\n\n" + " ".join(sentences), published)


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp()


def extracted(nlp: Language, *documents: tuple[str, str, str]) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    """(doc_id, text, metadata date) -> events, documents, stored records and texts, as the pipeline makes them."""
    rows, doc_rows, records, texts = [], [], {}, {}
    for doc_id, text, published in documents:
        document = Document(doc_id=doc_id, text=text, path=f"{doc_id}.txt", published=published)
        tables = document_tables(document, nlp(text))
        rows += tables.events
        doc_rows.append({**tables.row, "n_events": len(tables.events)})
        records[doc_id], texts[doc_id] = tables.dating, text
    return events_frame(rows), documents_frame(doc_rows), records, texts


def steps(nlp: Language, *documents: tuple[str, str, str]) -> CorpusTables:
    events, docs, records, _ = extracted(nlp, *documents)
    return corpus_tables(Corpus(events, docs, records.get))


def document(out: CorpusTables, doc_id: str = "undated") -> pd.Series:
    return out.documents.set_index("doc_id").loc[doc_id]


def row(out: CorpusTables, words: str, doc_id: str = "undated") -> pd.Series:
    found = out.events[(out.events["doc_id"] == doc_id) & out.events["sentence"].str.contains(words)]
    assert len(found) == 1, list(out.events["sentence"])
    return found.iloc[0]


def day(value: str) -> pd.Timestamp:
    """A day as the tables hold it."""
    return pd.Timestamp(value)


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Parsing a text fails from here on: what follows works from the stored records alone."""

    def refuse(self: Language, *args: object, **kwargs: object) -> None:
        raise AssertionError("the corpus steps parsed a text")

    monkeypatch.setattr(Language, "__call__", refuse)
    monkeypatch.setattr(Language, "pipe", refuse)
    yield


def test_an_undated_document_is_dated_to_the_day_its_reports_allow(nlp):
    """'on Wednesday' with the group's 8 October allows 8 to 14 October; 'yesterday' with the harbour's
    9 October allows only the 10th, where the Wednesday fits too."""
    out = steps(nlp, DATED, undated(RATIFIED_WEDNESDAY, "The port authority reopened the northern harbour yesterday."))
    doc = document(out)
    assert (doc["published"], doc["published_granularity"], doc["published_basis"]) == (
        day("2025-10-10"),
        "day",
        CORROBORATED,
    )
    ratified = row(out, "ratified")
    assert (ratified["date_start"], ratified["granularity"], ratified["date_basis"]) == (
        day("2025-10-08"),
        "day",
        "relative",
    )
    assert row(out, "harbour")["date_start"] == day("2025-10-09")
    assert ratified["event_group"] == row(out, "ratified", "dated")["event_group"]


def test_a_document_stays_undated_when_days_in_two_months_fit(nlp):
    """The group's day is Wednesday 29 October: the report could be from any day of 29 October to 4 November."""
    late = (
        "dated",
        "Senate backs fisheries pact\n\nThe senate ratified the fisheries agreement with Norland on October 29, 2025.",
        "2025-10-31",
    )
    out = steps(nlp, late, undated(RATIFIED_WEDNESDAY))
    assert row(out, "ratified")["event_group"] == row(out, "ratified", "dated")["event_group"]
    doc = document(out)
    assert pd.isna(doc["published"]) and doc["published_basis"] == "unknown"
    assert pd.isna(row(out, "ratified")["date_start"])


def test_a_document_that_knows_only_its_year_gets_the_month_all_candidates_share(nlp):
    out = steps(nlp, DATED, undated(RATIFIED_WEDNESDAY, published="2025"))
    doc = document(out)
    assert (doc["published"], doc["published_granularity"], doc["published_basis"]) == (
        day("2025-10-01"),
        "month",
        CORROBORATED,
    )


def test_a_document_whose_own_written_date_disagrees_is_not_moved(nlp):
    """Its report of the group's event writes 7 October where the group says the 8th: it disagrees about the
    day, it does not date the document."""
    written = "Lawmakers ratified the fisheries agreement with Norland on October 7, 2025."
    events, docs, records, _ = extracted(nlp, DATED, undated(written))
    before = docs.set_index("doc_id").loc["undated"]
    out = corpus_tables(Corpus(events, docs, records.get))
    assert row(out, "ratified")["event_group"] == row(out, "ratified", "dated")["event_group"]
    after = document(out)
    assert (after["published"], after["published_granularity"], after["published_basis"]) == (
        before["published"],
        before["published_granularity"],
        before["published_basis"],
    )
    assert after["published_basis"] != CORROBORATED
    assert row(out, "ratified")["date_start"] == day("2025-10-07")


def test_a_report_with_its_own_written_date_keeps_it_while_another_report_dates_the_document(nlp):
    out = steps(
        nlp,
        DATED,
        undated(
            "Lawmakers ratified the fisheries agreement with Norland on October 7, 2025.",
            "The port authority reopened the northern harbour yesterday.",
        ),
    )
    assert document(out)["published"] == day("2025-10-10")
    written = row(out, "ratified")
    assert (written["date_start"], written["date_basis"]) == (day("2025-10-07"), "explicit")


def test_a_same_day_idiom_narrows_the_candidates_to_one_day(idiom_tables):
    """'Earlier on Thursday' is written on a Thursday: of 8 to 14 October only the 9th is one."""
    events, docs, records, _ = idiom_tables
    out = corpus_tables(Corpus(events, docs, records.get))
    doc = document(out)
    assert (doc["published"], doc["published_granularity"]) == (day("2025-10-09"), "day")


IDIOM = undated(RATIFIED_WEDNESDAY, "Earlier on Thursday, the opposition leader criticised the vote in a long speech.")


@pytest.fixture(scope="module")
def idiom_tables(nlp: Language) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    """Parsed once, before any test switches parsing off."""
    return extracted(nlp, DATED, IDIOM)


def test_events_are_re_dated_from_the_stored_scan_without_parsing(idiom_tables, no_parsing):
    """The Thursday row is in no group; once the groups date its document, its stored scan gives it its day."""
    events, docs, records, _ = idiom_tables
    thursday = row_of(events, "criticised")
    assert pd.isna(thursday["date_start"]) and thursday["date_basis"] == "unresolved"
    kept = dating_records(docs, records.get)
    own = own_dates(events, docs, kept)
    dated = date_from_groups(group_events(own.events, own.documents), own.documents, kept)
    assert dated.changed
    thursday = row_of(dated.events, "criticised")
    assert (thursday["date_start"], thursday["date_end"], thursday["granularity"], thursday["date_basis"]) == (
        day("2025-10-09"),
        day("2025-10-09"),
        "day",
        "relative",
    )
    assert row_of(dated.events, "ratified")["date_start"] == day("2025-10-08")
    assert pd.isna(row_of(events, "criticised")["date_start"])  # the input tables are not changed


def row_of(events: pd.DataFrame, words: str) -> pd.Series:
    found = events[(events["doc_id"] == "undated") & events["sentence"].str.contains(words)]
    assert len(found) == 1, list(events["sentence"])
    return found.iloc[0]


def test_a_corroborated_document_goes_back_to_its_own_dating_when_the_other_document_leaves(idiom_tables, tmp_path):
    events, docs, records, texts = idiom_tables
    store = FileStore(tmp_path / "store")
    store.write(events, docs, texts, scans=records, replace_all=True, derive=corpus_tables)
    stored = store.read_documents().set_index("doc_id").loc["undated"]
    assert (stored["published"], stored["published_basis"]) == (day("2025-10-09"), CORROBORATED)

    # the stored set becomes the undated document alone, as stored (corroborated): the dated one is removed
    kept_events = store.read_events()
    kept_events = kept_events[kept_events["doc_id"] == "undated"]
    kept_docs = store.read_documents()
    kept_docs = kept_docs[kept_docs["doc_id"] == "undated"]
    assert (kept_events["date_basis"] == "relative").all()
    store.write(
        kept_events,
        kept_docs,
        {"undated": store.read_text("undated")},
        scans={"undated": store.read_scan("undated")},
        replace_all=True,
        derive=corpus_tables,
    )
    alone = store.read_documents().set_index("doc_id")
    assert list(alone.index) == ["undated"]
    assert pd.isna(alone.loc["undated", "published"]) and alone.loc["undated", "published_basis"] == "unknown"
    left = store.read_events()
    assert left["date_start"].isna().all()
    assert set(left["date_basis"]) == {"unresolved"}


def test_the_steps_run_again_on_what_they_wrote_give_the_same_tables(idiom_tables):
    """A second write starts from each document's own dates, not from the dates the first one corroborated."""
    events, docs, records, _ = idiom_tables
    first = corpus_tables(Corpus(events, docs, records.get))
    again = corpus_tables(Corpus(first.events, first.documents, records.get))
    columns = ["event_id", "date_start", "date_end", "granularity", "date_basis", "event_group"]
    pd.testing.assert_frame_equal(
        first.events[columns].reset_index(drop=True), again.events[columns].reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(first.documents.reset_index(drop=True), again.documents.reset_index(drop=True))
    assert document(again)["published_basis"] == CORROBORATED
