"""Command line: exit codes, round trips, merges (the runner itself is tested in test_pipeline.py).

Most tests use a blank spaCy pipeline (tokenizer + sentencizer) and a tiny stand-in for
``events.document_tables`` (tests/fakes.py), so they check this layer without the model; the few that run the
real model are marked ``model``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import extract.__main__ as cli
from extract import events, nlp, runs, schema
from extract.documents import Document
from extract.store import FileStore, open_store
from tests.fakes import blank_nlp, fake_tables

ROOT = Path(__file__).resolve().parents[1]


def stored(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, documents) stored in the folder out."""
    found = open_store(out)
    return found.read_events(), found.read_documents()


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the pipeline's default model and extractor to the stand-ins."""
    monkeypatch.setattr(nlp, "load_nlp", blank_nlp)
    monkeypatch.setattr(events, "document_tables", fake_tables)


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
    assert "(merged, replaced 1 stored; documents not in this run kept)" in capsys.readouterr().out
    ev, docs = stored(out)
    assert list(docs["doc_id"]) == ["sub/b", "a", "c"]
    assert sorted(ev["time_expression"]) == ["2001", "2019", "2030"]
    assert open_store(out).read_text("a") == "Rewritten: only 2030 now."


def test_cli_run_without_flags_keeps_documents_it_did_not_extract_and_replace_drops_them(
    tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert cli.main([str(make_inputs(tmp_path)), "--out", str(out), "-q"]) == 0
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "c.txt").write_text("New one from 2001.", encoding="utf-8")
    assert cli.main([str(tmp_path / "new"), "--out", str(out)]) == 0  # no flag: a merge
    assert "(merged; documents not in this run kept)" in capsys.readouterr().out
    assert sorted(stored(out)[1]["doc_id"]) == ["a", "c", "sub/b"]
    assert cli.main([str(tmp_path / "new"), "--out", str(out), "--replace"]) == 0
    assert "(--replace: removed 2 stored documents not in this run: a, sub/b)" in capsys.readouterr().out
    assert list(stored(out)[1]["doc_id"]) == ["c"]


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
    for table in schema.TABLES.values():
        for fmt in table.formats:
            if f"{table.name}.{fmt}" != kept:
                (out / f"{table.name}.{fmt}").unlink()
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


@pytest.mark.parametrize(
    "argv", [[], ["x", "--jobs", "-1"], ["x", "--jobs", "two"], ["x", "--bogus"], ["x", "--merge", "--replace"]]
)
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
    assert "--out:" in err and ("give a folder" in err or "unknown store location scheme" in err)


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
        "--replace",
    ):
        assert needle in text
    assert "accepted for old scripts and does nothing: merging is the default" in " ".join(text.split())


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
