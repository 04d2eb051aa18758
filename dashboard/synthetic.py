"""Synthetic events and documents (typed with extract.schema) for benchmarks and demos."""

from __future__ import annotations

import numpy as np
import pandas as pd

from extract import schema

SOURCES = [f"Outlet {chr(65 + i)}" for i in range(12)]
ACTORS = ["Russia", "Ukraine", "United States", "China", "European Union", "NATO", "Cuba", "Iran", "Turkey", "India"]
ACTORS += [f"Person {i}" for i in range(40)]


def synthetic_tables(n: int, seed: int = 7, n_docs: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` plausible events (2016-2027, mixed granularities) and their documents, built column-wise."""
    rng = np.random.default_rng(seed)
    n_docs = n_docs or max(1, n // 20)
    doc_idx = rng.integers(0, n_docs, n)
    doc_source = rng.integers(0, len(SOURCES), n_docs)
    source = np.asarray(SOURCES, dtype=object)[doc_source[doc_idx]]
    start_days = rng.integers(0, 365 * 11, n)
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(start_days, unit="D")
    gran = rng.choice(["day", "month", "year", "range", "unresolved"], n, p=[0.62, 0.2, 0.08, 0.05, 0.05])
    start = pd.Series(start)
    month_start = start.dt.to_period("M").dt.start_time
    year_start = start.dt.to_period("Y").dt.start_time
    date_start = start.where(gran == "day", month_start.where(gran == "month", year_start.where(gran == "year", start)))
    span = pd.to_timedelta(np.select([gran == "month", gran == "year", gran == "range"], [0, 0, 40], 0), unit="D")
    date_end = date_start + span
    date_end = date_end.where(gran != "month", month_start + pd.offsets.MonthEnd(0))
    date_end = date_end.where(gran != "year", year_start + pd.offsets.YearEnd(0))
    date_start = date_start.where(gran != "unresolved")
    date_end = date_end.where(gran != "unresolved")
    kinds = np.asarray(schema.EVENT_TYPES, dtype=object)[rng.integers(0, len(schema.EVENT_TYPES), n)]
    a1 = np.asarray(ACTORS, dtype=object)[rng.zipf(1.6, n) % len(ACTORS)]
    a2 = np.asarray(ACTORS, dtype=object)[rng.integers(0, len(ACTORS), n)]
    two = rng.random(n) < 0.35
    actors = [[x, y] if t and x != y else [x] for x, y, t in zip(a1, a2, two, strict=True)]
    ids = np.char.add("ev", np.arange(n).astype(str)).astype(object)
    words = np.asarray(["talks", "strike", "sanctions", "tariffs", "ceasefire", "summit", "exercise", "loan"])
    what = words[rng.integers(0, len(words), n)]
    summary = [f"{a[0]} {w} ({k})" for a, w, k in zip(actors, what, kinds, strict=True)]
    sentence = [f"On the day in question, {s} was reported in detail by the outlet." for s in summary]
    events = pd.DataFrame(
        {
            "event_id": ids,
            "doc_id": np.char.add("doc", doc_idx.astype(str)).astype(object),
            "source": source,
            "date_start": date_start,
            "date_end": date_end,
            "granularity": gran,
            "date_basis": rng.choice(["explicit", "relative", "publication", "inferred"], n, p=[0.5, 0.3, 0.15, 0.05]),
            "time_expression": np.where(gran == "day", "on the day", np.where(gran == "month", "that month", "then")),
            "summary": summary,
            "sentence": sentence,
            "char_start": np.zeros(n, dtype=np.int64),
            "char_end": np.full(n, 60, dtype=np.int64),
            "actors": actors,
            "locations": [[] for _ in range(n)],
            "event_type": kinds,
            "modality": rng.choice(["asserted", "hypothetical", "planned"], n, p=[0.85, 0.1, 0.05]),
            "confidence": rng.random(n).round(3),
            "event_group": "",
        }
    )
    docs = pd.DataFrame(
        {
            "doc_id": [f"doc{i}" for i in range(n_docs)],
            "title": [f"Article {i}" for i in range(n_docs)],
            "outlet": np.asarray(SOURCES, dtype=object)[doc_source],
            "published": pd.Timestamp("2025-01-01"),
            "published_granularity": "day",
            "published_basis": "metadata",
            "path": "",
            "sha256": "",
            "n_events": np.bincount(doc_idx, minlength=n_docs),
        }
    )
    return schema.typed_events(events), schema.typed_documents(docs)


def synthetic_groups(
    events: pd.DataFrame, documents: pd.DataFrame, seed: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Synthetic events grouped as a corpus step would group them, the groups table and the key dates.

    About a third of the asserted, dated events are reported by two to four sources: a group's members get
    its first member's date, except that one member in five groups is a day or two off (the sources disagree)
    and one in ten gives only the month (a vaguer date). The groups table and key dates are computed by the
    corpus steps themselves (`extract.corpus`), so the dashboard reads them as it would a real store's.
    """
    from extract.corpus.consensus import groups_table  # the corpus steps: only for synthetic tables
    from extract.corpus.keydates import key_dates

    rng = np.random.default_rng(seed)
    ev = events.copy()
    candidates = np.flatnonzero(((ev["modality"] == "asserted") & ev["date_start"].notna()).to_numpy())
    order = rng.permutation(candidates)
    sizes = rng.choice([1, 1, 1, 1, 2, 2, 3, 4], size=len(order))
    group = np.repeat(np.arange(len(order)), sizes)[: len(order)]
    ids = np.empty(len(ev), dtype=object)
    ids[:] = ""
    ids[order] = np.char.add("sg", group.astype(str)).astype(object)
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    lead = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]  # each member's first member
    for column in ("date_start", "date_end", "granularity", "event_type"):
        values = ev[column].to_numpy(copy=True)
        values[order] = values[lead]
        ev[column] = values
    follower = order[~first]
    off = follower[rng.random(len(follower)) < 0.2]
    shift = pd.to_timedelta(rng.integers(1, 3, len(off)), unit="D")
    for column in ("date_start", "date_end"):
        ev.loc[off, column] = ev.loc[off, column] + shift
    vague = follower[rng.random(len(follower)) < 0.1]
    day = ev.loc[vague, "granularity"] == "day"
    vague = vague[day.to_numpy()]
    ev.loc[vague, "date_start"] = ev.loc[vague, "date_start"].dt.to_period("M").dt.start_time
    ev.loc[vague, "date_end"] = ev.loc[vague, "date_start"] + pd.offsets.MonthEnd(0)
    ev.loc[vague, "granularity"] = "month"
    ev["event_group"] = ids
    ev = schema.typed_events(ev)
    groups = groups_table(ev, documents)
    return ev, groups, key_dates(ev, documents, groups)
