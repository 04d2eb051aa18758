"""The command line with a database: ``--db``, ``--out`` as an export beside it, the default store,
``--if-empty``, ``import`` of a data folder and its refusals. A blank pipeline and the stand-in extractor
(tests/fakes.py) keep these fast; the store layer is what is under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import extract.__main__ as cli
from extract import events, nlp
from extract.store import FileStore, open_store
from extract.store.sql import SqlStore
from tests.databases import database
from tests.fakes import blank_nlp, fake_tables


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp, "load_nlp", blank_nlp)
    monkeypatch.setattr(events, "document_tables", fake_tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


def inputs(folder: Path, **texts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (
        texts or {"a": "Russia and Cuba met in 2024. Then in 2025 again.", "b": "Cuba said so in 2019."}
    ).items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def same_content(left: object, right: object) -> None:
    """Two stores hold the same tables, texts and scans."""
    pd.testing.assert_frame_equal(left.read_events(), right.read_events())
    pd.testing.assert_frame_equal(left.read_documents(), right.read_documents())
    for name in ("groups", "key_dates"):
        pd.testing.assert_frame_equal(left.read_table(name), right.read_table(name))
    for doc_id in left.read_documents()["doc_id"]:
        assert left.read_text(doc_id) == right.read_text(doc_id)
        assert left.read_scan(doc_id) == right.read_scan(doc_id)


def test_db_writes_into_the_database_and_merges(
    url: str, tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([str(inputs(tmp_path / "in")), "--db", url, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 documents, 3 events" in out and "wrote " in out
    store = open_store(url)
    assert sorted(store.read_documents()["doc_id"]) == ["a", "b"]
    assert store.read_text("b") == "Cuba said so in 2019."
    assert cli.main([str(inputs(tmp_path / "new", c="Havana in 2030.")), "--db", url, "--merge", "-q"]) == 0
    assert sorted(open_store(url).read_documents()["doc_id"]) == ["a", "b", "c"]
    assert not list(tmp_path.glob("data*"))  # --db alone writes no folder


def test_a_run_keeps_uploaded_documents_unless_replace_and_is_recorded_as_cli(
    url: str, tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from extract.store import sql_uploads
    from extract.store.team import LOCAL, Team
    from tests.test_store_contract import run

    assert cli.main([str(inputs(tmp_path / "in")), "--db", url, "-q"]) == 0
    store = open_store(url)
    events_, docs, texts = run("uploaded")
    sql_uploads.store_uploads(store, events_, docs, texts, actor=LOCAL, filenames={"uploaded": "uploaded.txt"})
    assert cli.main([str(inputs(tmp_path / "in")), "--db", url, "-q"]) == 0  # the cron job, no flag
    assert sorted(open_store(url).read_documents()["doc_id"]) == ["a", "b", "uploaded"]
    capsys.readouterr()
    assert cli.main([str(inputs(tmp_path / "in")), "--db", url, "--replace"]) == 0
    assert "removed 1 stored document not in this run: uploaded" in capsys.readouterr().out
    assert sorted(open_store(url).read_documents()["doc_id"]) == ["a", "b"]
    log = Team(store).history(actor="cli")
    assert list(log["action"]) == ["extract"] * 3 and set(log["target_kind"]) == {"run"}
    counts = [json.loads(a) for a in log["after"].iloc[::-1]]
    assert [(c["added"], c["replaced"], c["removed"], c["mode"]) for c in counts] == [
        (2, 0, 0, "merge"),
        (0, 2, 0, "merge"),
        (0, 2, 1, "replace"),
    ]
    assert sql_uploads.list_uploads(store).iloc[0]["shown"] == "no longer stored (removed by another run)"


def test_db_and_out_together_export_the_database_to_the_folder(
    url: str, tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([str(inputs(tmp_path / "in")), "--db", url, "-q"]) == 0
    more = inputs(tmp_path / "more", c="Havana in 2030.")
    assert cli.main([str(more), "--db", url, "--out", str(tmp_path / "export"), "--merge", "-q"]) == 0
    assert "exported 3 documents to" in capsys.readouterr().out
    folder = FileStore(tmp_path / "export")
    assert (tmp_path / "export" / "events.parquet").is_file()
    same_content(open_store(url), folder)  # the whole database, not only this run


def test_without_a_target_the_default_store_is_used(
    tmp_path: Path, fake_engine: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DATELINE_DATA", str(tmp_path / "data"))
    assert cli.main([str(inputs(tmp_path / "in")), "--if-empty", "-q"]) == 0  # a fresh machine: extracts
    assert (tmp_path / "data" / "dateline.db").is_file()
    store = open_store(f"sqlite:///{tmp_path / 'data' / 'dateline.db'}")
    version = store.version()
    assert cli.main([str(inputs(tmp_path / "in")), "--if-empty"]) == 0  # what make run does every time
    assert "already holds documents; nothing extracted" in capsys.readouterr().out
    assert store.version() == version


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--db", "DIR"], "--db: give a database URL"),
        (["--out", "sqlite:///x.db"], "--out: give a folder"),
        (["--db", "mysql://u:secret@h/db"], "unknown store location scheme 'mysql'"),
        (["--db", "sqlite://"], "in-memory SQLite"),
    ],
)
def test_targets_of_the_wrong_kind_are_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(tmp_path / "folder") if a == "DIR" else a for a in argv]
    with pytest.raises(SystemExit) as exc:
        cli.main(["x", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "secret" not in err


def test_an_unreachable_database_writes_nothing_and_says_where(
    tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://u:secret@127.0.0.1:9/dateline"
    assert cli.main([str(inputs(tmp_path / "in")), "--db", url, "-q"]) == 1
    err = capsys.readouterr().err
    assert "could not write the tables to postgresql+psycopg://u:***@127.0.0.1:9/dateline" in err
    assert "secret" not in err


# --------------------------------------------------------------------------- import


def folder_store(tmp_path: Path) -> Path:
    """A data folder the files store wrote (tables, texts, scans, groups, key dates), via the CLI."""
    data = tmp_path / "data"
    assert cli.main([str(inputs(tmp_path / "in")), "--out", str(data), "-q"]) == 0
    return data


def test_import_copies_a_data_folder_into_a_database_once(
    url: str, tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = folder_store(tmp_path)
    capsys.readouterr()
    assert cli.main(["import", str(data), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "imported 2 documents, 3 events (plans included), 2 texts" in out and "left as they were" in out
    database_store = open_store(url)
    same_content(FileStore(data), database_store)
    assert len(database_store.read_table("groups")) > 0
    # a second import would mix two sets: refused unless asked to merge
    assert cli.main(["import", str(data), "--db", url]) == 1
    assert "already holds 2 documents; add --merge" in capsys.readouterr().err
    assert cli.main(["import", str(data), "--db", url, "--merge", "-q"]) == 0
    assert sorted(open_store(url).read_documents()["doc_id"]) == ["a", "b"]
    from extract.store.team import Team

    log = Team(database_store).history(actor="cli", action="import")
    assert list(log["target_id"]) == [str(data)] * 2 and '"added": 2' in log["after"].iloc[-1]


def test_import_defaults_to_a_sqlite_file_in_the_folder_which_then_becomes_the_default(
    tmp_path: Path, fake_engine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    data = folder_store(tmp_path)
    from extract.store import default_store_location

    assert default_store_location({"DATELINE_DATA": str(data)}) == str(data)
    assert cli.main(["import", str(data), "-q"]) == 0
    location = default_store_location({"DATELINE_DATA": str(data)})
    assert location == f"sqlite:///{data}/dateline.db"
    assert isinstance(open_store(location), SqlStore)
    same_content(FileStore(data), open_store(location))


def test_import_reports_a_lost_text_and_imports_the_rest(
    url: str, tmp_path: Path, fake_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = folder_store(tmp_path)
    sha = FileStore(data).read_documents().set_index("doc_id").loc["a", "sha256"]
    (data / "texts" / sha[:2] / f"{sha}.txt").write_text("tampered", encoding="utf-8")
    assert cli.main(["import", str(data), "--db", url]) == 0
    err = capsys.readouterr().err
    assert "warning: a: text not copied:" in err and "damaged" in err
    store = open_store(url)
    assert store.read_text("a") is None and store.read_text("b") == "Cuba said so in 2019."
    assert sorted(store.read_documents()["doc_id"]) == ["a", "b"]


def test_import_refuses_a_folder_without_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "missing"):
        with pytest.raises(SystemExit) as exc:
            cli.main(["import", str(folder), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
        assert exc.value.code == 2
        assert "not a data folder of Dateline's files" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()
