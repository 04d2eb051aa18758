"""Where store-side queries run: the SQL each kind of store speaks, and how a statement is executed.

Three backends, one SQL text (extract/store/query.py writes it): SQLite and PostgreSQL through the database
store's SQLAlchemy engine (bound parameters, one read transaction per statement), and DuckDB over the files
store's Parquet files (``events.parquet`` + ``plans.parquet`` and ``groups.parquet`` read, under the folder's
shared lock, into the query tables of extract/store/query_ready.py once per store version). Each backend exposes the events as a relation with the same columns (the events table's,
plus ``ord``: the order the store reads them back in, plans after the asserted events) and the groups table as
``event_groups``; the `Dialect` gives the few expressions that differ (JSON arrays vs lists, text search,
month numbers, day differences). A database store can also be queried through DuckDB: a copy of its tables with
its corrections laid over them (extract/store/query_mirror.py, `open_query(store, "duckdb")`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from extract.schema import PLAN_MODALITIES, TABLES
from extract.store import query_ready, sql_rows

Runner = Callable[[str, Mapping[str, object]], pd.DataFrame]
PLAN_OFFSET = 1 << 50  # ord of a plan: after every asserted event (row_order stays far below this)
EVENT_COLUMNS = [c.name for c in TABLES["events"].columns]
GROUP_COLUMNS = [c.name for c in TABLES["groups"].columns]


class Dialect:
    """The expressions that differ between SQLite, PostgreSQL and DuckDB."""

    name = "base"
    escape_nul = False

    def lower(self, expr: str, ascii_only: bool) -> str:
        """Lower-cased text (Unicode, as Python's str.lower; SQLite's own lower() folds only ASCII)."""
        return f"lower({expr})"

    def contains(self, haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle}) > 0"

    def any_actor(self, column: str, values: list[str]) -> str:
        """True when the list column holds one of the (placeholder) values."""
        raise NotImplementedError

    def unnest_actors(self, column: str, alias: str) -> str:
        """A FROM item joining each row to its actors, one row each (column ``value``)."""
        raise NotImplementedError

    def first_actor(self, column: str) -> str:
        raise NotImplementedError

    def month(self, expr: str) -> str:
        """Months since January 1970 of a date."""
        return f"((CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER) - 1970) * 12 + CAST(EXTRACT(MONTH FROM {expr}) AS INTEGER) - 1)"

    def days(self, start: str, end: str) -> str:
        """Days from start to end (integer)."""
        return f"({end} - {start})"

    def text_order(self, expr: str) -> str:
        """An ORDER BY item comparing strings by code point (as Python does)."""
        return expr

    def date_param(self, day: dt.date) -> object:
        return day

    def string_param(self, value: str) -> str:
        return sql_rows.escape(value) if self.escape_nul else value


class SqliteDialect(Dialect):
    name = "sqlite"

    def lower(self, expr: str, ascii_only: bool) -> str:
        return f"lower({expr})" if ascii_only else f"dateline_lower({expr})"

    def contains(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) > 0"

    def any_actor(self, column: str, values: list[str]) -> str:
        return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value IN ({', '.join(values)}))"

    def unnest_actors(self, column: str, alias: str) -> str:
        return f"json_each({column}) AS {alias}"

    def first_actor(self, column: str) -> str:
        return f"json_extract({column}, '$[0]')"

    def month(self, expr: str) -> str:
        return f"((CAST(substr({expr}, 1, 4) AS INTEGER) - 1970) * 12 + CAST(substr({expr}, 6, 2) AS INTEGER) - 1)"

    def days(self, start: str, end: str) -> str:
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"

    def date_param(self, day: dt.date) -> object:
        return day.isoformat()  # SQLite keeps dates as YYYY-MM-DD text


class PostgresDialect(Dialect):
    name = "postgresql"
    escape_nul = True

    def any_actor(self, column: str, values: list[str]) -> str:
        return f"(CAST({column} AS jsonb) ?| ARRAY[{', '.join(values)}])"

    def unnest_actors(self, column: str, alias: str) -> str:
        return f"jsonb_array_elements_text(CAST({column} AS jsonb)) AS {alias}(value)"

    def first_actor(self, column: str) -> str:
        return f"(CAST({column} AS jsonb) ->> 0)"

    def text_order(self, expr: str) -> str:
        return f'{expr} COLLATE "C"'


ACTORS_ONE_BY_ONE = 8  # the most actor names filtered by list_contains each (DuckDB)


class DuckDialect(Dialect):
    name = "duckdb"

    def any_actor(self, column: str, values: list[str]) -> str:
        # one list_contains per name: 3 to 5 times quicker than list_has_any for a few (a million rows: 11 ms
        # against 54 for one name, 41 against 124 for eight); many names, one list_has_any
        if len(values) > ACTORS_ONE_BY_ONE:
            return f"list_has_any({column}, [{', '.join(values)}])"
        return "(" + " OR ".join(f"list_contains({column}, {value})" for value in values) + ")"

    def unnest_actors(self, column: str, alias: str) -> str:
        return f"unnest({column}) AS {alias}(value)"

    def first_actor(self, column: str) -> str:
        return f"{column}[1]"

    def days(self, start: str, end: str) -> str:
        return f"date_diff('day', {start}, {end})"


class Backend:
    """Runs a statement and returns a frame; names the events and groups relations."""

    dialect: Dialect
    list_columns_json = True  # lists come back as JSON text (databases) rather than lists (DuckDB)

    def stored(self) -> bool:
        """Whether there are tables to query (False: nothing written yet)."""
        return True

    def events_relation(self) -> str:
        raise NotImplementedError

    def groups_relation(self) -> str:
        raise NotImplementedError

    def ready_relation(self) -> str | None:
        """A table holding ``Query._base``'s columns already (extract/store/query_ready.py), or None."""
        return None

    def ids(self, rids: Any) -> pd.DataFrame | None:
        """The ids of these reports (query_ready.ID_COLUMNS, by rid, in their order) where kept in memory, else
        None (read them)."""
        return None

    def layout(self) -> Any:
        """The ready table's query_ready.Layout, made for the store's current version, where the backend keeps
        one (its filters are then counted from one scan: extract/store/query_flags.py), else None."""
        return None

    def arrow(self, sql: str, params: Mapping[str, object]) -> Any:
        """The rows one SELECT returns as an Arrow table, a scan's in the table's order (backends that keep a
        Layout)."""
        raise NotImplementedError

    def run(self, sql: str, params: Mapping[str, object]) -> pd.DataFrame:
        """The rows one SELECT returns."""
        with self.session() as run:
            return run(sql, params)

    def session(self) -> contextlib.AbstractContextManager[Runner]:
        """Statements on one connection, one snapshot: a temporary table made in it lasts until it ends. Yields
        run(sql, params) -> the rows (an empty frame for a statement that returns none)."""
        raise NotImplementedError

    def temp_table(self, name: str, select: str) -> str:
        """The statement making a temporary table from a SELECT, gone when the statements are done."""
        return f"CREATE TEMP TABLE {name} AS {select}"


class SqlBackend(Backend):
    """A SQLite or PostgreSQL database store (extract/store/sql.py)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.db = store.database
        self.dialect = SqliteDialect() if self.db.kind == "sqlite" else PostgresDialect()

    def stored(self) -> bool:
        return self.db.readable()

    def events_relation(self) -> str:
        plans = ", ".join(f"'{m}'" for m in PLAN_MODALITIES)
        return (
            f"(SELECT e.*, e.row_order AS rid, "
            f"(CASE WHEN e.modality IN ({plans}) THEN {PLAN_OFFSET} ELSE 0 END + e.row_order) AS ord FROM events e)"
        )

    def groups_relation(self) -> str:
        return "event_groups"

    def temp_table(self, name: str, select: str) -> str:
        if self.dialect.name == "postgresql":
            return f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}"
        return f"CREATE TEMP TABLE {name} AS {select}"

    @contextlib.contextmanager
    def session(self) -> Iterator[Runner]:
        import sqlalchemy as sa

        temps: list[str] = []
        with self.db.reading() as conn:
            if conn is None:
                raise LookupError("nothing is stored yet")
            if self.dialect.name == "sqlite":
                raw = conn.connection.driver_connection
                raw.create_function("dateline_lower", 1, _lower, deterministic=True)
            else:  # compiling a plan costs more than these statements take: no JIT; room to sort and hash
                conn.exec_driver_sql("SET LOCAL jit = off")
                conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")

            def run(sql: str, params: Mapping[str, object]) -> pd.DataFrame:
                result = conn.execute(sa.text(sql), dict(params))
                if not result.returns_rows:
                    temps.extend(_TEMP.findall(sql))
                    return pd.DataFrame()
                frame = pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(result.keys()))
                if self.dialect.escape_nul:
                    for column in frame.columns:
                        if frame[column].dtype == object:
                            frame[column] = frame[column].map(_unescape)
                return frame

            try:
                yield run
            finally:
                if self.dialect.name == "sqlite":  # PostgreSQL's go with the transaction
                    for name in temps:
                        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")


def _unescape(value: object) -> object:
    return sql_rows.unescape(value) if isinstance(value, str) else value


_TEMP = re.compile(r"^CREATE TEMP TABLE (\w+)")


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


_DUCK_LOCK = threading.Lock()
_DUCK: dict[str, Any] = {}  # folder -> its DuckDB connection (in memory, views over the folder's files)
_PLACEHOLDER = re.compile(r"(?<!:):(p\d+)\b")


class DuckBackend(Backend):
    """A files store (extract/store/files.py): DuckDB over its Parquet files, under the folder's shared lock.

    A table held only as CSV (an old folder) is read through the store and handed to DuckDB as a frame."""

    list_columns_json = False

    def __init__(self, store: Any) -> None:
        self.store = store
        self.dialect = DuckDialect()

    def events_relation(self) -> str:
        return query_ready.events_view()  # the ready table, made once per store version (query_ready.py)

    def groups_relation(self) -> str:
        return query_ready.READY_GROUPS

    def ready_relation(self) -> str | None:
        return query_ready.READY

    def _slot(self) -> str:
        """This store's name for query_ready's tables."""
        return str(Path(self.store.root).resolve())

    def ids(self, rids: Any) -> pd.DataFrame | None:
        return query_ready.ids_of(self._slot(), rids)

    def layout(self) -> Any:
        with self._views():  # the ready table made for the current version, if it was not
            return query_ready.layout_of(self._slot())

    def arrow(self, sql: str, params: Mapping[str, object]) -> Any:
        with self._views() as cursor:
            cursor.execute("SET SESSION preserve_insertion_order = true")  # this cursor's only: as fast, here
            return cursor.sql(_PLACEHOLDER.sub(r"$\1", sql), params=dict(params)).to_arrow_table()

    def _connection(self) -> Any:
        import duckdb

        key = str(Path(self.store.root).resolve())
        with _DUCK_LOCK:
            conn = _DUCK.get(key)
            if conn is None:
                conn = _DUCK[key] = duckdb.connect(":memory:")
            return conn.cursor()  # one per statement: a cursor is the thread-safe way to share a connection

    @contextlib.contextmanager
    def _views(self) -> Iterator[Any]:
        with self.store._reading():  # the folder's shared lock: one write's files, whole
            cursor = self._connection()
            try:
                slot, version = str(Path(self.store.root).resolve()), self.store.version()
                if not query_ready.is_ready(slot, version):  # once per version: the files read into memory
                    self._make_views(cursor)
                    query_ready.ensure_ready(slot, cursor, version, "dl_events", "event_groups")
                yield cursor
            finally:
                cursor.close()

    def _make_views(self, cursor: Any) -> None:
        root = Path(self.store.root)
        dates = {c.name for c in TABLES["events"].columns if c.dtype == "datetime"}
        select = ", ".join(f"CAST({c} AS DATE) AS {c}" if c in dates else c for c in EVENT_COLUMNS)
        parts = []
        for i, name in enumerate(("events", "plans")):
            parquet, csv = root / f"{name}.parquet", root / f"{name}.csv"
            if parquet.exists():
                source = f"read_parquet({_quote(str(parquet))}, file_row_number = true)"
                parts.append(f"SELECT {select}, {i} * {PLAN_OFFSET} + file_row_number AS ord FROM {source}")
            elif csv.exists():
                frame = self.store._read(name)  # already under the lock
                cursor.register(f"dl_frame_{name}", _typed_frame(frame, "events", ordered=True))
                parts.append(f"SELECT {select}, {i} * {PLAN_OFFSET} + dl_ord AS ord FROM dl_frame_{name}")
        if not parts:
            cursor.register("dl_frame_none", _typed_frame(pd.DataFrame(), "events"))
            parts.append(f"SELECT {select}, CAST(0 AS BIGINT) AS ord FROM dl_frame_none")
        union = " UNION ALL ".join(parts)
        cursor.execute(f"CREATE OR REPLACE TEMP VIEW dl_events AS SELECT *, ord AS rid FROM ({union})")
        gdates = {c.name for c in TABLES["groups"].columns if c.dtype == "datetime"}
        gselect = ", ".join(f"CAST({c} AS DATE) AS {c}" if c in gdates else c for c in GROUP_COLUMNS)
        parquet = root / "groups.parquet"
        if parquet.exists():
            source = f"read_parquet({_quote(str(parquet))})"
        else:
            found = self.store._read("groups") if (root / "groups.csv").exists() else None
            cursor.register("dl_frame_groups", _typed_frame(found, "groups"))
            source = "dl_frame_groups"
        cursor.execute(f"CREATE OR REPLACE TEMP VIEW event_groups AS SELECT {gselect} FROM {source}")

    def temp_table(self, name: str, select: str) -> str:
        return f"CREATE OR REPLACE TEMP TABLE {name} AS {select}"

    @contextlib.contextmanager
    def session(self) -> Iterator[Runner]:
        with self._views() as cursor:

            def run(sql: str, params: Mapping[str, object]) -> pd.DataFrame:
                cursor.execute(_PLACEHOLDER.sub(r"$\1", sql), dict(params))
                return cursor.df() if cursor.description else pd.DataFrame()

            yield run


def forget() -> None:
    """Close this process's DuckDB views of folders and forget their ready tables: the next query reads the files
    again (Reload data; a benchmark's cold run)."""
    with _DUCK_LOCK:
        _DUCK.clear()
    query_ready.forget()


def _typed_frame(frame: pd.DataFrame | None, name: str, ordered: bool = False) -> Any:
    """A table as Arrow, typed as its Parquet file would be (for DuckDB); ``ordered``: with each row's position
    as ``dl_ord`` (a scan in parallel does not keep the rows' order)."""
    import numpy as np
    import pyarrow as pa

    from extract.schema import typed
    from extract.store.formats import arrow_table

    table = arrow_table(typed(frame if frame is not None else pd.DataFrame(), name), TABLES[name].columns)
    if ordered:
        table = table.append_column("dl_ord", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    return table


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def backend_for(store: Any, engine: str = "sql") -> Backend:
    """The backend that queries this store: a database store in SQL (``engine="duckdb"``: through a DuckDB copy
    of its tables and corrections, extract/store/query_mirror.py), a folder of files through DuckDB over its
    Parquet files."""
    if hasattr(store, "database"):
        if engine == "duckdb":
            from extract.store.query_mirror import MirrorBackend

            return MirrorBackend(store)
        return SqlBackend(store)
    if hasattr(store, "root"):
        return DuckBackend(store)
    raise TypeError(f"no query backend for {store!r}")


def __getattr__(name: str) -> Any:
    """MirrorBackend and its copies moved to extract/store/query_mirror.py (still found here by name)."""
    if name in ("MirrorBackend", "_MIRRORS"):
        from extract.store import query_mirror

        return getattr(query_mirror, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
