"""The database store beyond the contract: what it writes, how writes are serialised, what survives a failure.

Each test runs on SQLite and on PostgreSQL (a schema of its own; skipped, saying why, where no server answers).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from extract import schema
from extract.store import Corpus, CorpusTables, StoreError, open_store, sql_engine, tables_sql
from extract.store.sql import SqlStore
from tests.databases import database, die_while_writing, merge_in_process, postgres_schema
from tests.test_store_contract import document, event, run


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


def sql_store(url: str) -> SqlStore:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    return store


def rows(store: SqlStore, name: str, *columns: str) -> list[tuple]:
    """A table's rows as stored, by row_order."""
    table = tables_sql.metadata().tables[name]
    with store.database.engine().connect() as conn:
        query = sa.select(*(table.c[c] for c in columns))
        if tables_sql.ROW_ORDER in table.c:
            query = query.order_by(table.c[tables_sql.ROW_ORDER])
        return [tuple(row) for row in conn.execute(query)]


def test_reading_a_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    store = sql_store(f"sqlite:///{tmp_path / 'sub' / 'none.db'}")
    assert store.version() == 0 and store.is_empty()
    assert len(store.read_events()) == 0 and len(store.read_documents()) == 0 and len(store.read_table("groups")) == 0
    assert store.read_text("a") is None and store.read_scan("a") is None
    assert not (tmp_path / "sub").exists()


def test_the_first_write_creates_every_table_at_head(url: str) -> None:
    store = sql_store(url)
    store.write(*run("a"))
    with store.database.engine().connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert set(tables_sql.metadata().tables) <= names
    assert {"events", "documents", "event_groups", "key_dates", "users", "audit_log"} <= names
    from extract.store import migrate

    assert revision == migrate.head()


def test_plans_share_the_events_table(url: str) -> None:
    store = sql_store(url)
    store.write(*run("a", plans=("a",)))
    assert rows(store, "events", "event_id", "modality") == [("a", "asserted"), ("a-plan", "planned")]
    assert list(store.read_table("plans")["event_id"]) == ["a-plan"]
    assert list(store.read_table("events")["event_id"]) == ["a"]


def test_a_merge_rewrites_only_what_changed(url: str) -> None:
    store = sql_store(url)
    store.write(*run("a", "b", "c"))
    before = dict(rows(store, "events", "event_id", tables_sql.ROW_ORDER))

    def regroup_b(corpus: Corpus) -> CorpusTables:
        events = corpus.events.copy()
        events.loc[events["doc_id"] == "b", "event_group"] = "g1"
        return CorpusTables(events, corpus.documents)

    store.write(*run("d"), derive=regroup_b)
    assert store.last_changes == {"events": (1, 2), "documents": (0, 1)}  # b rewritten, d added, nothing else
    after = dict(rows(store, "events", "event_id", tables_sql.ROW_ORDER))
    assert {k: after[k] for k in before} == before and after["d"] > max(before.values())
    assert list(store.read_events()["event_id"]) == ["a", "b", "c", "d"]
    assert store.read_events().set_index("event_id").loc["b", "event_group"] == "g1"
    store.write(*run("b"))  # b re-extracted: its rows go to the end, as in every store
    assert store.last_changes == {"events": (1, 1), "documents": (1, 1)}
    assert list(store.read_events()["event_id"]) == ["a", "c", "d", "b"]


def test_corpus_steps_that_reorder_rows_still_read_back_in_their_order(url: str) -> None:
    store = sql_store(url)
    store.write(*run("a", "b", "c"))

    def reverse(corpus: Corpus) -> CorpusTables:
        return CorpusTables(corpus.events.iloc[::-1], corpus.documents.iloc[::-1])

    store.write(*run("d"), derive=reverse)
    assert list(store.read_events()["event_id"]) == ["d", "c", "b", "a"]
    assert list(store.read_documents()["doc_id"]) == ["d", "c", "b", "a"]


def test_texts_are_stored_once_and_dropped_with_their_last_document(url: str) -> None:
    store = sql_store(url)
    events, documents, _ = run("a", "b", "c")
    store.write(events, documents, {"a": "shared text", "b": "shared text", "c": "c's own"})
    assert len(rows(store, tables_sql.TEXTS, "sha256")) == 2
    store.write(*run("c"))  # c re-extracted with a new text: its old one goes
    store.write(*run("a"))  # a's text changes, b still holds the shared one
    texts = {store.read_text(d) for d in ("a", "b", "c")}
    assert "shared text" in texts and "c's own" not in texts
    assert len(rows(store, tables_sql.TEXTS, "sha256")) == 3


def test_a_failed_write_changes_nothing_not_even_the_schema(url: str) -> None:
    store = sql_store(url)

    def fail(corpus: Corpus) -> CorpusTables:
        raise RuntimeError("corpus step failed")

    with pytest.raises(RuntimeError):
        store.write(*run("a"), derive=fail)
    with store.database.engine().connect() as conn:
        assert sa.inspect(conn).get_table_names() == []  # the migration rolled back with the write
    store.write(*run("a"))
    version = store.version()
    with pytest.raises(RuntimeError):
        store.write(*run("b"), derive=fail)
    assert list(store.read_documents()["doc_id"]) == ["a"] and store.version() == version


def test_repeated_doc_ids_are_refused_with_a_clear_message(url: str) -> None:
    store = sql_store(url)
    events, documents, texts = run("a")
    with pytest.raises(StoreError, match=r"repeat a doc_id .*'a'"):
        store.write(events, pd.concat([documents, documents], ignore_index=True), texts)
    assert store.is_empty()


def test_a_derived_table_without_its_migration_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    columns = (schema.Column("day", "datetime", "the day"),)
    monkeypatch.setitem(schema.TABLES, "key_days", schema.Table("key_days", columns, ("csv",), "test"))
    store = sql_store(url)
    store.write(*run("a"))

    def derive(corpus: Corpus) -> CorpusTables:
        return CorpusTables(corpus.events, corpus.documents, {"key_days": pd.DataFrame({"day": ["2025-01-01"]})})

    with pytest.raises(StoreError, match="no table 'key_days': write the migration"):
        store.write(*run("b"), derive=derive)
    assert list(store.read_documents()["doc_id"]) == ["a"]
    assert len(store.read_table("key_days")) == 0  # declared, not stored: empty


def test_version_is_one_small_query(url: str) -> None:
    store = sql_store(url)
    store.write(*run("a"))
    store.version()  # the first call per process also checks the schema's revision
    statements: list[str] = []
    engine = store.database.engine()

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert open_store(url).version() == store.version()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    queries = [s for s in statements if not s.startswith("BEGIN")]
    assert queries == [f"SELECT version FROM {tables_sql.STATE} WHERE id = 1"] * 2


def test_readers_see_the_last_commit_while_a_write_is_running(url: str) -> None:
    store = sql_store(url)
    store.write(*run("a"))
    inside = threading.Event()

    def slow(corpus: Corpus) -> CorpusTables:
        inside.set()
        time.sleep(1.5)
        return CorpusTables(corpus.events, corpus.documents)

    writer = threading.Thread(target=lambda: open_store(url).write(*run("b"), derive=slow))
    writer.start()
    assert inside.wait(10)
    started = time.monotonic()
    assert list(open_store(url).read_documents()["doc_id"]) == ["a"]  # the old set, whole
    assert time.monotonic() - started < 1.0  # without waiting for the writer
    writer.join()
    assert list(open_store(url).read_documents()["doc_id"]) == ["a", "b"]


def test_writers_in_separate_processes_keep_each_others_documents(url: str) -> None:
    """Two analysts' uploads and a cron merge at once, each its own process; each holds its write open a while
    after reading the stored set, so without the lock they would overwrite each other."""
    sql_store(url).write(*run("base"))
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0  # spawned interpreters take a moment to import
    names = ("upload1", "upload2", "cron")
    workers = [context.Process(target=merge_in_process, args=(url, name, start_at, 0.4)) for name in names]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    store = sql_store(url)
    assert sorted(store.read_documents()["doc_id"]) == ["base", "cron", "upload1", "upload2"]
    assert sorted(store.read_events()["event_id"]) == ["base", "cron", "upload1", "upload2"]


def test_a_writer_killed_mid_write_leaves_the_store_whole_and_unlocked(url: str) -> None:
    sql_store(url).write(*run("a"))
    version = sql_store(url).version()
    process = multiprocessing.get_context("spawn").Process(target=die_while_writing, args=(url, "b"))
    process.start()
    process.join(120)
    assert process.exitcode == 3
    store = sql_store(url)
    assert list(store.read_documents()["doc_id"]) == ["a"] and store.version() == version
    started = time.monotonic()
    store.write(*run("c"))  # the dead writer's lock went with its transaction
    assert time.monotonic() - started < 10
    assert list(store.read_documents()["doc_id"]) == ["a", "c"]


def test_an_unreachable_database_is_named_without_its_password() -> None:
    store = open_store("postgresql://someone:secret@127.0.0.1:9/dateline")  # nothing listens on port 9
    with pytest.raises(StoreError) as caught:
        store.version()
    message = str(caught.value)
    assert "127.0.0.1:9/dateline" in message and "secret" not in message


def test_hostile_values_survive_the_write_paths_comparison(url: str) -> None:
    """A write reads the stored rows back through the driver and compares them with what it would store: values
    any store must keep (NUL, the escape's mark, NaN, missing dates, empty and odd lists) must compare equal, or
    every write would rewrite them, and must read back unchanged through the bulk reader."""
    odd = ["NUL\x00", "\U0010fffe1", "\U0010fffe0\x00", "; semi", "", "ünï “x”", "\r\n", "[not json"]
    rows = [
        {
            **event(f"e{i}", f"d{i}", summary=t, sentence=t, time_expression=t, actors=[t, "x"] if t else []),
            "confidence": None if i % 2 else 1 / 3,
            "date_start": None if i % 3 == 0 else "2261-12-31",
            "date_end": None if i % 3 == 0 else "1678-01-02",
        }
        for i, t in enumerate(odd)
    ]
    events = schema.events_frame(rows)
    docs = schema.documents_frame([document(f"d{i}", title=t, url=t, published=None) for i, t in enumerate(odd)])
    store = sql_store(url)
    store.write(events, docs, {f"d{i}": t for i, t in enumerate(odd)})
    store.write(*run("other"))
    assert store.last_changes == {"events": (0, 1), "documents": (0, 1)}  # nothing of the first write rewritten
    back = store.read_events()
    pd.testing.assert_frame_equal(back.iloc[: len(odd)].reset_index(drop=True), events)
    assert list(store.read_documents()["title"])[: len(odd)] == odd
    assert [store.read_text(f"d{i}") for i in range(len(odd))] == odd


def test_connections_the_server_dropped_are_replaced() -> None:
    """PostgreSQL only: a SQLite file has no server to drop them."""
    with postgres_schema() as url:
        connections_dropped_and_replaced(url)


def connections_dropped_and_replaced(url: str) -> None:
    tagged = with_application_name(url, f"dateline-test-{uuid.uuid4().hex[:8]}")
    store = sql_store(tagged)
    store.write(*run("a"))
    assert store.version() and len(store.read_events()) == 1  # both pools hold a connection now
    name = tagged.rsplit("application_name=", 1)[1]
    with store.database.engine().connect() as conn:
        killed = conn.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE application_name = '{name}' AND pid <> pg_backend_pid()"
        ).scalar()
    assert killed >= 1  # as if the server had restarted
    assert open_store(tagged).version() == store.version()
    assert list(open_store(tagged).read_events()["event_id"]) == ["a"]
    sql_engine.dispose(tagged)


def with_application_name(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"
