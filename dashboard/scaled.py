"""The dashboard over a large store: filters, counts and marks computed by the store, not in this process.

A store holding at least `query_threshold()` reports (default 200,000; ``DATELINE_QUERY_ROWS``, or
``[dateline] query_rows`` in the secrets; 0: always) is never loaded whole. The sidebar reads a `Summary` (the
store's totals, each facet's values with their counts, the span of its dates: a few queries once per store
version), and every page asks `QueryView` for what it draws (extract/store/query.py, through DuckDB: over a
folder's Parquet files, or over a copy of a database's tables made once per version). Only the rows drawn or
shown travel to the page. A smaller store is loaded into memory as before (dashboard/data.py), where every
page's extras work on the whole table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import data, labels
from dashboard.components import md_text
from extract import store
from extract.store.query import DEFAULT_FROM, DEFAULT_TO, Extent, Query, QueryFilters, ReportCounts, open_query

QUERY_ROWS = 200_000  # from this many reports on, the store answers the filters
MAX_ACTOR_OPTIONS = 5_000  # the actor filter lists the most frequent actors (a search box, not a list of all)
EVERYTHING = QueryFilters(date_from=None, date_to=None, include_hypothetical=True, include_undated=True)


def query_threshold(environ: dict[str, str] | None = None) -> int:
    """Reports from which the store answers the filters: DATELINE_QUERY_ROWS, [dateline] query_rows, 200,000."""
    environ = os.environ if environ is None else environ
    raw: object = environ.get("DATELINE_QUERY_ROWS")
    if raw is None:
        try:
            import streamlit as st

            raw = (st.secrets.get("dateline") or {}).get("query_rows")
        except Exception:  # no secrets file, or not under Streamlit: the default
            raw = None
    try:
        return max(int(raw), 0) if raw is not None else QUERY_ROWS  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return QUERY_ROWS


def stamp_of(location: str) -> tuple[str, int, int]:
    """(location, data version, corrections version): changes with every write (one small query)."""
    target = store.open_store(location)
    if (versions := getattr(target, "versions", None)) is not None:
        found = versions()
        return location, found.data, found.corrections
    return location, target.version(), 0


def open_view_query(location: str) -> Query:
    """The store-side queries of the dashboard's store: DuckDB over a folder's files or a database's copy."""
    return open_query(store.open_store(location), "duckdb")


def _size_uncached(location: str, data_version: int) -> int:
    """Reports in the store: an SQL count on a database; on a folder, its Parquet files' metadata (no row read,
    no query table made: a small folder is then loaded as before), or the rows of a folder kept as CSV only."""
    target = store.open_store(location)
    if not hasattr(target, "root"):
        return open_query(target).count(EVERYTHING)
    import pyarrow.parquet as pq

    root, total = Path(target.root), 0
    for name in ("events", "plans"):
        parquet, csv = root / f"{name}.parquet", root / f"{name}.csv"
        if parquet.exists():
            total += pq.ParquetFile(parquet).metadata.num_rows
        elif csv.exists():
            return len(target.read_events())  # a folder from before Parquet: small, read as the loader reads it
    return total


def use_queries(location: str) -> bool:
    """Whether the store is large enough to be queried rather than loaded (False for one that cannot be read or
    holds nothing: the loader says why)."""
    threshold = query_threshold()
    try:
        where, data_version, _ = stamp_of(location)
        size = _cached_size(where, data_version)
    except Exception:  # a table the query engine cannot read (DuckDB's own errors too): the loader says why
        return False
    return size > 0 and size >= threshold  # an empty store is loaded: its pages say how to fill it


@dataclass(frozen=True)
class Summary:
    """A large store at a glance, for the sidebar and the pages' headers (what `Dataset` gives a small one)."""

    location: str
    version: int
    extent: Extent
    counts: dict[str, dict[str, int]]  # facet -> value -> reports in the whole table, most first
    n_documents: int = 0
    source_lanes: dict[str, str] = field(default_factory=dict)  # source -> its lane's name
    title_lanes: frozenset[str] = frozenset()  # lanes named by an article's title (no outlet known)
    problem: str | None = None
    corrections_version: int = 0
    documents: pd.DataFrame = field(default_factory=lambda: data.empty_table("documents"), repr=False, compare=False)

    scaled = True

    @property
    def stamp(self) -> tuple[str, int, int]:
        """Changes with every write, corrections included (the sidebar drops selections that are gone)."""
        return self.location, self.version, self.corrections_version

    def options(self, facet: str) -> list[str]:
        """A facet's values, most frequent first (actors: the MAX_ACTOR_OPTIONS most frequent)."""
        values = list(self.counts.get(facet, {}))
        return values[:MAX_ACTOR_OPTIONS] if facet == "actors" else values

    @property
    def all_counts(self) -> dict[str, dict[str, int]]:
        return self.counts

    def date_bounds(self) -> tuple[Any, Any]:
        if self.extent.first is None or self.extent.last is None:
            return DEFAULT_FROM, DEFAULT_TO
        return self.extent.first, self.extent.last

    @property
    def n_events(self) -> int:
        return self.extent.reports

    @property
    def n_undated(self) -> int:
        return self.extent.undated

    @property
    def n_hypothetical(self) -> int:
        return self.extent.hypothetical

    @property
    def has_groups(self) -> bool:
        return self.extent.grouped

    @property
    def n_conflicts(self) -> int:
        return self.extent.conflicts

    @property
    def most_sources(self) -> int:
        return self.extent.most_sources

    @cached_property
    def lane_sources(self) -> dict[str, str]:
        """Each lane name's full source."""
        return {lane: source for source, lane in self.source_lanes.items()}

    @cached_property
    def _published(self) -> tuple[pd.Index, np.ndarray]:
        """The documents' ids (an index) and whether each has a publication date."""
        docs = self.documents.drop_duplicates("doc_id", keep="last")
        return pd.Index(docs["doc_id"].astype(str)), docs["published"].notna().to_numpy(dtype=bool)

    @cached_property
    def undated_documents(self) -> pd.DataFrame:
        """The documents without a publication date."""
        docs = self.documents
        return docs[docs["published"].isna()] if len(docs) else docs

    def with_documents(self, events: pd.DataFrame) -> pd.DataFrame:
        """Prepared events with `_lane` (their source's lane over the whole store) and `_why_undated`, as
        data.with_documents gives them, looked up by index instead of a pass over the documents."""
        index, published = self._published
        at = index.get_indexer(events["doc_id"].astype(str))
        has_date = np.where(at >= 0, published[np.maximum(at, 0)], False) if len(published) else np.zeros(len(at), bool)
        lanes = self.source_lanes
        return events.assign(
            _lane=[lanes.get(s, s) for s in events["source"].astype(str).tolist()],
            _why_undated=data.undated_reasons(events, has_date),
        )


def _summary_uncached(location: str, data_version: int, corrections_version: int) -> Summary:
    try:
        target = store.open_store(location)
        query = open_view_query(location)
        extent = query.extent()
        counts = query.report_counts(EVERYTHING).facets
        documents = target.read_documents()
    except (store.StoreError, LookupError, OSError, ValueError) as err:
        empty = Extent(0, 0, 0, False, None, None, 0, 1)
        return Summary(location, data_version, empty, {}, problem=str(err))
    sources = list(counts.get("sources", {}))
    outlets = set(documents["outlet"].astype(str)) - {""} if len(documents) else set()
    known = [source in outlets for source in sources]
    names = labels.lane_names(pd.Series(sources, dtype=object), pd.Series(known, dtype=bool)) if sources else {}
    lanes = {source: str(names[source]) for source in sources}
    titles = frozenset(lane for source, lane in lanes.items() if source not in outlets)
    return Summary(
        location, data_version, extent, counts, len(documents), lanes, titles, None, corrections_version, documents
    )


def load_summary(location: str) -> Summary:
    """The store's Summary, cached until it is written."""
    try:
        where, data_version, corrections_version = stamp_of(location)
    except store.StoreError as err:
        return Summary(location, -1, Extent(0, 0, 0, False, None, None, 0, 1), {}, problem=str(err))
    return _cached_summary(where, data_version, corrections_version)


@dataclass
class QueryView:
    """What every page shows of a large store: the summary, the filters, and the store's answers for them."""

    summary: Summary
    filters: QueryFilters
    query: Query

    scaled = True

    @property
    def dataset(self) -> Summary:
        """The summary (a small store's view gives its Dataset here)."""
        return self.summary

    @cached_property
    def counts(self) -> ReportCounts:
        """Reports matching, per-facet counts under the other filters, and what each filter leaves out (kept per
        store version and filters: a rerun that changes no filter does not ask the store)."""
        return _cached_counts(self.query, self.filters, (self.summary.stamp, repr(self.filters)))

    @property
    def count(self) -> int:
        return self.counts.matching

    @property
    def total(self) -> int:
        return self.summary.n_events

    @property
    def left_out(self) -> dict[str, int]:
        return self.counts.left_out

    def left_out_text(self, lead: str = "Left out") -> str:
        text = data.left_out_text(self.left_out, lead)
        return md_text(text) + "." if text else ""

    def empty_message(self) -> str:
        """What to change when nothing matches: the filter whose removal alone brings back the most reports."""
        if not self.total:
            return "The events table is empty: add articles on the 'Add articles' page or run an extraction."
        left = dict(self.left_out)
        left["date"] = left.pop("undated", 0) + left.pop("out_of_range", 0)
        left.pop("several", None)
        best = max(left, key=lambda name: left[name], default=None)
        return data.empty_advice(best, left[best] if best is not None else 0)


def _counts_uncached(_query: Query, _filters: QueryFilters, key: tuple) -> ReportCounts:
    # the actors' counts ignore the actor filter: kept apart, a change of actors alone does not count them again
    others = _filters.without("actors")
    actors = _cached_actor_counts(_query, others, (key[0], repr(others)))
    return _query.report_counts(_filters, actors)


def _actor_counts_uncached(_query: Query, _filters: QueryFilters, key: tuple) -> dict[str, int]:
    return _query.actor_counts(_filters)


# Kept across reruns and sessions, by the store's version (a write is a new key).
_cached_size = st.cache_resource(max_entries=4, show_spinner=False)(_size_uncached)
_cached_summary = st.cache_resource(max_entries=2, show_spinner="Counting the events…")(_summary_uncached)
_cached_counts = st.cache_resource(max_entries=16, show_spinner=False)(_counts_uncached)
_cached_actor_counts = st.cache_resource(max_entries=16, show_spinner=False)(_actor_counts_uncached)


def clear_cache() -> None:
    """Forget everything kept of a large store (the reload control): sizes, summaries and every scaled page's
    answers (st.cache_resource, the loaded dataset's too), and the DuckDB copies and query tables, read again
    on the next query."""
    from extract.store import query_backends, query_mirror

    st.cache_resource.clear()
    query_backends.forget()
    query_mirror.forget()
