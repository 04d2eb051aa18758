"""The tables on disk: formats, typed round trips, atomic replacement and merging."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract import schema, store

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
        "sha256": "x",
        "n_events": 1,
    },
    {"doc_id": "b", "title": "NA", "published": None, "published_basis": "unknown", "path": "b.txt", "n_events": 1},
]


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return schema.events_frame(EVENTS), schema.documents_frame(DOCS)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_write_and_read_back_typed_equal(tmp_path: Path) -> None:
    events, docs = frames()
    paths = store.write_tables(events, docs, tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == [
        "documents.csv",
        "events.csv",
        "events.parquet",
        "plans.csv",
        "plans.parquet",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "documents.csv",
        "events.csv",
        "events.parquet",
        "plans.csv",
        "plans.parquet",
    ]
    pd.testing.assert_frame_equal(store.read_events(tmp_path / "out"), events)
    pd.testing.assert_frame_equal(store.read_documents(tmp_path / "out"), docs)


def test_parquet_has_list_and_timestamp_columns(tmp_path: Path) -> None:
    store.write_tables(*frames(), tmp_path)
    arrow = pq.read_schema(tmp_path / "events.parquet")
    assert pa.types.is_list(arrow.field("actors").type)
    assert pa.types.is_string(arrow.field("actors").type.value_type)
    assert pa.types.is_timestamp(arrow.field("date_start").type)
    assert str(arrow.field("char_start").type) == "int64"
    assert arrow.names == schema.EVENT_COLUMN_NAMES


def test_csv_formats(tmp_path: Path) -> None:
    store.write_tables(*frames(), tmp_path)
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


def test_plans_are_kept_apart_and_read_back_with_the_events(tmp_path: Path) -> None:
    events, docs = frames()
    store.write_tables(events, docs, tmp_path)
    on_disk = {
        name: pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False)["modality"].tolist()
        for name in ("events.csv", "plans.csv")
    }
    assert on_disk == {"events.csv": ["asserted"], "plans.csv": ["planned"]}
    assert pq.read_table(tmp_path / "plans.parquet").num_rows == 1
    both = store.read_events(tmp_path)
    assert sorted(both["event_id"]) == sorted(events["event_id"])
    assert list(both["modality"]) == ["asserted", "planned"]


def test_a_folder_written_before_plans_existed_still_reads(tmp_path: Path) -> None:
    events, docs = frames()
    store.write_tables(events, docs, tmp_path)
    for name in ("plans.parquet", "plans.csv"):
        (tmp_path / name).unlink()
    assert list(store.read_events(tmp_path)["modality"]) == ["asserted"]


def test_read_events_falls_back_to_csv(tmp_path: Path) -> None:
    events, _ = frames()
    store.write_tables(*frames(), tmp_path)
    (tmp_path / "events.parquet").unlink()
    pd.testing.assert_frame_equal(store.read_events(tmp_path), events)


def test_read_missing_tables_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.read_events(tmp_path)
    with pytest.raises(FileNotFoundError):
        store.read_documents(tmp_path)


def test_empty_tables_round_trip(tmp_path: Path) -> None:
    store.write_tables(schema.events_frame(), schema.documents_frame(), tmp_path)
    assert len(store.read_events(tmp_path)) == 0
    assert list(store.read_documents(tmp_path).columns) == schema.DOCUMENT_COLUMN_NAMES


def test_output_files_are_not_private(tmp_path: Path) -> None:
    store.write_tables(*frames(), tmp_path)
    assert (tmp_path / "events.csv").stat().st_mode & 0o044 == 0o044  # readable by the dashboard's user


# --------------------------------------------------------------------------- atomicity


def new_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    events, docs = frames()
    events.loc[0, "summary"] = "CHANGED"
    docs.loc[0, "title"] = "CHANGED"
    return events, docs


def test_failure_while_writing_a_temp_leaves_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store.write_tables(*frames(), tmp_path)
    before = snapshot(tmp_path)

    real = store._write_csv
    calls = []

    def failing_csv(frame: pd.DataFrame, columns: tuple, path: Path) -> None:
        calls.append(path)
        if len(calls) == 2:  # events.csv done, the next CSV (plans.csv) fails half-way
            path.write_text("partial")
            raise OSError(28, "No space left on device")
        real(frame, columns, path)

    monkeypatch.setattr(store, "_write_csv", failing_csv)
    with pytest.raises(OSError, match="No space"):
        store.write_tables(*new_frames(), tmp_path)
    assert snapshot(tmp_path) == before  # same bytes, and no temp files left behind


def test_failure_in_first_replace_leaves_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store.write_tables(*frames(), tmp_path)
    before = snapshot(tmp_path)

    def refuse(src: object, dst: object) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        store.write_tables(*new_frames(), tmp_path)
    monkeypatch.undo()
    assert snapshot(tmp_path) == before


def test_failure_in_a_later_replace_rolls_back_the_earlier_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_tables(*frames(), tmp_path)
    before = snapshot(tmp_path)
    real = os.replace

    def second_fails(src: object, dst: object) -> None:
        if Path(str(dst)).name == "events.csv" and Path(str(src)).name.endswith(".tmp") and ".bak." not in str(src):
            raise OSError(5, "I/O error")
        real(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(OSError):
        store.write_tables(*new_frames(), tmp_path)
    monkeypatch.undo()
    assert snapshot(tmp_path) == before  # events.parquet had been replaced; it was put back


def test_interrupt_leaves_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store.write_tables(*frames(), tmp_path)
    before = snapshot(tmp_path)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_write_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.write_tables(*new_frames(), tmp_path)
    assert snapshot(tmp_path) == before


def test_successful_rewrite_replaces_every_file(tmp_path: Path) -> None:
    store.write_tables(*frames(), tmp_path)
    store.write_tables(*new_frames(), tmp_path)
    assert store.read_events(tmp_path).loc[0, "summary"] == "CHANGED"
    assert pd.read_csv(tmp_path / "events.csv").loc[0, "summary"] == "CHANGED"
    assert store.read_documents(tmp_path).loc[0, "title"] == "CHANGED"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "documents.csv",
        "events.csv",
        "events.parquet",
        "plans.csv",
        "plans.parquet",
    ]


# --------------------------------------------------------------------------- merge


def test_merge_replaces_re_extracted_doc_ids_and_keeps_the_rest() -> None:
    old_events, old_docs = frames()
    new_events = schema.events_frame(
        [
            {**EVENTS[0], "event_id": "e1b", "summary": "new a"},
            {**EVENTS[0], "event_id": "c1", "doc_id": "c", "summary": "new c"},
        ]
    )
    new_docs = schema.documents_frame([{**DOCS[0], "title": "new a"}, {"doc_id": "c", "title": "C", "n_events": 1}])
    events, docs = store.merge_tables(old_events, old_docs, new_events, new_docs)
    assert list(events["event_id"]) == ["e2", "e1b", "c1"]  # e1 (doc a) replaced, b kept, c added
    assert list(docs["doc_id"]) == ["b", "a", "c"]
    assert docs.set_index("doc_id").loc["a", "title"] == "new a"
    assert list(events.columns) == schema.EVENT_COLUMN_NAMES
    assert events["actors"].tolist()[1] == ["Russia", "Cuba"]


def test_merge_drops_old_events_of_a_document_that_now_has_none() -> None:
    old_events, old_docs = frames()
    new_docs = schema.documents_frame([{**DOCS[0], "n_events": 0}])
    events, docs = store.merge_tables(old_events, old_docs, schema.events_frame(), new_docs)
    assert list(events["doc_id"]) == ["b"]
    assert sorted(docs["doc_id"]) == ["a", "b"]


def test_merge_into_empty_tables() -> None:
    events, docs = frames()
    merged_events, merged_docs = store.merge_tables(schema.events_frame(), schema.documents_frame(), events, docs)
    pd.testing.assert_frame_equal(merged_events, events)
    pd.testing.assert_frame_equal(merged_docs, docs)


# --------------------------------------------------------------------------- CSV round trip and the folder lock

HOSTILE = [
    "bare\rcarriage return",
    "line\nfeed",
    "both\r\nends",
    'a "quoted", comma',
    '=HYPERLINK("http://x")',
    "\rleading CR",
    "trailing CR\r",
    "  spaces  ",
    "ünïcödé — “quotes”",
]


def test_csv_round_trips_any_text(tmp_path: Path) -> None:
    """A bare \r used to go out unquoted, and pandas split the row there (documents.csv is the only copy)."""
    events = schema.events_frame(
        [
            {**EVENTS[0], "event_id": f"e{i}", "summary": text, "sentence": text, "actors": [text.replace(";", ",")]}
            for i, text in enumerate(HOSTILE)
        ]
    )
    docs = schema.documents_frame([{**DOCS[0], "doc_id": f"d{i}", "title": text} for i, text in enumerate(HOSTILE)])
    store.write_tables(events, docs, tmp_path)
    (tmp_path / "events.parquet").unlink()  # read events.csv
    back = store.read_events(tmp_path)
    assert list(back["summary"]) == HOSTILE and list(back["sentence"]) == HOSTILE
    assert list(store.read_documents(tmp_path)["title"]) == HOSTILE
    with open(tmp_path / "documents.csv", encoding="utf-8", newline="") as fh:  # the csv module reads it too
        rows = list(csv.DictReader(fh))
    assert [r["title"] for r in rows] == HOSTILE


def test_lock_is_exclusive_between_processes(tmp_path: Path) -> None:
    probe = (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
        "mode = fcntl.LOCK_SH if sys.argv[2] == 'sh' else fcntl.LOCK_EX\n"
        "try: fcntl.flock(fd, mode | fcntl.LOCK_NB)\nexcept BlockingIOError: sys.exit(3)"
    )

    def other_process_gets(mode: str) -> bool:
        lock_file = str(tmp_path / store.LOCK_FILE)
        return subprocess.run([sys.executable, "-c", probe, lock_file, mode], check=False).returncode == 0

    with store.lock(tmp_path):
        assert not other_process_gets("sh") and not other_process_gets("ex")
    with store.lock(tmp_path, shared=True):
        assert other_process_gets("sh") and not other_process_gets("ex")
    assert other_process_gets("ex")


def test_read_tables_reads_both_under_the_shared_lock(tmp_path: Path) -> None:
    store.write_tables(*frames(), tmp_path)
    events, docs = store.read_tables(tmp_path)
    pd.testing.assert_frame_equal(events, frames()[0])
    pd.testing.assert_frame_equal(docs, frames()[1])
