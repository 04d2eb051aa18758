"""Key dates: Date-F1 of `key_dates` on Timeline17 dev topics, and the time to rank a large synthetic table.

Date-F1 is news timeline summarisation's date-selection metric. This script ranks each timeline's extracted
tables with `extract.corpus.keydates.key_dates` and scores the ranking with the shared scorer
(`../shared/tools/score_keydates.py`, imported, so the metric is exactly its own), under both protocols:

* newstls (the published setting): articles published outside the gold timeline's first..last date are
  dropped before ranking (as news-tls does), and ranked dates outside that span are dropped before the top k;
* open: every article and every date; only k (the number of gold dates) comes from the gold.

Printed: Date-F1 per timeline, the mean of the per-timeline F1 and F(mean P, mean R) (news-tls's dataset
figure), for a baseline that counts distinct documents per day (the scorer's `dateline-docs`, event groups
left out) and for the settings; when the tables carry event groups, the settings again with the groups left
out. With ``--ablations``, one line per idea switched off (or on), each against the settings. Then the time
to rank a synthetic events table of ``--synthetic`` rows (default 1,000,000; 0 skips it).

Extract each topic folder once (a few minutes each; keep the outputs outside the project):

    python -m extract ../shared/bench/t17-dev/t17_X/articles.jsonl --out /tmp/t17/X --jobs 2 --quiet

Usage:

    python benchmarks/keydates.py [--extracted /tmp/t17] [--bench ../shared/bench/t17-dev]
        [--pool folder|topic] [--set NAME=VALUE ...] [--ablations] [--synthetic N]

`--extracted` holds one folder per topic, named as the topic folder without its `t17_` prefix (or with it),
each with events.parquet (or events.csv), plans.parquet (or plans.csv), documents.csv and, when grouping has
run, groups.csv; events and plans are ranked together, as the store's `read_events` returns them.
`--pool topic` ranks each timeline from all folders of its topic together (the three H1N1 outlets), each
folder's articles under its outlet's name. `--set` overrides a number or switch of KeyDateSettings for the
whole run (e.g. ``--set retro_bonus=0.5``, ``--set regroup_own_days=1``).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from extract.corpus.keydates import DEFAULT_SETTINGS, KeyDateSettings, key_dates  # noqa: E402

PROTOCOLS = ("newstls", "open")


def shared_dir() -> Path:
    """The shared folder beside the project (or beside a folder that holds the project's worktree)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "tools" / "score_keydates.py").exists():
            return parent / "shared"
    return ROOT.parent / "shared"


def load_scorer(shared: Path):
    """The shared scorer as a module (standard library only)."""
    path = shared / "tools" / "score_keydates.py"
    if not path.exists():
        raise SystemExit(f"{path}: the shared scorer is missing")
    spec = importlib.util.spec_from_file_location("score_keydates", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def read_events(folder: Path, stem: str) -> pd.DataFrame:
    """STEM.parquet (else STEM.csv) of an extracted folder; an empty table when neither is there."""
    if (folder / f"{stem}.parquet").exists():
        return pd.read_parquet(folder / f"{stem}.parquet")
    if (folder / f"{stem}.csv").exists():
        return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False)
    return pd.DataFrame()


def read_tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """events (with the plans, as the store's read_events gives them), documents and groups if present."""
    events = pd.concat([read_events(folder, "events"), read_events(folder, "plans")], ignore_index=True)
    documents = pd.read_csv(folder / "documents.csv", dtype=str, keep_default_na=False)
    groups = None
    if (folder / "groups.csv").exists():
        groups = pd.read_csv(folder / "groups.csv", dtype=str, keep_default_na=False)
    return events, documents, groups


def extracted_folder(extracted: Path, task: Path) -> Path | None:
    for name in (task.name.removeprefix("t17_"), task.name):
        if (extracted / name / "documents.csv").exists():
            return extracted / name
    return None


def task_ranking(scorer, task: Path, tables, protocol: str, settings: KeyDateSettings) -> list:
    """The ranked dates of one task under a protocol (articles outside the gold span dropped for newstls)."""
    events, documents, groups = tables
    if protocol == "newstls":
        gold = scorer.gold_dates(task / "timeline.json")
        published = pd.to_datetime(documents["published"], errors="coerce").dt.date
        keep = published.between(min(gold), max(gold)).fillna(False).astype(bool)
        documents = documents[keep]
        events = events[events["doc_id"].isin(set(documents["doc_id"]))]
    ranking = key_dates(events, documents, groups, settings)
    return [d.date() for d in ranking["date"]]


def pooled_by_topic(tables: dict) -> dict:
    """task -> the tables of every task of its topic, concatenated; each folder's `source` is its outlet.

    As the scorer's `--pool topic`: news-tls ranks a T17 topic's dates from all its source folders together.
    """
    topic = {task: json.loads((task / "task.json").read_text(encoding="utf-8"))["topic"] for task in tables}
    out = {}
    for task in tables:
        members = [t for t in tables if topic[t] == topic[task]]
        events = pd.concat([tables[t][0].assign(source=t.name.removeprefix("t17_")) for t in members])
        documents = pd.concat([tables[t][1] for t in members])
        groups = [tables[t][2] for t in members if tables[t][2] is not None]
        out[task] = (events.reset_index(drop=True), documents, pd.concat(groups) if groups else None)
    return out


def ungrouped(tables):
    """The same tables with event groups left out (event_group emptied, no groups table)."""
    events, documents, _ = tables
    return events.assign(event_group=""), documents, None


def evaluate(scorer, tasks, tables, settings: KeyDateSettings) -> dict[str, list[dict]]:
    """protocol -> the scorer's result per task."""
    out = {}
    for protocol in PROTOCOLS:
        out[protocol] = [
            scorer.score_task(
                task, ranking=task_ranking(scorer, task, tables[task], protocol, settings), protocol=protocol
            )
            for task in tasks
        ]
    return out


def print_results(scorer, label: str, results: dict[str, list[dict]]) -> None:
    for protocol, per_task in results.items():
        cells = "  ".join(f"{r['task'].removeprefix('t17_')} {r['f1']:.3f}" for r in per_task)
        avg = scorer.average(per_task)
        print(
            f"{label:<40} {protocol:<8} mean F1 {avg['mean_f1']:.3f}  F(mean P, mean R) {avg['f1_of_means']:.3f}  | {cells}"
        )


def baseline_settings() -> KeyDateSettings:
    """Distinct documents per day over the asserted day-level rows: the scorer's `dateline-docs`."""
    return dataclasses.replace(
        KeyDateSettings(),
        basis_weights={b: 1.0 for b in ("explicit", "citation", "relative", "anaphoric", "inferred", "publication")},
        modality_weights={"asserted": 1.0},
        source_exponent=1.0,
        off_topic_weight=1.0,
        burst_weight=0.0,
        smoothing=0.0,
        background_weight=1.0,
        retro_bonus=0.0,
        coarse_weight=0.0,
    )


def ablations(settings: KeyDateSettings) -> list[tuple[str, KeyDateSettings]]:
    """One variant per idea, each changing only that idea in the given settings."""
    weights = dict(settings.basis_weights)
    modality = dict(settings.modality_weights)
    variants = [
        ("every basis weighs 1", {"basis_weights": dict.fromkeys(weights, 1.0)}),
        ("publication-dated leads weigh 0.5", {"basis_weights": {**weights, "publication": 0.5}}),
        ("publication-dated leads weigh 0", {"basis_weights": {**weights, "publication": 0.0}}),
        ("plans weigh 0", {"modality_weights": {**modality, "planned": 0.0}}),
        ("plans weigh 1", {"modality_weights": {**modality, "planned": 1.0}}),
        ("sources damped (exponent 0.7)", {"source_exponent": 0.7}),
        ("off-topic documents in full", {"off_topic_weight": 1.0}),
        ("no publication burst", {"burst_weight": 0.0}),
        ("burst over 2 days, not 3", {"burst_days": 2}),
        ("no smoothing", {"smoothing": 0.0}),
        ("background days in full", {"background_weight": 1.0}),
        ("retrospective bonus 0.5 (>= 30 days)", {"retro_bonus": 0.5, "retro_min_days": 30}),
        ("retrospective bonus 0.5 (>= 7 days)", {"retro_bonus": 0.5, "retro_min_days": 7}),
        ("week/month mentions lend 0.1", {"coarse_weight": 0.1}),
        ("group members all take the group's day", {"regroup_own_days": True}),
    ]
    return [(label, dataclasses.replace(settings, **change)) for label, change in variants]


def override(settings: KeyDateSettings, assignments: list[str]) -> KeyDateSettings:
    """KeyDateSettings with NAME=VALUE overrides (numbers only; the weight maps are changed in code)."""
    fields = {f.name: f for f in dataclasses.fields(KeyDateSettings)}
    changes = {}
    for item in assignments:
        name, _, value = item.partition("=")
        if name not in fields or name.endswith("_weights"):
            raise SystemExit(f"--set {item}: not a numeric field of KeyDateSettings")
        kind = str(fields[name].type)
        if kind == "bool":
            changes[name] = value.lower() in ("1", "true", "yes")
        else:
            changes[name] = int(value) if kind == "int" else float(value)
    return dataclasses.replace(settings, **changes)


def synthetic_tables(n_events: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A random events table of n_events rows over n/10 documents and 100 sources, and its documents.

    Ten years of coverage; most events a few days before their report, some long before; a mix of
    granularities, bases and modalities; 0 to 3 actors per row from 5,000 names (a few frequent); half the
    rows in event groups of about four reports.
    """
    rng = np.random.default_rng(seed)
    n_docs = max(1, n_events // 10)
    published = np.datetime64("2015-01-01") + rng.integers(0, 3650, n_docs).astype("timedelta64[D]")
    doc_ids = np.array([f"doc{i}" for i in range(n_docs)], dtype=object)
    documents = pd.DataFrame({"doc_id": doc_ids, "published": published, "published_granularity": "day"})
    doc_of = rng.integers(0, n_docs, n_events)
    start = published[doc_of] - rng.geometric(0.05, n_events).astype("timedelta64[D]")
    granularity = rng.choice(["day", "day", "day", "month", "week", "year", "unresolved"], n_events)
    end = start.copy()
    for name, length in (("week", 6), ("month", 29), ("year", 364)):
        end[granularity == name] += np.timedelta64(length, "D")
    names = np.array([f"Actor {i}" for i in range(5000)], dtype=object)
    picks = np.minimum(rng.zipf(1.5, (n_events, 3)) - 1, len(names) - 1)
    n_actors = rng.integers(0, 4, n_events)
    actors = [list(names[picks[i, : n_actors[i]]]) for i in range(n_events)]
    grouped = rng.random(n_events) < 0.5
    events = pd.DataFrame(
        {
            "event_id": np.arange(n_events).astype(str),
            "doc_id": doc_ids[doc_of],
            "source": np.array([f"outlet{i}" for i in range(100)], dtype=object)[doc_of % 100],
            "date_start": start,
            "date_end": end,
            "granularity": granularity,
            "date_basis": rng.choice(["explicit", "relative", "publication", "anaphoric"], n_events),
            "summary": "something happened",
            "actors": actors,
            "locations": [[] for _ in range(n_events)],
            "modality": rng.choice(["asserted"] * 8 + ["planned", "hypothetical"], n_events),
            "event_group": np.where(grouped, np.char.add("g", (np.arange(n_events) // 4).astype(str)), ""),
        }
    )
    events.loc[events["granularity"] == "unresolved", ["date_start", "date_end"]] = pd.NaT
    return events, documents


def time_synthetic(n_events: int, settings: KeyDateSettings) -> None:
    events, documents = synthetic_tables(n_events)
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        table = key_dates(events, documents, settings=settings)
        timings.append(time.perf_counter() - began)
    print(
        f"synthetic: {n_events:,} events, {len(documents):,} documents -> {len(table):,} ranked days; "
        f"key_dates took {min(timings):.2f} s (best of 3; {', '.join(f'{t:.2f}' for t in timings)})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--extracted", type=Path, default=Path("/tmp/t17"), help="folder of extracted topic folders")
    ap.add_argument("--bench", type=Path, default=None, help="the T17 dev topics (default ../shared/bench/t17-dev)")
    ap.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--ablations", action="store_true", help="also score each idea switched off")
    ap.add_argument("--synthetic", type=int, default=1_000_000, help="rows of the synthetic table (0: skip)")
    ap.add_argument(
        "--pool",
        choices=("folder", "topic"),
        default="folder",
        help="rank each timeline from its own folder's articles, or from all folders of its topic (each an outlet)",
    )
    args = ap.parse_args(argv)

    shared = shared_dir()
    bench = args.bench or shared / "bench" / "t17-dev"
    settings = override(DEFAULT_SETTINGS, args.assignments)
    scorer = load_scorer(shared)
    tasks = sorted(d for d in bench.glob("t17_*") if (d / "timeline.json").exists())
    tables = {}
    for task in tasks:
        folder = extracted_folder(args.extracted, task)
        if folder is None:
            print(f"{task.name}: no extracted tables under {args.extracted} (see this script's docstring); skipped")
            continue
        tables[task] = read_tables(folder)
    tasks = [t for t in tasks if t in tables]
    if args.pool == "topic":
        tables = pooled_by_topic(tables)
    if tasks:
        plain = {t: ungrouped(tables[t]) for t in tasks}
        runs: list[tuple[str, dict, KeyDateSettings]] = [
            ("baseline: distinct documents/day", plain, baseline_settings()),
            ("key_dates", tables, settings),
        ]
        if any(tables[t][2] is not None or (tables[t][0]["event_group"] != "").any() for t in tasks):
            runs.append(("key_dates, groups left out", plain, settings))
        if args.ablations:
            runs += [(label, tables, variant) for label, variant in ablations(settings)]
        sizes = ", ".join(str(len(tables[t][1])) for t in tasks)
        print(f"Date-F1 on {len(tasks)} T17 dev timelines ({sizes} documents; pool {args.pool})")
        for label, data, variant in runs:
            print_results(scorer, label, evaluate(scorer, tasks, data, variant))
    if args.synthetic:
        time_synthetic(args.synthetic, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
