"""Bulk reads of the database store through ADBC: rows come back as Arrow columns, never as Python objects.

Reading 100,000 events through the drivers' tuples costs about twice what the files store's Parquet does
(a Python object per cell, then one more conversion); through ADBC (Arrow Database Connectivity: the
``adbc-driver-sqlite`` and ``adbc-driver-postgresql`` packages, each shipping its driver library) it costs about
the same. Writes stay on SQLAlchemy's connection: they read the stored rows inside their locked transaction.

Connections are pooled per URL and process (a few idle ones kept), in autocommit mode: a read is one statement,
which sees one commit whole, and no connection sits in an open transaction holding an old snapshot.

SQLite types values per row, so the driver infers each column's type from the values it reads; the whole result
is read as one batch so that it sees them all (a column of NULLs reads as integers and is cast to its type).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from extract.schema import MAX_YEAR, MIN_YEAR, PLAN_MODALITIES, Column
from extract.store.base import StoreError
from extract.store.sql_engine import APPLICATION_NAME, BUSY_TIMEOUT_S, CONNECT_TIMEOUT_S, Database
from extract.store.sql_rows import MARK, parse_list, unescape

_IDLE_PER_URL = 4
_POOL: dict[str, list[object]] = {}
_LOCK = threading.Lock()
_ONE_BATCH = str(1 << 30)  # rows per batch for SQLite: all of them, so type inference sees every value


def _forget_in_child() -> None:
    _POOL.clear()  # the parent's connections stay the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


@atexit.register
def _close_at_exit() -> None:
    dispose()  # before the interpreter tears the driver's module down under the connections


def dispose(url: str | None = None) -> None:
    """Close the idle connections of one database (by its normalised URL) or of all."""
    with _LOCK:
        keys = [key for key in _POOL if url is None or key == url]
        idle = [conn for key in keys for conn in _POOL.pop(key)]
    for conn in idle:
        with contextlib.suppress(Exception):
            conn.close()  # type: ignore[attr-defined]


def _connect(db: Database) -> object:
    if db.kind == "sqlite":
        import adbc_driver_sqlite.dbapi as driver

        conn = driver.connect(str(db.path), autocommit=True)
        cursor = conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        finally:
            cursor.close()
        return conn
    import adbc_driver_postgresql.dbapi as driver
    import sqlalchemy as sa

    url = sa.make_url(db.url).set(drivername="postgresql")
    options = {"connect_timeout": str(CONNECT_TIMEOUT_S), "application_name": APPLICATION_NAME}
    url = url.update_query_dict({k: v for k, v in options.items() if k not in url.query})
    return driver.connect(url.render_as_string(hide_password=False), autocommit=True)


@contextlib.contextmanager
def _connection(db: Database) -> Iterator[object]:
    with _LOCK:
        idle = _POOL.get(db.url)
        conn = idle.pop() if idle else None
    if conn is None:
        conn = _connect(db)
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(Exception):
            conn.close()  # type: ignore[attr-defined]  # a failed connection is not put back
        raise
    with _LOCK:
        idle = _POOL.setdefault(db.url, [])
        if len(idle) < _IDLE_PER_URL:
            idle.append(conn)
            return
    conn.close()  # type: ignore[attr-defined]


def fetch(db: Database, sql: str) -> pa.Table:
    """The result of one SELECT as an Arrow table (a stale pooled connection is replaced once)."""
    for attempt in (1, 2):
        try:
            with _connection(db) as conn:
                cursor = conn.cursor()  # type: ignore[attr-defined]
                try:
                    if db.kind == "sqlite":
                        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": _ONE_BATCH})
                    cursor.execute(sql)
                    return cursor.fetch_arrow_table()
                finally:
                    cursor.close()
        except StoreError:
            raise
        except Exception as exc:  # the drivers raise their own DB-API errors, and OSError
            if attempt == 1 and db.kind == "postgresql" and "connection" in str(exc).lower():
                continue  # e.g. the server restarted since this connection was pooled
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"{db.display}: {detail}") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def plans_last(table: pa.Table) -> pa.Table:
    """Asserted events first, then plans, each part in the order read."""
    if table.num_rows == 0:
        return table  # an empty result's columns have no inferred type to compare strings with
    plans = pc.fill_null(pc.is_in(table.column("modality"), pa.array(PLAN_MODALITIES)), False)
    return pa.concat_tables([table.filter(pc.invert(plans)), table.filter(plans)])


def frame(table: pa.Table, columns: Sequence[Column], escape_nul: bool) -> pd.DataFrame:
    """An Arrow result -> the typed frame (as schema.typed makes it: columns in schema order, RangeIndex)."""
    n = table.num_rows
    data = {c.name: _column(table.column(c.name) if n else pa.nulls(0), c, escape_nul, n) for c in columns}
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def _column(values: pa.ChunkedArray | pa.Array, column: Column, escape_nul: bool, n: int) -> pd.Series:
    index = pd.RangeIndex(n)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.nulls(0)
    if column.dtype == "string":
        text = pc.fill_null(values.cast(pa.large_string()), "")
        if escape_nul and len(text) and pc.any(pc.match_substring(text, MARK)).as_py():
            text = pa.array([unescape(v) for v in text.to_pylist()], type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(text), index=index)
    if column.dtype == "datetime":
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            days = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
        elif pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
            days = values.cast(pa.timestamp("s"))
        else:  # a column of NULLs (SQLite)
            days = pa.nulls(len(values), pa.timestamp("s"))
        year = pc.year(days)
        days = pc.if_else(pc.and_(pc.greater_equal(year, MIN_YEAR), pc.less_equal(year, MAX_YEAR)), days, None)
        return pd.Series(days.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False), index=index).astype(
            "datetime64[ns]"
        )
    if column.dtype == "int":
        return pd.Series(pc.fill_null(values.cast(pa.int64()), 0).to_numpy(zero_copy_only=False), index=index)
    if column.dtype == "float":
        return pd.Series(values.cast(pa.float64()).to_numpy(zero_copy_only=False), index=index, dtype="float64")
    if column.dtype == "list":
        return pd.Series(_lists(values), index=index, dtype=object)
    raise ValueError(f"column {column.name!r}: unknown dtype {column.dtype!r}")


def _lists(values: pa.Array) -> list[list[str]]:
    """JSON arrays -> lists: each distinct value parsed once, every row its own list (as schema.typed gives)."""
    if not len(values):
        return []
    encoded = pc.dictionary_encode(pc.fill_null(values.cast(pa.large_string()), "[]"))
    parsed = [parse_list(text) for text in encoded.dictionary.to_pylist()]
    return [parsed[i].copy() for i in np.asarray(encoded.indices)]
