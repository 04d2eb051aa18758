"""Long documents: extraction time grows linearly with a document's length, whatever its shape; memory is bounded.

Three shapes, each extracted as one document and as the same text cut into eight documents (in one run, one
process); the one document should take at most GOAL_RATIO times as long as the eight. Times are the process's
CPU time (what the extraction costs, whatever else the machine runs; the wall times are printed beside them):

* varied    about 160,000 words of real news sentences: the TimeML newswire texts of TempEval-3 (tags
            stripped), then Timeline17's articles, both read in place at run time from ../shared/bench and
            never copied into the project; without them, the project's seeds and annotated texts, repeated;
* labels    about 12,000 short lines ending in a colon ("Item 1:", ...), as an odd export has them;
* repeated  one sentence repeated 6,000 times, as a hostile upload might be.

Then the peak memory (maximum resident set size) of a child process that loads the model and extracts one
200,000-word document of the varied text; goal: at most GOAL_PEAK_GB.

Usage: python benchmarks/long_document.py [--bench DIR] [--words N] [--memory-words N] [--check]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import resource
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from extract.documents import Document  # noqa: E402

DEFAULT_BENCH = ROOT.parent / "shared" / "bench"
GOAL_RATIO = 1.3
GOAL_PEAK_GB = 1.5
N_PIECES = 8
LABEL_LINES = 12_000
REPEATS = 6_000
# A sentence whose event has no content words before its date: each copy is kept as an event, the case that
# made the per-document check for retold events compare every pair.
REPEATED_SENTENCE = "They did it again on 12 May 2021."

_TEXT = re.compile(r"<TEXT>(.*?)</TEXT>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def news_paragraphs(bench: Path) -> tuple[list[str], str]:
    """Article texts to build the varied shape from, and where they came from."""
    texts: list[str] = []
    for path in sorted((bench / "te3-tbaq").rglob("*.tml")):
        body = _TEXT.search(path.read_text(encoding="utf-8"))
        if body:
            texts.append(html.unescape(_TAG.sub("", body.group(1))).strip())
    n_te3 = len(texts)
    for path in sorted((bench / "t17-dev").glob("*/articles.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line).get("text", "")).strip())
    if texts:
        return [t for t in texts if t], f"{n_te3} TempEval-3 texts, then Timeline17 articles, from {bench}"
    own = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "benchmarks" / "annotated").glob("*/texts/*"))
    return [p.read_text(encoding="utf-8").strip() for p in own], f"{len(own)} seeds and annotated texts, repeated"


def varied_text(paragraphs: list[str], words: int) -> str:
    """Articles one after another (cycling if need be) until ``words`` words, ending at a word boundary."""
    out: list[str] = []
    count = 0
    while count < words:
        for text in paragraphs:
            tokens = text.split()
            if count + len(tokens) > words:
                text = " ".join(tokens[: words - count])
                tokens = text.split()
            out.append(text)
            count += len(tokens)
            if count >= words:
                break
    return "\n\n".join(out) + "\n"


def label_text(lines: int) -> str:
    return "Contents\n\n" + "".join(f"Item {i}:\n" for i in range(1, lines + 1))


def repeated_text(times: int) -> str:
    return "Notes\n\n" + " ".join([REPEATED_SENTENCE] * times) + "\n"


_BOUNDARY = re.compile(r"\n\s*|(?<=[.!?:])\s+")


def cut_in(text: str, parts: int) -> list[str]:
    """The text cut into ``parts`` consecutive pieces of about equal length, each ending at a line or sentence end."""
    cuts = [0]
    for i in range(1, parts):
        match = _BOUNDARY.search(text, max(cuts[-1] + 1, len(text) * i // parts))
        if match is None:
            break
        cuts.append(match.end())
    cuts.append(len(text))
    return [text[a:b] for a, b in pairwise(cuts) if text[a:b].strip()]


def timed_extraction(documents: list[Document]) -> tuple[float, float, int, list]:
    """(CPU seconds, wall seconds, events, problems) of extracting the documents in this process."""
    from extract.pipeline import extract_documents

    cpu, wall = time.process_time(), time.perf_counter()
    events, _, problems, *_ = extract_documents(documents, jobs=1)
    return time.process_time() - cpu, time.perf_counter() - wall, len(events), problems


def peak_memory(words: int, bench: Path) -> tuple[float, float]:
    """(peak RSS in GB, seconds) of a child process extracting one document of ``words`` words."""
    start = time.perf_counter()
    child = [sys.executable, __file__, "--bench", str(bench), "--memory-child", str(words)]
    subprocess.run(child, check=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
    return peak_kb / 1024**2, time.perf_counter() - start


def memory_child(words: int, bench: Path) -> int:
    from extract.pipeline import extract_documents

    paragraphs, _ = news_paragraphs(bench)
    text = varied_text(paragraphs, words)
    events, _, problems, *_ = extract_documents([Document(doc_id="long", text=text, path="long.txt")])
    print(f"  child: {len(text.split()):,} words, {len(text):,} characters, {len(events):,} events", file=sys.stderr)
    for problem in problems:
        print(f"  child: {problem}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help=f"shared bench folder ({DEFAULT_BENCH})")
    parser.add_argument("--words", type=int, default=160_000, help="words of the varied shape")
    parser.add_argument("--memory-words", type=int, default=200_000, help="words of the memory run's document")
    parser.add_argument("--shapes", default="varied,labels,repeated", help="comma-separated shapes to time")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        return memory_child(args.memory_child, args.bench)

    # The memory run first: RUSAGE_CHILDREN keeps the largest peak of any child waited for.
    peak, peak_seconds = peak_memory(args.memory_words, args.bench)

    from extract.nlp import load_nlp

    load_nlp()
    paragraphs, origin = news_paragraphs(args.bench)
    shapes = {
        "varied": lambda: varied_text(paragraphs, args.words),
        "labels": lambda: label_text(LABEL_LINES),
        "repeated": lambda: repeated_text(REPEATS),
    }
    timed_extraction([Document(doc_id="warm", text=varied_text(paragraphs, 2_000), path="warm.txt")])
    print(f"varied text: {origin}")
    print(
        f"{'shape':9} {'words':>8} {'chars':>10} {'1 doc':>8} {'8 docs':>8} {'ratio':>6}  {'wall 1/8':>13} {'events 1/8':>12}"
    )
    ok = True
    for name in args.shapes.split(","):
        text = shapes[name]()
        pieces = cut_in(text, N_PIECES)
        one = [Document(doc_id=name, text=text, path=f"{name}.txt")]
        eight = [Document(doc_id=f"{name}-{i}", text=p, path=f"{name}-{i}.txt") for i, p in enumerate(pieces)]
        cpu_one, wall_one, n_one, problems_one = timed_extraction(one)
        cpu_eight, wall_eight, n_eight, problems_eight = timed_extraction(eight)
        ratio = cpu_one / cpu_eight
        ok &= ratio <= GOAL_RATIO
        print(
            f"{name:9} {len(text.split()):8,} {len(text):10,} {cpu_one:7.1f}s {cpu_eight:7.1f}s {ratio:6.2f}  "
            f"{wall_one:5.0f}s/{wall_eight:5.0f}s {n_one:>5,}/{n_eight:<6,} {'ok' if ratio <= GOAL_RATIO else 'MISSED'}",
            flush=True,
        )
        for problem in problems_one + problems_eight:
            print(f"  note: {problem}", file=sys.stderr)
    print(f"ratio goal: 1 document at most {GOAL_RATIO}x the time of the same text in {N_PIECES} documents")
    verdict = "ok" if peak <= GOAL_PEAK_GB else "MISSED"
    print(
        f"peak memory, one {args.memory_words:,}-word document in a child process: {peak:.2f} GB "
        f"({peak_seconds:.0f} s, model load included; goal <= {GOAL_PEAK_GB} GB) {verdict}"
    )
    ok &= peak <= GOAL_PEAK_GB
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
