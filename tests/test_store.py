"""The files store: its layout and formats, the journal that makes a write atomic, crashes, the folder lock."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract import schema
from extract.store import (
    LOCK_FILE,
    FileStore,
    MergeError,
    StoreError,
    files,
    formats,
    journal,
    merge_tables,
    open_store,
)

ROOT = Path(__file__).resolve().parents[1]
TABLE_FILES = ["documents.csv", "events.csv", "events.parquet", "plans.csv", "plans.parquet"]

EVENTS = [
    {
        "event_id": "e1",
        "doc_id": "a",
        "source": "TASS",
        "date_start": "2025-03-13",
        "date_end": "2025-03-19",
        "granularity": "range",
        "date_basis": "explicit",
        "time_expression": "March 13 … 19, 2025",
        "summary": 'Russia and Cuba signed, "finally"',
        "sentence": "Russia and Cuba signed a pact,\nfinally.",
        "char_start": 10,
        "char_end": 49,
        "actors": ["Russia", "Cuba"],
        "locations": ["Havana"],
        "event_type": "military",
        "modality": "asserted",
        "confidence": 0.9,
    },
    {
        "event_id": "e2",
        "doc_id": "b",
        "source": "NA",
        "date_start": None,
        "date_end": None,
        "granularity": "unresolved",
        "date_basis": "unresolved",
        "time_expression": "some day",
        "summary": "talks",
        "sentence": "Talks some day.",
        "char_start": 0,
        "char_end": 15,
        "actors": [],
        "locations": [],
        "event_type": "other",
        "modality": "planned",
        "confidence": None,
    },
]
DOCS = [
    {
        "doc_id": "a",
        "title": "Pact",
        "outlet": "TASS",
        "published": "2025-10-10",
        "published_granularity": "day",
        "published_basis": "metadata",
        "path": "a.txt",
        "sha256": "",
        "n_events": 1,
    },
    {"doc_id": "b", "title": "NA", "published": None, "published_basis": "unknown", "path": "b.txt", "n_events": 1},
]
TEXTS = {"a": "Moscow. Russia and Cuba signed a pact,\nfinally.", "b": "Talks some day."}


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return schema.events_frame(EVENTS), schema.documents_frame(DOCS)


def new_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    events, docs = frames()
    events.loc[0, "summary"] = "CHANGED"
    docs.loc[0, "title"] = "CHANGED"
    return events, docs


def new_texts() -> dict[str, str]:
    return {"a": "CHANGED text of a.", "b": TEXTS["b"]}


def write(folder: Path, events: pd.DataFrame, docs: pd.DataFrame, texts: dict[str, str] | None = None) -> FileStore:
    store = FileStore(folder)
    store.write(events, docs, TEXTS if texts is None else texts, replace_all=True)
    return store


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (texts included) by relative path, except the lock file."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK_FILE
    }


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != LOCK_FILE)


# --------------------------------------------------------------------------- layout and formats


def test_layout_tables_texts_and_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    store = write(folder, *frames())
    assert names(folder) == sorted([*TABLE_FILES, "manifest.json", "texts"])
    for doc_id, text in TEXTS.items():
        sha = store.read_documents().set_index("doc_id").loc[doc_id, "sha256"]
        assert (folder / "texts" / sha[:2] / f"{sha}.txt").read_text(encoding="utf-8") == text
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == 1 and manifest["version"] == store.version()
    assert manifest["tables"] == {"events": 1, "plans": 1, "documents": 2}


def test_parquet_has_list_and_timestamp_columns(tmp_path: Path) -> None:
    write(tmp_path, *frames())
    arrow = pq.read_schema(tmp_path / "events.parquet")
    assert pa.types.is_list(arrow.field("actors").type)
    assert pa.types.is_string(arrow.field("actors").type.value_type)
    assert pa.types.is_timestamp(arrow.field("date_start").type)
    assert str(arrow.field("char_start").type) == "int64"
    assert arrow.names == schema.EVENT_COLUMN_NAMES


def test_csv_formats(tmp_path: Path) -> None:
    write(tmp_path, *frames())
    raw = pd.read_csv(tmp_path / "events.csv", dtype=str, keep_default_na=False)
    assert list(raw.columns) == schema.EVENT_COLUMN_NAMES
    assert raw.loc[0, "actors"] == "Russia; Cuba"
    assert raw.loc[0, "date_start"] == "2025-03-13"
    plans = pd.read_csv(tmp_path / "plans.csv", dtype=str, keep_default_na=False)
    assert plans.loc[0, "date_start"] == ""  # NaT -> empty
    assert raw.loc[0, "sentence"] == "Russia and Cuba signed a pact,\nfinally."  # quoted, newline kept
    assert "…" in (tmp_path / "events.csv").read_text(encoding="utf-8")
    docs = pd.read_csv(tmp_path / "documents.csv", dtype=str, keep_default_na=False)
    assert docs.loc[0, "published"] == "2025-10-10"
    assert docs.loc[1, "title"] == "NA"
    assert (tmp_path / "events.csv").read_bytes().count(
        b"\r\n"
    ) == 2  # CRLF line ends; the \n inside the quoted field stays


def test_plans_are_kept_apart_on_disk(tmp_path: Path) -> None:
    write(tmp_path, *frames())
    on_disk = {
        name: pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False)["modality"].tolist()
        for name in ("events.csv", "plans.csv")
    }
    assert on_disk == {"events.csv": ["asserted"], "plans.csv": ["planned"]}
    assert pq.read_table(tmp_path / "plans.parquet").num_rows == 1


def test_a_folder_written_before_plans_texts_and_manifests_still_reads(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    for name in ("plans.parquet", "plans.csv", "manifest.json"):
        (tmp_path / name).unlink()
    assert list(store.read_events()["modality"]) == ["asserted"]
    assert store.version() == 0 and not store.is_empty()
    store.write(*new_frames(), new_texts())  # the first write through the store adds the manifest
    assert store.version() > 0


def test_read_events_falls_back_to_csv(tmp_path: Path) -> None:
    events, _ = frames()
    store = write(tmp_path, *frames())
    (tmp_path / "events.parquet").unlink()
    (tmp_path / "plans.parquet").unlink()
    pd.testing.assert_frame_equal(store.read_events(), events)


def test_csv_round_trips_any_text(tmp_path: Path) -> None:
    """A bare \\r used to go out unquoted, and pandas split the row there (documents.csv is the only copy)."""
    hostile = ["bare\rcarriage return", "line\nfeed", "both\r\nends", 'a "quoted", comma', "\rleading CR", "NA"]
    events = schema.events_frame([{**EVENTS[0], "event_id": f"e{i}", "summary": t} for i, t in enumerate(hostile)])
    docs = schema.documents_frame([{**DOCS[0], "doc_id": f"d{i}", "title": t} for i, t in enumerate(hostile)])
    store = write(tmp_path, events, docs, {})
    (tmp_path / "events.parquet").unlink()  # read events.csv
    assert list(store.read_events()["summary"]) == hostile
    with open(tmp_path / "documents.csv", encoding="utf-8", newline="") as fh:  # the csv module reads it too
        assert [r["title"] for r in csv.DictReader(fh)] == hostile


def test_output_files_are_not_private(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    sha = store.read_documents().loc[0, "sha256"]
    for path in (tmp_path / "events.csv", tmp_path / "manifest.json", tmp_path / "texts" / sha[:2] / f"{sha}.txt"):
        assert path.stat().st_mode & 0o044 == 0o044  # readable by the dashboard's user


def test_unreadable_tables_and_manifest_raise_store_error(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    (tmp_path / "events.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(StoreError, match=r"events\.parquet: cannot read"):
        store.read_events()
    (tmp_path / "documents.csv").write_bytes(b"doc_id\n\xff\xfe")
    with pytest.raises(StoreError, match=r"documents\.csv: cannot read"):
        store.read_documents()
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(StoreError, match=r"manifest\.json"):
        store.version()


def test_replace_all_overwrites_unreadable_tables_and_manifest(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    (tmp_path / "documents.csv").write_bytes(b"\xff\xfe broken")
    (tmp_path / "manifest.json").write_text("{broken")
    store.write(*new_frames(), new_texts(), replace_all=True)
    assert store.read_documents().loc[0, "title"] == "CHANGED" and store.version() > 0


# --------------------------------------------------------------------------- texts


def test_texts_no_document_names_are_deleted_and_shared_ones_kept(tmp_path: Path) -> None:
    store = write(tmp_path, *frames(), {"a": "same text", "b": "same text"})
    assert len(list((tmp_path / "texts").rglob("*.txt"))) == 1  # content-addressed: one file for both
    a_only = schema.events_frame(EVENTS[:1]), schema.documents_frame(DOCS[:1])
    store.write(*a_only, {"a": "new text of a"})  # merge: a now has new text, b still names the old one
    assert sorted(p.read_text() for p in (tmp_path / "texts").rglob("*.txt")) == ["new text of a", "same text"]
    store.write(schema.events_frame(), schema.documents_frame([DOCS[0]]), {"a": "only a"}, replace_all=True)
    assert [p.read_text() for p in (tmp_path / "texts").rglob("*.txt")] == ["only a"]
    assert len(list((tmp_path / "texts").iterdir())) == 1  # emptied subfolders go too


def test_a_crafted_sha256_never_names_a_path(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    docs = schema.documents_frame([{**DOCS[0], "sha256": "../../secret"}])
    store = write(tmp_path / "data", schema.events_frame(), docs, {})
    assert store.read_text("a") is None


def test_a_damaged_text_is_an_error_not_wrong_text(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    [path] = [p for p in (tmp_path / "texts").rglob("*.txt") if p.read_text() == TEXTS["a"]]
    path.write_text("tampered")
    with pytest.raises(StoreError, match="damaged"):
        store.read_text("a")


# --------------------------------------------------------------------------- merge


def test_merge_into_a_folder_with_only_one_table_is_refused(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    (tmp_path / "documents.csv").unlink()
    before = snapshot(tmp_path)
    with pytest.raises(MergeError, match=r"it has events.parquet/events.csv but no documents.csv"):
        store.write(*new_frames(), new_texts())
    assert snapshot(tmp_path) == before


def test_merge_tables_replaces_re_extracted_doc_ids_and_keeps_the_rest() -> None:
    old_events, old_docs = frames()
    new_events = schema.events_frame(
        [
            {**EVENTS[0], "event_id": "e1b", "summary": "new a"},
            {**EVENTS[0], "event_id": "c1", "doc_id": "c", "summary": "new c"},
        ]
    )
    new_docs = schema.documents_frame([{**DOCS[0], "title": "new a"}, {"doc_id": "c", "title": "C", "n_events": 1}])
    events, docs = merge_tables(old_events, old_docs, new_events, new_docs)
    assert list(events["event_id"]) == ["e2", "e1b", "c1"]  # e1 (doc a) replaced, b kept, c added
    assert list(docs["doc_id"]) == ["b", "a", "c"]
    assert docs.set_index("doc_id").loc["a", "title"] == "new a"
    assert events["actors"].tolist()[1] == ["Russia", "Cuba"]


# --------------------------------------------------------------------------- atomicity


def test_failure_while_writing_a_temp_leaves_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, *frames())
    before = snapshot(tmp_path)
    real = formats.write_csv
    calls = []

    def failing_csv(frame: pd.DataFrame, columns: tuple, path: Path) -> None:
        calls.append(path)
        if len(calls) == 2:  # events.csv done, the next CSV (plans.csv) fails half-way
            path.write_text("partial")
            raise OSError(28, "No space left on device")
        real(frame, columns, path)

    monkeypatch.setitem(formats.WRITERS, "csv", failing_csv)
    with pytest.raises(OSError, match="No space"):
        FileStore(tmp_path).write(*new_frames(), new_texts())
    monkeypatch.undo()
    after = snapshot(tmp_path)
    new_text_files = {k for k in after if k.startswith("texts/") and k not in before}
    assert {k: v for k, v in after.items() if k not in new_text_files} == before  # tables, texts, manifest
    assert len(new_text_files) == 1  # a's new text was stored first; nothing names it, so the next write drops it
    FileStore(tmp_path).write(*frames(), TEXTS)
    assert snapshot(tmp_path).keys() == before.keys()


def test_interrupt_while_writing_temps_leaves_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, *frames())
    before = snapshot(tmp_path)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setitem(formats.WRITERS, "parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        FileStore(tmp_path).write(*new_frames(), TEXTS)
    assert snapshot(tmp_path) == before


def test_a_rename_failing_after_the_journal_is_finished_by_the_next_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, *frames())
    real = os.replace
    tables_moved: list[str] = []

    def third_fails(src: object, dst: object) -> None:
        if Path(str(dst)).parent == tmp_path and Path(str(dst)).name != journal.JOURNAL:
            if len(tables_moved) == 2:  # two tables moved into place, then an I/O error
                raise OSError(5, "I/O error")
            tables_moved.append(Path(str(dst)).name)
        real(src, dst)

    monkeypatch.setattr(journal.os, "replace", third_fails)
    with pytest.raises(OSError, match="I/O error"):
        FileStore(tmp_path).write(*new_frames(), new_texts(), replace_all=True)
    monkeypatch.undo()
    assert (tmp_path / journal.JOURNAL).exists()
    store = FileStore(tmp_path)
    assert store.read_events().loc[0, "summary"] == "CHANGED"  # the reader rolled the commit forward
    assert store.read_documents().loc[0, "title"] == "CHANGED"
    assert store.read_text("a") == "CHANGED text of a."
    assert names(tmp_path) == sorted([*TABLE_FILES, "manifest.json", "texts"])


CRASH_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, sys.argv[2])
    from extract.store import FileStore, journal
    from tests.test_store import new_frames, new_texts

    real = os.replace
    done = []

    def replace(src, dst):
        real(src, dst)
        if os.path.dirname(dst) == sys.argv[1] and not str(dst).endswith(journal.JOURNAL):  # a table
            done.append(dst)
            if len(done) == int(sys.argv[3]):
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: as the OOM killer does it

    journal.os.replace = replace
    FileStore(sys.argv[1]).write(*new_frames(), new_texts(), replace_all=True)
    """
)


@pytest.mark.parametrize("renames_done", [1, 2, 4])
def test_a_process_killed_between_two_renames_leaves_the_new_set_to_the_next_reader(
    tmp_path: Path, renames_done: int
) -> None:
    old_store = write(tmp_path, *frames())
    old_version = old_store.version()
    old_docs_csv = (tmp_path / "documents.csv").read_bytes()
    (tmp_path / ".stray.events.csv.abc.tmp").write_text("left by an older crash")  # no journal names it
    result = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), str(ROOT), str(renames_done)], check=False
    )
    assert result.returncode == -signal.SIGKILL
    # On disk right now: new files beside old ones, the journal and its temporaries.
    assert (tmp_path / journal.JOURNAL).exists()
    assert (tmp_path / "documents.csv").read_bytes() == old_docs_csv  # documents.csv is renamed last but one
    assert pq.read_table(tmp_path / "events.parquet").column("summary").to_pylist() == ["CHANGED"]

    store = open_store(tmp_path)  # a reader: it takes the lock, finds the journal and rolls it forward
    events, docs = store.read_events(), store.read_documents()
    assert list(events["summary"]) == ["CHANGED", "talks"]
    assert docs.loc[0, "title"] == "CHANGED"
    assert store.read_text("a") == "CHANGED text of a."
    assert store.version() > old_version
    assert pd.read_csv(tmp_path / "events.csv").loc[0, "summary"] == "CHANGED"  # the CSV copies too
    assert names(tmp_path) == sorted([*TABLE_FILES, "manifest.json", "texts"])  # no journal, no temporaries


def test_a_process_killed_before_the_journal_leaves_the_old_set(tmp_path: Path) -> None:
    write(tmp_path, *frames())
    before = snapshot(tmp_path)
    script = CRASH_SCRIPT.replace(
        "journal.os.replace = replace", "journal.write_temp = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path), str(ROOT), "1"], check=False)
    store = FileStore(tmp_path)
    assert store.read_documents().loc[0, "title"] == "Pact"
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("texts/")} == {
        k: v for k, v in before.items() if not k.startswith("texts/")
    }


def test_a_reader_holding_the_shared_lock_blocks_the_commit_until_it_is_done(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    probe = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[2])
        from extract.store import FileStore
        from tests.test_store import new_frames, new_texts
        FileStore(sys.argv[1]).write(*new_frames(), new_texts(), replace_all=True)
        """
    )
    with journal.lock(tmp_path, shared=True):
        writer = subprocess.Popen([sys.executable, "-c", probe, str(tmp_path), str(ROOT)])
        with pytest.raises(subprocess.TimeoutExpired):
            writer.wait(timeout=1.5)  # it waits for the lock: the reader keeps a consistent view
        assert store._read_documents().loc[0, "title"] == "Pact"
    assert writer.wait(timeout=60) == 0
    assert store.read_documents().loc[0, "title"] == "CHANGED"


def test_an_unreadable_journal_is_reported_not_guessed(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    (tmp_path / journal.JOURNAL).write_text("{half a journ")
    with pytest.raises(StoreError, match=r"journal\.json is unreadable"):
        store.read_events()
    (tmp_path / journal.JOURNAL).write_text(json.dumps({"renames": [{"tmp": "../x.tmp", "name": "events.csv"}]}))
    with pytest.raises(StoreError, match="outside the folder"):
        store.write(*new_frames(), new_texts())


def test_stray_temporaries_are_removed_and_other_files_kept(tmp_path: Path) -> None:
    store = write(tmp_path, *frames())
    (tmp_path / ".events.parquet.x1.tmp").write_text("partial")
    (tmp_path / "texts" / "ab").mkdir(parents=True, exist_ok=True)
    (tmp_path / "texts" / "ab" / ".abc.txt.x2.tmp").write_text("partial")
    (tmp_path / "notes.tmp").write_text("not ours: no leading dot")
    (tmp_path / "README").write_text("a user's file")
    store.write(*new_frames(), new_texts())
    assert not (tmp_path / ".events.parquet.x1.tmp").exists()
    assert not (tmp_path / "texts" / "ab" / ".abc.txt.x2.tmp").exists()
    assert (tmp_path / "notes.tmp").exists() and (tmp_path / "README").exists()


def test_lock_is_exclusive_between_processes(tmp_path: Path) -> None:
    probe = (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
        "mode = fcntl.LOCK_SH if sys.argv[2] == 'sh' else fcntl.LOCK_EX\n"
        "try: fcntl.flock(fd, mode | fcntl.LOCK_NB)\nexcept BlockingIOError: sys.exit(3)"
    )

    def other_process_gets(mode: str) -> bool:
        lock_file = str(tmp_path / LOCK_FILE)
        return subprocess.run([sys.executable, "-c", probe, lock_file, mode], check=False).returncode == 0

    with journal.lock(tmp_path):
        assert not other_process_gets("sh") and not other_process_gets("ex")
    with journal.lock(tmp_path, shared=True):
        assert other_process_gets("sh") and not other_process_gets("ex")
    assert other_process_gets("ex")


def test_files_module_names_its_layout() -> None:
    assert files.MANIFEST == "manifest.json" and files.TEXTS == "texts"
