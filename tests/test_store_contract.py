"""The Store contract: every implementation runs these (the files store, SQLite and PostgreSQL).

To add an implementation, add a parameter to the ``store_location`` fixture that yields the location of a fresh,
empty store. PostgreSQL tests run on a schema of their own (tests/databases.py) and skip, saying why, where no
server answers.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from extract import schema
from extract.store import (
    Corpus,
    CorpusTables,
    FileStore,
    Store,
    StoreError,
    open_store,
    read_snapshot,
    tables_sql,
    upgrade_store,
)
from extract.store.sql import SqlStore
from tests.databases import database

IMPLEMENTATIONS = ("files", "sqlite", "postgresql")


@pytest.fixture(params=IMPLEMENTATIONS)
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a fresh, empty store of each implementation is."""
    if request.param == "files":
        yield str(tmp_path / "data")
        return
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def make_store(store_location: str) -> Callable[[], Store]:
    """A factory of handles on one fresh, empty store (two handles behave like two processes' views)."""
    return lambda: open_store(store_location)


@pytest.fixture
def store(make_store: Callable[[], Store]) -> Store:
    return make_store()


def add_declared_table(store: Store, name: str) -> None:
    """What a new table declared in schema.TABLES needs besides its declaration: nothing for the files store, a
    migration creating it for a database (here the table is created as that migration would)."""
    if isinstance(store, SqlStore):
        store.upgrade()
        with store.database.engine().begin() as conn:
            tables_sql.metadata().tables[tables_sql.sql_name(name)].create(conn)


def event(event_id: str, doc_id: str, modality: str = "asserted", **fields: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "doc_id": doc_id,
        "source": f"Outlet {doc_id}",
        "date_start": "2025-03-13",
        "date_end": "2025-03-13",
        "granularity": "day",
        "date_basis": "explicit",
        "time_expression": "March 13, 2025",
        "summary": f"summary of {event_id}",
        "sentence": f"Sentence of {event_id}.",
        "char_start": 0,
        "char_end": 10,
        "actors": ["Russia", "Cuba"],
        "locations": ["Havana"],
        "event_type": "military",
        "modality": modality,
        "confidence": 0.5,
        **fields,
    }


def document(doc_id: str, **fields: object) -> dict[str, object]:
    return {
        "doc_id": doc_id,
        "title": f"Title {doc_id}",
        "outlet": f"Outlet {doc_id}",
        "published": "2025-10-10",
        "published_granularity": "day",
        "published_basis": "metadata",
        "path": f"{doc_id}.txt",
        "n_events": 1,
        **fields,
    }


def run(*docs: str, plans: tuple[str, ...] = (), suffix: str = "") -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """A run's tables: one asserted event per document (a planned one too for those in ``plans``) and texts."""
    rows = [event(f"{d}{suffix}", d) for d in docs] + [event(f"{d}{suffix}-plan", d, "planned") for d in plans]
    texts = {d: f"Text of {d}{suffix}: Russia and Cuba signed on March 13, 2025." for d in docs}
    return schema.events_frame(rows), schema.documents_frame([document(d) for d in docs]), texts


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_it_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)
    assert store.location


def test_corrections_are_a_capability_of_database_stores(store: Store, make_store: Callable[[], Store]) -> None:
    """A folder keeps none (None); a database keeps them, read corrected through any handle, the version bumped."""
    from extract.store.corrections import event_locator
    from extract.store.team import LOCAL

    fixes = store.corrections()
    if isinstance(store, FileStore):
        assert fixes is None
        return
    assert fixes is not None and fixes.list().empty and fixes.read().corrected.orphans.empty
    store.write(*run("a", "b"))
    before = store.version()
    locator = event_locator(store.read_events().iloc[0], store.read_documents())
    assert fixes.save(LOCAL, "event", locator, {"summary": "fixed"}, expected_version=0) == 1
    other = make_store()
    assert other.version() > before
    read = other.corrections().read()  # type: ignore[union-attr]
    assert list(read.corrected.events["summary"]) == ["fixed", "summary of b"] and read.version == other.version()


def test_an_empty_store_reads_as_empty_typed_tables(store: Store) -> None:
    assert store.is_empty() and store.version() == 0
    assert list(store.read_events().columns) == schema.EVENT_COLUMN_NAMES and len(store.read_events()) == 0
    assert list(store.read_documents().columns) == schema.DOCUMENT_COLUMN_NAMES and len(store.read_documents()) == 0
    assert store.read_text("anything") is None
    for name in schema.TABLES:
        assert len(store.read_table(name)) == 0


def test_write_then_read_back_typed_equal_asserted_first_then_plans(store: Store) -> None:
    events, docs, texts = run("a", "b", plans=("a",))
    summary = store.write(events, docs, texts)
    back = store.read_events()
    assert list(back["event_id"]) == ["a", "b", "a-plan"]
    expected = schema.typed_events(pd.concat([events.iloc[:2], events.iloc[2:]], ignore_index=True))
    pd.testing.assert_frame_equal(back, expected)
    stored_docs = store.read_documents()
    pd.testing.assert_frame_equal(stored_docs.drop(columns="sha256"), docs.drop(columns="sha256"))
    assert not store.is_empty()
    assert (summary.n_documents, summary.n_events, summary.stored_documents, summary.stored_events) == (2, 3, 2, 3)
    assert summary.version == store.version() > 0
    assert len(store.read_table("plans")) == 1 and len(store.read_table("events")) == 2


def test_texts_read_back_exactly_and_name_their_hash(store: Store) -> None:
    events, docs, _ = run("a", "b", "c")
    texts = {"a": "Line one\r\nline two\rthree\n", "b": "ünïcödé — “quotes” \u200b and emoji 🛰"}
    store.write(events, docs, texts)  # c has no text
    assert store.read_text("a") == texts["a"] and store.read_text("b") == texts["b"]
    assert store.read_text("c") is None and store.read_text("zzz") is None
    shas = store.read_documents().set_index("doc_id")["sha256"]
    assert shas["a"] == sha(texts["a"]) and shas["b"] == sha(texts["b"])


def test_the_documents_sha256_is_made_to_match_the_stored_text(store: Store) -> None:
    events, docs, texts = run("a")
    docs.loc[0, "sha256"] = "0" * 64  # a caller's mistake: the text is the truth
    store.write(events, docs, texts)
    assert store.read_documents().loc[0, "sha256"] == sha(texts["a"])
    assert store.read_text("a") == texts["a"]


def test_version_grows_with_every_write(store: Store) -> None:
    seen = [store.version()]
    for suffix in ("1", "2", "3"):
        store.write(*run("a", suffix=suffix))
        seen.append(store.version())
    assert seen == sorted(set(seen)) and len(seen) == 4


def test_merge_replaces_the_runs_documents_and_keeps_the_others(store: Store) -> None:
    store.write(*run("a", "b", plans=("a",)), replace_all=True)
    events, docs, texts = run("a", "c", suffix="-new")
    docs.loc[docs["doc_id"] == "a", "path"] = "elsewhere/a.md"
    summary = store.write(events, docs, texts)
    back = store.read_events()
    assert sorted(back["event_id"]) == ["a-new", "b", "c-new"]  # a's old event and plan are gone
    assert list(store.read_documents()["doc_id"]) == ["b", "a", "c"]  # kept ones first, then the run's
    assert store.read_text("a") == texts["a"] and store.read_text("b") == run("b")[2]["b"]
    assert summary.replaced == {"a": ("a.txt", "elsewhere/a.md")}
    assert (summary.stored_documents, summary.stored_events) == (3, 3)


def test_a_document_that_now_has_no_events_loses_its_old_ones(store: Store) -> None:
    store.write(*run("a", "b"))
    _, docs, texts = run("a")
    docs.loc[0, "n_events"] = 0
    store.write(schema.events_frame(), docs, texts)
    assert list(store.read_events()["doc_id"]) == ["b"]
    assert sorted(store.read_documents()["doc_id"]) == ["a", "b"]


def test_replace_all_makes_the_stored_set_exactly_the_run(store: Store) -> None:
    store.write(*run("a", "b"))
    summary = store.write(*run("c"), replace_all=True)
    assert list(store.read_documents()["doc_id"]) == ["c"]
    assert list(store.read_events()["event_id"]) == ["c"]
    assert summary.removed == ("a", "b") and summary.replaced == {}
    assert store.read_text("a") is None and store.read_text("c") is not None


def test_any_text_round_trips_in_every_text_column(store: Store) -> None:
    hostile = [
        "bare\rcarriage return",
        "line\nfeed",
        "both\r\nends",
        'a "quoted", comma',
        '=HYPERLINK("http://x")',
        "\rleading CR",
        "trailing CR\r",
        "  spaces  ",
        "NA",
        "NUL\x00inside",  # PostgreSQL's TEXT refuses NUL: the database store escapes it
        "\U0010fffe0 the escape's own mark",
        "ünïcödé — “quotes”",
        "![x](http://evil.example/x.png) <img src=x onerror=alert(1)>",
    ]
    events = schema.events_frame(
        [
            event(f"e{i}", f"d{i}", summary=t, sentence=t, source=t, time_expression=t, actors=[t.replace(";", ",")])
            for i, t in enumerate(hostile)
        ]
    )
    docs = schema.documents_frame([document(f"d{i}", title=t, outlet=t, url=t, path=t) for i, t in enumerate(hostile)])
    store.write(events, docs, {f"d{i}": t for i, t in enumerate(hostile)})
    back = store.read_events()
    for column in ("summary", "sentence", "source", "time_expression"):
        assert list(back[column]) == hostile
    stored = store.read_documents()
    for column in ("title", "outlet", "url", "path"):
        assert list(stored[column]) == hostile
    assert [store.read_text(f"d{i}") for i in range(len(hostile))] == hostile


def test_undated_and_missing_values_stay_missing(store: Store) -> None:
    events = schema.events_frame([event("u", "a", date_start=None, date_end=None, confidence=None, actors=[])])
    store.write(events, schema.documents_frame([document("a", published=None)]), {})
    back = store.read_events()
    assert pd.isna(back.loc[0, "date_start"]) and pd.isna(back.loc[0, "confidence"]) and back.loc[0, "actors"] == []
    assert pd.isna(store.read_documents().loc[0, "published"])


def test_two_handles_see_each_others_writes(make_store: Callable[[], Store]) -> None:
    first, second = make_store(), make_store()
    first.write(*run("a"))
    assert list(second.read_documents()["doc_id"]) == ["a"] and second.version() == first.version()
    second.write(*run("b"))
    assert sorted(first.read_documents()["doc_id"]) == ["a", "b"]
    assert first.read_text("b") is not None


def test_concurrent_merges_keep_each_others_documents(make_store: Callable[[], Store]) -> None:
    """Writers that read the stored set at the same time: the second must merge into the first's result."""
    make_store().write(*run("base"))
    errors: list[BaseException] = []

    def slow(corpus: Corpus) -> CorpusTables:
        time.sleep(0.3)  # inside the write, after the stored set was read: the other writer must wait
        return CorpusTables(corpus.events, corpus.documents)

    def merge(name: str) -> None:
        try:
            make_store().write(*run(name), derive=slow)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=merge, args=(name,)) for name in ("x", "y", "z")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    store = make_store()
    assert sorted(store.read_documents()["doc_id"]) == ["base", "x", "y", "z"]
    assert sorted(store.read_events()["event_id"]) == ["base", "x", "y", "z"]


def test_read_snapshot_gives_tables_of_one_version(store: Store) -> None:
    store.write(*run("a", "b"))
    events, documents, version = read_snapshot(store)
    assert version == store.version()
    assert set(events["doc_id"]) == set(documents["doc_id"]) == {"a", "b"}


def test_a_declared_table_is_written_and_read_with_the_others(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later corpus-level table (event groups, key dates) is one declaration in schema.TABLES."""
    columns = (
        schema.Column("day", "datetime", "the day"),
        schema.Column("n_sources", "int", "how many"),
        schema.Column("names", "list", "who"),
    )
    monkeypatch.setitem(schema.TABLES, "key_days", schema.Table("key_days", columns, ("parquet", "csv"), "test"))
    add_declared_table(store, "key_days")

    def derive(corpus: Corpus) -> CorpusTables:
        per_doc = corpus.events.groupby("date_start")["doc_id"].nunique()
        table = pd.DataFrame({"day": per_doc.index, "n_sources": per_doc.values, "names": [["x"]]})
        return CorpusTables(corpus.events, corpus.documents, {"key_days": table})

    store.write(*run("a"))
    store.write(*run("b"), derive=derive)  # derived from the whole merged set, not the run
    table = store.read_table("key_days")
    assert list(table.columns) == ["day", "n_sources", "names"]
    assert table.loc[0, "n_sources"] == 2 and table.loc[0, "names"] == ["x"]
    with pytest.raises(StoreError, match="not declared"):
        store.write(*run("c"), derive=lambda c: CorpusTables(c.events, c.documents, {"undeclared": pd.DataFrame()}))
    assert sorted(store.read_documents()["doc_id"]) == ["a", "b"]  # the refused write changed nothing


def test_the_corpus_steps_may_rewrite_events_and_documents(store: Store) -> None:
    """What derive returns is what is stored: event groups filled in, a document dated from the others."""

    def derive(corpus: Corpus) -> CorpusTables:
        events = corpus.events.assign(event_group="g-" + corpus.events["doc_id"])
        documents = corpus.documents.assign(published_basis="corroborated")
        return CorpusTables(events, documents)

    store.write(*run("a", "b"), derive=derive)
    assert set(store.read_events()["event_group"]) == {"g-a", "g-b"}
    assert set(store.read_documents()["published_basis"]) == {"corroborated"}


def test_scans_are_stored_per_document_and_seen_by_the_corpus_steps(store: Store) -> None:
    seen: dict[str, str | None] = {}

    def derive(corpus: Corpus) -> CorpusTables:
        seen.update({doc_id: corpus.read_scan(doc_id) for doc_id in ("a", "b", "c")})
        return CorpusTables(corpus.events, corpus.documents)

    events, documents, texts = run("a")
    store.write(events, documents, texts, scans={"a": '{"scan": "a"}'})
    events, documents, texts = run("b", "c")
    store.write(events, documents, texts, scans={"b": '{"scan": "b"}'}, derive=derive)
    assert seen == {"a": '{"scan": "a"}', "b": '{"scan": "b"}', "c": None}  # stored, this run's, none
    assert store.read_scan("a") == '{"scan": "a"}' and store.read_scan("c") is None
    documents = store.read_documents().set_index("doc_id")
    assert documents.loc["a", "scan_sha256"] == hashlib.sha256(b'{"scan": "a"}').hexdigest()
    events, documents, texts = run("a")
    store.write(events, documents, texts, scans={"a": '{"scan": "a2"}'})  # re-extracted: its new scan
    assert store.read_scan("a") == '{"scan": "a2"}'
    store.write(*run("b"), replace_all=True)
    assert store.read_scan("a") is None


# --------------------------------------------------------------------------- open_store


def test_open_store_takes_a_folder_a_file_url_or_a_database_url(tmp_path: Path) -> None:
    assert isinstance(open_store(tmp_path / "d"), FileStore)
    assert isinstance(open_store(str(tmp_path / "d")), FileStore)
    opened = open_store(f"file://{tmp_path / 'd'}")
    assert isinstance(opened, FileStore) and opened.root == tmp_path / "d"
    for url in (
        f"sqlite:///{tmp_path / 'x.db'}",
        "postgresql://u:secret@127.0.0.1/db",
        "postgres://127.0.0.1/db",
        "postgresql+psycopg://127.0.0.1/db",
    ):
        found = open_store(url)
        assert isinstance(found, SqlStore) and found.location == url
        assert "secret" not in repr(found)
    assert not (tmp_path / "x.db").exists()  # opening creates nothing


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("ftp://host/data", "unknown store location scheme 'ftp'"),
        ("s3://bucket/x", "unknown store location scheme 's3'"),
        ("mysql://user:secret@host/db", "unknown store location scheme 'mysql'"),
        ("sqlite://", "in-memory SQLite database vanishes"),
        ("sqlite:///:memory:", "in-memory SQLite database vanishes"),
        ("postgresql+psycopg2://user:secret@127.0.0.1/db", "driver 'postgresql\\+psycopg2' is not supported"),
        ("postgresql://user:secret@127.0.0.1", "name the database"),
        ("", "no store location"),
    ],
)
def test_open_store_refuses_unknown_locations_clearly(location: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as caught:
        open_store(location)
    assert "secret" not in str(caught.value)


def test_a_store_whose_tables_exist_but_hold_nothing_reads_as_empty(store: Store) -> None:
    """The dashboard opens (and migrates) the store before anything is written to it, then reads it."""
    upgrade_store(store)
    assert store.read_events().empty and store.read_documents().empty
    assert list(store.read_events().columns) == [c.name for c in schema.EVENT_COLUMNS]
