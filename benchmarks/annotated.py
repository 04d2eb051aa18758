"""Score the extraction on the project's own annotated batches (benchmarks/annotated/batch*/).

    python benchmarks/annotated.py [--scorer ../shared/tools/score_events.py] [--misses]

Each batch holds `texts/` and `gold/` (the gold's layout, conventions as in the shared dev gold's
README, plus the batch's DECISIONS.md where they were silent). For every batch the texts are extracted
twice into a temporary folder: as they are (publication dates from the texts only) and with the gold's
publication dates in sidecars; the shared scorer then prints its figures for both runs.

These texts were annotated to measure rules on articles they were not written against, but each
batch was scored once and the rules then revised against its misses: they are a regression set now,
not a held-out one. The README gives the first and the current figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks" / "annotated"
DEFAULT_SCORER = ROOT.parent / "shared" / "tools" / "score_events.py"


def _gold_dates(gold: Path) -> dict[str, str]:
    import csv

    with (gold / "documents.csv").open(newline="", encoding="utf-8") as handle:
        return {row["doc_id"]: row["dct"] for row in csv.DictReader(handle)}


def _extract(texts: Path, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "extract", str(texts), "--out", str(out), "--quiet"], cwd=ROOT, check=True)


def _score(scorer: Path, out: Path, batch: Path, misses: bool) -> str:
    args = [sys.executable, str(scorer), "--events", str(out / "events.csv"), "--documents", str(out / "documents.csv")]
    args += ["--gold", str(batch / "gold"), "--texts", str(batch / "texts")] + (["--misses"] if misses else [])
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="the shared score_events.py")
    parser.add_argument("--misses", action="store_true", help="list the gold events missed or dated wrong")
    args = parser.parse_args(argv)
    if not args.scorer.is_file():
        print(f"no scorer at {args.scorer}; pass --scorer PATH", file=sys.stderr)
        return 1
    for batch in sorted(HERE.glob("batch*")):
        with tempfile.TemporaryDirectory() as tmp:
            tmp_dir = Path(tmp)
            with_meta = tmp_dir / "with_meta"
            shutil.copytree(batch / "texts", with_meta)
            for doc_id, published in _gold_dates(batch / "gold").items():
                (with_meta / f"{doc_id}.meta.json").write_text(json.dumps({"published": published}), encoding="utf-8")
            for label, texts in (("no metadata", batch / "texts"), ("true dates in sidecars", with_meta)):
                out = tmp_dir / label.replace(" ", "_")
                _extract(texts, out)
                print(f"=== {batch.name}, {label}")
                print(_score(args.scorer, out, batch, args.misses).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
