"""The sidebar's and the events' counts under the filters from one scan of a ready table.

`Query.report_counts` (reports matching, each facet's counts, what each filter leaves out) and
`Query.event_counts` (the same for events) both evaluate every active filter over every report. Over a ready
table with a Layout (extract/store/query_ready.py), one scan reads each report's filters as bits, with its
facets' and group's codes, and the counts are then numpy over those bits (a few milliseconds at a million):
the facet cube is a bincount, an event's flags the OR of its reports' (over the rows sorted by group). The
last few filters' bits are kept, so the two counts of one rerun scan once; the actor filter's bit is set from
the Layout's actor pairs over the other filters' bits, so a change of actors alone scans nothing.

    flags = row_flags(query, filters)   # None: the backend keeps no Layout; count in SQL
    cube(flags)                          # as Query.report_counts's SQL cube: facets, dated, m_NAME, n
    event_numbers(flags)                 # shown, dated, undated and each part left out (Query.event_counts)
    actor_numbers(flags)                 # reports per actor (Query.actor_counts), from the Layout's actor pairs
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from extract.store import query_ready

KEEP = 4  # filters whose flags are kept (6 bytes a report each)
_KEPT: OrderedDict[tuple[int, str], RowFlags] = OrderedDict()
_LOCK = threading.Lock()  # guards _KEPT and _MAKING
_MAKING: dict[tuple[int, str], threading.Lock] = {}  # held while a filters' flags are made: made once, not twice


@dataclass(frozen=True)
class RowFlags:
    """Each report of a ready table (by rowid): bit i of ``bits`` set where it passes ``names[i]`` (an active
    filter), then one bit for its own date and one for its event's; ``fc``: its facets' code; ``layout``: the
    table's Layout."""

    names: tuple[str, ...]
    bits: np.ndarray
    fc: np.ndarray
    layout: query_ready.Layout


def row_flags(query: Any, filters: Any) -> RowFlags | None:
    """The reports' flags under ``filters`` (kept for the last KEEP filters of this table's version), or None
    where the backend keeps no Layout or the scan read another version than its Layout's (made meanwhile)."""
    backend = query.backend
    if backend.ready_relation() is None:
        return None
    layout = backend.layout()
    if layout is None:
        return None
    key = (id(layout), repr(filters))
    with _LOCK:
        making = _MAKING.setdefault(key, threading.Lock())
    with making:  # the sidebar and the Timeline's thread ask for the same flags at once (scaled_timeline.ahead)
        try:
            with _LOCK:
                kept = _KEPT.get(key)
                if kept is not None and kept.layout is layout:
                    _KEPT.move_to_end(key)
                    return kept
            return _made(query, filters, key, layout)
        finally:
            with _LOCK:
                if _MAKING.get(key) is making:  # another thread's lock, made since, stays
                    del _MAKING[key]


def _made(query: Any, filters: Any, key: tuple[int, str], layout: query_ready.Layout) -> RowFlags | None:
    """row_flags, made (and kept)."""
    from extract.store.query import _Sql

    backend = query.backend
    names = tuple(filters.active())
    if "actors" in names:  # the other filters' flags (kept where only the actors changed) and the actors' bit
        others = row_flags(query, filters.without("actors"))
        return None if others is None else _kept(key, _with_actors(others, filters.actors, names.index("actors")))
    s = _Sql(backend)
    terms = [f"CASE WHEN {query._mask(s, filters, name)} THEN {1 << i} ELSE 0 END" for i, name in enumerate(names)]
    terms.append(f"CASE WHEN r.ds IS NOT NULL THEN {1 << len(names)} ELSE 0 END")
    terms.append(f"CASE WHEN r.g_ds IS NOT NULL THEN {2 << len(names)} ELSE 0 END")
    rows = backend.arrow(
        f"SELECT gid, fc, CAST({' + '.join(terms)} AS USMALLINT) AS b FROM {backend.ready_relation()} r", s.params
    )  # in rowid order
    if not np.array_equal(rows.column("gid").to_numpy(), layout.gid):  # not the Layout's table: made meanwhile
        return None
    return _kept(key, RowFlags(names, rows.column("b").to_numpy(), rows.column("fc").to_numpy(), layout))


def _kept(key: tuple[int, str], flags: RowFlags) -> RowFlags:
    """``flags``, kept as the newest of the last KEEP."""
    with _LOCK:
        _KEPT[key] = flags
        while len(_KEPT) > KEEP:
            _KEPT.popitem(last=False)
    return flags


def _with_actors(others: RowFlags, actors: tuple[str, ...], at: int) -> RowFlags:
    """``others`` (the flags of every filter but the actors') with the actor filter's bit put in at bit ``at``: set
    where a report names one of ``actors`` (from the Layout's actor pairs: no scan of the reports' lists)."""
    layout = others.layout
    chosen = set(actors)
    wanted = [code for code, actor in enumerate(layout.actors) if actor is not None and actor in chosen]
    named = np.zeros(len(others.bits), np.uint16)
    named[layout.actor_rows[np.isin(layout.actor_codes, wanted)]] = 1
    low = others.bits & np.uint16((1 << at) - 1)
    bits = low | (named << np.uint16(at)) | ((others.bits >> np.uint16(at)) << np.uint16(at + 1))
    names = (*others.names[:at], "actors", *others.names[at:])
    return RowFlags(names, bits.astype(np.uint16), others.fc, layout)


def cube(flags: RowFlags) -> pd.DataFrame:
    """Reports per combination of facets (query_ready.FACETS), own date (``dated``) and filters passed
    (``m_NAME``), as the columns of Query.report_counts's SQL cube (``n``: how many)."""
    width = len(flags.names) + 1
    low = (flags.bits & ((1 << width) - 1)).astype(np.int64)
    combos = np.flatnonzero(np.bincount(low, minlength=1 << width))  # the combinations of flags present
    code = np.zeros(1 << width, np.int64)
    code[combos] = np.arange(len(combos))
    per_fc = np.int64(max(len(combos), 1))  # a facets' code's cells: one per combination present
    n = np.bincount(flags.fc * per_fc + code[low]) if len(low) else np.zeros(0, np.int64)
    found = np.flatnonzero(n)
    combo = combos[found % per_fc] if len(combos) else np.zeros(0, np.int64)
    out = flags.layout.facets.reindex(found // per_fc).reset_index(drop=True)
    out["dated"] = (combo >> len(flags.names)) & 1
    for i, name in enumerate(flags.names):
        out[f"m_{name}"] = (combo >> i) & 1
    out["n"] = n[found]
    return out


def event_numbers(flags: RowFlags) -> dict[str, int]:
    """Events (a report's group, or the report alone) shown, ``dated`` and ``undated`` as Query.event_counts
    counts them, and ``o_PART``: the events each filter alone leaves out (the date's as ``o_undated`` and
    ``o_out_of_range``): each report's part flags from a table of its bits, OR-ed over its event's reports."""
    table, parts = _event_table(flags.names)
    layout = flags.layout
    if not len(flags.bits):
        return {"shown": 0, "dated": 0, "undated": 0, **{f"o_{p}": 0 for p in parts}}
    events = np.bitwise_or.reduceat(table[flags.bits][layout.order], layout.starts)

    def having(on: int, off: int = 0) -> int:
        return int(np.count_nonzero((events & (on | off)) == on))

    got = {"shown": having(_SHOWN), "dated": having(_SHOWN | _DATED), "undated": having(_ND, _DATED)}
    for i, part in enumerate(parts):
        got[f"o_{part}"] = having(_PART << i, _SHOWN)
    return got


_SHOWN, _DATED, _ND, _PART = 1, 2, 4, 8  # an event's flags: a report shown, its date, shown but for the date


def _event_table(names: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """(for every value of a report's bits, its flags as an event counts them; the parts left out, in bit order
    from _PART): shown (every filter passes), its event dated, every filter but the date passes, and per filter
    (the date's: undated and out of range) that it alone fails."""
    k = len(names)
    value = np.arange(4 << k, dtype=np.int64)
    passes = [(value >> i) & 1 == 1 for i in range(k)]
    dated, event_dated = (value >> k) & 1 == 1, (value >> (k + 1)) & 1 == 1
    every = np.logical_and.reduce(passes) if k else np.ones(len(value), bool)
    others = [
        np.logical_and.reduce([p for j, p in enumerate(passes) if j != i] or [np.ones(len(value), bool)])
        for i in range(k)
    ]
    out = np.where(every, _SHOWN, 0) | np.where(event_dated, _DATED, 0)
    no_date = every if "date" not in names else others[names.index("date")]
    out |= np.where(no_date, _ND, 0)
    parts: list[str] = []
    for i, name in enumerate(names):
        alone = others[i] & ~passes[i]
        for part, when in (
            (("undated", alone & ~dated), ("out_of_range", alone & dated)) if name == "date" else ((name, alone),)
        ):
            out |= np.where(when, _PART << len(parts), 0)
            parts.append(part)
    return out.astype(np.uint16), parts


def actor_numbers(flags: RowFlags) -> pd.DataFrame:
    """Reports per actor (``actor``, ``n``; an actor's mentions in one report each count) among those passing
    every filter but the actor filter, unsorted (a bincount over the Layout's actor pairs)."""
    layout = flags.layout
    need = sum(1 << i for i, name in enumerate(flags.names) if name != "actors")
    passes = (flags.bits & need) == need
    n = np.bincount(layout.actor_codes, weights=passes[layout.actor_rows], minlength=len(layout.actors))
    found = np.flatnonzero(n)
    names = pd.Series(layout.actors, dtype=object).iloc[found].to_numpy()
    return pd.DataFrame({"actor": names, "n": n[found].astype(np.int64)})
