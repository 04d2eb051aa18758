"""Event grouping and the corpus steps: speed on synthetic tables, and grouping quality on extracted folders.

Speed (the default): builds synthetic events tables of 25,000, 50,000 and 100,000 rows (stories of several
reports each across outlets, mixed granularities, publication-dated leads, weekday-only rows of undated
articles with stored dating records, plans) and prints, per size, the time `group_events` takes (and per
1,000 rows: flat when the cost grows linearly), the time `groups_table` takes, how well the groups recover
the synthetic events (pairwise F1 over cross-document pairs: a sanity check, not a quality figure), and
the time of the whole `corpus_tables` (one name per person, grouping, cross-source dating, grouping again
when a document was dated, the groups table, key dates), with how many documents it dated. Goal: the
whole corpus steps for 100,000 rows in at most 60 s on one core.

    python benchmarks/grouping.py [--sizes 25000 50000 100000] [--seed 7]

Quality: run the corpus steps again on the tables of an extracted folder (written by `python -m extract ...
--out DIR`, which runs them already) and write `events.csv` and `groups.csv` into `--out` (default
DIR/grouped); or score the extraction of the seeds plus the annotated batches, extracted together into one
store (cross-document keys link their gold across batches), with the shared scorer:

    python benchmarks/grouping.py --annotated [--shared ../shared]   # line "cross-document grouping"

    python -m extract ../shared/bench/gvc-dev/texts --out /tmp/gvc --jobs 2
    python3 ../shared/tools/score_groups.py --events /tmp/gvc/events.csv \\
        --gold ../shared/bench/gvc-dev/gold.json --texts ../shared/bench/gvc-dev/texts
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
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
from extract.corpus.steps import corpus_tables  # noqa: E402
from extract.dating import DatingRecord  # noqa: E402
from extract.store.base import Corpus  # noqa: E402

GOAL_100K_S = 60.0
SHARED = ROOT.parent / "shared"
ANNOTATED = ROOT / "benchmarks" / "annotated"
# One text naming every weekday: its scan serves as the stored record of every synthetic undated article
WEEKDAY_TEXT = "Notes\n\n" + " ".join(
    f"It happened on {day}." for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
)
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
    publication date (a lead), or only a weekday (most story rows of the few articles without a publication
    date, which have stored dating records); 5% are plans."""
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
    # an undated article tells most of its story by weekday ("on Tuesday"): what cross-source dating works on
    kind = np.where(is_story & undated_doc[doc] & (rng.random(rows) < 0.6), "weekday", kind)
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


def weekday_records(events: pd.DataFrame, documents: pd.DataFrame) -> dict[str, str]:
    """Stored dating records for the synthetic undated articles (doc_id -> JSON): one parsed text naming every
    weekday serves as their scan, each weekday-only row anchored at its weekday's mention."""
    from extract.nlp import load_nlp
    from extract.timex import resolve, scan

    scanned = scan(WEEKDAY_TEXT, load_nlp()(WEEKDAY_TEXT))
    offsets = {m.text.lower(): (m.start, m.end) for m in resolve(scanned, None).timexes()}
    undated = set(documents.loc[documents["published_basis"] == "unknown", "doc_id"])
    rows = events[events["doc_id"].isin(undated) & (events["time_expression"] != "")]
    anchors: dict[str, dict[str, tuple[tuple[int, int], ...]]] = {doc_id: {} for doc_id in undated}
    for doc_id, event_id, weekday in zip(rows["doc_id"], rows["event_id"], rows["time_expression"], strict=True):
        if weekday.lower() in offsets:
            anchors[doc_id][event_id] = (offsets[weekday.lower()],)
    return {doc_id: DatingRecord(scanned, found).to_json() for doc_id, found in anchors.items()}


def speed(sizes: list[int], seed: int) -> None:
    """Print grouping time per size (and per 1,000 rows), groups-table time, the synthetic F1, and the time of
    the whole corpus steps (with the documents they dated)."""
    print(
        f"{'rows':>8} {'group_events':>13} {'per 1k rows':>12} {'groups_table':>13} {'groups':>8} "
        f"{'pairwise F1':>12} {'corpus_tables':>14} {'per 1k rows':>12} {'dated docs':>11}"
    )
    for n in sizes:
        events, documents, truth = synthetic_tables(n, seed)
        records = weekday_records(events, documents)
        began = time.perf_counter()
        grouped = group_events(events, documents)
        took = time.perf_counter() - began
        began = time.perf_counter()
        table = groups_table(grouped, documents)
        table_took = time.perf_counter() - began
        f1 = pairwise_f1(truth, grouped["event_group"], grouped["doc_id"])
        began = time.perf_counter()
        derived = corpus_tables(Corpus(events, documents, records.get))
        steps_took = time.perf_counter() - began
        dated = int((derived.documents["published_basis"] == "corroborated").sum())
        print(
            f"{n:>8,} {took:>12.1f}s {1000 * took / n:>11.3f}s {table_took:>12.1f}s {len(table):>8,} {f1:>12.3f} "
            f"{steps_took:>13.1f}s {1000 * steps_took / n:>11.3f}s {dated:>5,}/{len(records):,}"
        )
        if n == 100_000:
            verdict = "met" if steps_took <= GOAL_100K_S else "NOT met"
            print(f"goal: the corpus steps for 100,000 rows in at most {GOAL_100K_S:.0f} s: {verdict}")


def group_folder(folder: Path, out: Path) -> None:
    """Run the corpus steps again on an extracted folder's tables; write events.csv (asserted rows, grouped)
    and groups.csv to out."""
    stored = store.open_store(folder)
    corpus = Corpus(stored.read_events(), stored.read_documents(), stored.read_scan)
    began = time.perf_counter()
    derived = corpus_tables(corpus)
    took = time.perf_counter() - began
    grouped, table = derived.events, derived.tables["groups"]
    out.mkdir(parents=True, exist_ok=True)
    asserted = grouped[~store.is_plan(grouped)]
    store.csv_frame(asserted, schema.EVENT_COLUMNS).to_csv(out / "events.csv", index=False)
    store.csv_frame(table, GROUP_COLUMNS).to_csv(out / "groups.csv", index=False)
    multi = int((table["n_documents"] > 1).sum())
    print(f"{len(asserted)} events in {len(table)} groups ({multi} reported by 2+ documents) in {took:.2f} s")
    print(f"wrote {out / 'events.csv'} and {out / 'groups.csv'}")


def _concatenated_csv(parts: list[Path], target: Path) -> None:
    """CSV files with one header -> one file (the columns of the first; missing cells empty)."""
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in parts if p.is_file()]
    pd.concat(frames, ignore_index=True).to_csv(target, index=False)


def annotated(shared: Path, misses: bool) -> int:
    """Extract the seeds and the annotated batches into one store and score them against their gold together
    (the shared folder holds the scorer and the dev gold)."""
    scorer = shared / "tools" / "score_events.py"
    golds = [shared / "gold" / "dev", *sorted(ANNOTATED.glob("batch*/gold"))]
    folders = [ROOT / "seeds", *sorted(ANNOTATED.glob("batch*/texts"))]
    if not scorer.is_file() or not all(g.is_dir() for g in golds):
        print(f"needs {scorer} and the dev gold in {shared / 'gold' / 'dev'}; pass --shared PATH", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        texts, gold, out = Path(tmp, "texts"), Path(tmp, "gold"), Path(tmp, "out")
        texts.mkdir()
        gold.mkdir()
        for folder in folders:
            for path in sorted(folder.iterdir()):
                if path.is_file() and not (texts / path.name).exists():  # a seed in a batch is the same text
                    shutil.copy(path, texts / path.name)
        for name in ("events.csv", "optional_events.csv", "documents.csv"):
            _concatenated_csv([g / name for g in golds], gold / name)
        command = [sys.executable, "-m", "extract", str(texts), "--out", str(out), "--quiet", "--jobs", "2"]
        subprocess.run(command, cwd=ROOT, check=True)
        score = [sys.executable, str(scorer), "--events", str(out / "events.csv")]
        score += ["--documents", str(out / "documents.csv"), "--gold", str(gold), "--texts", str(texts)]
        print(subprocess.run([*score, *(["--misses"] if misses else [])], capture_output=True, text=True).stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folder", type=Path, help="an extracted folder to group instead of the speed run")
    parser.add_argument("--out", type=Path, help="where the grouped tables go (default FOLDER/grouped)")
    parser.add_argument("--annotated", action="store_true", help="score the seeds and annotated batches together")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (scorer, dev gold)")
    parser.add_argument("--misses", action="store_true", help="with --annotated: list the scorer's misses")
    args = parser.parse_args(argv)
    if args.annotated:
        return annotated(args.shared, args.misses)
    if args.folder:
        group_folder(args.folder, args.out or args.folder / "grouped")
    else:
        speed(args.sizes, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
