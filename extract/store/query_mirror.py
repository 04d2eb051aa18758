"""A database store queried through DuckDB: a copy of its tables (the BASE, one per data version) and the
corrections laid over it (an OVERLAY, one per corrections version).

The base: the events, groups and documents tables read in bulk (ADBC: Arrow columns, no Python object per cell;
each table in two ranges of row_order read at once), typed in Arrow as the store's own reader types them, and
queried at once as Arrow (DuckDB scans it without a copy). A thread then writes them into a DuckDB file in
a cache folder (DATELINE_CACHE; by default beside a SQLite file, else in the data folder), in steps of
STEP_ROWS rows, each taken once no session has queried the copy for QUIET_S (or after STEP_WAIT_S, sessions
never pausing), so the save does not take a core from the pages being drawn; the file is keyed by the
database's URL and its data version (`store.versions().data`: a time in microseconds, never repeated by a
database made anew); once written, the queries read the file and the Arrow copy's memory is given back. A
restarted process, or a second one, attaches that file read-only instead of copying again; a newer data
version's file replaces the older ones. The file is written under a name of its own and renamed into place, so
two processes copying at once never see half a file (the last rename wins; both copies are the same). Without a
usable cache folder (``DATELINE_CACHE=off``, a folder that cannot be written) the copy stays in memory.

The overlay: the corrections and the events added by hand (extract/store/sql_corrections.py), applied with
`apply_corrections` to the rows they can reach (as dashboard/corrected.py's ``_near`` finds them: the rows of the
documents they name and every member of the groups those rows are in, of a group a move names, of a group an
event added by hand joins), read from the base in DuckDB. The rows reached are left out of the base and their
corrected rows (rejected ones removed, the events added by hand appended) put in their place; the groups reached
are replaced by the corrected groups the same way. The relations the queries read, ``dl_events`` and
``event_groups``, are views over the base and the overlay, made per session, so a correction costs one small
read and a few hundred rows, not a new copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from extract.schema import MAX_YEAR, MIN_YEAR, PLAN_MODALITIES, TABLES, Column
from extract.store import query_ready, sql_arrow, tables_sql
from extract.store.query_backends import PLAN_OFFSET, DuckBackend, DuckDialect, _quote
from extract.store.sql_rows import MARK, parse_list, unescape

CACHE_ENV = "DATELINE_CACHE"  # the cache folder; "off" keeps the copy in memory only
CACHE_FOLDER = ".dateline-cache"  # under the data folder (a SQLite store: beside its file) when none is set
FORMAT = 1  # the layout of a cached copy: a copy of another layout is never read (and is cleaned away)
MANUAL_OFFSET = 2 * PLAN_OFFSET  # ord of an event added by hand: after the plans, in the order they were added
READ_PARTS = {"events": 2, "groups": 2}  # ranges of row_order a table is read in, at once
READERS = 2  # threads reading them
STEP_WAIT_S = 60  # a step of the save waits for a quiet moment at most this long (sessions never pausing)
QUIET_S = 2.0  # a quiet moment: no session has queried the copy for this long, and none is querying
STEP_ROWS = 100_000  # rows the save writes at a time: a query arriving meanwhile shares a core for one step only
STALE_S = 3600  # a half-written file older than this is a copy that died: removed
_TABLES = ("events", "groups", "documents")
_RELATIONS = {"events": "dl_events", "groups": "event_groups", "documents": "dl_documents"}
_QUIET = "SET enable_progress_bar = false"  # no progress bar on the terminal for a long statement


_SERIALS = itertools.count(1)


@dataclass
class _Mirror:
    """One database's copy in this process: the DuckDB connection, the base's data version, the overlay."""

    conn: Any
    data: int
    path: Path | None = None  # the cached file attached as ``dl_base`` (None: the base is ``arrow``)
    arrow: dict[str, pa.Table] | None = None  # the base in this process's memory, until it is saved
    corrections: int = -1  # the corrections version the overlay reflects (-1: none laid yet)
    overlay: int = 0  # the overlay's tables (dl_fix_*_N; 0: no correction, the base as it is)
    generation: int = 0  # the last overlay made
    near: int = 0  # rows the overlay replaces
    saving: threading.Thread | None = None  # the base being saved to the cache folder
    go: threading.Event = field(default_factory=threading.Event)  # set: the save may start (the queries' table is made)
    hurry: threading.Event = field(default_factory=threading.Event)  # set: the save goes on without waiting
    busy: int = 0  # cursors open on it now
    used: float = 0.0  # when one was last opened or closed (time.monotonic)
    serial: int = field(default_factory=lambda: next(_SERIALS))  # names its queries' table (never reused, as ids are)

    def relation(self, name: str) -> str:
        """The base's table (events, groups, documents) as the cursors of `cursor` name it."""
        return f"dl_arrow_{name}" if self.arrow is not None else f"dl_base.{_RELATIONS[name]}"

    def cursor(self, ready: bool = True) -> Any:
        """A cursor whose views ``dl_events`` and ``event_groups`` show the base with the overlay (``ready``:
        and the queries' table made from them, once per base and overlay)."""
        cursor = self.conn.cursor()
        cursor.execute(_QUIET)
        for name, table in (self.arrow or {}).items():
            cursor.register(f"dl_arrow_{name}", table)  # no copy: DuckDB scans the Arrow columns
        events, groups, n = self.relation("events"), self.relation("groups"), self.overlay
        if n:
            events = (
                f"(SELECT * FROM {events} WHERE rid NOT IN (SELECT rid FROM dl_fix_gone_{n}) "
                f"UNION ALL SELECT * FROM dl_fix_events_{n})"
            )
            groups = (
                f"(SELECT * FROM {groups} WHERE event_group NOT IN (SELECT event_group FROM dl_fix_ggone_{n}) "
                f"UNION ALL SELECT * FROM dl_fix_groups_{n})"
            )
        cursor.execute(f"CREATE OR REPLACE TEMP VIEW dl_events AS SELECT * FROM {events}")
        cursor.execute(f"CREATE OR REPLACE TEMP VIEW event_groups AS SELECT * FROM {groups}")
        if ready:  # the queries' table, made once per base and overlay (extract/store/query_ready.py)
            key = (self.data, self.overlay, self.generation)
            query_ready.ensure_ready(f"mirror:{self.serial}", cursor, key, "dl_events", "event_groups")
            self.go.set()  # the first page's table made: the save may now take a core
        return cursor

    def opened(self) -> None:
        with _LOCK:
            self.busy += 1
            self.used = time.monotonic()

    def closed(self) -> None:
        with _LOCK:
            self.busy -= 1
            self.used = time.monotonic()

    def quiet(self) -> bool:
        """No session querying now, none for QUIET_S."""
        with _LOCK:
            return self.busy == 0 and time.monotonic() - self.used >= QUIET_S


_LOCK = threading.Lock()
_MIRRORS: dict[str, _Mirror] = {}  # database URL -> its copy in this process
_BUILDING: dict[str, threading.Lock] = {}  # database URL -> held while its copy or overlay is being made
_SAVING: dict[threading.Thread, _Mirror] = {}  # copies being saved to the cache folder


def cache_folder(store: Any, environ: dict[str, str] | None = None) -> Path | None:
    """Where the copies of this store are kept: DATELINE_CACHE (``off``: nowhere, memory only), else a
    SQLite store's folder's, else the data folder's ``.dateline-cache``."""
    from extract.store.location import data_folder

    env = os.environ if environ is None else environ
    chosen = env.get(CACHE_ENV)
    if chosen is not None:
        chosen = chosen.strip()
        return None if chosen.lower() in ("", "0", "off", "no", "none") else Path(chosen)
    db = store.database
    if db.kind == "sqlite" and db.path is not None:
        return Path(db.path).parent / CACHE_FOLDER
    folder = data_folder(env)
    return None if "://" in folder else Path(folder) / CACHE_FOLDER


def forget(location: str | None = None) -> None:
    """Drop this process's copies (of one database, or all): the next query attaches or copies again (the
    sessions still reading one keep it until they end)."""
    with _LOCK:
        gone = [_MIRRORS.pop(key) for key in [key for key in _MIRRORS if location is None or key == location]]
    for mirror in gone:
        mirror.hurry.set()  # a save waiting for a quiet moment goes ahead
        query_ready.discard(f"mirror:{mirror.serial}")


def _install(key: str, mirror: _Mirror) -> None:
    """This database's copy is now ``mirror``: the one before loses its query tables' scratch file."""
    with _LOCK:
        old = _MIRRORS.get(key)
        _MIRRORS[key] = mirror
    if old is not None and old is not mirror:
        query_ready.discard(f"mirror:{old.serial}")


class MirrorBackend(DuckBackend):
    """A database store queried through DuckDB (see the module docstring): the base copied once per data version
    (or attached from the cache folder), the corrections laid over it once per corrections version."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.dialect = DuckDialect()

    def stored(self) -> bool:
        return self.store.database.readable()

    def _slot(self) -> str:
        mirror = _MIRRORS.get(self.store.location)
        return "" if mirror is None else f"mirror:{mirror.serial}"

    @contextlib.contextmanager
    def _views(self) -> Iterator[Any]:
        mirror, cursor = self._mirror()
        try:
            yield cursor
        finally:
            try:
                cursor.close()
            finally:
                mirror.closed()

    def _mirror(self) -> tuple[_Mirror, Any]:
        """This store's copy and a cursor on it, its views showing the latest data and corrections (the copy
        counts the cursor as open: its save waits)."""
        key = self.store.location
        with _LOCK:
            building = _BUILDING.setdefault(key, threading.Lock())
        with building:  # one copy or overlay made at a time per database: sessions arriving meanwhile wait
            mirror = _MIRRORS.get(key)
            for _ in range(5):  # a data write landing meanwhile: once more, on the new data
                versions = self.store.versions()
                if mirror is None or mirror.data != versions.data:
                    mirror = self._base(key)  # the sessions reading the old copy keep it until they end
                    _install(key, mirror)
                    continue
                if mirror.corrections == versions.corrections or self._overlay(mirror):
                    break
            assert mirror is not None
            mirror.opened()
            try:
                return mirror, mirror.cursor()
            except BaseException:
                mirror.closed()
                raise

    # ------------------------------------------------------------------ the base

    def _base(self, key: str) -> _Mirror:
        """The base of the store's current data version: attached from the cache folder, else read into memory
        (and saved to the cache folder in the background, then attached from there)."""
        import duckdb

        folder = cache_folder(self.store)
        if folder is not None:
            data = self.store.versions().data
            found = _attach(_cached_path(folder, key, data), data)
            if found is not None:
                return found
        tables, data = self._read_tables()
        mirror = _Mirror(duckdb.connect(":memory:"), data, arrow=tables)
        if folder is not None:
            path = _cached_path(folder, key, data)
            mirror.saving = threading.Thread(
                target=self._save, args=(key, mirror, path), name="dateline-mirror-save", daemon=False
            )
            with _LOCK:
                _SAVING[mirror.saving] = mirror
            mirror.saving.start()
        return mirror

    def _save(self, key: str, mirror: _Mirror, path: Path) -> None:
        """Write the base to the cache folder (once the first queries' table is made, in steps taken in quiet
        moments: the pages are drawn first), then attach the file to the same connection and let the Arrow copy
        go: what a restarted process attaches, and this one's memory given back. The queries' table and the overlay were made from the same
        rows, so they stay."""
        try:
            try:
                _write_file(mirror.arrow or {}, path, lambda: _wait_for_quiet(key, mirror))
            except Exception:
                return
            _clean(path)
            with _LOCK:
                building = _BUILDING.setdefault(key, threading.Lock())
            with building:  # no overlay or copy made meanwhile
                if _MIRRORS.get(key) is not mirror or not _attach_to(mirror.conn, path):
                    return  # a newer version arrived meanwhile, or the file cannot be read back
                mirror.path = path
                mirror.arrow = None  # new cursors read the file; the ones open keep the Arrow tables until closed
            pa.default_memory_pool().release_unused()  # the Arrow copy's memory back to the system
        finally:
            with _LOCK:
                _SAVING.pop(threading.current_thread(), None)

    def _read_tables(self) -> tuple[dict[str, pa.Table], int]:
        """The base tables, typed as Arrow, all from one data write (read again when one landed in between)."""
        for _ in range(5):
            before = self.store.versions().data
            tables = _read_all(self.store)
            after = self.store.versions().data
            if after == before:
                break
        return tables, after

    # ------------------------------------------------------------------ the overlay

    def _overlay(self, mirror: _Mirror) -> bool:
        """Lay the store's corrections over the base (False: the data changed meanwhile, start again). The
        version noted is the one read before the corrections: one landing meanwhile is laid by the next session."""
        versions = self.store.versions()
        if versions.data != mirror.data:
            return False
        corrections, manual = self.store.corrections().read_fixes()
        overlay(mirror, corrections, manual)
        mirror.corrections = versions.corrections
        return True


def overlay(mirror: _Mirror, corrections: pd.DataFrame, manual: pd.DataFrame) -> None:
    """Apply the corrections to the base rows they reach, and point the mirror's views at the result."""
    from extract.store.corrections import apply_corrections

    live = manual[~manual["deleted"].astype(bool)] if len(manual) else manual
    if not len(corrections) and not len(live):
        mirror.overlay = mirror.near = 0
        return
    base_events, base_groups = mirror.relation("events"), mirror.relation("groups")
    conn = mirror.cursor(ready=False)  # the rows the corrections reach, read from the base and the old overlay
    try:
        docs, members, named = _reach(corrections, manual)
        conn.register("dl_q_docs", pa.table({"doc_id": pa.array(sorted(docs), pa.string())}))
        conn.register("dl_q_members", pa.table({"event_id": pa.array(sorted(members), pa.string())}))
        conn.register("dl_q_groups", pa.table({"event_group": pa.array(sorted(named), pa.string())}))
        # one semi-join per column (an OR of them reads every column of every row)
        by_doc = f"SELECT {{}} FROM {base_events} WHERE doc_id IN (SELECT doc_id FROM dl_q_docs)"
        by_id = f"SELECT {{}} FROM {base_events} WHERE event_id IN (SELECT event_id FROM dl_q_members)"
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE dl_q_reach AS SELECT event_group FROM ({by_doc.format('event_group')} "
            f"UNION {by_id.format('event_group')} UNION SELECT event_group FROM dl_q_groups) WHERE event_group <> ''"
        )
        by_group = f"SELECT rid FROM {base_events} WHERE event_group IN (SELECT event_group FROM dl_q_reach)"
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE dl_q_near AS {by_doc.format('rid')} UNION {by_id.format('rid')} "
            f"UNION {by_group}"
        )
        near = conn.sql(
            f"SELECT * FROM {base_events} WHERE rid IN (SELECT rid FROM dl_q_near) ORDER BY ord"
        ).to_arrow_table()
        doc_ids = set(docs) | set(near.column("doc_id").to_pylist())
        if len(manual):
            doc_ids |= set(manual["doc_id"].fillna("").astype(str))
        conn.register("dl_q_near_docs", pa.table({"doc_id": pa.array(sorted(doc_ids), pa.string())}))
        documents = conn.sql(
            f"SELECT * FROM {mirror.relation('documents')} WHERE doc_id IN (SELECT doc_id FROM dl_q_near_docs) "
            "ORDER BY dl_ord"
        ).to_arrow_table()
        groups = conn.sql(
            f"SELECT * FROM {base_groups} WHERE event_group IN (SELECT event_group FROM dl_q_reach) ORDER BY dl_ord"
        ).to_arrow_table()
        fixed = apply_corrections(
            _frame(near, "events"), _frame(documents, "documents"), _frame(groups, "groups"), corrections, manual
        )
        ords = near.column("ord").to_numpy()
        origin = fixed.origin
        by_hand = origin < 0
        kept = np.zeros(len(origin), dtype=np.int64)  # a stored row keeps its ord (none reached: only added ones)
        kept[~by_hand] = ords[origin[~by_hand]]
        new_ord = np.where(by_hand, MANUAL_OFFSET + np.cumsum(by_hand) - 1, kept)
        events = _arrow(fixed.events, "events").append_column("ord", pa.array(new_ord, pa.int64()))
        events = events.append_column("rid", pa.array(new_ord, pa.int64()))
        grouped = _arrow(fixed.groups, "groups")
        grouped = grouped.append_column("dl_ord", pa.array(np.arange(grouped.num_rows), pa.int64()))
        mirror.generation += 1
        n = mirror.generation
        conn.register("dl_q_events", events)
        conn.register("dl_q_fixed_groups", grouped)
        conn.execute(f"CREATE TABLE dl_fix_events_{n} AS SELECT * FROM dl_q_events")
        conn.register("dl_q_gone", pa.table({"rid": pa.array(ords, pa.int64())}))
        conn.execute(f"CREATE TABLE dl_fix_gone_{n} AS SELECT rid FROM dl_q_gone")
        conn.execute(f"CREATE TABLE dl_fix_groups_{n} AS SELECT * FROM dl_q_fixed_groups")
        conn.execute(f"CREATE TABLE dl_fix_ggone_{n} AS SELECT event_group FROM dl_q_reach")
        mirror.overlay, mirror.near = n, near.num_rows
        for old in range(max(n - 5, 1), n - 1):  # the one before stays for the sessions still reading it
            for name in ("events", "gone", "groups", "ggone"):
                conn.execute(f"DROP TABLE IF EXISTS dl_fix_{name}_{old}")
    finally:
        conn.close()


def _reach(corrections: pd.DataFrame, manual: pd.DataFrame) -> tuple[set[str], set[str], set[str]]:
    """What the corrections name (as dashboard/corrected.py's ``_near``): the documents, the events a move's
    ``group_with`` names, the groups a move or an event added by hand names."""
    docs = set(corrections["doc_id"].fillna("").astype(str)) - {""} if len(corrections) else set()
    groups: set[str] = set()
    members: set[str] = set()
    for changes in corrections["changes"] if len(corrections) else []:
        if isinstance(changes, dict) and "group" in changes:
            groups.add(str(changes.get("group") or ""))
            members.add(str(changes.get("group_with") or ""))
    if len(manual):
        groups |= set(manual["event_group"].fillna("").astype(str))
    return docs, members - {""}, groups - {""}


# --------------------------------------------------------------------------- reading and typing the tables


def _read_all(store: Any) -> dict[str, pa.Table]:
    """The base tables, each read in READ_PARTS ranges of row_order by READERS threads at once (the drivers
    let go of the interpreter while they read)."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(name, bounds) for name in _TABLES for bounds in _ranges(store, name, READ_PARTS.get(name, 1))]
    with ThreadPoolExecutor(READERS, thread_name_prefix="dateline-mirror-read") as pool:
        parts = list(pool.map(lambda job: _read(store, *job), jobs))
    return {name: pa.concat_tables([p for (n, _), p in zip(jobs, parts, strict=True) if n == name]) for name in _TABLES}


def _ranges(store: Any, name: str, parts: int) -> list[tuple[int, int] | None]:
    """``parts`` ranges [lo, hi) of row_order covering the table (one None: the whole table)."""
    db = store.database
    if parts < 2 or not _stored(db, name):
        return [None]
    found = sql_arrow.fetch(db, f"SELECT min(row_order) AS lo, max(row_order) AS hi FROM {tables_sql.sql_name(name)}")
    lo, hi = found.column("lo")[0].as_py(), found.column("hi")[0].as_py()
    if lo is None or hi is None:
        return [None]
    cuts = [int(lo) + (int(hi) + 1 - int(lo)) * i // parts for i in range(parts + 1)]
    return [(a, b) for a, b in itertools.pairwise(cuts)]


def _stored(db: Any, name: str) -> bool:
    return db.readable() and (name in tables_sql.FIRST_TABLES or db.has_table(tables_sql.sql_name(name)))


def _read(store: Any, name: str, bounds: tuple[int, int] | None = None) -> pa.Table:
    """One table of the store (the rows with row_order in ``bounds``) as Arrow, typed as the store's reader
    types it (strings without NULL, dates within pandas' range, lists as lists); events with ``ord`` and
    ``rid`` (their place in the store's reading order: asserted ones by row_order, then plans), the others with
    ``dl_ord`` (row_order)."""
    db = store.database
    columns = TABLES[name].columns
    if not _stored(db, name):
        raw = pa.table({})
    else:
        names = ", ".join([tables_sql.ROW_ORDER, *(c.name for c in columns)])
        where = f" WHERE row_order >= {int(bounds[0])} AND row_order < {int(bounds[1])}" if bounds else ""
        raw = sql_arrow.fetch(db, f"SELECT {names} FROM {tables_sql.sql_name(name)}{where}")
    n = raw.num_rows
    arrays = {c.name: _typed(raw.column(c.name) if n else pa.nulls(0), c, db.escape_nul) for c in columns}
    order = raw.column(tables_sql.ROW_ORDER).cast(pa.int64()) if n else pa.array([], pa.int64())
    if name == "events":
        plans = pc.fill_null(pc.is_in(arrays["modality"], pa.array(PLAN_MODALITIES)), False)
        arrays["ord"] = arrays["rid"] = pc.add(order, pc.multiply(plans.cast(pa.int64()), PLAN_OFFSET))
    else:
        arrays["dl_ord"] = order
    return pa.table(arrays)


def _typed(values: pa.ChunkedArray | pa.Array, column: Column, escape_nul: bool) -> pa.Array:
    """A column as sql_arrow.frame types it, kept in Arrow (dates as timestamps, lists as list<string>)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.nulls(0)
    if column.dtype == "string":
        text = values.cast(pa.large_string())
        text = pc.fill_null(text, "") if text.null_count else text
        if escape_nul and len(text) and _holds(text, MARK) and pc.any(pc.match_substring(text, MARK)).as_py():
            text = pa.array([unescape(v) for v in text.to_pylist()], type=pa.large_string())
        return text
    if column.dtype == "datetime":
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            days = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
        elif pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
            days = values.cast(pa.timestamp("s"))
        else:  # a column of NULLs (SQLite)
            days = pa.nulls(len(values), pa.timestamp("s"))
        year = pc.year(days)
        inside = pc.and_(pc.greater_equal(year, MIN_YEAR), pc.less_equal(year, MAX_YEAR))
        return pc.if_else(inside, days, pa.scalar(None, pa.timestamp("s"))).cast(pa.date32())
    if column.dtype == "int":
        return pc.fill_null(values.cast(pa.int64()), 0)
    if column.dtype == "float":
        return values.cast(pa.float64())
    if column.dtype == "list":
        if not len(values):
            return pa.array([], pa.list_(pa.string()))
        encoded = pc.dictionary_encode(pc.fill_null(values.cast(pa.large_string()), "[]"))
        return _parse_lists(encoded.dictionary).take(encoded.indices)
    raise ValueError(f"column {column.name!r}: unknown dtype {column.dtype!r}")


def _holds(text: pa.Array, mark: str) -> bool:
    """Whether the mark may be in a string array: one search of its characters' buffer, in place (ten times
    faster than a match per value; a mark across two values' boundary is a false alarm the caller's match
    settles)."""
    data = text.buffers()[2]
    return data is not None and re.search(re.escape(mark.encode()), memoryview(data)) is not None


_LISTS = """
SELECT CASE WHEN same THEN items END AS items, coalesce(same, false) AS same FROM (
    SELECT items, len(list_filter(items, lambda x: x IS NULL)) = 0
        AND '[' || array_to_string(list_transform(items, lambda x: to_json(x)::VARCHAR), ', ') || ']' = t AS same
    FROM (
        SELECT i, t, CASE WHEN json_valid(t) THEN CASE WHEN json_type(t) = 'ARRAY'
            THEN from_json(t, '["VARCHAR"]') END END AS items
        FROM dl_texts
    ) ORDER BY i
)
"""


def _parse_lists(texts: pa.Array) -> pa.Array:
    """Stored lists -> list<string>, as sql_rows.parse_list parses each: the JSON arrays the store writes parsed
    by DuckDB (each checked to be exactly what json.dumps writes for the strings found), any other text by
    parse_list."""
    import duckdb

    conn = duckdb.connect(":memory:")
    try:
        conn.execute(_QUIET)
        conn.register("dl_texts", pa.table({"i": pa.array(np.arange(len(texts))), "t": texts}))
        found = conn.sql(_LISTS).to_arrow_table()
    finally:
        conn.close()
    items = found.column("items").combine_chunks().cast(pa.list_(pa.string()))
    odd = np.flatnonzero(~found.column("same").to_numpy(zero_copy_only=False))
    if not len(odd):
        return items
    # (a lone surrogate, which Arrow cannot hold, replaced)
    lists = [[v.encode("utf-8", "replace").decode() for v in parse_list(texts[int(i)].as_py())] for i in odd]
    slow = pa.array(lists, pa.list_(pa.string()))
    at = np.arange(len(texts), dtype=np.int64)
    at[odd] = len(texts) + np.arange(len(odd))
    return pa.concat_arrays([items, slow]).take(pa.array(at))


def _frame(table: pa.Table, name: str) -> pd.DataFrame:
    """Rows read back from the copy -> the store's typed frame of that table (in the order given). The list
    columns are made by Arrow (one list of strings per row, as schema.typed makes them), the rest by typed."""
    from extract.schema import typed

    columns = TABLES[name].columns
    plain = [c.name for c in columns if c.dtype != "list"]
    frame = typed(table.select(plain).to_pandas(date_as_object=False), name)  # list columns: empty lists here
    for column in columns:
        if column.dtype == "list":
            lists = table.column(column.name).to_pylist()
            frame[column.name] = pd.Series([v if v is not None else [] for v in lists], dtype=object)
    return frame


def _arrow(frame: pd.DataFrame, name: str) -> pa.Table:
    """A typed frame (extra columns ignored) -> Arrow in the copy's column types (a frame whose columns do not
    convert as they are is typed first)."""
    from extract.schema import typed

    try:
        return _arrow_of(frame, name)
    except (pa.ArrowException, TypeError, ValueError):
        return _arrow_of(typed(frame, name), name)


def _arrow_of(frame: pd.DataFrame, name: str) -> pa.Table:
    arrays = []
    for column in TABLES[name].columns:
        values = frame[column.name]
        if column.dtype == "list":
            arrays.append(pa.array(values.tolist(), pa.list_(pa.string())))
        elif column.dtype == "datetime":
            days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            arrays.append(pa.array(days, pa.date32(), from_pandas=True))  # NaT: null
        elif column.dtype == "string":
            arrays.append(pa.array(values.astype(object).tolist(), pa.large_string()))
        elif column.dtype == "int":
            arrays.append(pa.array(values.to_numpy(dtype=np.int64), pa.int64()))
        else:
            arrays.append(pa.array(values.to_numpy(dtype=np.float64), pa.float64(), from_pandas=True))
    return pa.Table.from_arrays(arrays, names=[c.name for c in TABLES[name].columns])


# --------------------------------------------------------------------------- the copy on disk or in memory


def _data_version(path: Path) -> int:
    """The data version a cached copy's name holds (-1: not one of ours)."""
    try:
        return int(path.name.split("-")[2].split(".")[0])
    except (IndexError, ValueError):
        return -1


def _cached_path(folder: Path, location: str, data: int) -> Path:
    digest = hashlib.sha256(location.encode()).hexdigest()[:20]
    return folder / f"mirror-{digest}-{data}.f{FORMAT}.duckdb"


def _attach(path: Path, data: int) -> _Mirror | None:
    """A connection with the cached base at ``path`` attached read-only (None: no such file, or a damaged one)."""
    import duckdb

    if not path.exists():
        return None
    conn = duckdb.connect(":memory:")
    if not _attach_to(conn, path):
        conn.close()
        return None
    return _Mirror(conn, data, path)


def _attach_to(conn: Any, path: Path) -> bool:
    """Attach the cached base at ``path`` read-only as ``dl_base`` (False: damaged or of another layout, not
    attached: copied again, and replaced)."""
    import duckdb

    try:
        conn.execute(f"ATTACH {_quote(str(path))} AS dl_base (READ_ONLY)")
    except duckdb.Error:
        return False
    try:
        for name in _TABLES:
            conn.execute(f"SELECT * FROM dl_base.{_RELATIONS[name]} LIMIT 0")
    except duckdb.Error:
        conn.execute("DETACH dl_base")
        return False
    return True


def _write_file(tables: dict[str, pa.Table], path: Path, pause: Any = None) -> None:
    """The in-memory base written to a file of its own, then renamed into place (never half a file under the
    name). A DuckDB of its own on one thread, STEP_ROWS rows at a time, ``pause()`` called before each step."""
    import duckdb

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a copy of the database: its owner's only
    partial = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
    try:
        conn = duckdb.connect(str(partial), config={"threads": 1})
        try:
            conn.execute(_QUIET)
            for name, table in tables.items():
                for start in range(0, max(table.num_rows, 1), STEP_ROWS):
                    if pause is not None:
                        pause()
                    conn.register("dl_source", table.slice(start, STEP_ROWS))
                    into = f"INSERT INTO {_RELATIONS[name]}" if start else f"CREATE TABLE {_RELATIONS[name]} AS"
                    conn.execute(f"{into} SELECT * FROM dl_source")
                    conn.unregister("dl_source")
        finally:
            conn.close()
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    finally:
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


class _Superseded(Exception):
    """The copy being saved is no longer the database's (a newer data version arrived): its save stops."""


def _wait_for_quiet(key: str, mirror: _Mirror) -> None:
    """Until the mirror's first queries' table is made, no session has queried it for QUIET_S and no copy or
    overlay is being made, STEP_WAIT_S pass, the program ends, or the save is told to hurry; _Superseded when
    the mirror is no longer the database's copy."""
    waited = 0.0
    while waited < STEP_WAIT_S and not mirror.hurry.is_set() and threading.main_thread().is_alive():
        with _LOCK:
            if _MIRRORS.get(key) is not mirror:
                raise _Superseded(key)
            building = _BUILDING.get(key)
        if mirror.go.is_set() and mirror.quiet() and not (building is not None and building.locked()):
            return
        mirror.hurry.wait(0.25)
        waited += 0.25


def wait_saved(timeout: float | None = None) -> None:
    """Wait for the copies being saved to the cache folder (tests). The process's exit waits for them too (not
    daemon threads: DuckDB stops reading Arrow once the interpreter is shutting down)."""
    with _LOCK:
        pending = list(_SAVING.items())
    for thread, mirror in pending:
        mirror.hurry.set()  # no waiting for a first page or a quiet moment
        thread.join(timeout)


def _clean(path: Path) -> None:
    """Remove this database's copies of other data versions or layouts, and half-written files that died
    (a process still reading a removed copy keeps it until it closes it)."""
    prefix = path.name.split("-")[0] + "-" + path.name.split("-")[1] + "-"
    now = time.time()
    for other in path.parent.glob("mirror-*"):
        if other == path:
            continue
        with contextlib.suppress(OSError):
            if other.name.endswith((".part", ".part.wal")):
                if now - other.stat().st_mtime > STALE_S:
                    other.unlink()
            elif other.name.startswith(prefix) and _data_version(other) < _data_version(path):
                other.unlink()  # an older version's copy (a newer one is another process's: kept)
