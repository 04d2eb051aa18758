"""Data for the dashboard: the one place it reads the store (cached by the store's version), derived columns,
and pure filter functions.

The dashboard reads and writes only through `extract.store` (a Store opened on `data_location()`): the tables
through `load_dataset`, a document's text through `load_text`, uploads through `ingest`. Pages index the loaded
frame with the sidebar's mask (`View.keep`); a later store can take the filtering over behind `load_dataset`.
Everything here except the two loaders is plain pandas/numpy and can be tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard import groups, labels
from dashboard.text import DocumentText, document_text
from extract import schema, store
from extract.store.query import DEFAULT_FROM, DEFAULT_TO, QueryFilters

if TYPE_CHECKING:
    from dashboard.corrected import Base

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# Facets: filter name -> events column. Actors are a list column and handled apart.
FACET_COLUMNS: dict[str, str] = {
    "sources": "source",
    "event_types": "event_type",
    "granularities": "granularity",
    "date_bases": "date_basis",
}
FACET_LABELS: dict[str, str] = {
    "date": "date range",
    "sources": "source filter",
    "actors": "actor filter",
    "event_types": "event type filter",
    "granularities": "granularity filter",
    "date_bases": "date basis filter",
    "text": "search text",
    "modality": "hypothetical/planned switch",
    "min_sources": "minimum number of sources",
    "disagree": "'sources disagree' switch",
}


def data_location() -> str:
    """Where the dashboard's store is: DATELINE_DATABASE_URL, else the secrets' [connections.dateline] url, else
    the data folder's SQLite file (or a files store written there before it); see extract.store.location."""
    return store.default_store_location()


def shown_location(location: str) -> str:
    """The store's location fit to show: a database URL without its password."""
    return store.display_location(location)


def open_data_store(location: str | None = None) -> store.Store:
    """The store at `location` (default: `data_location()`); raises store.StoreError for one it cannot open."""
    return store.open_store(location or data_location())


# --------------------------------------------------------------------------------------------------
# Derived columns and the prepared dataset


def empty_table(name: str) -> pd.DataFrame:
    """A declared table with no rows (its columns typed)."""
    return schema.typed(pd.DataFrame(), name)


def prepare_events(events: pd.DataFrame, marks_only: bool = False) -> pd.DataFrame:
    """The events table plus derived columns (prefixed `_`) that make filters vectorised.

    Idempotent: a frame that already has them is returned unchanged. ``marks_only``: only what
    groups.build_groups reads of the reports behind a timeline's event marks (the periods, `_dated`, `_when`,
    `_hover`): no filter columns, no report marks.
    """
    if "_text" in events.columns:
        return events
    df = events.reset_index(drop=True).copy()
    start = pd.to_datetime(df["date_start"]).astype("datetime64[ns]")
    end = pd.to_datetime(df["date_end"]).astype("datetime64[ns]")
    end = end.where(end.notna() & (end >= start), start)
    df["date_start"], df["date_end"] = start, end
    df["_dated"] = start.notna().to_numpy()
    if marks_only:
        df["_when"], df["_when_key"] = labels.date_columns(df)
        df["_hover"] = groups.report_hover(df).astype(object)
        return df
    df["_month"] = start.dt.to_period("M").dt.start_time.astype("datetime64[ns]")
    df["_year"] = start.dt.year.astype("Int64")
    df = groups.add_mark_columns(df, df["event_id"])
    text = df["summary"].astype(str) + " " + df["sentence"].astype(str)
    df["_text"] = text.str.lower().astype("string[pyarrow]")
    df["_when"], df["_when_key"] = labels.date_columns(df)
    df = groups.style_columns(df, df["date_basis"], df["confidence"])
    df["_hover"] = groups.report_hover(df).astype(object)
    df["_hypothetical"] = (df["modality"].astype(str) != "asserted").to_numpy()
    group = df["event_group"].astype(str)
    n_src = df.groupby(group, sort=False)["source"].transform("nunique").to_numpy()
    df["_n_sources"] = np.where(group.to_numpy() == "", 1, n_src).astype("int64")
    df["_disagree"] = np.zeros(len(df), dtype=bool)
    return df


@dataclass(frozen=True)
class Dataset:
    """Prepared events and documents plus lookups for fast facet counts."""

    events: pd.DataFrame
    documents: pd.DataFrame
    facet_codes: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    actor_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    actor_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    actor_labels: list[str] = field(default_factory=list)
    location: str = ""  # the store it was read from
    version: int = 0  # the store's version it was read at
    problem: str | None = None  # why the stored tables could not be read (then both are empty)
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per event (see dashboard.groups)
    group_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # each event's group row
    key_dates: pd.DataFrame = field(default_factory=lambda: empty_table("key_dates"))
    notes: tuple[str, ...] = ()  # what could not be read beside the events (shown, not fatal)
    # Corrections (a database store only; dashboard/editing.py): whether the store keeps them, every correction,
    # the events added by hand, the corrections that match no row any more, and the rejected reports.
    editable: bool = False
    corrections: pd.DataFrame = field(default_factory=pd.DataFrame)
    manual: pd.DataFrame = field(default_factory=pd.DataFrame)
    orphans: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def stamp(self) -> tuple[str, int]:
        """(location, version): changes whenever the store is written."""
        return self.location, self.version

    @property
    def has_groups(self) -> bool:
        """Whether `event_group` is filled anywhere (needed by the 'reported by N sources' filter)."""
        return bool((self.events["event_group"].astype(str) != "").any()) if len(self.events) else False

    @cached_property
    def title_lanes(self) -> frozenset[str]:
        """Lane names that are article titles (their outlet is unknown): drawn in italics. Once per dataset."""
        if not len(self.events):
            return frozenset()
        known = set(self.documents["outlet"].astype(str)) - {""}
        lanes = self.events[["source", "_lane"]].drop_duplicates()
        return frozenset(lane for source, lane in lanes.itertuples(index=False) if source not in known)

    @cached_property
    def lane_sources(self) -> dict[str, str]:
        """Each lane name's full source (a lane shows an outlet, or an article's short title). Once per dataset."""
        if not len(self.events):
            return {}
        pairs = self.events[["_lane", "source"]].drop_duplicates("_lane")
        return dict(pairs.itertuples(index=False))

    @cached_property
    def source_lanes(self) -> dict[str, str]:
        """Each source's lane name. Once per dataset."""
        if not len(self.events):
            return {}
        return dict(self.events[["source", "_lane"]].drop_duplicates("source").itertuples(index=False))

    scaled = False  # a small store, loaded whole (dashboard/scaled.py: a large one, queried)

    @property
    def n_events(self) -> int:
        return len(self.events)

    @property
    def n_undated(self) -> int:
        """Events with no resolved date."""
        return int((~self.events["_dated"]).sum()) if len(self.events) else 0

    @property
    def n_hypothetical(self) -> int:
        """Events whose modality is not 'asserted'."""
        return int(self.events["_hypothetical"].sum()) if len(self.events) else 0

    @property
    def most_sources(self) -> int:
        """The most sources one event has."""
        return int(self.groups["n_sources"].max()) if len(self.groups) else 1

    @property
    def n_conflicts(self) -> int:
        """How many events (groups) have sources that disagree on the date."""
        return int((self.groups["date_agreement"] == "conflict").sum()) if len(self.groups) else 0

    def options(self, facet: str) -> list[str]:
        """The values a facet can take, most frequent first."""
        if facet == "actors":
            return self.actor_labels
        return self.facet_codes[facet][1]

    @cached_property
    def all_counts(self) -> dict[str, dict[str, int]]:
        """How many events hold each value of each facet in the whole table."""
        return facet_counts(
            self, Filters(date_from=None, date_to=None, include_hypothetical=True, include_undated=True)
        )

    def date_bounds(self) -> tuple[dt.date, dt.date]:
        """First and last day covered by a dated event (the default range when there is none)."""
        ev = self.events
        if not len(ev) or not ev["_dated"].any():
            return DEFAULT_FROM, DEFAULT_TO
        return ev["date_start"].min().date(), ev["date_end"].max().date()


def build_dataset(
    events: pd.DataFrame,
    documents: pd.DataFrame,
    location: str = "",
    version: int = 0,
    problem: str | None = None,
    group_table: pd.DataFrame | None = None,
    key_dates: pd.DataFrame | None = None,
    notes: tuple[str, ...] = (),
) -> Dataset:
    """Prepare the tables once: derived columns, lane names, the events as groups, facet codes and the exploded
    actor lookup. `group_table` and `key_dates` are the store's tables (missing: every event is its own group)."""
    ev = prepare_events(events)
    docs = documents.reset_index(drop=True)
    ev = with_documents(ev, docs)
    table = group_table if group_table is not None else empty_table("groups")
    grouped, group_of = groups.build_groups(ev, table)
    return finish_dataset(ev, docs, grouped, group_of, location, version, problem, key_dates, notes)


def finish_dataset(
    ev: pd.DataFrame,
    docs: pd.DataFrame,
    grouped: pd.DataFrame,
    group_of: np.ndarray,
    location: str = "",
    version: int = 0,
    problem: str | None = None,
    key_dates: pd.DataFrame | None = None,
    notes: tuple[str, ...] = (),
) -> Dataset:
    """The last steps of `build_dataset` over prepared events (a frame of its own: its group columns are set
    here) and their groups: each event's group counts, facet codes and the exploded actor lookup."""
    ev["_n_sources"] = grouped["n_sources"].to_numpy()[group_of] if len(ev) else ev["_n_sources"]
    ev["_disagree"] = (grouped["date_agreement"].to_numpy(dtype=object)[group_of] == "conflict") if len(ev) else False
    codes = {facet: _ranked(ev[column].astype(str)) for facet, column in FACET_COLUMNS.items()}
    lengths = ev["actors"].map(len).to_numpy(dtype=np.int64) if len(ev) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(ev), dtype=np.int64), lengths)
    flat = pd.Series([a for lst in ev["actors"] for a in lst], dtype=object)
    actor_codes, actor_labels = _ranked(flat)
    return Dataset(
        ev,
        docs,
        codes,
        rows,
        actor_codes,
        actor_labels,
        location,
        version,
        problem,
        grouped,
        group_of,
        key_dates if key_dates is not None else empty_table("key_dates"),
        notes,
    )


def _ranked(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(each value's code, the values most frequent first): codes index the labels."""
    if not len(values):
        return np.zeros(0, dtype=np.int64), []
    counted = values.value_counts(sort=False)
    order = counted.iloc[np.lexsort((counted.index.astype(str), -counted.to_numpy()))]  # ties by name, as the store
    first, uniques = pd.factorize(values)  # a hash pass; then each distinct value is looked up once
    rank = pd.Index(order.index).get_indexer(uniques)
    return rank[first].astype(np.int64), [str(v) for v in order.index]


def with_documents(events: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Columns that need the documents table: `_lane` (the outlet, or a short title when the source is an
    article's title) and `_why_undated` (for undated events: why)."""
    lanes, published = lane_column(events, documents)
    out = events.assign(_lane=lanes)
    out["_why_undated"] = undated_reasons(events, published.to_numpy(dtype=bool))
    return out


def undated_reasons(events: pd.DataFrame, published: np.ndarray) -> np.ndarray:
    """Why each undated event is undated ('' for a dated one), given whether each one's article has a
    publication date."""
    why = np.full(len(events), "", dtype=object)
    undated = ~events["_dated"].to_numpy(dtype=bool)
    if undated.any():
        part = events.loc[undated, ["time_expression", "date_basis"]].astype(str)
        keys = list(zip(part["time_expression"], published[undated], part["date_basis"], strict=True))
        reasons = {key: labels.undated_reason(*key) for key in set(keys)}  # a few distinct triples: each worded once
        why[undated] = [reasons[key] for key in keys]
    return why


def lane_column(events: pd.DataFrame, documents: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(each event's lane name, whether its article has a publication date): the lane is the outlet, or a short
    title when the source is an article's title (numbered apart when two would read the same: a whole-table
    step)."""
    n = len(events)
    doc_codes, doc_ids = pd.factorize(events["doc_id"].astype(str))  # each distinct doc_id looked up once
    outlet, published = np.full(len(doc_ids), "", dtype=object), np.zeros(len(doc_ids), dtype=bool)
    if len(documents):
        by_doc = documents.drop_duplicates("doc_id", keep="last")
        at = pd.Index(by_doc["doc_id"].astype(str)).get_indexer(doc_ids)
        found = at >= 0
        outlet[found] = by_doc["outlet"].astype(str).to_numpy(dtype=object)[at[found]]
        published[found] = by_doc["published"].notna().to_numpy()[at[found]]
    outlet_of, published_of = outlet[doc_codes], published[doc_codes]
    source_codes, sources = pd.factorize(events["source"].astype(str))
    source = sources.to_numpy(dtype=object)[source_codes] if n else np.zeros(0, dtype=object)
    known = (outlet_of != "") & (outlet_of == source)
    first = np.full(len(sources), n, dtype=np.int64)
    np.minimum.at(first, source_codes, np.arange(n, dtype=np.int64))  # each source's first row: its lane's name
    names = labels.lane_names(pd.Series(sources, dtype=object), pd.Series(known[first] if n else known))
    lane = np.asarray([names[str(s)] for s in sources], dtype=object)
    return pd.Series(lane[source_codes], index=events.index, dtype=object), pd.Series(published_of, index=events.index)


def load_dataset(location: str | Path | None = None) -> Dataset:
    """The prepared dataset of the store at `location` (default: $DATELINE_DATA), cached until its version changes.

    A database store: the uncorrected dataset cached by its data version, the corrections patched over it and
    cached by (data version, corrections version) (dashboard/corrected.py). A store that cannot be opened or
    read gives an empty dataset whose `problem` says why.
    """
    location = str(location or data_location())
    try:
        target = store.open_store(location)
        if (versions := getattr(target, "versions", None)) is not None:
            found = versions()  # cheap: one small query on every rerun
            return _cached_corrected(location, found.data, found.corrections)
        version = target.version()
    except store.StoreError as err:
        return build_dataset(schema.events_frame(), schema.documents_frame(), location, -1, str(err))
    return _cached_dataset(location, version)


def _load_uncached(location: str, version: int) -> Dataset:
    """The one place the dashboard reads a folder store's tables: events, documents, groups and key dates from
    one write (a database store: `_base_uncached` and `_corrected_uncached`)."""
    try:
        tables, notes = read_tables(store.open_store(location))
    except (store.StoreError, OSError) as err:
        return build_dataset(schema.events_frame(), schema.documents_frame(), location, version, str(err))
    events, documents, group_table, key_dates, version = tables
    return build_dataset(events, documents, location, version, None, group_table, key_dates, notes)


def _base_uncached(location: str, data_version: int) -> Base:
    """A database store's extracted tables, as read, and their dataset before any correction."""
    from dashboard import corrected

    return corrected.load_base(location)


def _corrected_uncached(location: str, data_version: int, corrections_version: int) -> Dataset:
    """A database store's dataset with its corrections: the cached base, patched."""
    from dashboard import corrected

    return corrected.load_corrected(
        _cached_base(location, data_version), location, max(data_version, corrections_version)
    )


def read_tables(
    target: store.Store, attempts: int = 5, version: Callable[[], int] | None = None
) -> tuple[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, int], tuple[str, ...]]:
    """((events, documents, groups, key_dates, version), notes) from one write of the store: read again when a
    write landed in between (`version`: which version tells, default the store's). Groups or key dates that
    cannot be read are a note, not a failure: the events are shown without them."""
    version = version or target.version
    for _ in range(attempts):
        before = version()
        events, documents = target.read_events(), target.read_documents()
        notes: list[str] = []
        extra: dict[str, pd.DataFrame] = {}
        for name in ("groups", "key_dates"):
            try:
                extra[name] = target.read_table(name)
            except (store.StoreError, OSError, ValueError) as err:
                extra[name] = empty_table(name)
                notes.append(f"The {name.replace('_', ' ')} table cannot be read ({err}); shown without it.")
        after = version()
        if after == before:
            break
    return (events, documents, extra["groups"], extra["key_dates"], after), tuple(notes)


def load_text(dataset: Dataset, doc_id: str) -> DocumentText:
    """A document's stored text (or why there is none), cached by the store's location and version."""
    return _cached_text(dataset.location or data_location(), dataset.version, str(doc_id))


def _text_uncached(location: str, version: int, doc_id: str) -> DocumentText:
    try:
        target = store.open_store(location)
    except store.StoreError as err:
        return DocumentText(None, f"The store cannot be opened: {err}")
    return document_text(target, doc_id)


try:  # Streamlit caches across reruns and sessions; outside Streamlit the plain function is used.
    import streamlit as st

    # cache_resource, not cache_data: cache_data pickles the frame on every hit, which at 1M events
    # costs seconds per rerun. The dataset is treated as read-only everywhere.
    _cached_dataset = st.cache_resource(max_entries=3, show_spinner="Loading the events table…")(_load_uncached)
    # a database store: the base by data version (read + prepared once per extraction or upload), and the
    # corrected dataset by (data version, corrections version), patched from the base in well under a second
    _cached_base = st.cache_resource(max_entries=2, show_spinner="Loading the events table…")(_base_uncached)
    _cached_corrected = st.cache_resource(max_entries=2, show_spinner=False)(_corrected_uncached)
    _cached_text = st.cache_data(max_entries=64, show_spinner=False)(_text_uncached)
except ImportError:  # pragma: no cover
    _cached_dataset = _load_uncached
    _cached_base = _base_uncached
    _cached_corrected = _corrected_uncached
    _cached_text = _text_uncached


def clear_cache() -> None:
    """Forget the cached datasets and texts (the reload control)."""
    for cached in (_cached_dataset, _cached_base, _cached_corrected, _cached_text):
        clear = getattr(cached, "clear", None)
        if clear:
            clear()


# --------------------------------------------------------------------------------------------------
# Filters


# What the sidebar selects: the store-side queries' filters (one definition for both; empty tuples mean
# 'no restriction', `active()` names the filters that restrict anything, `without(name)` clears one).
Filters = QueryFilters


def _ts(day: dt.date) -> np.datetime64:
    return np.datetime64(pd.Timestamp(day).to_datetime64(), "ns")


def filter_masks(df: pd.DataFrame, filters: Filters, actor_mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """One boolean array per active filter over a prepared events frame (see `prepare_events`)."""
    n = len(df)
    masks: dict[str, np.ndarray] = {}
    if "date" in filters.active():
        dated = df["_dated"].to_numpy()
        keep = dated.copy()
        if filters.date_to is not None:
            keep &= df["date_start"].to_numpy() <= _ts(filters.date_to)
        if filters.date_from is not None:
            keep &= df["date_end"].to_numpy() >= _ts(filters.date_from)
        if filters.include_undated:
            keep |= ~dated
        masks["date"] = keep
    for facet, column in FACET_COLUMNS.items():
        chosen = getattr(filters, facet)
        if chosen:
            masks[facet] = df[column].astype(str).isin(list(chosen)).to_numpy()
    if filters.actors:
        if actor_mask is None:
            chosen = set(filters.actors)
            actor_mask = df["actors"].map(lambda actors: not chosen.isdisjoint(actors)).to_numpy(dtype=bool)
        masks["actors"] = actor_mask
    query = filters.text.strip().lower()
    if query:
        keep = np.ones(n, dtype=bool)
        for word in query.split():
            keep &= df["_text"].str.contains(word, regex=False).to_numpy(dtype=bool)
        masks["text"] = keep
    if not filters.include_hypothetical:
        masks["modality"] = ~df["_hypothetical"].to_numpy()
    if filters.min_sources > 1:
        masks["min_sources"] = df["_n_sources"].to_numpy() >= filters.min_sources
    if filters.disagree:
        masks["disagree"] = df["_disagree"].to_numpy(dtype=bool)
    return masks


def combine(masks: Mapping[str, np.ndarray], n: int, skip: str | None = None) -> np.ndarray:
    """AND of the masks, leaving out `skip`."""
    keep = np.ones(n, dtype=bool)
    for name, mask in masks.items():
        if name != skip:
            keep &= mask
    return keep


LEFT_OUT_WORDS = {
    "undated": "undated",
    "out_of_range": "outside the date range",
    "sources": "by the source filter",
    "actors": "by the actor filter",
    "event_types": "by the event type filter",
    "granularities": "by the granularity filter",
    "date_bases": "by the date basis filter",
    "text": "by the search",
    "modality": "hypothetical or planned",
    "min_sources": "reported by too few sources",
    "disagree": "sources agree on the date",
    "several": "by more than one filter",
}


def left_out(
    df: pd.DataFrame, masks: Mapping[str, np.ndarray], groups_of: tuple[np.ndarray, int] | None = None
) -> dict[str, int]:
    """What each filter alone leaves out: rows (or, with `groups_of` = (each row's group, number of groups),
    groups) that pass every other filter but not this one. The date filter is split into 'undated' and
    'out_of_range'. Filters that leave nothing out are not listed."""
    n = len(df)

    def count(rows: np.ndarray) -> int:
        if groups_of is None:
            return int(rows.sum())
        of, n_groups = groups_of
        return int((np.bincount(of[rows], minlength=n_groups) > 0).sum())

    keep = combine(masks, n)
    shown = count(keep)
    out: dict[str, int] = {}
    if groups_of is None and masks:
        fails = np.zeros(n, dtype=np.int8)
        for mask in masks.values():
            fails += ~mask
        several = int((fails >= 2).sum())
    for name, mask in masks.items():
        others = combine(masks, n, skip=name)
        if name == "date":
            dated = df["_dated"].to_numpy(dtype=bool)
            parts = {"undated": others & ~dated & ~mask, "out_of_range": others & dated & ~mask}
        else:
            parts = {name: others & ~mask}
        for part, rows in parts.items():
            extra = count(rows | keep) - shown if groups_of is not None else int(rows.sum())
            if extra > 0:
                out[part] = extra
    if groups_of is None and masks and several:
        out["several"] = several
    return out


def left_out_text(counts: Mapping[str, int], lead: str = "Left out") -> str:
    """'Left out: 12 undated, 19 hypothetical or planned' (empty when nothing is left out)."""
    if not counts:
        return ""
    order = {name: i for i, name in enumerate(LEFT_OUT_WORDS)}  # one order, whoever counted
    named = sorted(counts.items(), key=lambda item: order.get(item[0], len(order)))
    parts = [f"{n:,} {LEFT_OUT_WORDS.get(name, name)}" for name, n in named]
    return f"{lead}: " + ", ".join(parts)


def filter_events(df: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The events that pass every filter (pure: the input is not modified)."""
    df = prepare_events(df)
    return df[combine(filter_masks(df, filters), len(df))]


def _actor_mask(ds: Dataset, actors: tuple[str, ...]) -> np.ndarray | None:
    if not actors:
        return None
    wanted = [i for i, a in enumerate(ds.actor_labels) if a in set(actors)]
    mask = np.zeros(len(ds.events), dtype=bool)
    mask[ds.actor_rows[np.isin(ds.actor_codes, wanted)]] = True
    return mask


def dataset_masks(ds: Dataset, filters: Filters) -> dict[str, np.ndarray]:
    """`filter_masks` for a dataset, using its exploded actor lookup."""
    return filter_masks(ds.events, filters, _actor_mask(ds, filters.actors))


def facet_counts(
    ds: Dataset, filters: Filters, masks: Mapping[str, np.ndarray] | None = None
) -> dict[str, dict[str, int]]:
    """For each facet value: how many events it keeps given all the other filters."""
    masks = dataset_masks(ds, filters) if masks is None else masks
    n = len(ds.events)
    out: dict[str, dict[str, int]] = {}
    for facet, (codes, names) in ds.facet_codes.items():
        keep = combine(masks, n, skip=facet)
        counts = np.bincount(codes[keep], minlength=len(names)) if len(names) else np.zeros(0, dtype=np.int64)
        out[facet] = {label: int(c) for label, c in zip(names, counts, strict=True)}
    keep = combine(masks, n, skip="actors")
    counts = np.bincount(ds.actor_codes[keep[ds.actor_rows]], minlength=len(ds.actor_labels))
    out["actors"] = {label: int(c) for label, c in zip(ds.actor_labels, counts, strict=True)}
    return out


def explain_empty(ds: Dataset, filters: Filters, masks: Mapping[str, np.ndarray] | None = None) -> str:
    """What to do when nothing matches: names the filter whose removal brings back the most events."""
    if not len(ds.events):
        return "The events table is empty: add articles on the 'Add articles' page or run an extraction."
    masks = dataset_masks(ds, filters) if masks is None else masks
    n = len(ds.events)
    best, best_count = None, 0
    for name in masks:
        count = int(combine(masks, n, skip=name).sum())
        if count > best_count:
            best, best_count = name, count
    return empty_advice(best, best_count)


def empty_advice(best: str | None, count: int) -> str:
    """'No events match: widen the date range (that alone would bring back 12 events).' for the filter ``best``
    whose removal alone brings back the most (``count``); None: none does alone."""
    if best is None or not count:
        return "No events match: several filters exclude everything together; reset the filters."
    advice = {
        "date": "widen the date range",
        "text": "clear the search text",
        "modality": "include hypothetical/planned events",
        "min_sources": "lower the minimum number of sources",
        "disagree": "switch off 'sources disagree'",
    }.get(best, f"clear the {FACET_LABELS[best]}")
    return f"No events match: {advice} (that alone would bring back {count:,} events)."


# --------------------------------------------------------------------------------------------------
# Filters <-> URL query string

QUERY_KEYS = {
    "sources": "source",
    "actors": "actor",
    "event_types": "type",
    "granularities": "gran",
    "date_bases": "basis",
}
FILTER_QUERY_KEYS = ("from", "to", *QUERY_KEYS.values(), "q", "hyp", "undated", "minsrc", "disagree")


def to_query_params(filters: Filters) -> dict[str, str | list[str]]:
    """The filters as query parameters, leaving out those at their default."""
    out: dict[str, str | list[str]] = {}
    if filters.date_from != DEFAULT_FROM:
        out["from"] = filters.date_from.isoformat() if filters.date_from else ""
    if filters.date_to != DEFAULT_TO:
        out["to"] = filters.date_to.isoformat() if filters.date_to else ""
    for field_name, key in QUERY_KEYS.items():
        values = list(getattr(filters, field_name))
        if values:
            out[key] = values
    if filters.text.strip():
        out["q"] = filters.text.strip()
    if filters.include_hypothetical:
        out["hyp"] = "1"
    if filters.include_undated:
        out["undated"] = "1"
    if filters.min_sources > 1:
        out["minsrc"] = str(filters.min_sources)
    if filters.disagree:
        out["disagree"] = "1"
    return out


def _as_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [v for v in value if v]


def _date_param(value: str | list[str] | None, default: dt.date) -> dt.date | None:
    values = _as_list(value) if value != "" else [""]
    if not values:
        return default
    if values[-1] == "":
        return None
    try:
        return dt.date.fromisoformat(values[-1])
    except ValueError:
        return default


def from_query_params(params: Mapping[str, str | list[str]]) -> Filters:
    """Filters from query parameters (unknown or malformed values fall back to defaults)."""
    lists = {field_name: tuple(dict.fromkeys(_as_list(params.get(key)))) for field_name, key in QUERY_KEYS.items()}
    try:
        min_sources = max(1, int(_as_list(params.get("minsrc"))[-1]))
    except (IndexError, ValueError):
        min_sources = 1
    text_values = _as_list(params.get("q"))
    return Filters(
        date_from=_date_param(params.get("from"), DEFAULT_FROM),
        date_to=_date_param(params.get("to"), DEFAULT_TO),
        text=text_values[-1] if text_values else "",
        include_hypothetical=_as_list(params.get("hyp"))[-1:] == ["1"],
        include_undated=_as_list(params.get("undated"))[-1:] == ["1"],
        min_sources=min_sources,
        disagree=_as_list(params.get("disagree"))[-1:] == ["1"],
        **lists,
    )


def checked_filters(filters: Filters, low: dt.date, high: dt.date, max_sources: int) -> tuple[Filters, list[str]]:
    """Filters from a link, brought within what the widgets accept, and one note per value changed.

    A crafted share link (`?from=0001-01-01`, `?to=9999-12-31`, `?minsrc=100000`) then shows a message
    instead of a widget error.
    """
    notes: list[str] = []
    changes: dict[str, object] = {}
    for name, label in (("date_from", "start date"), ("date_to", "end date")):
        value = getattr(filters, name)
        if value is not None and not low <= value <= high:
            changes[name] = min(max(value, low), high)
            notes.append(
                f"The link's {label} {value.isoformat()} is outside the dates this dashboard shows "
                f"({low.isoformat()} to {high.isoformat()}); {changes[name].isoformat()} is used instead."
            )
    if filters.min_sources > max_sources:
        changes["min_sources"] = max_sources
        notes.append(
            f"The link asks for events reported by {filters.min_sources:,} sources; at most {max_sources} is used."
        )
    return (replace(filters, **changes) if changes else filters), notes


# --------------------------------------------------------------------------------------------------
# Agreements


def agreements(events: pd.DataFrame, max_rows: int = 200) -> pd.DataFrame:
    """Months in which two or more sources report events with a shared actor.

    A heuristic, not event matching: sharing an actor and a month does not make two reports the same
    event. `kinds` says whether the sources classify their events alike.
    """
    columns = ["month", "actor", "n_sources", "n_events", "sources", "event_types", "kinds", "event_ids"]
    ev = events[events["_dated"] & events["granularity"].isin(["day", "week", "month"])]
    if ev.empty:
        return pd.DataFrame(columns=columns)
    pairs = ev[["event_id", "source", "event_type", "_month", "actors"]].explode("actors").dropna(subset=["actors"])
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    keys = ["_month", "actors"]
    counts = pairs.groupby(keys, sort=False).agg(n_sources=("source", "nunique"), n_events=("event_id", "nunique"))
    counts = counts[counts["n_sources"] >= 2].reset_index()
    if counts.empty:
        return pd.DataFrame(columns=columns)
    counts = counts.sort_values(["n_sources", "n_events", "_month"], ascending=[False, False, False]).head(max_rows)
    # the lists and names only for the rows kept (a few hundred), not for every month and actor
    top = pairs[pd.MultiIndex.from_frame(pairs[keys]).isin(pd.MultiIndex.from_frame(counts[keys]))]
    info = top.groupby(keys, sort=False).agg(
        sources=("source", lambda s: ", ".join(sorted(set(s)))),
        event_types=("event_type", lambda s: ", ".join(sorted(set(s)))),
        event_ids=("event_id", lambda s: list(dict.fromkeys(s))),
    )
    table = counts.join(info, on=keys)
    table["kinds"] = np.where(table["event_types"].str.contains(",", regex=False), "different kinds", "same kind")
    table = table.rename(columns={"_month": "month", "actors": "actor"})
    return table[columns].reset_index(drop=True)
