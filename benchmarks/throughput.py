"""Throughput: words per second of the whole extraction, against the bare spaCy pipeline, and --jobs 2 vs 1.

Corpus: the project's seeds plus the <TEXT> of every TimeML file under the TempEval-3 folder (read in place
at run time, never copied into the project). Figures printed:

* bare spaCy   ``nlp.pipe`` over the same texts (the floor any extraction pays);
* jobs 1       ``extract_documents(jobs=1)``: parsing + event extraction; goal >= 0.85 x bare;
* jobs 2       ``extract_documents(jobs=2)``, worker start-up included; goal >= 1.6 x jobs 1.

Usage: python benchmarks/throughput.py [--timeml DIR] [--repeat N] [--check]
The machine should be otherwise idle: other processes competing for the CPUs distort the jobs-2 ratio most.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from extract.documents import Document, read_inputs  # noqa: E402
from extract.nlp import MODEL_PACKAGES, load_nlp  # noqa: E402


def full_pipeline():
    """The model as shipped, every component running: the bare pipeline to compare against."""
    import importlib

    for name in MODEL_PACKAGES:
        try:
            return importlib.import_module(name).load()
        except ImportError:
            continue
    raise SystemExit("no spaCy English model installed")


from extract.pipeline import BATCH_SIZE, extract_documents  # noqa: E402

DEFAULT_TIMEML = ROOT.parent / "shared" / "bench" / "te3-tbaq"
GOAL_VS_BARE = 0.85
GOAL_JOBS2 = 1.6

_TEXT = re.compile(r"<TEXT>(.*?)</TEXT>", re.DOTALL)
_DCT = re.compile(r"<DCT>.*?value=\"(\d{4}-\d{2}-\d{2})", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def timeml_documents(folder: Path) -> list[Document]:
    """The text inside <TEXT> of each .tml file, tags stripped; the creation date as publication date."""
    documents = []
    for path in sorted(folder.rglob("*.tml")):
        raw = path.read_text(encoding="utf-8")
        body = _TEXT.search(raw)
        if not body:
            continue
        dct = _DCT.search(raw)
        documents.append(
            Document(
                doc_id=f"te3/{path.relative_to(folder).with_suffix('').as_posix()}",
                text=html.unescape(_TAG.sub("", body.group(1))),
                path=str(path),
                published=dct.group(1) if dct else "",
            )
        )
    return documents


def words(documents: list[Document]) -> int:
    return sum(len(d.text.split()) for d in documents)


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeml", type=Path, default=DEFAULT_TIMEML, help=f"TimeML folder (default {DEFAULT_TIMEML})")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="seed articles folder")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best is kept")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N documents (quick look)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    load_before = _load()

    if not args.timeml.is_dir():
        print(f"error: TimeML folder not found: {args.timeml} (pass --timeml DIR)", file=sys.stderr)
        return 2
    seeds, problems = read_inputs([args.seeds])
    for problem in problems:
        print(problem, file=sys.stderr)
    timeml = timeml_documents(args.timeml)
    documents = seeds + timeml
    if args.limit > 0:
        documents = documents[: args.limit]
    texts = [d.text for d in documents]
    n_words = words(documents)
    print(f"corpus: {len(documents)} documents ({len(seeds)} seeds + {len(timeml)} TimeML), {n_words:,} words")
    if len(documents) < 250:
        print("warning: fewer than 250 documents; figures are less reliable", file=sys.stderr)

    nlp = load_nlp()
    bare_nlp = full_pipeline()
    list(nlp.pipe(texts[:10]))  # warm-up: first calls allocate
    list(bare_nlp.pipe(texts[:10]))
    extract_documents(documents[:2], jobs=1)  # warm-up of the extraction rules' caches

    failures: list = []

    def run_jobs(jobs: int) -> None:
        _, _, found, *_ = extract_documents(documents, jobs=jobs)
        failures.extend(found)

    best = {}
    for _ in range(max(1, args.repeat)):
        for name, run in (
            ("bare", lambda: list(bare_nlp.pipe(texts, batch_size=BATCH_SIZE))),
            ("jobs1", lambda: run_jobs(1)),
            ("jobs2", lambda: run_jobs(2)),
        ):
            seconds = timed(run)
            print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)
            best[name] = min(seconds, best.get(name, seconds))
    rate = {name: n_words / seconds for name, seconds in best.items()}
    vs_bare = rate["jobs1"] / rate["bare"]
    jobs2 = rate["jobs2"] / rate["jobs1"]

    print(f"CPUs: {os.cpu_count()}, load average before: {load_before}")
    print(f"bare spaCy nlp.pipe       {best['bare']:7.1f} s  {rate['bare']:9,.0f} words/s")
    print(f"extract_documents jobs=1  {best['jobs1']:7.1f} s  {rate['jobs1']:9,.0f} words/s")
    print(f"extract_documents jobs=2  {best['jobs2']:7.1f} s  {rate['jobs2']:9,.0f} words/s")
    print(f"jobs=1 / bare: {vs_bare:.2f}  (goal >= {GOAL_VS_BARE})  {'ok' if vs_bare >= GOAL_VS_BARE else 'MISSED'}")
    print(f"jobs=2 / jobs=1: {jobs2:.2f}  (goal >= {GOAL_JOBS2})  {'ok' if jobs2 >= GOAL_JOBS2 else 'MISSED'}")
    if failures:
        print(f"note: {len(failures)} per-document extraction failures (e.g. {failures[0]})", file=sys.stderr)
    if args.check and (vs_bare < GOAL_VS_BARE or jobs2 < GOAL_JOBS2):
        return 1
    return 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":  # guard needed: jobs=2 spawns workers that re-import this module
    sys.exit(main())
