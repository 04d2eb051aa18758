"""File formats of the files store: typed frames to and from Parquet and CSV.

CSV files are UTF-8, every line ends in CRLF (RFC 4180) and a field containing a quote, comma, CR or LF is
quoted, so any text (including a bare ``\\r``) reads back unchanged with Python's ``csv`` module and pandas.
In CSV, lists are joined with "; " and dates are YYYY-MM-DD (empty when missing).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from extract.schema import Column

LIST_SEPARATOR = "; "  # schema._as_list splits on ";" when a CSV is read back

_ARROW_TYPES = {
    "string": pa.string(),
    "datetime": pa.timestamp("us"),  # calendar days; microseconds is Parquet's common, widely readable unit
    "int": pa.int64(),
    "float": pa.float64(),
    "list": pa.list_(pa.string()),
}


class FormatError(Exception):
    """A stored file that cannot be read (corrupt, not UTF-8, not Parquet)."""


def csv_frame(frame: pd.DataFrame, columns: tuple[Column, ...], *, join_lists: bool = True) -> pd.DataFrame:
    """The CSV layout of a table: dates as YYYY-MM-DD text (empty when missing), lists joined with "; "."""
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col.name]
        if col.dtype == "list" and join_lists:
            out[col.name] = values.map(lambda items: LIST_SEPARATOR.join(str(i) for i in items))
        elif col.dtype == "datetime":
            out[col.name] = pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")
        else:
            out[col.name] = values
    return out.reset_index(drop=True)


def write_parquet(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path) -> None:
    """A typed frame -> a Parquet file with list and timestamp columns."""
    pq.write_table(arrow_table(frame, columns), path)


def arrow_table(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pa.Table:
    """A typed frame -> an Arrow table with list and timestamp columns (what the Parquet files hold)."""
    arrays = []
    for col in columns:
        values = frame[col.name]
        if col.dtype == "list":
            arrays.append(pa.array([list(v) for v in values], type=_ARROW_TYPES["list"]))
        elif col.dtype == "datetime":
            arrays.append(pa.array(values.astype("datetime64[us]"), type=_ARROW_TYPES["datetime"]))
        else:
            arrays.append(pa.array(values, type=_ARROW_TYPES[col.dtype], from_pandas=True))
    schema = pa.schema([pa.field(col.name, _ARROW_TYPES[col.dtype]) for col in columns])
    return pa.Table.from_arrays(arrays, schema=schema)


def write_csv(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path) -> None:
    """A typed frame -> a CSV file in the layout of csv_frame."""
    out = csv_frame(frame, columns)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        # CRLF terminator: the csv module's minimal quoting then quotes every field holding \r or \n too
        # (with "\n" a bare "\r" went out unquoted and split the row when read back).
        out.to_csv(fh, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


WRITERS = {"parquet": write_parquet, "csv": write_csv}


def read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file -> an untyped frame; FormatError when it cannot be read."""
    try:
        return pd.read_parquet(path)
    except (OSError, pa.ArrowException) as exc:
        raise FormatError(f"{path.name}: cannot read: {exc}") from exc


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV file -> a frame of text (nothing as NA: a title "NA" stays "NA"); FormatError when unreadable."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FormatError(f"{path.name}: cannot read: {exc}") from exc


READERS = {"parquet": read_parquet, "csv": read_csv}
