"""Pipeline and command line: long texts in pieces, per-document failures, jobs, exit codes, round trips.

Most tests use a blank spaCy pipeline (tokenizer + sentencizer) and a tiny stand-in for
``events.document_tables``, so they check this layer without the model; the few that run the real model
are marked ``model``.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import spacy

import extract.__main__ as cli
from extract import events, nlp, pipeline, runs, schema
from extract.documents import Document
from extract.store import FileStore, open_store

ROOT = Path(__file__).resolve().parents[1]
LONG = (
    "Russia and Cuba signed a pact on March 13, 2025. It was ratified in 2025.\n\n"
    "Officials met again in May 2024!  Nobody knew why.\nA line without an end "
) * 40


def stored(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, documents) stored in the folder out."""
    found = open_store(out)
    return found.read_events(), found.read_documents()


def blank_nlp() -> spacy.language.Language:
    """Tokenizer and sentence splitter only: fast, and needs no model package."""
    model = spacy.blank("en")
    model.add_pipe("sentencizer")
    return model


def fake_tables(document: Document, doc: spacy.tokens.Doc) -> tuple[dict, list[dict]]:
    """One event per four-digit year token, with the sentence's offsets (a stand-in for the real extractor)."""
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


def _crash(doc: spacy.tokens.Doc) -> spacy.tokens.Doc:
    """A pipeline step that fails on one marked text, as a parser might on odd input."""
    if "CRASH" in doc.text:
        raise RuntimeError("parser fell over")
    return doc


if not spacy.language.Language.has_factory("dateline_test_crash"):
    spacy.language.Language.component("dateline_test_crash", func=_crash)


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the pipeline's default model and extractor to the stand-ins."""
    monkeypatch.setattr(nlp, "load_nlp", blank_nlp)
    monkeypatch.setattr(events, "document_tables", fake_tables)


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


def test_extraction_offsets_index_into_a_long_text(fake_engine: None) -> None:
    document = Document(doc_id="long", text=LONG, path="long.txt")
    ev, _, problems = pipeline.extract_documents([document], piece_limit=300)
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


# --------------------------------------------------------------------------- extract_documents


def test_extract_documents_builds_typed_tables_and_counts_events(fake_engine: None) -> None:
    calls: list[tuple[int, int, str]] = []
    ev, docs, problems = pipeline.extract_documents(docs_of(3), progress=lambda *a: calls.append(a))
    assert problems == []
    assert list(ev.columns) == schema.EVENT_COLUMN_NAMES
    assert list(docs["doc_id"]) == ["d00", "d01", "d02"]
    assert list(docs["n_events"]) == [1, 1, 1]
    assert ev["date_start"].dtype == "datetime64[ns]"
    assert calls[-1][:2] == (3, 3)


def test_a_failing_document_becomes_a_problem_and_the_rest_goes_on(fake_engine: None) -> None:
    documents = docs_of(3)
    documents[1] = Document(doc_id="bad", text="EXPLODE in 2020.", path="bad.txt")
    _, docs, problems = pipeline.extract_documents(documents)
    assert list(docs["doc_id"]) == ["d00", "d02"]
    assert len(problems) == 1
    assert problems[0].path == "bad.txt"
    assert "doc 'bad'" in problems[0].reason and "ValueError: cannot handle this one" in problems[0].reason


def test_rows_that_cannot_be_typed_become_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad_rows(document: Document, doc: spacy.tokens.Doc) -> tuple[dict, list[dict]]:
        row, rows = fake_tables(document, doc)
        if document.doc_id == "d01":
            rows[0]["actors"] = 5  # not a list: the events table cannot be built with it
        return row, rows

    _, docs, problems = pipeline.extract_documents(docs_of(3), nlp_loader=blank_nlp, tables=bad_rows)
    assert list(docs["doc_id"]) == ["d00", "d02"]
    assert len(problems) == 1 and "doc 'd01': bad extracted rows" in problems[0].reason


def test_a_text_that_breaks_the_parser_is_isolated() -> None:
    def crashing_nlp() -> spacy.language.Language:
        model = blank_nlp()
        model.add_pipe("dateline_test_crash")
        return model

    documents = docs_of(5)
    documents[2] = Document(doc_id="boom", text="CRASH in 2020.", path="boom.txt")
    _, docs, problems = pipeline.extract_documents(documents, nlp_loader=crashing_nlp, tables=fake_tables)
    assert list(docs["doc_id"]) == ["d00", "d01", "d03", "d04"]
    assert [p.path for p in problems] == ["boom.txt"]
    assert "RuntimeError: parser fell over" in problems[0].reason


def test_not_implemented_in_the_extractor_is_a_problem_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """No special case left for NotImplementedError: like any exception, it is that document's problem."""

    def not_for_odd(document: Document, doc: spacy.tokens.Doc) -> tuple[dict, list[dict]]:
        if document.doc_id in ("d01", "d03"):
            raise NotImplementedError("no rule for this")
        return fake_tables(document, doc)

    monkeypatch.setattr(nlp, "load_nlp", blank_nlp)
    monkeypatch.setattr(events, "document_tables", not_for_odd)
    _, docs, problems = pipeline.extract_documents(docs_of(5))
    assert list(docs["doc_id"]) == ["d00", "d02", "d04"]
    assert [str(p) for p in problems] == [
        f"d{i:02}.txt: error: doc 'd{i:02}': extraction failed: NotImplementedError: no rule for this" for i in (1, 3)
    ]


def dies_in_a_worker(document: Document, doc: spacy.tokens.Doc) -> tuple[dict, list[dict]]:
    """fake_tables, except that a worker process handling a "DIE" document is killed (as by the OOM killer)."""
    if "DIE" in document.text and multiprocessing.parent_process() is not None:
        os._exit(1)
    return fake_tables(document, doc)


def test_a_dead_worker_process_falls_back_to_extraction_in_this_process() -> None:
    documents = docs_of(12)
    documents[0] = Document(doc_id="die", text="DIE in 2020.", path="die.txt")  # chunk 0 goes to the worker
    progress: list[int] = []
    one = pipeline.extract_documents(documents, jobs=1, nlp_loader=blank_nlp, tables=fake_tables)
    two = pipeline.extract_documents(
        documents,
        jobs=2,
        nlp_loader=blank_nlp,
        tables=dies_in_a_worker,
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
    progress: list[int] = []
    one = pipeline.extract_documents(documents, jobs=1, nlp_loader=blank_nlp, tables=fake_tables)
    two = pipeline.extract_documents(
        documents,
        jobs=2,
        nlp_loader=blank_nlp,
        tables=fake_tables,
        progress=lambda done, total, _: progress.append(done),
    )
    pd.testing.assert_frame_equal(one[0], two[0])
    pd.testing.assert_frame_equal(one[1], two[1])
    assert one[2] == two[2] and len(two[2]) == 1
    assert progress == sorted(progress) and progress[-1] == 39 + 1  # every document counted once


# --------------------------------------------------------------------------- run_extraction and the CLI


def make_inputs(folder: Path) -> Path:
    (folder / "in" / "sub").mkdir(parents=True)
    (folder / "in" / "a.txt").write_text("Russia and Cuba met in 2024. Then in 2025 again.", encoding="utf-8")
    (folder / "in" / "a.meta.json").write_text(json.dumps({"outlet": "TASS", "published": "2025-10-10"}))
    (folder / "in" / "sub" / "b.md").write_text("---\ntitle: B\n---\nCuba said so in 2019.\n", encoding="utf-8")
    (folder / "in" / "bad.txt").write_bytes(b"caf\xe9 2020")
    return folder / "in"


def test_cli_round_trip(tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = make_inputs(tmp_path)
    out = tmp_path / "out"
    assert cli.main([str(inputs), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "2 documents, 3 events, 1 problem;" in captured.out
    assert str(out / "events.parquet") in captured.out
    assert captured.err.startswith(f"{inputs / 'bad.txt'}: error: not UTF-8 (byte 0xe9 at offset 3)")

    ev, docs = stored(out)
    pd.testing.assert_frame_equal(ev, schema.typed_events(ev))
    assert list(docs["doc_id"]) == ["a", "sub/b"]
    assert docs.set_index("doc_id").loc["a", "outlet"] == "TASS"
    assert docs.set_index("doc_id").loc["sub/b", "title"] == "B"
    assert sorted(ev["time_expression"]) == ["2019", "2024", "2025"]
    front_matter = "---\ntitle: B\n---\n"  # blanked in the text, so offsets index the file
    text_b = re.sub(r"[^\n]", " ", front_matter) + "Cuba said so in 2019.\n"
    assert open_store(out).read_text("sub/b") == text_b
    # the CSV copy reads back equal to the Parquet one
    (out / "events.parquet").rename(tmp_path / "moved.parquet")
    pd.testing.assert_frame_equal(stored(out)[0], ev)


def test_cli_merge_keeps_other_documents(tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = make_inputs(tmp_path)
    out = tmp_path / "out"
    assert cli.main([str(inputs), "--out", str(out), "--quiet"]) == 0
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "a.txt").write_text("Rewritten: only 2030 now.", encoding="utf-8")
    (tmp_path / "new" / "c.txt").write_text("New one from 2001.", encoding="utf-8")
    assert cli.main([str(tmp_path / "new"), "--out", str(out), "--merge"]) == 0
    assert "(merged)" in capsys.readouterr().out
    ev, docs = stored(out)
    assert list(docs["doc_id"]) == ["sub/b", "a", "c"]
    assert sorted(ev["time_expression"]) == ["2001", "2019", "2030"]
    assert open_store(out).read_text("a") == "Rewritten: only 2030 now."


def test_cli_exit_1_and_nothing_written_when_no_document_is_read(
    tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "events.csv").write_text("previous")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    assert cli.main([str(tmp_path / "x.pdf"), str(tmp_path / "missing"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "x.pdf: error: unsupported file type '.pdf'" in err
    assert "missing: error: no such file or folder" in err
    assert "nothing written: no document could be read" in err
    assert sorted(p.name for p in out.iterdir()) == ["events.csv"]
    assert (out / "events.csv").read_text() == "previous"


def test_cli_names_each_document_the_extractor_fails_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def not_yet(document: Document, doc: object) -> tuple[dict, list[dict]]:
        raise NotImplementedError("not yet")

    monkeypatch.setattr(nlp, "load_nlp", blank_nlp)
    monkeypatch.setattr(events, "document_tables", not_yet)
    inputs = make_inputs(tmp_path)
    assert cli.main([str(inputs), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{inputs / 'a.txt'}: error: doc 'a': extraction failed: NotImplementedError: not yet" in err
    assert f"{inputs / 'sub' / 'b.md'}: error: doc 'sub/b': extraction failed: NotImplementedError" in err
    assert "nothing written: no document could be extracted" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kept", ["events.parquet", "documents.csv"])
def test_merge_into_a_folder_with_only_one_table_is_refused(
    tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str], kept: str
) -> None:
    inputs = make_inputs(tmp_path)
    out = tmp_path / "out"
    assert cli.main([str(inputs), "--out", str(out), "--quiet"]) == 0
    for name in ("events.parquet", "events.csv", "plans.parquet", "plans.csv", "documents.csv"):
        if name != kept:
            (out / name).unlink()
    before = (out / kept).read_bytes()
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "c.txt").write_text("New one from 2001.", encoding="utf-8")
    assert cli.main([str(tmp_path / "new"), "--out", str(out), "--merge"]) == 1
    err = capsys.readouterr().err
    missing = "documents.csv" if kept == "events.parquet" else "events.parquet"
    assert f"error: cannot merge into {out}" in err and f"no {missing}" in err
    assert (out / kept).read_bytes() == before  # the stored table was not overwritten
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [kept, "manifest.json", "texts"]
    )


def test_cli_merge_warns_when_another_file_takes_a_stored_doc_id(
    tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = make_inputs(tmp_path)
    out = tmp_path / "out"
    assert cli.main([str(inputs), "--out", str(out), "--quiet"]) == 0
    assert cli.main([str(inputs / "a.txt"), "--out", str(out), "--merge"]) == 0  # same file again: no warning
    assert "replaced" not in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.md").write_text("Another a from 2011.", encoding="utf-8")
    assert cli.main([str(tmp_path / "other"), "--out", str(out), "--merge"]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"{tmp_path / 'other' / 'a.md'}: warning: replaced stored doc_id 'a' (was read from {inputs / 'a.txt'})\n"
    )


def test_concurrent_merges_keep_each_others_documents(
    tmp_path: Path, fake_engine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers (a cron --merge and a dashboard upload) that read the tables at the same time."""
    out = tmp_path / "out"
    assert cli.main([str(make_inputs(tmp_path)), "--out", str(out), "--quiet"]) == 0
    for name in ("x", "y"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(f"{name} happened in 2001.", encoding="utf-8")
    read_documents = FileStore._read_documents

    def slow_read(self: FileStore) -> pd.DataFrame:
        found = read_documents(self)
        time.sleep(0.3)  # the other writer gets to read the same old tables, unless it has to wait
        return found

    monkeypatch.setattr(FileStore, "_read_documents", slow_read)
    errors: list[BaseException] = []

    def merge(name: str) -> None:
        try:
            runs.run_extraction([tmp_path / name], out, merge=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=merge, args=(name,)) for name in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    monkeypatch.undo()
    ev, docs = stored(out)
    assert sorted(docs["doc_id"]) == ["a", "sub/b", "x", "y"]
    assert sorted(ev["doc_id"]) == ["a", "a", "sub/b", "x", "y"]


@pytest.mark.parametrize("argv", [[], ["x", "--jobs", "-1"], ["x", "--jobs", "two"], ["x", "--bogus"]])
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("out", ["sqlite:///dateline.db", "ftp://host/data"])
def test_cli_refuses_a_store_location_it_cannot_open(out: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["x", "--out", out])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--out:" in err and ("not available yet" in err or "unknown store location scheme" in err)


def test_cli_help_explains_inputs_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for needle in (
        ".jsonl",
        "meta.json",
        "front matter",
        "events.parquet",
        "documents.csv",
        "exit codes",
        "--jobs",
        "--merge",
    ):
        assert needle in text


def test_progress_bar_only_for_more_than_5_documents(
    tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(7):
        (folder / f"n{i}.txt").write_text(f"Item {i} in 199{i}.", encoding="utf-8")
    assert cli.main([str(folder), "--out", str(tmp_path / "o1")]) == 0
    assert "7/7" in capsys.readouterr().err
    assert cli.main([str(folder), "--out", str(tmp_path / "o2"), "--quiet"]) == 0
    assert "7/7" not in capsys.readouterr().err
    assert cli.main([str(folder / "n1.txt"), "--out", str(tmp_path / "o3")]) == 0
    assert "1/1" not in capsys.readouterr().err


@pytest.mark.model
def test_real_cli_subprocess_on_a_tmp_folder(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "pact.txt").write_text(
        "Moscow, 10 October 2025. Russia's parliament ratified a military agreement with Cuba on Friday. "
        "The agreement was signed in Havana on March 13, 2025. "
        "The two navies will hold joint drills in the Caribbean in December 2025.\n",
        encoding="utf-8",
    )
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "extract", str(folder), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "empty.txt: error: no text" in result.stderr
    assert "1 documents" in result.stdout
    ev, docs = stored(out)
    assert list(docs["doc_id"]) == ["pact"]
    assert len(ev) >= 1 and docs.loc[0, "n_events"] == len(ev)
    text = (folder / "pact.txt").read_text(encoding="utf-8")
    for row in ev.itertuples():
        assert text[row.char_start : row.char_end] == row.sentence
    assert "(1 of them planned or hypothetical)" in result.stdout
    csv = schema.typed_events(pd.read_csv(out / "events.csv", dtype=str, keep_default_na=False))
    plans = schema.typed_events(pd.read_csv(out / "plans.csv", dtype=str, keep_default_na=False))
    assert set(csv["modality"]) == {"asserted"} and list(plans["modality"]) == ["planned"]
    assert list(plans["time_expression"]) == ["December 2025"]
    pd.testing.assert_frame_equal(schema.typed_events(pd.concat([csv, plans], ignore_index=True)), ev)
