"""Typed frames to database rows and back, for the database store (column by column, no per-cell pandas).

A row is a tuple ``(row_order, value, ...)`` in the declared column order, holding what the driver sends and
returns: strings; dates as ``YYYY-MM-DD`` text (None when unknown; the reader selects them as that text);
integers; floats (None for NaN); lists as JSON arrays. The write path compares the rows it is about to store
with the rows it read, so both sides go through the same encoding and an unchanged row is never rewritten.

PostgreSQL's TEXT cannot hold NUL, which a hostile field may contain; there (``escape_nul``) every string is
stored with NUL as MARK "0" and MARK itself as MARK "1" (MARK: the noncharacter U+10FFFE), reversed on read,
so any string round-trips. SQLite stores strings as they are.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from extract.schema import MAX_YEAR, MIN_YEAR, Column

NUL = "\x00"
MARK = "\U0010fffe"
_EMPTY_LIST = "[]"


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: converting a table makes hundreds of thousands of lists, strings and
    tuples, none cyclic, and collecting while they pile up costs about a third of the time."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def escape(value: str) -> str:
    """A string PostgreSQL's TEXT can hold (see the module doc); unchanged when it holds neither NUL nor MARK."""
    if NUL in value or MARK in value:
        return value.replace(MARK, MARK + "1").replace(NUL, MARK + "0")
    return value


def unescape(value: str) -> str:
    """escape reversed."""
    if MARK in value:
        return value.replace(MARK + "0", NUL).replace(MARK + "1", MARK)
    return value


def encode_column(values: pd.Series, column: Column, escape_nul: bool) -> list[object]:
    """One typed column -> the values to store."""
    if column.dtype == "string":
        out = values.astype(object).tolist()
        return [escape(v) for v in out] if escape_nul else out
    if column.dtype == "datetime":
        days = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        return days.astype(object).where(days.notna(), None).tolist()
    if column.dtype == "int":
        return values.astype("int64").tolist()
    if column.dtype == "float":
        return values.astype(object).where(values.notna(), None).tolist()
    if column.dtype == "list":
        return _json_lists(values)
    raise ValueError(f"column {column.name!r}: unknown dtype {column.dtype!r}")


def encode_rows(
    frame: pd.DataFrame, columns: Sequence[Column], order: Sequence[int], escape_nul: bool
) -> list[tuple[object, ...]]:
    """A typed frame and each row's row_order -> the rows to store."""
    if not len(frame):
        return []
    with no_gc():
        encoded = [encode_column(frame[c.name], c, escape_nul) for c in columns]
        return list(zip([int(o) for o in order], *encoded, strict=True))


def decode_column(values: Sequence[object], column: Column, escape_nul: bool) -> pd.Series | np.ndarray | list:
    """Stored values of one column -> the typed column (as schema.typed makes it)."""
    if column.dtype == "string":
        # through Arrow directly: pandas' own path from a sequence costs twice as much
        array = pa.array(values, type=pa.large_string())
        if array.null_count:
            array = pc.fill_null(array, "")
        if escape_nul and pc.any(pc.match_substring(array, MARK)).as_py():
            array = pa.array([unescape(v) for v in array.to_pylist()], type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(array))
    if column.dtype == "datetime":
        parsed = pd.to_datetime(pd.Series(values, dtype=object), format="%Y-%m-%d", errors="coerce")
        parsed = parsed.where(parsed.dt.year.between(MIN_YEAR, MAX_YEAR))  # as schema.typed: ns cannot hold others
        return parsed.astype("datetime64[ns]")
    if column.dtype == "int":
        return pd.Series(values, dtype=object).fillna(0).astype("int64")
    if column.dtype == "float":
        return pd.Series(np.array([np.nan if v is None else v for v in values], dtype="float64"))
    if column.dtype == "list":
        return pd.Series(_lists(values), dtype=object)
    raise ValueError(f"column {column.name!r}: unknown dtype {column.dtype!r}")


def decode_rows(rows: Sequence[Sequence[object]], columns: Sequence[Column], escape_nul: bool) -> pd.DataFrame:
    """Stored rows (row_order first) -> the typed frame (columns in schema order, a fresh RangeIndex)."""
    if not rows:
        return pd.DataFrame({c.name: decode_column([], c, escape_nul) for c in columns})
    with no_gc():
        by_column = list(zip(*rows, strict=True))[1:]
        data = {c.name: decode_column(values, c, escape_nul) for c, values in zip(columns, by_column, strict=True)}
    for name, values in data.items():
        if isinstance(values, pd.Series):
            values.index = pd.RangeIndex(len(rows))
            data[name] = values
    return pd.DataFrame(data)


def _json_lists(values: pd.Series) -> list[str]:
    """Lists -> JSON arrays; the same few lists (actors, places) recur, so each is encoded once."""
    cache: dict[tuple[str, ...], str] = {}
    out = []
    for value in values:
        key = tuple(value)
        text = cache.get(key)
        if text is None:
            # ensure_ascii off for size; JSON escapes NUL itself, so no escaping is needed here
            text = cache[key] = json.dumps(list(key), ensure_ascii=False) if key else _EMPTY_LIST
        out.append(text)
    return out


def _lists(values: Sequence[object]) -> list[list[str]]:
    """JSON arrays -> lists, each parsed once; every row gets its own list (as schema.typed gives)."""
    cache: dict[object, list[str]] = {}
    out = []
    for value in values:
        items = cache.get(value)
        if items is None:
            items = cache[value] = parse_list(value)
        out.append(items.copy())
    return out


def parse_list(value: object) -> list[str]:
    """A stored list (a JSON array; a hand-edited "a; b" too) -> the list of strings."""
    if value is None or value == _EMPTY_LIST:
        return []
    try:
        items = json.loads(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return [part.strip() for part in str(value).split(";") if part.strip()]  # a hand-edited row
    if not isinstance(items, list):
        return [str(items)]
    return [str(item) for item in items]
