"""The tables on disk, written atomically and read back typed.

events.parquet and events.csv hold what happened (modality "asserted"); plans.parquet and plans.csv, with
the same columns, hold what is planned or only hypothetical, kept out of the events table as the gold's
conventions keep them out of the timeline; documents.csv describes the documents. `read_events` returns
both event files as one table (its `modality` column tells them apart), which is what the dashboard shows.

Atomicity: all the files are first written to hidden temporary files in the output folder (same file
system, so ``os.replace`` is atomic) and fsynced; only when all are complete are they moved into place.
A failure or interruption before that point leaves the previous files untouched. If a move itself fails
part-way, the files already moved are put back from hard-link backups, so the folder ends up holding either
the old set or the new set (on file systems without hard links the rollback is skipped, which only matters if
a rename fails).

Each file is replaced atomically, but the renames are separate steps: a reader that opens the files one
by one *while* they are being moved can get a mix of old and new files. Writers and readers that need a
consistent set take :func:`lock` on the folder (a ``fcntl.flock`` on ``.dateline.lock`` there): writers
exclusively (``pipeline.run_extraction`` holds it around read-merge-write, so a cron ``--merge`` and a
dashboard upload cannot lose each other's documents), :func:`read_tables` shared. The lock is advisory and
between processes on one machine; where ``fcntl`` is missing (Windows) it does nothing.

CSV files are UTF-8, every line ends in CRLF (RFC 4180) and a field containing a quote, comma, CR or LF is
quoted, so any text (including a bare ``\r``) reads back unchanged with Python's ``csv`` module and pandas.
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from extract.schema import DOCUMENT_COLUMNS, EVENT_COLUMNS, Column, typed_documents, typed_events

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writers are not serialised
    fcntl = None  # type: ignore[assignment]

EVENTS_PARQUET = "events.parquet"
EVENTS_CSV = "events.csv"
PLANS_PARQUET = "plans.parquet"
PLANS_CSV = "plans.csv"
PLAN_MODALITIES = ("planned", "hypothetical")  # rows with these go to plans.*, everything else to events.*
DOCUMENTS_CSV = "documents.csv"
LOCK_FILE = ".dateline.lock"
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
    """Write the events (asserted ones to events.*, the others to plans.*) and documents.csv into out_dir
    atomically; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    events = typed_events(events)
    documents = typed_documents(documents)
    planned = is_plan(events)
    happened = events[~planned].reset_index(drop=True)
    plans = events[planned].reset_index(drop=True)
    writers: dict[str, Callable[[Path], None]] = {
        EVENTS_PARQUET: lambda p: _write_parquet(happened, EVENT_COLUMNS, p),
        EVENTS_CSV: lambda p: _write_csv(happened, EVENT_COLUMNS, p),
        PLANS_PARQUET: lambda p: _write_parquet(plans, EVENT_COLUMNS, p),
        PLANS_CSV: lambda p: _write_csv(plans, EVENT_COLUMNS, p),
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


def is_plan(events: pd.DataFrame) -> np.ndarray:
    """Which rows are planned or hypothetical (they belong in plans.*, not events.*)."""
    return events["modality"].astype(str).isin(PLAN_MODALITIES).to_numpy()


def read_events(data_dir: Path) -> pd.DataFrame:
    """Every event in data_dir, asserted ones first, then plans (each from its Parquet file, else its CSV);
    raises FileNotFoundError if there is no events table."""
    data_dir = Path(data_dir)
    events = _read_event_file(data_dir / EVENTS_PARQUET, data_dir / EVENTS_CSV)
    if events is None:
        raise FileNotFoundError(
            f"no {EVENTS_PARQUET} or {EVENTS_CSV} in {data_dir}; run `python -m extract INPUT --out {data_dir}`"
        )
    plans = _read_event_file(data_dir / PLANS_PARQUET, data_dir / PLANS_CSV)
    return events if plans is None else typed_events(_concat(events, plans))


def _read_event_file(parquet: Path, csv: Path) -> pd.DataFrame | None:
    if parquet.is_file():
        try:
            return typed_events(pd.read_parquet(parquet))
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"{parquet}: cannot read: {exc}") from exc
    if csv.is_file():
        return typed_events(_read_csv(csv))
    return None


def read_documents(data_dir: Path) -> pd.DataFrame:
    """The documents table from data_dir/documents.csv; raises FileNotFoundError if it is missing."""
    path = Path(data_dir) / DOCUMENTS_CSV
    if not path.is_file():
        raise FileNotFoundError(f"no {DOCUMENTS_CSV} in {data_dir}; run `python -m extract INPUT --out {data_dir}`")
    return typed_documents(_read_csv(path))


def read_tables(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, documents) from data_dir, read under a shared lock so both come from the same write."""
    with lock(data_dir, shared=True):
        return read_events(data_dir), read_documents(data_dir)


def has_events(data_dir: Path) -> bool:
    """True when data_dir holds an events table (Parquet or CSV)."""
    data_dir = Path(data_dir)
    return (data_dir / EVENTS_PARQUET).is_file() or (data_dir / EVENTS_CSV).is_file()


def has_documents(data_dir: Path) -> bool:
    """True when data_dir holds a documents table."""
    return (Path(data_dir) / DOCUMENTS_CSV).is_file()


@contextlib.contextmanager
def lock(data_dir: Path, shared: bool = False) -> Iterator[None]:
    """Hold the folder's lock (exclusive for writers, shared for readers) until the block ends; blocks meanwhile.

    Writers create the folder and the lock file. A reader that cannot create the lock file (read-only folder,
    where nobody can write anyway) or a folder that does not exist yet reads without it.
    """
    data_dir = Path(data_dir)
    if fcntl is None:
        yield
        return
    if not shared:
        data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if not shared:
            raise
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


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


def _write_csv(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path) -> None:
    out = csv_frame(frame, columns)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        # CRLF terminator: the csv module's minimal quoting then quotes every field holding \r or \n too
        # (with "\n" a bare "\r" went out unquoted and split the row when read back).
        out.to_csv(fh, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


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
