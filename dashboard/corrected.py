"""A database store's dataset with its corrections, patched over a cached base instead of rebuilt (no Streamlit).

The dashboard keeps two datasets of a database store (dashboard/data.py caches them):

- the BASE, by the store's data version (extraction, upload, import): the extracted tables as read, and their
  prepared dataset with no correction (`load_base`): read and prepared once per data write;
- the CORRECTED dataset, by (data version, corrections version) (`load_corrected`): the corrections and the
  events added by hand read in one small query (no event read), applied over the base's tables
  (extract/store/corrections.py: only the touched groups are recomputed), and the base's prepared frames
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
from extract.store.corrections import CORRECTION_COLUMNS, MANUAL_COLUMNS, Corrected, apply_corrections
from extract.store.sql_corrections import Corrections


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
    fixed = apply_corrections(base.events, base.documents, base.groups, corrections, manual)
    old = base.dataset
    docs = fixed.documents.reset_index(drop=True)
    named = set(corrections["doc_id"].astype(str)) if len(corrections) else set()
    origin = fixed.origin
    changed = (origin < 0) | fixed.events["doc_id"].astype(str).isin(named).to_numpy()
    fresh_at, kept_at = np.flatnonzero(changed), np.flatnonzero(~changed)
    ev = _events(old.events, fixed.events, origin, fresh_at, kept_at, docs)
    lanes, _ = data.lane_column(ev, docs)
    ev["_lane"] = lanes  # an object Series, as `data.with_documents` sets it

    # the groups to rebuild: those the changed rows are in now, were in before (rejected rows too), and those
    # whose rows' lane names changed (a source renamed: lanes are numbered over the whole table)
    stored = fixed.groups.drop_duplicates("event_group").set_index("event_group") if len(fixed.groups) else None
    key = groups.group_keys(ev, stored.index if stored is not None else None)
    codes, keys = pd.factorize(key)
    old_keys = old.groups["event_group"].to_numpy(dtype=object)
    gone = np.ones(len(old.events), dtype=bool)
    gone[origin[kept_at]] = False
    renamed = ev["_lane"].to_numpy(dtype=object)[kept_at] != old.events["_lane"].to_numpy(dtype=object)[origin[kept_at]]
    touched = pd.Index(pd.unique(np.concatenate([key[fresh_at], old_keys[old.group_of[gone]], key[kept_at[renamed]]])))
    grouped = _groups(old, ev, fixed.groups, keys, codes, touched, origin, kept_at)
    if grouped is None:  # not patchable (never expected): build the groups in full
        grouped, group_of = groups.build_groups(ev, fixed.groups)
    else:
        group_of = codes.astype(np.int64)
    ds = data.finish_dataset(ev, docs, grouped, group_of, old.location, version, None, old.key_dates, old.notes)
    return _with_corrections(ds, fixed, corrections, manual)


def _events(
    prepared: pd.DataFrame,
    events: pd.DataFrame,
    origin: np.ndarray,
    fresh_at: np.ndarray,
    kept_at: np.ndarray,
    docs: pd.DataFrame,
) -> pd.DataFrame:
    """The corrected events prepared: the base's prepared rows where nothing changed, the others prepared."""
    fresh = data.with_documents(data.prepare_events(events.iloc[fresh_at]), docs)
    kept = prepared.take(origin[kept_at])
    if not len(fresh_at):
        return kept.reset_index(drop=True)
    both = _stack(kept, fresh)
    order = np.empty(len(events), dtype=np.int64)
    order[kept_at] = np.arange(len(kept_at))
    order[fresh_at] = len(kept_at) + np.arange(len(fresh_at))
    return both.take(order).reset_index(drop=True)


def _groups(
    old: Dataset,
    ev: pd.DataFrame,
    table: pd.DataFrame,
    keys: np.ndarray,
    codes: np.ndarray,
    touched: pd.Index,
    origin: np.ndarray,
    kept_at: np.ndarray,
) -> pd.DataFrame | None:
    """The group frame in `keys` order (as `groups.build_groups` orders it): the touched groups built from their
    members, the others the base's rows (their best member's position moved to its new row). None: a group
    the base does not have is not marked touched (then the caller builds them all)."""
    is_touched = touched.get_indexer(keys) >= 0
    old_rows = pd.Index(old.groups["event_group"]).get_indexer(keys[~is_touched])
    if (old_rows < 0).any():
        return None
    members = np.flatnonzero(is_touched[codes])
    sub_table = table[touched.get_indexer(table["event_group"].astype(str)) >= 0]
    fresh, _ = groups.build_groups(ev.iloc[members], sub_table)
    fresh["_best"] = members[fresh["_best"].to_numpy()]
    new_row = np.full(len(old.events), -1, dtype=np.int64)
    new_row[origin[kept_at]] = kept_at
    kept = old.groups.take(old_rows)
    kept["_best"] = new_row[kept["_best"].to_numpy()]
    if (kept["_best"].to_numpy() < 0).any():
        return None
    fresh_rows = pd.Index(fresh["event_group"]).get_indexer(keys[is_touched])
    if (fresh_rows < 0).any():
        return None
    both = _stack(kept, fresh)
    order = np.empty(len(keys), dtype=np.int64)
    order[~is_touched] = np.arange(len(kept))
    order[is_touched] = len(kept) + fresh_rows
    out = both.take(order).reset_index(drop=True)
    out["_order"] = np.argsort(out["date_start"].to_numpy(dtype="datetime64[ns]"), kind="stable")
    return out


def _stack(kept: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """The base's rows, then the fresh ones in the same columns and dtypes (a few rows: cast where they differ)."""
    if not len(fresh):
        return kept.reset_index(drop=True)
    fresh = fresh[list(kept.columns)]
    differ = {c: kept[c].dtype for c in kept.columns if fresh[c].dtype != kept[c].dtype}
    return pd.concat([kept, fresh.astype(differ) if differ else fresh], ignore_index=True)


def _with_corrections(ds: Dataset, fixed: Corrected, corrections: pd.DataFrame, manual: pd.DataFrame) -> Dataset:
    return replace(
        ds, editable=True, corrections=corrections, manual=manual, orphans=fixed.orphans, rejected=fixed.rejected
    )


def _no(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))
