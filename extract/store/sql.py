"""The database store: the Store interface over SQLite (a file, nothing to install) or PostgreSQL (by URL).

Tables (extract/store/tables_sql.py, built from schema.TABLES): ``events`` (plans included: their modality tells
them apart), ``documents``, ``event_groups``, ``key_dates``, ``document_texts`` and ``document_scans`` (by
SHA-256), ``store_state`` (the version), ``users`` and ``audit_log``. Every table from schema.TABLES has a
``row_order`` column: rows read back in the order they were written, plans after the asserted events.

A write is one transaction holding the store's lock (extract/store/sql_engine.py: ``BEGIN IMMEDIATE`` on
SQLite, ``pg_advisory_xact_lock`` on PostgreSQL) from before it reads to its commit: upgrade the schema if
needed; read the stored events and documents; merge the run into them; run the corpus steps on the merged set;
then store only what changed: a kept row keeps its ``row_order`` and is rewritten only when the corpus steps
changed it, replaced and removed rows are deleted, new rows inserted (COPY on PostgreSQL); the derived tables
likewise, row by row; the run's texts and scans not stored yet are inserted and those no document names any
more deleted; the version grows. Readers never wait: they see the last commit, whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from extract.schema import DOCUMENT_COLUMNS, EVENT_COLUMNS, PLAN_MODALITIES, TABLES, typed_documents, typed_events
from extract.store import sql_arrow, sql_rows, sql_uploads, tables_sql
from extract.store.base import (
    Corpus,
    Derive,
    StoreError,
    WriteSummary,
    concat,
    is_plan,
    replaced_paths,
    run_doc_ids,
    typed_derived,
    with_hashes,
)
from extract.store.sql_engine import Database, driver_connection

if TYPE_CHECKING:
    from extract.store.sql_corrections import Corrections

Row = tuple[object, ...]
_ANALYZE_ROWS = 10_000  # rows a write deletes and inserts in a table before it refreshes the table's statistics


class Versions(NamedTuple):
    """A database store's versions: ``version`` grows on every write; ``data`` is the version of the last write
    of the extracted tables (extraction, upload, import), ``corrections`` of the last correction or event added
    by hand (migration 0003). Every write sets ``version`` and one of the two, so ``version`` is the larger."""

    version: int
    data: int
    corrections: int


_CHUNK = 500  # ids per IN (...) list: well under every database's limit on bound parameters


class SqlStore:
    """The Store interface over a SQLite file or a PostgreSQL database (see the module docstring)."""

    def __init__(self, location: str) -> None:
        self._db = Database(location)
        # what this handle's last write did to each table: {sql table: (rows deleted, rows inserted)}
        self.last_changes: dict[str, tuple[int, int]] = {}

    def __repr__(self) -> str:
        return f"SqlStore({self._db.display!r})"

    @property
    def location(self) -> str:
        """The URL as given to open_store (with its password, if any: it reopens the store)."""
        return self._db.location

    @property
    def display(self) -> str:
        """The URL without its password, for messages."""
        return self._db.display

    @property
    def database(self) -> Database:
        """The database: its URL, kind, engine and transactions."""
        return self._db

    # ------------------------------------------------------------------ reading

    def version(self) -> int:
        """The version of the last write (0 before the first): one small query."""
        for attempt in (1, 2):
            try:
                with self._db.reading(older=True) as conn:  # the dashboard's cache key, also before an upgrade
                    if conn is None:
                        return 0
                    found = conn.exec_driver_sql(f"SELECT version FROM {tables_sql.STATE} WHERE id = 1").scalar()
                    return int(found or 0)
            except StoreError as exc:
                cause = exc.__cause__
                if attempt == 1 and isinstance(cause, sa.exc.DBAPIError) and cause.connection_invalidated:
                    continue  # the server restarted since the pooled connection was made: once more, anew
                raise
        return 0  # pragma: no cover - the loop returns or raises

    def versions(self) -> Versions:
        """(version, data, corrections): the store's version, the last write of the extracted tables, the last
        write of a correction or an event added by hand (see Versions); one small query. A database not
        migrated to 0003 yet: both parts are its version."""
        with self._db.reading(older=True) as conn:
            if conn is None:
                return Versions(0, 0, 0)
            if not self._db.at_head():  # older than migration 0003: no such columns yet
                found = conn.exec_driver_sql(f"SELECT version FROM {tables_sql.STATE} WHERE id = 1").scalar()
                return Versions(int(found or 0), int(found or 0), int(found or 0))
            row = conn.exec_driver_sql(
                f"SELECT version, data_version, corrections_version FROM {tables_sql.STATE} WHERE id = 1"
            ).first()
            return Versions(*(int(v or 0) for v in row)) if row else Versions(0, 0, 0)

    def is_empty(self) -> bool:
        """True before the first write."""
        return self.version() == 0

    def corrections(self) -> Corrections:
        """The store's corrections and events added by hand (extract/store/sql_corrections.py)."""
        from extract.store.sql_corrections import Corrections

        return Corrections(self)

    def read_events(self) -> pd.DataFrame:
        """Every stored event, asserted ones first, then plans, each in the order written (typed)."""
        return self._read_frame("events", plans_last=True)

    def read_documents(self) -> pd.DataFrame:
        """The documents table (typed)."""
        return self._read_frame("documents")

    def read_table(self, name: str) -> pd.DataFrame:
        """A table declared in schema.TABLES, typed (empty when not stored, or when no migration made it yet)."""
        if name not in TABLES:
            raise StoreError(f"no table {name!r} is declared in extract.schema.TABLES")
        if name not in tables_sql.FIRST_TABLES and not self._db.has_table(tables_sql.sql_name(name)):
            return sql_arrow.frame(pa.table({}), TABLES[name].columns, self._db.escape_nul)
        return self._read_frame(name)

    def _read_frame(self, name: str, *, plans_last: bool = False) -> pd.DataFrame:
        """A declared table through the bulk reader (Arrow), in the order written; ``events`` with
        ``plans_last``: all of the events table, asserted ones first."""
        columns = TABLES[name].columns
        if not self._db.readable():
            return sql_arrow.frame(pa.table({}), columns, self._db.escape_nul)
        query = self._select(name, every_event=plans_last, dates_as_text=False)
        sql = str(query.compile(dialect=self._db.engine().dialect, compile_kwargs={"literal_binds": True}))
        table = sql_arrow.fetch(self._db, sql)
        if plans_last:
            table = sql_arrow.plans_last(table)
        return sql_arrow.frame(table, columns, self._db.escape_nul)

    def read_text(self, doc_id: str) -> str | None:
        """The stored text of a document (checked against its SHA-256), or None when none is stored."""
        return self._read_content(tables_sql.TEXTS, "text", "sha256", doc_id)

    def read_scan(self, doc_id: str) -> str | None:
        """The stored time-expression scan of a document (JSON), or None."""
        return self._read_content(tables_sql.SCANS, "scan", "scan_sha256", doc_id)

    def read_texts(self) -> dict[str, str]:
        """Every stored text by doc_id, in one query (exports)."""
        return self._read_contents(tables_sql.TEXTS, "text", "sha256")

    def read_scans(self) -> dict[str, str]:
        """Every stored scan by doc_id, in one query (exports)."""
        return self._read_contents(tables_sql.SCANS, "scan", "scan_sha256")

    def _read_content(self, name: str, column: str, key: str, doc_id: str) -> str | None:
        contents, documents = tables_sql.table(name), tables_sql.table("documents")
        query = (
            sa.select(contents.c[column], contents.c.sha256)
            .select_from(documents.join(contents, contents.c.sha256 == documents.c[key]))
            .where(documents.c.doc_id == self._param(str(doc_id)))
        )
        with self._db.reading() as conn:
            found = None if conn is None else conn.execute(query).first()
        if found is None:
            return None
        data, sha = bytes(found[0]), found[1]
        if hashlib.sha256(data).hexdigest() != sha:
            raise StoreError(f"the stored {column} of {doc_id!r} is damaged (its SHA-256 does not match)")
        return data.decode("utf-8", errors="surrogatepass")

    def _read_contents(self, name: str, column: str, key: str) -> dict[str, str]:
        contents, documents = tables_sql.table(name), tables_sql.table("documents")
        query = sa.select(documents.c.doc_id, contents.c[column]).select_from(
            documents.join(contents, contents.c.sha256 == documents.c[key])
        )
        with self._db.reading() as conn:
            rows = [] if conn is None else conn.execute(query).all()
        unescape = sql_rows.unescape if self._db.escape_nul else str
        return {unescape(doc_id): bytes(data).decode("utf-8", errors="surrogatepass") for doc_id, data in rows}

    def _param(self, value: str) -> str:
        return sql_rows.escape(value) if self._db.escape_nul else value

    def _select(self, name: str, *, every_event: bool, dates_as_text: bool) -> sa.Select:
        """SELECT row_order and a declared table's columns, by row_order. ``events``/``plans`` select their part
        of the events table unless ``every_event``; ``dates_as_text``: dates as YYYY-MM-DD (PostgreSQL's to_char;
        SQLite keeps that text anyway)."""
        table = tables_sql.table(name)
        columns = [table.c[tables_sql.ROW_ORDER]]
        for column in TABLES[name].columns:
            col = table.c[column.name]
            if column.dtype == "datetime" and dates_as_text and self._db.kind == "postgresql":
                col = sa.func.to_char(col, "YYYY-MM-DD")
            columns.append(col)
        query = sa.select(*columns)
        if name in ("events", "plans") and not every_event:
            query = query.where(tables_sql.plan_clause(table, plans=name == "plans"))
        return query.order_by(table.c[tables_sql.ROW_ORDER])

    def _fetch(self, conn: sa.Connection, name: str, *, plans_last: bool = False) -> list[Row]:
        """The stored rows of a declared table as the driver gives them, in the write's transaction: row_order,
        then the columns (dates as YYYY-MM-DD text), in the order they read back (``plans_last``: all events,
        asserted ones first). What a write compares its new rows with."""
        query = self._select(name, every_event=plans_last, dates_as_text=True)
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        cursor = driver_connection(conn).cursor()
        try:
            cursor.execute(sql)  # the driver's own cursor: plain tuples, no per-row objects
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if plans_last:  # here, not in SQL: sorting wide rows there costs as much as reading them
            at = 1 + [c.name for c in TABLES[name].columns].index("modality")
            plans = frozenset(PLAN_MODALITIES)
            rows = [r for r in rows if r[at] not in plans] + [r for r in rows if r[at] in plans]
        return rows

    # ------------------------------------------------------------------ writing

    def upgrade(self) -> tuple[str | None, str | None]:
        """Upgrade the schema to this code's (what a write does first); returns the revisions (before, after)."""
        return self._db.migrate()

    def write(
        self,
        events: pd.DataFrame,
        documents: pd.DataFrame,
        texts: Mapping[str, str],
        *,
        scans: Mapping[str, str] | None = None,
        replace_all: bool = False,
        derive: Derive | None = None,
    ) -> WriteSummary:
        """Store one run (see Store.write) in one transaction holding the store's lock."""
        with self._db.writing() as conn:
            return self.write_in(conn, events, documents, texts, scans=scans, replace_all=replace_all, derive=derive)

    def write_in(
        self,
        conn: sa.Connection,
        events: pd.DataFrame,
        documents: pd.DataFrame,
        texts: Mapping[str, str],
        *,
        scans: Mapping[str, str] | None = None,
        replace_all: bool = False,
        derive: Derive | None = None,
        remove: Iterable[str] = (),
    ) -> WriteSummary:
        """write() inside a write transaction the caller holds (``self.database.writing()``), so a check, the
        write and its audit record commit or roll back together. ``remove``: stored doc_ids to drop as well
        (their rows, events and plans)."""
        events, documents = typed_events(events), typed_documents(documents)
        documents, run_texts = with_hashes(documents, texts, "sha256")
        documents, run_scans = with_hashes(documents, scans or {}, "scan_sha256")
        esc = self._db.escape_nul
        changes: dict[str, tuple[int, int]] = {}
        dropped = {str(doc_id) for doc_id in remove}
        event_rows = self._fetch(conn, "events", plans_last=True)
        document_rows = self._fetch(conn, "documents")
        stored_events = sql_rows.decode_rows(event_rows, EVENT_COLUMNS, esc)
        stored_docs = sql_rows.decode_rows(document_rows, DOCUMENT_COLUMNS, esc)
        event_order = np.array([row[0] for row in event_rows], dtype=np.int64)
        document_order = np.array([row[0] for row in document_rows], dtype=np.int64)
        replaced: dict[str, tuple[str, str]] = {}
        removed: tuple[str, ...] = ()
        if replace_all:
            removed = tuple(sorted(set(stored_docs["doc_id"]) - set(documents["doc_id"])))
            all_events, all_docs = events, documents
            event_order, document_order = _new(len(events)), _new(len(documents))
        else:
            replaced = replaced_paths(stored_docs, documents)
            run = run_doc_ids(events, documents)
            removed = tuple(sorted(dropped & (set(stored_docs["doc_id"]) - run)))
            run = run | dropped
            keep_events = ~stored_events["doc_id"].isin(run).to_numpy()
            keep_docs = ~stored_docs["doc_id"].isin(run).to_numpy()
            all_events = concat(stored_events[keep_events], events)
            all_docs = concat(stored_docs[keep_docs], documents)
            event_order = np.concatenate([event_order[keep_events], _new(len(events))])
            document_order = np.concatenate([document_order[keep_docs], _new(len(documents))])
        derived: dict[str, pd.DataFrame] = {}
        if derive is not None:
            result = derive(Corpus(all_events, all_docs, self._scan_reader(conn, all_docs, run_scans)))
            new_events, new_docs = typed_events(result.events), typed_documents(result.documents)
            event_order = _carried(all_events, event_order, new_events, ("doc_id", "event_id"))
            document_order = _carried(all_docs, document_order, new_docs, ("doc_id",))
            all_events, all_docs, derived = new_events, new_docs, typed_derived(result.tables)
        _refuse_duplicate_ids(all_docs)
        event_order = _ordered(event_order, _next(event_rows), is_plan(all_events))
        document_order = _ordered(document_order, _next(document_rows), None)

        changes["events"] = self._sync(
            conn, "events", event_rows, sql_rows.encode_rows(all_events, EVENT_COLUMNS, event_order, esc)
        )
        changes["documents"] = self._sync(
            conn, "documents", document_rows, sql_rows.encode_rows(all_docs, DOCUMENT_COLUMNS, document_order, esc)
        )
        for name, frame in derived.items():
            changes[tables_sql.sql_name(name)] = self._write_derived(conn, name, frame)
        self._store_contents(conn, tables_sql.TEXTS, "text", run_texts)
        self._store_contents(conn, tables_sql.SCANS, "scan", run_scans)
        for name, column in ((tables_sql.TEXTS, "sha256"), (tables_sql.SCANS, "scan_sha256")):
            gone = set(stored_docs[column]) - set(all_docs[column])
            self._delete_contents(conn, name, gone - sql_uploads.kept_contents(conn, gone))
        version = self._bump(conn)
        self._analyze(conn, changes)
        self.last_changes = changes
        return WriteSummary(
            version=version,
            n_documents=len(documents),
            n_events=len(events),
            stored_documents=len(all_docs),
            stored_events=len(all_events),
            replaced=replaced,
            removed=removed,
            outputs=(self._db.display,),
        )

    def _analyze(self, conn: sa.Connection, changes: Mapping[str, tuple[int, int]]) -> None:
        """PostgreSQL: refresh the planner's statistics of the tables a write changed much, inside the write.
        Store-side queries (extract/store/query.py) group and join whole tables; planned on statistics of an
        emptier table they sort a million rows on disk instead of hashing them (autovacuum may be off or late)."""
        if self._db.kind != "postgresql":
            return
        names = [name for name, (deleted, inserted) in changes.items() if deleted + inserted >= _ANALYZE_ROWS]
        if names:
            conn.exec_driver_sql(f"ANALYZE {', '.join(names)}")

    def _scan_reader(
        self, conn: sa.Connection, documents: pd.DataFrame, run_scans: Mapping[str, str]
    ) -> Callable[[str], str | None]:
        """read_scan over the set a write is making: this run's scans (not stored yet), else the stored ones
        (read in the write's own transaction)."""
        shas = dict(zip(documents["doc_id"].astype(str), documents["scan_sha256"].astype(str), strict=True))
        scans = tables_sql.table(tables_sql.SCANS)

        def read(doc_id: str) -> str | None:
            sha = shas.get(str(doc_id), "")
            if sha in run_scans:
                return run_scans[sha]
            if not sha:
                return None
            data = conn.execute(sa.select(scans.c.scan).where(scans.c.sha256 == sha)).scalar()
            return None if data is None else bytes(data).decode("utf-8", errors="surrogatepass")

        return read

    def _write_derived(self, conn: sa.Connection, name: str, frame: pd.DataFrame) -> tuple[int, int]:
        """A corpus-level table, row by row in order: rows that did not change stay as they are."""
        sql_name = tables_sql.sql_name(name)
        if sql_name not in tables_sql.metadata().tables or not sa.inspect(conn).has_table(sql_name):
            raise StoreError(
                f"{self._db.display}: table {name!r} is declared in extract.schema.TABLES but the database has no "
                f"table {sql_name!r}: write the migration that creates it (see extract/store/migrate.py)"
            )
        stored = self._fetch(conn, name)
        columns = TABLES[name].columns
        return self._sync(
            conn, name, stored, sql_rows.encode_rows(frame, columns, range(len(frame)), self._db.escape_nul)
        )

    def _sync(self, conn: sa.Connection, name: str, stored: Sequence[Row], rows: Sequence[Row]) -> tuple[int, int]:
        """Make the table's rows ``rows`` (row_order first): delete the stored rows that are gone or changed,
        insert the new and changed ones; unchanged rows are left alone. Returns (deleted, inserted)."""
        table = tables_sql.table(name)
        before = {row[0]: row for row in stored}
        keep = {row[0] for row in rows if before.get(row[0]) == row}
        inserts = [row for row in rows if row[0] not in keep]
        deletes = [order for order in before if order not in keep]
        order = table.c[tables_sql.ROW_ORDER]
        if deletes and len(deletes) == len(before) and not keep:
            conn.execute(table.delete())
        else:
            for chunk in _chunks(deletes):
                conn.execute(table.delete().where(order.in_(chunk)))
        self._insert(conn, table, inserts)
        return len(deletes), len(inserts)

    def _insert(self, conn: sa.Connection, table: sa.Table, rows: Sequence[Row]) -> None:
        """Bulk insert through the driver: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        names = [column.name for column in table.columns]
        quoted = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in names)
        raw = driver_connection(conn)
        cursor = raw.cursor()
        try:
            if self._db.kind == "postgresql":
                with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in names)
                cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", rows)
        finally:
            cursor.close()

    def _store_contents(self, conn: sa.Connection, name: str, column: str, contents: Mapping[str, str]) -> None:
        """Insert the texts (or scans) not stored yet, keyed by SHA-256."""
        if not contents:
            return
        table = tables_sql.table(name)
        stored: set[str] = set()
        for chunk in _chunks(list(contents)):
            stored.update(conn.execute(sa.select(table.c.sha256).where(table.c.sha256.in_(chunk))).scalars())
        new = [
            {"sha256": sha, column: text.encode("utf-8", errors="surrogatepass")}
            for sha, text in contents.items()
            if sha not in stored
        ]
        if new:
            conn.execute(table.insert(), new)

    def _delete_contents(self, conn: sa.Connection, name: str, shas: Iterable[str]) -> None:
        """Delete the texts (or scans) no document names any more (candidates: those the write dropped)."""
        table = tables_sql.table(name)
        for chunk in _chunks(sorted(sha for sha in shas if sha)):
            conn.execute(table.delete().where(table.c.sha256.in_(chunk)))

    def _bump(self, conn: sa.Connection, *, corrections: bool = False) -> int:
        """The new version: the previous plus one, or the time in microseconds when larger (so a database made
        anew never repeats a version a running dashboard has cached). It is also the new ``data_version``, or
        with ``corrections`` (a correction, an event added by hand) the new ``corrections_version``."""
        state = tables_sql.table(tables_sql.STATE)
        previous = conn.execute(sa.select(state.c.version).where(state.c.id == 1)).scalar()
        version = max(int(previous or 0) + 1, time.time_ns() // 1000)
        part = "corrections_version" if corrections else "data_version"
        values = {"version": version, part: version, "written_at": dt.datetime.now(dt.UTC)}
        if previous is None:
            conn.execute(state.insert().values(id=1, **values))
        else:
            conn.execute(state.update().where(state.c.id == 1).values(**values))
        return version


# --------------------------------------------------------------------------- row order


def _new(n: int) -> np.ndarray:
    """row_order for n rows not stored yet (assigned by _ordered)."""
    return np.full(n, -1, dtype=np.int64)


def _next(rows: Sequence[Row]) -> int:
    return max((int(row[0]) for row in rows), default=-1) + 1


def _carried(before: pd.DataFrame, order: np.ndarray, after: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    """The row_order of each row the corpus steps returned: that of the same row before them (same position and
    keys, else the same keys), or -1 for a row they added."""
    if len(before) == len(after) and all(
        before[key].reset_index(drop=True).equals(after[key].reset_index(drop=True)) for key in keys
    ):
        return order.copy()
    waiting: dict[tuple[str, ...], list[int]] = {}
    for key, value in zip(zip(*(before[k].tolist() for k in keys), strict=True), order.tolist(), strict=True):
        if value >= 0:
            waiting.setdefault(key, []).append(value)
    out = [
        (found.pop(0) if (found := waiting.get(key)) else -1)
        for key in zip(*(after[k].tolist() for k in keys), strict=True)
    ]
    return np.array(out, dtype=np.int64)


def _ordered(order: np.ndarray, next_order: int, plans: np.ndarray | None) -> np.ndarray:
    """row_order for every row: new rows numbered after the stored ones, in frame order. Rows read back in
    row_order (within the asserted events and within the plans), so if the carried numbers would read back in
    another order than the frame's, or repeat, every row is numbered anew (and rewritten)."""
    order = order.copy()
    new = order < 0
    order[new] = np.arange(next_order, next_order + int(new.sum()), dtype=np.int64)
    parts = [np.ones(len(order), dtype=bool)] if plans is None else [plans, ~plans]
    in_frame_order = all(np.all(np.diff(order[part]) > 0) for part in parts)
    if not in_frame_order or len(np.unique(order)) != len(order):
        return np.arange(next_order, next_order + len(order), dtype=np.int64)
    return order


def _refuse_duplicate_ids(documents: pd.DataFrame) -> None:
    repeated = documents["doc_id"][documents["doc_id"].duplicated()]
    if len(repeated):
        raise StoreError(
            f"documents repeat a doc_id ({', '.join(map(repr, sorted(set(repeated))[:5]))}); nothing was written"
        )


def _chunks(values: Sequence[object]) -> Iterable[list[object]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
