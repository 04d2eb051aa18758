"""A database store's dataset with its corrections, patched over a cached base instead of rebuilt (no Streamlit).

The dashboard keeps two datasets of a database store (dashboard/data.py caches them):

- the BASE, by the store's data version (extraction, upload, import): the extracted tables as read, and their
  prepared dataset with no correction (`load_base`): read and prepared once per data write;
- the CORRECTED dataset, by (data version, corrections version) (`load_corrected`): the corrections and the
  events added by hand read in one small query (no event read), applied to the base rows they can reach
  (`_near`: the rows of the documents they name and the members of the groups those rows are in or a move
  or an added event names; extract/store/corrections.py recomputes the touched groups), and the base's frames
  PATCHED: the rows of the documents a correction names and the events added by hand are prepared afresh, every
  other row is the base's row as it is; the groups any of those rows left or joined are rebuilt from their
  members, every other group is the base's. Lanes (numbered over the whole table), each event's group counts,
  facet codes and the actor lookup are recomputed over the whole table (vectorised, a few tens of ms).

The result is the dataset `full_build` makes from the corrected tables (tests/test_dashboard_patch.py compares
them after corrections of every kind); the base is never changed in place (new frames are taken from it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from dashboard import data, groups
from dashboard.data import Dataset
from extract import schema, store
from extract.store.corrections import CORRECTION_COLUMNS, DOCUMENT, MANUAL_COLUMNS, Corrected, apply_corrections
from extract.store.sql_corrections import Corrections

MAX_RUNS = 256  # runs of rows a patched frame is stitched from (more: rows taken and copied)


@dataclass(frozen=True)
class Base:
    """A database store's extracted tables as read (typed) and their dataset before any correction."""

    dataset: Dataset  # `problem` set when the store cannot be read
    events: pd.DataFrame = field(default_factory=schema.events_frame)
    documents: pd.DataFrame = field(default_factory=schema.documents_frame)
    groups: pd.DataFrame = field(default_factory=lambda: data.empty_table("groups"))


def load_base(location: str) -> Base:
    """Read a database store's tables from one data write (a correction in between does not matter) and prepare
    them with no correction."""
    try:
        target = store.open_store(location)
        versions = getattr(target, "versions", None)
        tables, notes = data.read_tables(target, version=(lambda: versions().data) if versions else None)
    except (store.StoreError, OSError) as err:
        return Base(data.build_dataset(schema.events_frame(), schema.documents_frame(), location, -1, str(err)))
    events, documents, group_table, key_dates, version = tables
    return base_of(events, documents, group_table, key_dates, location, version, notes)


def base_of(
    events: pd.DataFrame,
    documents: pd.DataFrame,
    group_table: pd.DataFrame,
    key_dates: pd.DataFrame,
    location: str = "",
    version: int = 0,
    notes: tuple[str, ...] = (),
) -> Base:
    """The base of extracted tables: their dataset built with no correction (so with the correction marks'
    columns at their defaults, as a corrected dataset has them)."""
    plain = apply_corrections(events, documents, group_table, _no(CORRECTION_COLUMNS), _no(MANUAL_COLUMNS))
    ds = data.build_dataset(plain.events, plain.documents, location, version, None, plain.groups, key_dates, notes)
    return Base(ds, events, documents, group_table)


def load_corrected(base: Base, location: str, version: int) -> Dataset:
    """The base with the store's corrections and events added by hand patched over it (`version`: the store's
    version they were read at)."""
    if base.dataset.problem:
        return base.dataset
    try:
        fixes = store.open_store(location).corrections()  # type: ignore[attr-defined]
        corrections, manual = fixes.read_fixes()
    except (store.StoreError, OSError) as err:
        note = f"The corrections cannot be read ({err}); the extracted events are shown without them."
        return replace(base.dataset, notes=(*base.dataset.notes, note))
    return patched(base, corrections, manual, version)


def full_build(fixes: Corrections, location: str) -> Dataset:
    """The corrected dataset built in full from one write (every table read, every row prepared): what `patched`
    must equal, and the figure it is measured against."""
    got = fixes.read()
    fixed = got.corrected
    ds = data.build_dataset(fixed.events, fixed.documents, location, got.version, None, fixed.groups, got.key_dates)
    return _with_corrections(ds, fixed, got.corrections, got.manual)


def patched(base: Base, corrections: pd.DataFrame, manual: pd.DataFrame, version: int) -> Dataset:
    """The corrected dataset from the base: the corrections applied over its tables, its frames patched."""
    old = base.dataset
    named = base.events["doc_id"].astype(str).isin(set(corrections["doc_id"].astype(str))).to_numpy()
    near = _near(base.events, named, corrections, manual)
    # the corrections applied to the rows they can reach (the groups table is read by key only: left unsorted)
    fixed = apply_corrections(
        base.events.iloc[near], base.documents, base.groups, corrections, manual, sort_groups=False
    )
    docs = fixed.documents.reset_index(drop=True)
    kept_near = fixed.origin[fixed.origin >= 0]  # the rows of `near` still there (not rejected)
    stays = np.ones(len(base.events), dtype=bool)
    stays[near] = False
    stays[near[kept_near]] = True
    by_hand = np.flatnonzero(fixed.origin < 0)
    origin = np.concatenate([np.flatnonzero(stays), np.full(len(by_hand), -1, dtype=np.int64)])
    # the rows that differ from the base's: those a correction matched (marked), and every row of an article
    # corrected itself (its source, lane and publication date follow)
    kinds = corrections["target_kind"].astype(str) if len(corrections) else pd.Series([], dtype=str)
    articles = set(corrections.loc[(kinds == DOCUMENT).to_numpy(), "doc_id"].astype(str)) if len(kinds) else set()
    real = fixed.origin >= 0
    differs = np.zeros(len(base.events), dtype=bool)
    differs[near[fixed.origin[real]]] = (fixed.events["_correction_id"].to_numpy() != 0)[real] | fixed.events.loc[
        real, "doc_id"
    ].astype(str).isin(articles).to_numpy()
    changed = np.concatenate([differs[stays], np.ones(len(by_hand), dtype=bool)])
    fresh_at, kept_at = np.flatnonzero(changed), np.flatnonzero(~changed)
    row_of = np.full(len(base.events), -1, dtype=np.int64)  # a base row's row in fixed.events
    row_of[near[kept_near]] = np.flatnonzero(fixed.origin >= 0)
    picked = np.concatenate([row_of[origin[fresh_at[origin[fresh_at] >= 0]]], by_hand])
    fresh = data.with_documents(data.prepare_events(fixed.events.iloc[picked]), docs)
    source = origin.copy()
    source[fresh_at] = -1
    ev = _overlay(old.events, source, fresh)  # the base's rows where nothing changed
    lanes, _ = data.lane_column(ev, docs)
    ev["_lane"] = lanes  # an object Series, as `data.with_documents` sets it

    # the groups to rebuild: those the changed rows are in now, were in before (rejected rows too), and those
    # whose rows' lane names changed (a source renamed: lanes are numbered over the whole table)
    stored = pd.Index(fixed.groups["event_group"].astype(str).unique()) if len(fixed.groups) else None
    codes, keys = groups.group_codes(ev, stored)
    touched = np.zeros(len(keys), dtype=bool)
    touched[codes[fresh_at]] = True
    gone = np.ones(len(old.events), dtype=bool)
    gone[origin[kept_at]] = False
    lost = np.zeros(len(old.groups), dtype=bool)
    lost[old.group_of[gone]] = True  # base groups that lost a row (changed or rejected)
    was = old.group_of[origin[kept_at]]
    renamed = ev["_lane"].to_numpy(dtype=object)[kept_at] != old.events["_lane"].to_numpy(dtype=object)[origin[kept_at]]
    touched[codes[kept_at[lost[was] | renamed]]] = True
    grouped = _groups(old, ev, fixed.groups, keys, codes, touched, origin, kept_at)
    if grouped is None:  # not patchable (never expected): build the groups in full
        grouped, group_of = groups.build_groups(ev, fixed.groups)
    else:
        group_of = codes
    ds = data.finish_dataset(ev, docs, grouped, group_of, old.location, version, None, old.key_dates, old.notes)
    return _with_corrections(ds, fixed, corrections, manual)


def _near(events: pd.DataFrame, named: np.ndarray, corrections: pd.DataFrame, manual: pd.DataFrame) -> np.ndarray:
    """The positions of the rows the corrections can change or regroup (ascending): the rows of the documents
    they name (`named`), every member of a group those rows are in, of a group a move names (by id, or by
    a member's event_id), or of a group an event added by hand joins."""
    group = events["event_group"].astype(str)
    ids = set(group[named])
    members: set[str] = set()
    for changes in corrections["changes"] if len(corrections) else []:
        if isinstance(changes, dict) and "group" in changes:
            ids.add(str(changes.get("group") or ""))
            members.add(str(changes.get("group_with") or ""))
    if len(manual):
        ids |= set(manual["event_group"].fillna("").astype(str))
    with_ids = events["event_id"].astype(str).isin(members - {""}).to_numpy()
    ids |= set(group[with_ids])
    return np.flatnonzero(named | with_ids | group.isin(ids - {""}).to_numpy())


def _groups(
    old: Dataset,
    ev: pd.DataFrame,
    table: pd.DataFrame,
    keys: np.ndarray,
    codes: np.ndarray,
    touched: np.ndarray,
    origin: np.ndarray,
    kept_at: np.ndarray,
) -> pd.DataFrame | None:
    """The group frame in `keys` order (as `groups.build_groups` orders it): the `touched` groups built from their
    members, the others the base's rows (their best member's position moved to its new row). None when the
    base's rows do not line up (then the caller builds them all)."""
    n = len(ev)
    first = np.full(len(keys), n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))  # each group's first row
    base_row = np.full(n, -1, dtype=np.int64)
    base_row[kept_at] = origin[kept_at]
    old_rows = np.full(len(keys), -1, dtype=np.int64)
    at = base_row[first[~touched]]
    if (at < 0).any():
        return None
    old_rows[~touched] = old.group_of[at]
    # a group whose key changed (the stored table gained or lost its id): built afresh too
    moved = np.flatnonzero(~touched)[
        old.groups["event_group"].to_numpy(dtype=object)[old_rows[~touched]] != keys[~touched]
    ]
    touched = touched.copy()
    touched[moved] = True
    members = np.flatnonzero(touched[codes])
    wanted = keys[touched]
    sub_table = table[table["event_group"].astype(str).isin(set(wanted)).to_numpy()]
    fresh, _ = groups.build_groups(ev.iloc[members], sub_table)
    fresh["_best"] = members[fresh["_best"].to_numpy()]
    fresh_rows = pd.Index(fresh["event_group"]).get_indexer(wanted)
    if (fresh_rows < 0).any():
        return None
    new_row = np.full(len(old.events), -1, dtype=np.int64)
    new_row[origin[kept_at]] = kept_at
    source = np.where(touched, -1, old_rows)
    out = _overlay(old.groups, source, fresh.take(fresh_rows))
    best = out["_best"].to_numpy(copy=True)
    best[~touched] = new_row[best[~touched]]
    if (best < 0).any():
        return None
    out["_best"] = best
    out["_order"] = np.argsort(out["date_start"].to_numpy(dtype="datetime64[ns]"), kind="stable")
    return out


def _overlay(frame: pd.DataFrame, source: np.ndarray, fresh: pd.DataFrame) -> pd.DataFrame:
    """A new frame whose row i is `frame`'s row source[i], or where source[i] is -1 the next row of `fresh`, in
    `frame`'s columns and dtypes. Built from runs of consecutive rows (slices, not copies, of Arrow-backed
    columns: a few chunks more per column); `frame` itself is never changed (copy-on-write)."""
    n = len(source)
    if not n:
        return frame.iloc[0:0].reset_index(drop=True)
    is_fresh = source < 0
    cut = np.ones(n, dtype=bool)
    cut[1:] = (is_fresh[1:] != is_fresh[:-1]) | (~is_fresh[1:] & (source[1:] != source[:-1] + 1))
    starts = np.flatnonzero(cut)
    ends = np.append(starts[1:], n)
    if len(starts) == 1 and not is_fresh[0] and source[0] == 0 and n == len(frame):
        return frame.reset_index(drop=True)
    if is_fresh.any():
        fresh = fresh.reset_index(drop=True)[list(frame.columns)]
        differ = {c: frame[c].dtype for c in frame.columns if fresh[c].dtype != frame[c].dtype}
        fresh = fresh.astype(differ) if differ else fresh
    if len(starts) > MAX_RUNS:  # corrections all over the table: two copies beat thousands of slices
        both = pd.concat([frame, fresh], ignore_index=True) if is_fresh.any() else frame
        return both.take(np.where(is_fresh, len(frame) + np.cumsum(is_fresh) - 1, source)).reset_index(drop=True)
    before = np.cumsum(is_fresh) - is_fresh  # fresh rows before each row
    parts = [
        fresh.iloc[before[a] : before[a] + b - a] if is_fresh[a] else frame.iloc[source[a] : source[a] + b - a]
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)


def _with_corrections(ds: Dataset, fixed: Corrected, corrections: pd.DataFrame, manual: pd.DataFrame) -> Dataset:
    return replace(
        ds, editable=True, corrections=corrections, manual=manual, orphans=fixed.orphans, rejected=fixed.rejected
    )


def _no(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))
