"""The runner: long texts in pieces a few at a time, the word limit, per-document failures, jobs.

The extractor is passed as an argument: ``Extractor(model=..., tables=...)`` with the stand-ins of
``tests.fakes`` (a blank spaCy pipeline and a tiny table builder), so these tests need no model and patch
nothing; the few that run the real model are marked ``model``.
"""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from extract import nlp, pipeline, schema
from extract.documents import Document
from extract.pipeline import Extracted, Extractor, cut_to_words, extract_documents
from tests.fakes import (
    blank_nlp,
    crashing_nlp,
    dies_in_a_worker,
    fake_tables,
    not_for_odd,
    recording_nlp,
    token_counts,
    untypable_rows,
    with_warnings,
)

LONG = (
    "Russia and Cuba signed a pact on March 13, 2025. It was ratified in 2025.\n\n"
    "Officials met again in May 2024!  Nobody knew why.\nA line without an end "
) * 40
FAKE = Extractor(model=blank_nlp, tables=fake_tables)


def docs_of(n: int) -> list[Document]:
    return [
        Document(doc_id=f"d{i:02}", text=f"Story {i} happened in {2000 + i}. More text.", path=f"d{i:02}.txt")
        for i in range(n)
    ]


# --------------------------------------------------------------------------- long texts


@pytest.mark.parametrize("limit", [50, 137, 1000])
def test_split_text_pieces_are_bounded_and_rejoin_exactly(limit: int) -> None:
    pieces = pipeline.split_text(LONG, limit)
    assert "".join(pieces) == LONG
    assert all(0 < len(p) <= limit for p in pieces)
    assert len(pieces) > 1


def test_split_text_prefers_paragraph_then_sentence_boundaries() -> None:
    text = "First para one. Two.\n\nSecond para, rather long sentence here. Next one."
    assert pipeline.split_text(text, 40) == [
        "First para one. Two.\n\n",
        "Second para, rather long sentence here. ",
        "Next one.",
    ]
    assert pipeline.split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]  # no boundary: hard cut


def test_parse_document_in_pieces_keeps_offsets() -> None:
    model = blank_nlp()
    whole = model(LONG)
    pieced = pipeline.parse_document(model, LONG, piece_limit=200)
    assert pieced.text == LONG
    assert [(t.idx, t.text) for t in pieced] == [(t.idx, t.text) for t in whole]
    for token in pieced:
        assert LONG[token.idx : token.idx + len(token.text)] == token.text
    for sent in pieced.sents:
        assert LONG[sent.start_char : sent.end_char] == sent.text


def test_extraction_offsets_index_into_a_long_text() -> None:
    document = Document(doc_id="long", text=LONG, path="long.txt")
    ev, _, problems, *_ = extract_documents(
        [document], extractor=Extractor(model=blank_nlp, tables=fake_tables, piece_chars=300)
    )
    assert problems == []
    assert len(ev) == 3 * 40
    for row in ev.itertuples():
        assert LONG[row.char_start : row.char_end] == row.sentence


@pytest.mark.model
def test_parse_document_in_pieces_with_the_real_model() -> None:
    model = nlp.load_nlp()
    pieced = pipeline.parse_document(model, LONG[:3000], piece_limit=500)
    assert pieced.text == LONG[:3000]
    assert len(pieced.ents) > 0
    for ent in pieced.ents:
        assert LONG[ent.start_char : ent.end_char] == ent.text


def test_a_long_texts_pieces_go_through_the_model_a_few_at_a_time() -> None:
    """Peak memory follows what the model holds at once: never all the pieces of a long text together."""
    extractor = Extractor(model=recording_nlp, tables=token_counts, piece_chars=300, pieces_at_once=2)
    batches = extractor.nlp().get_pipe("recorder").batches
    batches.clear()
    short, after = docs_of(3), [Document(doc_id="after", text="Then in 2021.", path="after.txt")]
    long = Document(doc_id="long", text=LONG, path="long.txt")  # about 20 pieces of 300 characters
    _, docs, problems, *_ = extract_documents([*short, long, *after], extractor=extractor)
    assert problems == []
    assert list(docs["doc_id"]) == ["d00", "d01", "d02", "long", "after"]
    n_pieces = len(pipeline.split_text(LONG, 300))
    assert n_pieces > 10
    assert batches[0] == (3, sum(len(d.text) for d in short))  # the short ones before it, together
    piece_batches = batches[1:-1]
    assert [n for n, _ in piece_batches] == [2] * (n_pieces // 2) + [1] * (n_pieces % 2)
    assert sum(chars for _, chars in piece_batches) == len(LONG)
    assert batches[-1] == (1, len(after[0].text))
    assert docs.set_index("doc_id").loc["long", "title"] == f"{len(LONG)} chars, {len(blank_nlp()(LONG))} tokens"


def test_short_texts_are_batched_by_count_and_by_characters() -> None:
    extractor = Extractor(model=recording_nlp, tables=token_counts, batch_size=4, batch_chars=100)
    batches = extractor.nlp().get_pipe("recorder").batches
    batches.clear()
    documents = [Document(doc_id=f"n{i}", text=f"Text number {i}.", path="n.txt") for i in range(10)]  # 15 chars
    documents[5] = Document(doc_id="big", text="word " * 18, path="big.txt")  # 90 characters
    _, docs, _, *_ = extract_documents(documents, extractor=extractor)
    assert list(docs["doc_id"]) == [d.doc_id for d in documents]
    # 4 texts; the 5th alone, as "big" would take the batch over 100 characters, and so would the next one
    assert [n for n, _ in batches] == [4, 1, 1, 4]
    assert all(chars <= 100 for _, chars in batches)


# --------------------------------------------------------------------------- the word limit


def test_cut_to_words_keeps_whole_paragraphs_when_it_can() -> None:
    text = "One two three. Four five six.\n\nSeven eight nine. Ten eleven twelve."
    document = Document(doc_id="x", text=text, path="x.txt")
    cut, problem = cut_to_words(document, 8)
    assert cut.text == "One two three. Four five six.\n\n"
    assert problem is not None and problem.severity == "warning" and problem.path == "x.txt"
    assert problem.reason.startswith("doc 'x': text too long (over 8 words): extracted its first 6 words")
    cut, _ = cut_to_words(document, 11)  # a paragraph break before the limit wins over a later sentence end
    assert cut.text == "One two three. Four five six.\n\n"
    one_paragraph = Document(doc_id="z", text="One two three. Four five six. Seven eight nine.", path="z.txt")
    cut, _ = cut_to_words(one_paragraph, 7)  # no paragraph break: the last sentence end
    assert cut.text == "One two three. Four five six. "
    cut, _ = cut_to_words(Document(doc_id="y", text="a b c d e f g h i j", path="y.txt"), 4)
    assert cut.text == "a b c d "  # no sentence at all: the last whole word
    assert cut_to_words(document, 12) == (document, None)  # exactly at the limit: untouched
    assert cut_to_words(document, None) == (document, None)


def test_a_document_over_the_word_limit_is_cut_with_a_warning_and_the_rest_extracted() -> None:
    paragraph = "The committee met in 2001 and again later that year in the capital.\n\n"  # 13 words
    text = paragraph * 10
    documents = [*docs_of(1), Document(doc_id="huge", text=text, path="huge.txt"), *docs_of(2)[1:]]
    extractor = Extractor(model=blank_nlp, tables=fake_tables, max_words=50)
    ev, docs, problems, *_ = extract_documents(documents, extractor=extractor)
    assert list(docs["doc_id"]) == ["d00", "huge", "d01"]
    assert [(p.path, p.severity) for p in problems] == [("huge.txt", "warning")]
    assert "doc 'huge': text too long (over 50 words): extracted its first 39 words" in problems[0].reason
    assert (ev["doc_id"] == "huge").sum() == 3  # the three whole paragraphs under the limit
    kept = ev[ev["doc_id"] == "huge"]
    assert all(text[r.char_start : r.char_end] == r.sentence for r in kept.itertuples())


def test_the_default_extractor_has_a_word_limit() -> None:
    assert Extractor().max_words == pipeline.MAX_WORDS >= 200_000
    with pytest.raises(ValueError, match="max_words"):
        Extractor(max_words=0)


# --------------------------------------------------------------------------- the extractor as an argument


def test_the_extractor_is_picklable_and_resolves_its_defaults_when_used() -> None:
    extractor = Extractor(model=blank_nlp, tables=fake_tables, piece_chars=500, max_words=1000)
    assert pickle.loads(pickle.dumps(extractor)) == extractor
    default = Extractor()
    assert pickle.loads(pickle.dumps(default)) == default
    assert default.tables == "extract.events:document_tables" and default.model == "extract.nlp:load_nlp"
    assert extractor.nlp() is extractor.nlp()  # the model is loaded once per process


def test_results_are_extracted_or_a_problem_per_document() -> None:
    documents = docs_of(2)
    documents.insert(1, Document(doc_id="bad", text="EXPLODE in 2020.", path="bad.txt"))
    results = FAKE(documents)
    assert [type(r) for r in results] == [Extracted, pipeline.Problem, Extracted]
    assert results[0].row["n_events"] == 1 and results[0].events[0]["time_expression"] == "2000"


def test_the_extractors_warnings_are_problems_naming_the_document_next_to_a_cut() -> None:
    documents = [*docs_of(1), Document(doc_id="huge", text="Then in 2001 it rained. " * 20, path="huge.txt")]
    extractor = Extractor(model=blank_nlp, tables=with_warnings, max_words=50)
    _, docs, problems, *_ = extract_documents(documents, extractor=extractor)
    assert list(docs["doc_id"]) == ["d00", "huge"]
    assert [(p.path, p.severity) for p in problems] == [
        ("d00.txt", "warning"),
        ("huge.txt", "warning"),
        ("huge.txt", "warning"),
    ]
    assert problems[0].reason == "doc 'd00': time expression 'someday' skipped: no date (1 kept)"
    assert problems[1].reason.startswith("doc 'huge': text too long (over 50 words)")
    assert problems[2].reason == "doc 'huge': time expression 'someday' skipped: no date (10 kept)"


# --------------------------------------------------------------------------- extract_documents


def test_extract_documents_builds_typed_tables_and_counts_events() -> None:
    calls: list[tuple[int, int, str]] = []
    ev, docs, problems, *_ = extract_documents(docs_of(3), progress=lambda *a: calls.append(a), extractor=FAKE)
    assert problems == []
    assert list(ev.columns) == schema.EVENT_COLUMN_NAMES
    assert list(docs["doc_id"]) == ["d00", "d01", "d02"]
    assert list(docs["n_events"]) == [1, 1, 1]
    assert ev["date_start"].dtype == "datetime64[ns]"
    assert calls[-1][:2] == (3, 3)


def test_a_failing_document_becomes_a_problem_and_the_rest_goes_on() -> None:
    documents = docs_of(3)
    documents[1] = Document(doc_id="bad", text="EXPLODE in 2020.", path="bad.txt")
    _, docs, problems, *_ = extract_documents(documents, extractor=FAKE)
    assert list(docs["doc_id"]) == ["d00", "d02"]
    assert len(problems) == 1
    assert problems[0].path == "bad.txt"
    assert "doc 'bad'" in problems[0].reason and "ValueError: cannot handle this one" in problems[0].reason


def test_rows_that_cannot_be_typed_become_a_problem() -> None:
    _, docs, problems, *_ = extract_documents(docs_of(3), extractor=Extractor(model=blank_nlp, tables=untypable_rows))
    assert list(docs["doc_id"]) == ["d00", "d02"]
    assert len(problems) == 1 and "doc 'd01': bad extracted rows" in problems[0].reason


def test_a_text_that_breaks_the_parser_is_isolated() -> None:
    documents = docs_of(5)
    documents[2] = Document(doc_id="boom", text="CRASH in 2020.", path="boom.txt")
    documents.append(Document(doc_id="long-boom", text=LONG + "CRASH", path="long.txt"))  # parsed in pieces
    documents.append(Document(doc_id="after", text="After it, in 2021.", path="after.txt"))
    extractor = Extractor(model=crashing_nlp, tables=fake_tables, piece_chars=1000)
    _, docs, problems, *_ = extract_documents(documents, extractor=extractor)
    assert list(docs["doc_id"]) == ["d00", "d01", "d03", "d04", "after"]
    assert [p.path for p in problems] == ["boom.txt", "long.txt"]
    assert all("RuntimeError: parser fell over" in p.reason for p in problems)


def test_not_implemented_in_the_extractor_is_a_problem_per_document() -> None:
    """No special case left for NotImplementedError: like any exception, it is that document's problem."""
    _, docs, problems, *_ = extract_documents(docs_of(5), extractor=Extractor(model=blank_nlp, tables=not_for_odd))
    assert list(docs["doc_id"]) == ["d00", "d02", "d04"]
    assert [str(p) for p in problems] == [
        f"d{i:02}.txt: error: doc 'd{i:02}': extraction failed: NotImplementedError: no rule for this" for i in (1, 3)
    ]


def test_a_dead_worker_process_falls_back_to_extraction_in_this_process() -> None:
    documents = docs_of(12)
    documents[0] = Document(doc_id="die", text="DIE in 2020.", path="die.txt")  # chunk 0 goes to the worker
    progress: list[int] = []
    one = extract_documents(documents, jobs=1, extractor=FAKE)
    two = extract_documents(
        documents,
        jobs=2,
        extractor=Extractor(model=blank_nlp, tables=dies_in_a_worker),
        progress=lambda done, total, _: progress.append(done),
    )
    pd.testing.assert_frame_equal(one[0], two[0])
    pd.testing.assert_frame_equal(one[1], two[1])
    assert [p.path for p in two[2]] == ["--jobs"]
    assert two[2][0].severity == "warning" and "a worker process died" in two[2][0].reason
    assert progress[-1] == 12


def test_jobs_2_gives_the_same_tables_in_input_order() -> None:
    documents = docs_of(40)
    documents[7] = Document(doc_id="bad", text="EXPLODE in 2020.", path="bad.txt")
    documents[30] = Document(doc_id="long", text=LONG, path="long.txt")
    extractor = Extractor(model=blank_nlp, tables=fake_tables, max_words=100)  # the long one is cut
    progress: list[int] = []
    one = extract_documents(documents, jobs=1, extractor=extractor)
    two = extract_documents(
        documents, jobs=2, extractor=extractor, progress=lambda done, total, _: progress.append(done)
    )
    pd.testing.assert_frame_equal(one[0], two[0])
    pd.testing.assert_frame_equal(one[1], two[1])
    assert one[2] == two[2] and [p.severity for p in two[2]] == ["error", "warning"]
    assert progress == sorted(progress) and progress[-1] == 39 + 1  # every document counted once
