"""Words per second on Dask distributed (1 and 2 workers) beside the local process pool (--jobs 1 and 2).

Corpus: the seeds repeated (each copy under its own doc_id) to about ``--words`` words, written once as a
JSONL file in a temporary folder. Each configuration is one whole run, as ``python -m extract`` does it:
read, extract, write into a fresh files store, then the corpus steps (groups, dating, key dates):

* pool jobs=N    ``runs.run_extraction(jobs=N)``, worker start-up included (this process's model is loaded
                 before, by a warm-up run on the seeds);
* dask N worker  ``cluster.run_on_cluster(scheduler="local", workers=N)``: the local cluster's start, each
                 worker loading the model, batched writes and the final corpus step included. Its
                 "extraction" column is the rate from the first task to the last batch written (no start-up,
                 no corpus step): what a long run on a cluster that is already up approaches.

"CPU s" is the CPU time of this process and every worker process of the run (user + system): on a machine
shared with other work, words per CPU second compares the configurations better than wall time does.

Usage: python benchmarks/cluster.py [--words N]   (default 200,000 words: a few minutes on 2 idle cores)
The machine should be otherwise idle; the load average before the run is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from extract.documents import read_inputs  # noqa: E402
from extract.runs import run_extraction  # noqa: E402


def corpus(seeds: Path, target_words: int, folder: Path) -> tuple[Path, int, int]:
    """The seeds repeated to about target_words words, as one JSONL file; (its path, documents, words)."""
    documents, problems = read_inputs([seeds])
    if problems or not documents:
        raise SystemExit(f"cannot read the seeds in {seeds}: {problems}")
    per_copy = sum(len(d.text.split()) for d in documents)
    copies = max(1, round(target_words / per_copy))
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            for d in documents:
                line = {"id": f"{copy:04d}/{d.doc_id}", "text": d.text, "title": d.title, "outlet": d.outlet}
                out.write(json.dumps({**line, "published": d.published}) + "\n")
    return path, copies * len(documents), copies * per_copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=200_000, help="corpus size in words (default 200,000)")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="seed articles folder")
    args = parser.parse_args(argv)
    from extract import cluster

    load_before = _load()
    rows: list[tuple[str, float, float, int, float | None]] = []
    with tempfile.TemporaryDirectory(prefix="dateline-cluster-bench-") as tmp:
        folder = Path(tmp)
        path, n_docs, n_words = corpus(args.seeds, args.words, folder)
        print(f"corpus: {n_docs} documents (the seeds repeated), {n_words:,} words", flush=True)
        run_extraction([args.seeds], folder / "warm-up")  # this process's model loaded and warm, as in a long run
        for name, run in (
            ("pool jobs=1", lambda out: run_extraction([path], out, jobs=1)),
            ("dask 1 worker", lambda out: cluster.run_on_cluster([path], out, "local", workers=1)),
            ("pool jobs=2", lambda out: run_extraction([path], out, jobs=2)),
            ("dask 2 workers", lambda out: cluster.run_on_cluster([path], out, "local", workers=2)),
        ):
            out = folder / name.replace(" ", "-").replace("=", "")
            cpu_before = _cpu()
            start = time.perf_counter()
            report = run(out)
            seconds = time.perf_counter() - start
            cpu = _cpu() - cpu_before
            if report.n_documents != n_docs:
                print(f"warning: {name}: {report.n_documents} of {n_docs} documents extracted", file=sys.stderr)
            extraction = getattr(report, "words_per_second", None)
            rows.append((name, seconds, cpu, report.n_events, extraction))
            print(f"  {name}: {seconds:.1f} s, {cpu:.1f} CPU s", file=sys.stderr, flush=True)
    print(f"CPUs: {os.cpu_count()}, load average before: {load_before}, after: {_load()}")
    print(
        f"{'':16} {'total s':>8} {'words/s':>9} {'CPU s':>7} {'words/CPU s':>12} {'events':>7} {'extraction words/s':>19}"
    )
    for name, seconds, cpu, n_events, extraction in rows:
        rate = f"{extraction:,.0f}" if extraction else "-"
        print(
            f"{name:16} {seconds:8.1f} {n_words / seconds:9,.0f} {cpu:7.1f} {n_words / cpu:12,.0f} {n_events:7,} "
            f"{rate:>19}"
        )
    events = {row[3] for row in rows}
    if len(events) != 1:
        print(f"error: the runs found different numbers of events: {sorted(events)}", file=sys.stderr)
        return 1
    return 0


def _cpu() -> float:
    """CPU seconds used by this process and its finished children (the pool's and the local cluster's workers,
    counted once they have exited): less sensitive than wall time to other work on the machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":  # guard needed: the pool and the local cluster spawn workers that re-import this
    sys.exit(main())
