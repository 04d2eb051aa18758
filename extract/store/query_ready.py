"""One table per store version that every DuckDB query reads: the events with their group's facts joined in.

Every store-side query filters the events with their group's facts (the group's key, its number of sources,
whether its sources disagree, its consensus date: extract/store/query.py `Query._base`). Joined at each query,
the million-row join with the groups table is most of each query's time. DuckDB backends (a folder's Parquet
files, a database's copy) make it once per store version instead, in the process's DuckDB:

- ``dl_ready``: every event column, ``rid``, ``ord``, the fixed period (``ds``, ``de``), the group's facts
  (``known``, ``gk``, ``n_src``, ``disagree``, ``g_ds``, ``g_agree``), the lower-cased text searched
  (``dl_txt``), and codes that copy and group faster than the strings they stand for: ``gid`` (the group's
  row in ``dl_ready_groups``; an event of its own: ``-1 - rid``), ``fc`` (the combination of the four facets:
  ``dl_ready_facets`` says which), ``sc`` and ``tc`` (the source and the event type: ``dl_ready_names``), kept in
  the scratch file;
- ``dl_ready_groups``: the groups table, with each group's first stored report (``dl_first``), its best report's
  source and row (``dl_best_source``, ``dl_best``: dated first, the most confident, the first stored), and what
  a timeline mark shows of its reports (``dl_n`` reports, ``dl_conf`` the highest confidence, ``dl_lo`` and
  ``dl_hi`` the span of the dated ones: a drawn group needs only its best report read), and the codes of its
  event type and its best report's source (``dl_tc``, ``dl_best_sc``).

With them, in memory: the reports' ids by rid (`ids_of`) and a `Layout` (each report's group, the rows in
group order, the facets' names, each report's actors) that lets extract/store/query_flags.py count under the
filters from one scan.

The tables live in a scratch DuckDB file of this process (``dl_work``, in the temporary folder, removed at exit
and when its store is replaced), not in memory: DuckDB keeps them compressed and reads them through its buffer
(the process stays small: 0.66 GB of a million rows in memory became a few hundred MB), and scans fewer bytes.
A query's ``_base`` is then ``dl_ready`` itself, and the events and groups relations read the same tables. The
answers are the same (tests/test_query.py runs every query on the DuckDB backends); only where they are read
from changes. Made while no other session of the process makes it; a session that finds it stale waits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from extract.schema import TABLES

WORK = "dl_work"  # the scratch database the tables are kept in (a file of this process's: see `_attach_work`)
READY, READY_GROUPS, READY_FACETS = f"{WORK}.dl_ready", f"{WORK}.dl_ready_groups", f"{WORK}.dl_ready_facets"
READY_NAMES = f"{WORK}.dl_ready_names"
MEMORY_LIMIT = "1GB"  # DuckDB's memory for one store: larger work spills to its temporary folder
FACETS = ("source", "event_type", "granularity", "date_basis")  # the sidebar's facets, counted by their code
EVENT_COLUMNS = [c.name for c in TABLES["events"].columns]
GROUP_COLUMNS = [c.name for c in TABLES["groups"].columns]
# what dl_ready_groups adds of each group's reports: the first stored, the best one's source and row, how many,
# the highest confidence, the first start and last end of the dated ones (as dashboard/groups.py build_groups
# counts them from the reports)
MEMBER_FACTS = ("dl_first", "dl_best_source", "dl_best", "dl_n", "dl_conf", "dl_lo", "dl_hi")
ID_COLUMNS = ("event_id", "doc_id", "event_group")  # kept in memory by rid (see `ids_of`)
_LOCK = threading.Lock()  # guards _MADE, _SLOTS, _IDS and _LAYOUTS (held briefly)
_SLOTS: dict[str, threading.Lock] = {}  # a DuckDB database -> held while its ready tables are made
_MADE: dict[str, object] = {}  # a DuckDB database (its backend's name for it) -> the key its tables were made for
_IDS: dict[str, tuple[Any, Any]] = {}  # slot -> (its reports' rids in order, their ID_COLUMNS as Arrow)
_LAYOUTS: dict[str, Layout] = {}  # slot -> its ready table's groups and facets (see `Layout`)


@dataclass(frozen=True)
class Layout:
    """Where a ready table's reports stand, kept in memory per version, so that counting them under filters is one
    scan of their flags (extract/store/query_flags.py): each row's group code (``gid``, by rowid), the rows
    sorted by it (``order``) with each group's first place in that order (``starts``), the facets' names by
    their code (``facets``: FACETS, indexed by fc), and each actor named in a report as its row
    (``actor_rows``) and the actor's code (``actor_codes``, an index into ``actors``). About 40 bytes a report."""

    gid: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    facets: pd.DataFrame
    actor_rows: np.ndarray
    actor_codes: np.ndarray
    actors: list[str | None]


def is_ready(slot: str, key: object) -> bool:
    """Whether the ready tables of the DuckDB database ``slot`` were made for ``key`` (a store version)."""
    with _LOCK:
        return _MADE.get(slot) == key


def ensure_ready(slot: str, cursor: Any, key: object, events: str, groups: str) -> None:
    """Make ``dl_ready`` and ``dl_ready_groups`` in the DuckDB database ``slot`` (``cursor``'s) from the
    ``events`` and ``groups`` relations, unless they were made for ``key`` already."""
    with _LOCK:
        building = _SLOTS.setdefault(slot, threading.Lock())
    with building:  # one build per database; other stores' sessions go on meanwhile
        if is_ready(slot, key):
            return
        _attach_work(slot, cursor)
        de = "CASE WHEN e.date_end IS NULL OR e.date_end < e.date_start THEN e.date_start ELSE e.date_end END"
        # a group's first stored report, and its best report (dated first, the most confident, the first stored):
        # its lane by source; one hash aggregate (a window over every event sorts them all)
        conf = "CASE WHEN isnan(e.confidence) THEN 0 ELSE COALESCE(e.confidence, 0) END"  # pandas: fillna(0)
        best = f"(CASE WHEN e.date_start IS NULL THEN 1 ELSE 0 END, -{conf}, e.ord)"
        # and what a mark of it shows of its reports (dashboard/groups.py build_groups): how many, the best one's
        # row, the highest confidence, the span of the dated ones: a drawn group's other reports need no read
        members = (
            f"MIN(e.ord) AS dl_first, arg_min(e.source, {best}) AS dl_best_source, arg_min(e.rid, {best}) AS dl_best, "
            f"COUNT(*) AS dl_n, MAX({conf}) AS dl_conf, MIN(e.date_start) AS dl_lo, "
            f"MAX(CASE WHEN e.date_start IS NOT NULL THEN {de} END) AS dl_hi"
        )
        facets = ", ".join(FACETS)
        cursor.execute(
            f"CREATE OR REPLACE TABLE {READY_FACETS} AS SELECT CAST(row_number() OVER () AS INTEGER) AS fc, {facets} "
            f"FROM (SELECT DISTINCT {facets} FROM {events})"
        )
        # every source and event type (NULL too) by a code from 1: the Timeline's pass copies and groups these
        cursor.execute(
            f"CREATE OR REPLACE TABLE {READY_NAMES} AS SELECT CAST(row_number() OVER () AS INTEGER) AS code, name "
            f"FROM (SELECT DISTINCT name FROM (SELECT source AS name FROM {READY_FACETS} UNION ALL SELECT event_type "
            f"FROM {READY_FACETS} UNION ALL SELECT event_type FROM {groups} UNION ALL SELECT CAST(NULL AS VARCHAR)))"
        )
        cursor.execute(
            f"CREATE OR REPLACE TABLE {READY_FACETS} AS SELECT f.*, s.code AS sc, t.code AS tc FROM {READY_FACETS} f "
            f"JOIN {READY_NAMES} s ON s.name IS NOT DISTINCT FROM f.source "
            f"JOIN {READY_NAMES} t ON t.name IS NOT DISTINCT FROM f.event_type"
        )
        grouped = (
            f"SELECT {', '.join('g.' + c for c in GROUP_COLUMNS)}, {', '.join('b.' + c for c in MEMBER_FACTS)} "
            f"FROM {groups} g LEFT JOIN (SELECT e.event_group, {members} FROM {events} e "
            "WHERE e.event_group IS NOT NULL AND e.event_group <> '' GROUP BY e.event_group) b "
            "ON b.event_group = g.event_group"
        )
        cursor.execute(
            f"CREATE OR REPLACE TABLE {READY_GROUPS} AS SELECT x.*, t.code AS dl_tc, s.code AS dl_best_sc "
            f"FROM ({grouped}) x JOIN {READY_NAMES} t ON t.name IS NOT DISTINCT FROM x.event_type "
            f"JOIN {READY_NAMES} s ON s.name IS NOT DISTINCT FROM x.dl_best_source"
        )
        # a group's code: its row in the groups table; a key stored twice joins its first row only
        twice = cursor.execute(
            f"SELECT COUNT(event_group) - COUNT(DISTINCT event_group) FROM {READY_GROUPS}"
        ).fetchone()[0]
        once = "QUALIFY row_number() OVER (PARTITION BY event_group ORDER BY rowid) = 1" if twice else ""
        same = " AND ".join(f"f.{c} IS NOT DISTINCT FROM e.{c}" for c in FACETS)
        gk = "CASE WHEN g.event_group IS NULL THEN '~' || e.event_id ELSE e.event_group END"
        cursor.execute(
            f"CREATE OR REPLACE TABLE {READY} AS SELECT e.*, e.date_start AS ds, {de} AS de, "
            "CASE WHEN g.event_group IS NULL THEN 0 ELSE 1 END AS known, "
            f"{gk} AS gk, CASE WHEN g.event_group IS NULL THEN -1 - e.rid ELSE g.dl_gid END AS gid, f.fc, f.sc, f.tc, "
            "CASE WHEN g.event_group IS NULL OR g.n_sources IS NULL OR g.n_sources < 1 THEN 1 "
            "ELSE g.n_sources END AS n_src, "
            "CASE WHEN g.date_agreement = 'conflict' THEN 1 ELSE 0 END AS disagree, "
            "CASE WHEN g.event_group IS NULL THEN e.date_start ELSE g.date_start END AS g_ds, "
            "CASE WHEN g.event_group IS NULL THEN 'single' ELSE g.date_agreement END AS g_agree, "
            "lower(e.summary || ' ' || e.sentence) AS dl_txt "
            f"FROM {events} e LEFT JOIN (SELECT *, rowid AS dl_gid FROM {READY_GROUPS} WHERE event_group IS NOT NULL "
            f"{once}) g ON g.event_group = e.event_group JOIN {READY_FACETS} f ON {same}"
        )
        # the ids of a few thousand reports scattered over a million cost a read of every block of their columns
        # (high-cardinality strings, the slowest to decompress: 40-50 ms of a drawn timeline's read): kept in
        # memory instead, in rid order (about 45 bytes a report)
        ids = cursor.sql(f"SELECT rid, {', '.join(ID_COLUMNS)} FROM {READY} ORDER BY rid").to_arrow_table()
        kept = (ids.column("rid").to_numpy(), ids.drop_columns(["rid"]).combine_chunks())  # one chunk: one take
        layout = _layout(cursor)
        with _LOCK:
            _MADE[slot] = key
            _IDS[slot] = kept
            if layout is None:
                _LAYOUTS.pop(slot, None)
            else:
                _LAYOUTS[slot] = layout


def _layout(cursor: Any) -> Layout | None:
    """The ready table's Layout (None if its rowids are not 0 to n - 1: its flags are then counted in SQL)."""
    rows = cursor.sql(f"SELECT rowid AS i, gid FROM {READY}").to_arrow_table()
    at = rows.column("i").to_numpy()
    if len(at) and (at.min() != 0 or at.max() != len(at) - 1):
        return None
    gid = np.empty(len(at), np.int64)
    gid[at] = rows.column("gid").to_numpy()
    order = np.argsort(gid)  # a group's rows in any order: only their OR is taken
    ordered = gid[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(gid) else np.zeros(0, np.int64)
    facets = cursor.sql(f"SELECT fc, {', '.join(FACETS)} FROM {READY_FACETS}").df().set_index("fc")
    named = cursor.sql(f"SELECT r.rowid AS i, a.value AS actor FROM {READY} r, unnest(r.actors) AS a(value)")
    pairs = named.to_arrow_table()
    coded = pairs.column("actor").combine_chunks().dictionary_encode()
    actors: list[str | None] = [*coded.dictionary.to_pylist(), None]  # the last: an actor listed as NULL
    codes = coded.indices.fill_null(len(actors) - 1).to_numpy().astype(np.int64)
    return Layout(gid, order, starts, facets, pairs.column("i").to_numpy().astype(np.int64), codes, actors)


def layout_of(slot: str) -> Layout | None:
    """The slot's ready table's Layout as last made, or None."""
    with _LOCK:
        return _LAYOUTS.get(slot)


_FILES: dict[str, Path] = {}  # slot -> its scratch file


def _attach_work(slot: str, cursor: Any) -> None:
    """The slot's DuckDB gets its scratch database (once) and a bounded memory that spills to disk."""
    if slot in _FILES:
        return
    folder = Path(tempfile.gettempdir())
    path = folder / f"dateline-work-{os.getpid()}-{len(_FILES)}-{abs(hash(slot)) % 10**8}.duckdb"
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    cursor.execute(f"ATTACH '{path}' AS {WORK}")
    cursor.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    # every query orders what it reads (ORDER BY): rows kept in the order they were scanned cost a database's
    # copy 2.5 times as much to write a pass's scratch table (0.11 s against 0.04 at a million)
    cursor.execute("SET preserve_insertion_order = false")
    cursor.execute(f"SET temp_directory = '{folder / 'dateline-duckdb-spill'}'")
    _FILES[slot] = path


def _remove(path: Path) -> None:
    for name in (path, path.with_name(path.name + ".wal")):  # an open file stays readable once unlinked
        with contextlib.suppress(OSError):
            name.unlink()


@atexit.register
def _remove_all() -> None:
    for path in list(_FILES.values()):
        _remove(path)


def ids_of(slot: str, rids: Any) -> pd.DataFrame | None:
    """The ID_COLUMNS of these reports (by rid, in their order) from the slot's ready table as last made, or
    None where it holds no such table or not every one of them (made again meanwhile: read them instead)."""
    with _LOCK:
        kept = _IDS.get(slot)
    if kept is None:
        return None
    import pyarrow as pa

    order, table = kept
    wanted = np.asarray(rids, dtype=np.int64)
    at = np.minimum(np.searchsorted(order, wanted), max(len(order) - 1, 0))
    if not len(order) or not np.array_equal(order[at], wanted):
        return None if len(wanted) else pd.DataFrame(columns=list(ID_COLUMNS), dtype=object)
    picked = table.take(pa.array(at))
    return pd.DataFrame({c: picked.column(c).to_numpy(zero_copy_only=False) for c in ID_COLUMNS})


def discard(slot: str) -> None:
    """The slot's DuckDB is dropped (a database's copy replaced): its scratch file goes."""
    with _LOCK:
        _MADE.pop(slot, None)
        _IDS.pop(slot, None)
        _LAYOUTS.pop(slot, None)
        path = _FILES.pop(slot, None)
    if path is not None:
        _remove(path)


def forget(slot: str | None = None) -> None:
    """The DuckDB database (or every one) is closed or replaced: its ready tables are gone with it."""
    with _LOCK:
        slots = set(_MADE) | set(_FILES) if slot is None else {slot}
    for each in slots:
        discard(each)


def events_view() -> str:
    """The events relation over the ready table (the event columns, rid, ord)."""
    return f"(SELECT {', '.join(EVENT_COLUMNS)}, ord, rid FROM {READY})"
