"""Command line: ``python -m extract INPUT... --out data/``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

DESCRIPTION = "Extract dated events from news articles into events and documents tables."

EPILOG = """\
inputs:
  Files or folders. Folders are searched recursively in sorted order; hidden
  files and folders are skipped. Formats, by extension:
    .txt            plain text, UTF-8 (a leading BOM is dropped; event offsets
                    index into the text without it)
    .md/.markdown   text; an optional front matter block at the top
                    (---, key: value lines, ---) gives metadata and is not
                    part of the text
    .html/.htm      the article's main text (trafilatura), without scripts,
                    styles or navigation; title/date/site name taken from the
                    page's metadata
    .jsonl          one article per line: {"id": ..., "text": ..., optional
                    "title", "published", "outlet", "url"}; a bad line is
                    reported as FILE:LINE and the other lines are kept
  doc_id: path relative to the input folder without extension (a file given
  directly: its name without extension; JSONL: the "id"). A repeated doc_id is
  reported and the later document skipped.
  Not UTF-8, binary, empty, over 50 MB or unsupported files are reported and
  skipped. Very long texts are parsed in pieces; a text over 200,000 words is
  cut at a paragraph or sentence end before the limit, with a warning, and
  the part kept is extracted.

sidecars:
  NAME.meta.json next to NAME.txt (or .md/.html) holds metadata, e.g.
  {"title": "...", "outlet": "...", "url": "...", "published": "2025-10-10"};
  it overrides front matter and HTML metadata. A malformed sidecar or an
  impossible date is warned about and ignored.

outputs (in --out, a folder):
  events.parquet  the events table: what happened (lists as Parquet lists,
                  dates as timestamps)
  events.csv      the same, UTF-8, lists joined with "; ", dates YYYY-MM-DD
  plans.parquet   planned and hypothetical events ("will meet", "could
  plans.csv       deploy"), same columns, kept out of the events table
  documents.csv   one row per document
  texts/          each document's text, named by its SHA-256
  manifest.json   the store's version (grows with every write)
  (CSV: CRLF line ends; fields with quotes, commas or line breaks quoted.)
  The files are replaced together and atomically, through a journal: a
  failed run leaves the previous ones as they were, and a run killed while
  swapping them in is completed by whoever opens the folder next. Nothing is
  written if no document could be extracted. Runs writing into one folder
  take turns (a lock file, .dateline.lock, in --out), so concurrent --merge
  runs keep each other's documents. --merge refuses a folder holding only one
  of the two tables (events and documents.csv); a stored doc_id taken over by
  a different file is warned about.

problems and exit codes:
  Problems go to stderr, one per line: FILE: error|warning: reason
  ("error": that input was skipped; "warning": read, something ignored).
  0  tables written (possibly with some problems)
  1  nothing written: no document could be read or extracted, or writing failed
  2  usage error
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also documents the options for --help)."""
    parser = argparse.ArgumentParser(
        prog="python -m extract",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="files or folders to read")
    parser.add_argument("--out", default="data", metavar="DIR", help="output folder (default: data)")
    parser.add_argument(
        "--jobs", type=_jobs, default=1, metavar="N", help="processes to use (default 1; 0 = one per CPU)"
    )
    parser.add_argument(
        "--merge", action="store_true", help="add to the tables in --out, replacing re-extracted doc_ids"
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar and no warnings (errors still shown)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    from extract.runs import MergeError, StoreError, run_extraction
    from extract.store import open_store

    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    try:
        store = open_store(args.out)
    except StoreError as exc:
        parser.error(f"--out: {exc}")  # exits with 2
    bar = _ProgressBar(enabled=not args.quiet)
    try:
        report = run_extraction(args.inputs, store, jobs=args.jobs, progress=bar, merge=args.merge)
    except MergeError as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (StoreError, OSError) as exc:
        bar.close()
        print(f"error: could not write the tables to {args.out}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        print("interrupted; previous tables left as they were", file=sys.stderr)
        return 130
    bar.close()

    for problem in report.problems:
        if not (args.quiet and problem.severity == "warning"):
            print(problem, file=sys.stderr)
    if not args.quiet:
        for doc_id, (old, new) in report.replaced.items():
            if old != new:  # the same file re-extracted is the usual case; another file taking its doc_id is not
                print(f"{new}: warning: replaced stored doc_id '{doc_id}' (was read from {old})", file=sys.stderr)
    n_problems = len(report.problems)
    plans = f" ({report.n_plans} of them planned or hypothetical)" if report.n_plans else ""
    summary = (
        f"{report.n_documents} documents, {report.n_events} events{plans}, "
        f"{n_problems} problem{'s' if n_problems != 1 else ''}"
    )
    if report.written:
        where = ", ".join(report.outputs)
        print(f"{summary}; wrote {where}{' (merged)' if args.merge else ''}")
        return 0
    reason = "no document could be read" if report.n_read == 0 else "no document could be extracted"
    print(f"{summary}; nothing written: {reason}", file=sys.stderr)
    return 1


class _ProgressBar:
    """tqdm bar on stderr, opened on the first progress call when there are more than 5 documents."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None

    def __call__(self, done: int, total: int, doc_id: str) -> None:
        if not self.enabled or total <= 5:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)
        self.bar.set_postfix_str(doc_id[-40:], refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per CPU) or more")
    return jobs


if __name__ == "__main__":  # guard needed: --jobs workers are spawned and re-import the main module
    sys.exit(main())
