"""Data for the dashboard: the one place it reads the store (cached by the store's version), derived columns,
and pure filter functions.

The dashboard reads and writes only through `extract.store` (a Store opened on $DATELINE_DATA): the tables
through `load_dataset`, a document's text through `load_text`, uploads through `ingest`. Pages index the loaded
frame with the sidebar's mask (`View.keep`); a later store can take the filtering over behind `load_dataset`.
Everything here except the two loaders is plain pandas/numpy and can be tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.text import DocumentText, document_text
from extract import schema, store

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_FROM = dt.date(2018, 1, 1)
DEFAULT_TO = dt.date(2026, 12, 31)

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
}


def data_location() -> str:
    """Where the dashboard's store is: $DATELINE_DATA (a folder), default `data` (relative to the working directory)."""
    return os.environ.get("DATELINE_DATA", "") or "data"


def open_data_store(location: str | None = None) -> store.Store:
    """The store at `location` (default: $DATELINE_DATA); raises store.StoreError for one it cannot open."""
    return store.open_store(location or data_location())


# --------------------------------------------------------------------------------------------------
# Derived columns and the prepared dataset


def prepare_events(events: pd.DataFrame) -> pd.DataFrame:
    """The events table plus derived columns (prefixed `_`) that make filters vectorised.

    Idempotent: a frame that already has them is returned unchanged.
    """
    if "_text" in events.columns:
        return events
    df = events.reset_index(drop=True).copy()
    start = pd.to_datetime(df["date_start"]).astype("datetime64[ns]")
    end = pd.to_datetime(df["date_end"]).astype("datetime64[ns]")
    end = end.where(end.notna() & (end >= start), start)
    df["date_start"], df["date_end"] = start, end
    df["_dated"] = start.notna().to_numpy()
    df["_end_excl"] = end + pd.Timedelta(days=1)
    df["_span"] = (df["_dated"] & (end > start)).to_numpy()
    df["_month"] = start.dt.to_period("M").dt.start_time.astype("datetime64[ns]")
    df["_year"] = start.dt.year.astype("Int64")
    months = start.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    df["_mi"] = np.where(df["_dated"].to_numpy(), months, -1)  # months since 1970-01, -1 when undated
    type_codes = {kind: i for i, kind in enumerate(schema.EVENT_TYPES)}
    df["_type_code"] = df["event_type"].astype(object).map(type_codes).fillna(-1).astype(np.int8).to_numpy()
    text = df["summary"].astype(str) + " " + df["sentence"].astype(str)
    df["_text"] = text.str.lower().astype("string[pyarrow]")
    hashed = pd.util.hash_pandas_object(df["event_id"].astype(str), index=False).to_numpy()
    df["_jitter"] = ((hashed % 1009) / 1008.0 - 0.5) * 0.64
    from dashboard.charts import hover_text

    df["_hover"] = hover_text(df).astype(object)
    df["_hypothetical"] = (df["modality"].astype(str) != "asserted").to_numpy()
    group = df["event_group"].astype(str)
    n_src = df.groupby(group, sort=False)["source"].transform("nunique").to_numpy()
    df["_n_sources"] = np.where(group.to_numpy() == "", 1, n_src).astype("int64")
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

    @property
    def stamp(self) -> tuple[str, int]:
        """(location, version): changes whenever the store is written."""
        return self.location, self.version

    @property
    def has_groups(self) -> bool:
        """Whether `event_group` is filled anywhere (needed by the 'reported by N sources' filter)."""
        return bool((self.events["event_group"].astype(str) != "").any()) if len(self.events) else False

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
) -> Dataset:
    """Prepare the tables once: derived columns, facet codes and the exploded actor lookup."""
    ev = prepare_events(events)
    codes: dict[str, tuple[np.ndarray, list[str]]] = {}
    for facet, column in FACET_COLUMNS.items():
        values = ev[column].astype(str)
        order = values.value_counts(sort=True)
        labels = [str(v) for v in order.index]
        lookup = {v: i for i, v in enumerate(labels)}
        codes[facet] = (values.map(lookup).to_numpy(dtype=np.int64), labels)
    lengths = ev["actors"].map(len).to_numpy(dtype=np.int64) if len(ev) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(ev), dtype=np.int64), lengths)
    flat = pd.Series([a for lst in ev["actors"] for a in lst], dtype=object)
    if len(flat):
        order = flat.value_counts(sort=True)
        actor_labels = [str(v) for v in order.index]
        actor_codes = flat.map({v: i for i, v in enumerate(actor_labels)}).to_numpy(dtype=np.int64)
    else:
        actor_labels, actor_codes = [], np.zeros(0, dtype=np.int64)
    return Dataset(
        ev, documents.reset_index(drop=True), codes, rows, actor_codes, actor_labels, location, version, problem
    )


def load_dataset(location: str | Path | None = None) -> Dataset:
    """The prepared dataset of the store at `location` (default: $DATELINE_DATA), cached until its version changes.

    A store that cannot be opened or read gives an empty dataset whose `problem` says why.
    """
    location = str(location or data_location())
    try:
        version = store.open_store(location).version()  # cheap: called on every rerun
    except store.StoreError as err:
        return build_dataset(schema.events_frame(), schema.documents_frame(), location, -1, str(err))
    return _cached_dataset(location, version)


def _load_uncached(location: str, version: int) -> Dataset:
    """The one place the dashboard reads the tables: both from one write of the store."""
    try:
        events, documents, version = store.read_snapshot(store.open_store(location))
    except (store.StoreError, OSError) as err:
        return build_dataset(schema.events_frame(), schema.documents_frame(), location, version, str(err))
    return build_dataset(events, documents, location, version)


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
    _cached_text = st.cache_data(max_entries=64, show_spinner=False)(_text_uncached)
except ImportError:  # pragma: no cover
    _cached_dataset = _load_uncached
    _cached_text = _text_uncached


def clear_cache() -> None:
    """Forget the cached dataset and texts (the reload control)."""
    for cached in (_cached_dataset, _cached_text):
        clear = getattr(cached, "clear", None)
        if clear:
            clear()


# --------------------------------------------------------------------------------------------------
# Filters


@dataclass(frozen=True)
class Filters:
    """What the sidebar selects. Empty tuples mean 'no restriction'."""

    date_from: dt.date | None = DEFAULT_FROM
    date_to: dt.date | None = DEFAULT_TO
    sources: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    granularities: tuple[str, ...] = ()
    date_bases: tuple[str, ...] = ()
    text: str = ""
    include_hypothetical: bool = False
    include_undated: bool = False
    min_sources: int = 1

    def active(self) -> list[str]:
        """Names of the filters that restrict anything."""
        names = []
        if self.date_from is not None or self.date_to is not None or not self.include_undated:
            names.append("date")
        names += [f for f in ("sources", "actors", "event_types", "granularities", "date_bases") if getattr(self, f)]
        if self.text.strip():
            names.append("text")
        if not self.include_hypothetical:
            names.append("modality")
        if self.min_sources > 1:
            names.append("min_sources")
        return names

    def without(self, name: str) -> Filters:
        """The same filters with one of them cleared (see `active` for the names)."""
        if name == "date":
            return replace(self, date_from=None, date_to=None, include_undated=True)
        if name == "text":
            return replace(self, text="")
        if name == "modality":
            return replace(self, include_hypothetical=True)
        if name == "min_sources":
            return replace(self, min_sources=1)
        return replace(self, **{name: ()})


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
    return masks


def combine(masks: Mapping[str, np.ndarray], n: int, skip: str | None = None) -> np.ndarray:
    """AND of the masks, leaving out `skip`."""
    keep = np.ones(n, dtype=bool)
    for name, mask in masks.items():
        if name != skip:
            keep &= mask
    return keep


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
    for facet, (codes, labels) in ds.facet_codes.items():
        keep = combine(masks, n, skip=facet)
        counts = np.bincount(codes[keep], minlength=len(labels)) if len(labels) else np.zeros(0, dtype=np.int64)
        out[facet] = {label: int(c) for label, c in zip(labels, counts, strict=True)}
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
    if best is None:
        return "No events match: several filters exclude everything together; reset the filters."
    advice = {
        "date": "widen the date range",
        "text": "clear the search text",
        "modality": "include hypothetical/planned events",
        "min_sources": "lower the minimum number of sources",
    }.get(best, f"clear the {FACET_LABELS[best]}")
    return f"No events match: {advice} (that alone would bring back {best_count:,} events)."


# --------------------------------------------------------------------------------------------------
# Filters <-> URL query string

QUERY_KEYS = {
    "sources": "source",
    "actors": "actor",
    "event_types": "type",
    "granularities": "gran",
    "date_bases": "basis",
}
FILTER_QUERY_KEYS = ("from", "to", *QUERY_KEYS.values(), "q", "hyp", "undated", "minsrc")


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
    grouped = pairs.groupby(["_month", "actors"], sort=False)
    table = grouped.agg(
        n_sources=("source", "nunique"),
        n_events=("event_id", "nunique"),
        sources=("source", lambda s: ", ".join(sorted(set(s)))),
        event_types=("event_type", lambda s: ", ".join(sorted(set(s)))),
        event_ids=("event_id", lambda s: list(dict.fromkeys(s))),
    ).reset_index()
    table = table[table["n_sources"] >= 2]
    if table.empty:
        return pd.DataFrame(columns=columns)
    table["kinds"] = np.where(table["event_types"].str.contains(",", regex=False), "different kinds", "same kind")
    table = table.rename(columns={"_month": "month", "actors": "actor"})
    table = table.sort_values(["n_sources", "n_events", "month"], ascending=[False, False, False]).head(max_rows)
    return table[columns].reset_index(drop=True)
