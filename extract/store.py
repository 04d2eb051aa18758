"""The tables on disk: events.parquet, events.csv and documents.csv, written atomically, read back typed.

Atomicity: all three files are first written to hidden temporary files in the output folder (same file
system, so ``os.replace`` is atomic) and fsynced; only when all three are complete are they moved into place.
A failure or interruption before that point leaves the previous files untouched. If a move itself fails
part-way, the files already moved are put back from hard-link backups, so readers see either the old set or
the new set (on file systems without hard links the rollback is skipped, which only matters if a rename fails).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from extract.schema import DOCUMENT_COLUMNS, EVENT_COLUMNS, Column, typed_documents, typed_events

EVENTS_PARQUET = "events.parquet"
EVENTS_CSV = "events.csv"
DOCUMENTS_CSV = "documents.csv"
LIST_SEPARATOR = "; "  # schema._as_list splits on ";" when a CSV is read back

_ARROW_TYPES = {
    "string": pa.string(),
    "datetime": pa.timestamp("us"),  # calendar days; microseconds is Parquet's common, widely readable unit
    "int": pa.int64(),
    "float": pa.float64(),
    "list": pa.list_(pa.string()),
}


class StoreError(Exception):
    """The tables on disk could not be read (e.g. corrupt), so they must not be overwritten blindly."""


def write_tables(events: pd.DataFrame, documents: pd.DataFrame, out_dir: Path) -> dict[str, Path]:
    """Write events.parquet, events.csv and documents.csv into out_dir atomically; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    events = typed_events(events)
    documents = typed_documents(documents)
    writers: dict[str, Callable[[Path], None]] = {
        EVENTS_PARQUET: lambda p: _write_parquet(events, EVENT_COLUMNS, p),
        EVENTS_CSV: lambda p: _write_csv(events, EVENT_COLUMNS, p),
        DOCUMENTS_CSV: lambda p: _write_csv(documents, DOCUMENT_COLUMNS, p),
    }
    temps: dict[str, Path] = {}
    try:
        for name, write in writers.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
            os.close(fd)
            temps[name] = Path(tmp)
            # mkstemp makes the file private (0600); keep the old file's mode, else the usual 0644.
            target = out_dir / name
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644)
            write(temps[name])
            _fsync_file(temps[name])
        _replace_all(temps, out_dir)
    finally:
        for tmp in temps.values():  # leftovers only exist when something failed
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return {name: out_dir / name for name in writers}


def read_events(data_dir: Path) -> pd.DataFrame:
    """The events table from data_dir: events.parquet, else events.csv; raises FileNotFoundError if neither."""
    data_dir = Path(data_dir)
    parquet, csv = data_dir / EVENTS_PARQUET, data_dir / EVENTS_CSV
    if parquet.is_file():
        try:
            return typed_events(pd.read_parquet(parquet))
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"{parquet}: cannot read: {exc}") from exc
    if csv.is_file():
        return typed_events(_read_csv(csv))
    raise FileNotFoundError(
        f"no {EVENTS_PARQUET} or {EVENTS_CSV} in {data_dir}; run `python -m extract INPUT --out {data_dir}`"
    )


def read_documents(data_dir: Path) -> pd.DataFrame:
    """The documents table from data_dir/documents.csv; raises FileNotFoundError if it is missing."""
    path = Path(data_dir) / DOCUMENTS_CSV
    if not path.is_file():
        raise FileNotFoundError(f"no {DOCUMENTS_CSV} in {data_dir}; run `python -m extract INPUT --out {data_dir}`")
    return typed_documents(_read_csv(path))


def tables_exist(data_dir: Path) -> bool:
    """True when data_dir holds an events table and a documents table."""
    data_dir = Path(data_dir)
    has_events = (data_dir / EVENTS_PARQUET).is_file() or (data_dir / EVENTS_CSV).is_file()
    return has_events and (data_dir / DOCUMENTS_CSV).is_file()


def merge_tables(
    old_events: pd.DataFrame, old_docs: pd.DataFrame, new_events: pd.DataFrame, new_docs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old tables with every doc_id in the new ones replaced by the new rows; other documents kept.

    A re-extracted document that now yields no events still replaces its old events (with none).
    Kept rows come first in their old order, then the new rows.
    """
    replaced = set(new_docs["doc_id"].astype(str)) | set(new_events["doc_id"].astype(str))
    old_events, old_docs = typed_events(old_events), typed_documents(old_docs)
    events = _concat(old_events[~old_events["doc_id"].isin(replaced)], typed_events(new_events))
    docs = _concat(old_docs[~old_docs["doc_id"].isin(replaced)], typed_documents(new_docs))
    return typed_events(events), typed_documents(docs)


# --------------------------------------------------------------------------- internals


def _concat(kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in (kept, new) if len(f)]  # concat warns about (and mistypes) empty frames
    if not frames:
        return new
    return pd.concat(frames, ignore_index=True)


def _write_parquet(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path) -> None:
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
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)


def _write_csv(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path) -> None:
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col.name]
        if col.dtype == "list":
            out[col.name] = values.map(LIST_SEPARATOR.join)
        elif col.dtype == "datetime":
            out[col.name] = values.dt.strftime("%Y-%m-%d").fillna("")
        else:
            out[col.name] = values
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out.to_csv(fh, index=False, lineterminator="\n")


def _read_csv(path: Path) -> pd.DataFrame:
    # Everything as text, nothing as NA: a title "NA" stays "NA"; the typing step converts the rest.
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise StoreError(f"{path}: cannot read: {exc}") from exc


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    # Makes the renames durable; not possible on some platforms (Windows), where it is skipped.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_all(temps: dict[str, Path], out_dir: Path) -> None:
    """Move every temp onto its target; if one move fails, put the already-moved targets back."""
    backups: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        for name in temps:
            target = out_dir / name
            if target.exists():
                backup = out_dir / f".{name}.{uuid.uuid4().hex}.bak.tmp"
                with contextlib.suppress(OSError):  # no hard links here: no rollback, still atomic per file
                    os.link(target, backup)
                    backups[target] = backup
        for name, tmp in temps.items():
            os.replace(tmp, out_dir / name)
            done.append(out_dir / name)
    except BaseException:
        for target in done:
            if target in backups:
                with contextlib.suppress(OSError):
                    os.replace(backups.pop(target), target)
        raise
    finally:
        for backup in backups.values():
            with contextlib.suppress(OSError):
                backup.unlink()
        _fsync_dir(out_dir)
