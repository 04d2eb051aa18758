"""Event grouping: speed on synthetic tables, and grouped tables of an extracted folder for the scorers.

Speed (the default): builds synthetic events tables of 25,000, 50,000 and 100,000 rows (stories of several
reports each across outlets, mixed granularities, publication-dated leads, weekday-only rows of undated
articles, plans) and prints the time `group_events` takes on each, the time per 1,000 rows (flat when the cost
grows linearly), the time `groups_table` takes, and how well the groups recover the synthetic events
(pairwise F1 over cross-document pairs: a sanity check, not a quality figure). Goal: 100,000 rows in at
most 60 s on one core.

    python benchmarks/grouping.py [--sizes 25000 50000 100000] [--seed 7]

Quality: group the tables of an extracted folder (written by `python -m extract ... --out DIR`) and write
`events.csv` (with `event_group` filled) and `groups.csv` into `--out` (default DIR/grouped), then score
them with the shared scorers:

    python -m extract ../shared/seeds --out /tmp/g-seeds
    python benchmarks/grouping.py --folder /tmp/g-seeds
    python3 ../shared/tools/score_events.py --events /tmp/g-seeds/grouped/events.csv \\
        --gold ../shared/gold/dev --texts ../shared/seeds            # line "cross-document grouping"

    python -m extract ../shared/bench/gvc-dev/texts --out /tmp/gvc --jobs 2
    python benchmarks/grouping.py --folder /tmp/gvc
    python3 ../shared/tools/score_groups.py --events /tmp/gvc/grouped/events.csv \\
        --gold ../shared/bench/gvc-dev/gold.json --texts ../shared/bench/gvc-dev/texts
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # the goal is for one core: no threaded numpy kernels

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract import schema, store  # noqa: E402
from extract.corpus import GROUP_COLUMNS, group_events, groups_table  # noqa: E402

GOAL_100K_S = 60.0
OUTLETS = 40
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _words(rng: np.random.Generator, prefix: str, vocabulary: int, size: tuple[int, ...], zipf: float) -> np.ndarray:
    """Synthetic words ('w123'): Zipf-distributed ranks (a few common words) when zipf > 1, else uniform."""
    ranks = (rng.zipf(zipf, size) - 1) % vocabulary if zipf > 1 else rng.integers(0, vocabulary, size)
    return np.char.add(prefix, ranks.astype(str)).astype(object)


def synthetic_tables(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """About `n` event rows reporting synthetic real-world events -> (events, documents, true event per row).

    Documents (about 5 rows each, 40 outlets, 2016-2025) each report one current story, an event of the
    last few days, in 1 to 3 rows, and a few background events from months or years before. An event has
    a day, a type, rare topic words, actors and a place; a row gives a few of the topic words, common
    words, usually its names and the event's day (sometimes a day off), month or year, or only the
    publication date (a lead), or only a weekday (in the few articles without a publication date); 5% are
    plans."""
    rng = np.random.default_rng(seed)
    n_docs = max(n // 5, 2)
    n_events = max(n // 5, 2)
    event_day = np.sort(rng.integers(0, 3650, n_events))
    published = rng.integers(30, 3650, n_docs)
    # the story: an event of the 4 days up to publication (the nearest earlier one if there is none)
    lo = np.searchsorted(event_day, published - 3)
    hi = np.maximum(np.searchsorted(event_day, published, side="right"), lo + 1)
    story = np.minimum(lo + (rng.random(n_docs) * (hi - lo)).astype(int), n_events - 1)
    story_rows = rng.integers(1, 4, n_docs)
    background_rows = rng.integers(1, 6, n_docs)
    doc = np.r_[np.repeat(np.arange(n_docs), story_rows), np.repeat(np.arange(n_docs), background_rows)]
    event = np.r_[
        np.repeat(story, story_rows),
        (
            rng.random(int(background_rows.sum()))
            * np.searchsorted(event_day, np.repeat(published - 30, background_rows))
        ).astype(int),
    ]
    keep = rng.permutation(len(doc))[:n]
    doc, event = doc[keep], event[keep]
    rows = len(doc)
    undated_doc = rng.random(n_docs) < 0.03
    is_story = event_day[event] >= published[doc] - 3

    kind = rng.choice(["day", "month", "year", "publication", "weekday"], rows, p=[0.72, 0.10, 0.04, 0.10, 0.04])
    kind = np.where((kind == "publication") & (~is_story | undated_doc[doc]), "day", kind)
    kind = np.where((kind == "weekday") & (~is_story | ~undated_doc[doc]), "day", kind)
    own_day = event_day[event] + np.where(rng.random(rows) < 0.05, rng.integers(-1, 2, rows), 0)
    base = pd.Timestamp("2016-01-01")
    start = pd.Series(base + pd.to_timedelta(np.where(kind == "publication", published[doc], own_day), unit="D"))
    start = start.where(kind != "month", start.dt.to_period("M").dt.start_time)
    start = start.where(kind != "year", start.dt.to_period("Y").dt.start_time)
    end = start.where(kind != "month", start + pd.offsets.MonthEnd(0))
    end = end.where(kind != "year", start + pd.offsets.YearEnd(0))
    weekday = pd.Series(base + pd.to_timedelta(own_day, unit="D")).dt.day_of_week.to_numpy()

    topic = _words(rng, "t", 200_000, (n_events, 6), 0)[event]
    common = _words(rng, "w", 5_000, (rows, 8), 1.2)
    shown = rng.random((rows, 6)) < 0.6
    summary = [" ".join([*t[k], *c[:2]]) for t, k, c in zip(topic, shown, common, strict=True)]
    actors = _words(rng, "Minister", 20_000, (n_events, 2), 1.05)[event]
    named = rng.random((rows, 2)) < 0.8
    types = np.asarray(schema.EVENT_TYPES, dtype=object)[rng.integers(0, len(schema.EVENT_TYPES), n_events)]
    events = pd.DataFrame(
        {
            "event_id": np.char.add("ev", np.arange(rows).astype(str)),
            "doc_id": np.char.add("doc", doc.astype(str)),
            "source": np.char.add("Outlet ", (doc % OUTLETS).astype(str)),
            "date_start": start.where(kind != "weekday"),
            "date_end": end.where(kind != "weekday"),
            "granularity": np.select([kind == "weekday", kind == "publication"], ["unresolved", "day"], kind),
            "date_basis": np.select(
                [kind == "weekday", kind == "publication"], ["unresolved", "publication"], "explicit"
            ),
            "time_expression": np.where(kind == "weekday", np.asarray(WEEKDAYS, dtype=object)[weekday], ""),
            "summary": summary,
            "sentence": [s + " " + " ".join(c[2:]) for s, c in zip(summary, common, strict=True)],
            "char_start": np.arange(rows),
            "char_end": np.arange(rows) + 1,
            "actors": [list(a[k]) for a, k in zip(actors, named, strict=True)],
            "locations": [[p] for p in _words(rng, "Town", 3_000, (n_events,), 1.05)[event]],
            "event_type": types[event],
            "modality": np.where(rng.random(rows) < 0.05, "planned", "asserted"),
            "confidence": 0.8,
        }
    )
    documents = pd.DataFrame(
        {
            "doc_id": np.char.add("doc", np.arange(n_docs).astype(str)),
            "outlet": np.char.add("Outlet ", (np.arange(n_docs) % OUTLETS).astype(str)),
            "published": pd.Series(base + pd.to_timedelta(published, unit="D")).where(~undated_doc),
            "published_granularity": np.where(undated_doc, "", "day"),
            "published_basis": np.where(undated_doc, "unknown", "metadata"),
        }
    )
    return schema.typed_events(events), schema.typed_documents(documents), event


def pairwise_f1(truth: np.ndarray, groups: pd.Series, docs: pd.Series) -> float:
    """F1 of cross-document row pairs sharing a group against pairs sharing a true event (counted, not listed)."""
    frame = pd.DataFrame({"t": truth, "g": groups.to_numpy(), "d": docs.to_numpy()})
    frame = frame[frame["g"] != ""]

    def cross(keys: list[str]) -> int:
        total = frame.groupby(keys).size()
        per_doc = frame.groupby([*keys, "d"]).size()
        return int((total * (total - 1) // 2).sum() - (per_doc * (per_doc - 1) // 2).sum())

    predicted, gold, correct = cross(["g"]), cross(["t"]), cross(["g", "t"])
    p, r = correct / max(predicted, 1), correct / max(gold, 1)
    return 2 * p * r / (p + r) if p + r else 0.0


def speed(sizes: list[int], seed: int) -> None:
    """Print grouping time per size (and per 1,000 rows), groups-table time and the synthetic F1."""
    print(
        f"{'rows':>8} {'group_events':>13} {'per 1k rows':>12} {'groups_table':>13} {'groups':>8} {'pairwise F1':>12}"
    )
    for n in sizes:
        events, documents, truth = synthetic_tables(n, seed)
        began = time.perf_counter()
        grouped = group_events(events, documents)
        took = time.perf_counter() - began
        began = time.perf_counter()
        table = groups_table(grouped, documents)
        table_took = time.perf_counter() - began
        f1 = pairwise_f1(truth, grouped["event_group"], grouped["doc_id"])
        print(f"{n:>8,} {took:>12.1f}s {1000 * took / n:>11.3f}s {table_took:>12.1f}s {len(table):>8,} {f1:>12.3f}")
        if n == 100_000:
            print(f"goal: 100,000 rows in at most {GOAL_100K_S:.0f} s: {'met' if took <= GOAL_100K_S else 'NOT met'}")


def group_folder(folder: Path, out: Path) -> None:
    """Group an extracted folder's tables; write events.csv (asserted rows, grouped) and groups.csv to out."""
    events, documents = store.read_tables(folder)
    began = time.perf_counter()
    grouped = group_events(events, documents)
    table = groups_table(grouped, documents)
    took = time.perf_counter() - began
    out.mkdir(parents=True, exist_ok=True)
    asserted = grouped[~store.is_plan(grouped)]
    store.csv_frame(asserted, schema.EVENT_COLUMNS).to_csv(out / "events.csv", index=False)
    store.csv_frame(table, GROUP_COLUMNS).to_csv(out / "groups.csv", index=False)
    multi = int((table["n_documents"] > 1).sum())
    print(f"{len(asserted)} events in {len(table)} groups ({multi} reported by 2+ documents) in {took:.2f} s")
    print(f"wrote {out / 'events.csv'} and {out / 'groups.csv'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folder", type=Path, help="an extracted folder to group instead of the speed run")
    parser.add_argument("--out", type=Path, help="where the grouped tables go (default FOLDER/grouped)")
    args = parser.parse_args(argv)
    if args.folder:
        group_folder(args.folder, args.out or args.folder / "grouped")
    else:
        speed(args.sizes, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
