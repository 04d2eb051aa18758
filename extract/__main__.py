"""Command line: ``python -m extract INPUT... [--db URL] [--out DIR] [--scheduler ADDRESS]``,
``python -m extract import DATA_DIR``, ``python -m extract migrate``, ``python -m extract users``
(extract/cli_users.py)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extract.runs import RunReport
    from extract.store import Store

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

where the tables go:
  --db URL        a database: sqlite:///PATH/dateline.db (a file, created on
                  first write) or postgresql://USER:PASS@HOST/DB (also
                  postgres:// and postgresql+psycopg://). Each write is one
                  transaction holding the database's lock, so concurrent runs
                  and dashboard uploads keep each other's documents; the
                  schema is upgraded to this version's on the first write.
  --out DIR       a folder of files (below); with --db too, the folder gets
                  a copy of everything the database then holds (an export).
  neither         the default store, as the dashboard finds it:
                  $DATELINE_DATABASE_URL, else [connections.dateline] url in
                  .streamlit/secrets.toml, else in $DATELINE_DATA (default
                  data/): dateline.db there, or the folder's files if it holds
                  a files store and no dateline.db.

files in a folder (--out):
  events.parquet  the events table: what happened (lists as Parquet lists,
                  dates as timestamps)
  events.csv      the same, UTF-8, lists joined with "; ", dates YYYY-MM-DD
  plans.parquet   planned and hypothetical events ("will meet", "could
  plans.csv       deploy"), same columns, kept out of the events table
  documents.csv   one row per document
  groups.*, key_dates.csv  event groups across sources, the story's days
  texts/, scans/  each document's text and dating scan, named by SHA-256
  manifest.json   the store's version (grows with every write)
  (CSV: CRLF line ends; fields with quotes, commas or line breaks quoted.)
  The files are replaced together and atomically, through a journal: a
  failed run leaves the previous ones as they were, and a run killed while
  swapping them in is completed by whoever opens the folder next. Nothing is
  written if no document could be extracted. Runs writing into one folder
  take turns (a lock file, .dateline.lock, in --out), so concurrent
  runs keep each other's documents. A merge refuses a folder holding only one
  of the two tables (events and documents.csv); a stored doc_id taken over by
  a different file is warned about.

on a Dask cluster (pip install -r requirements-scale.txt):
  --scheduler tcp://HOST:8786   extract on the workers of a running Dask
                  scheduler (each worker loads the model once); "local"
                  starts a cluster of --workers N processes here (default
                  one per CPU). Inputs are read one file at a time and sent
                  in chunks; results are written in batches of documents as
                  they finish (an interrupted run keeps them), then groups,
                  cross-source dating and key dates are computed once over
                  the whole store. A worker that dies: its documents are
                  extracted elsewhere.
  --resume        skip inputs stored already with the same text (SHA-256):
                  finishes an interrupted --scheduler run.
merging and --replace:
  A run into an existing store merges: this run's documents replace stored
  ones with the same doc_id, and every other stored document (uploads from
  the dashboard, earlier runs) is kept. --merge is accepted and does nothing.
  --replace makes the stored set exactly this run's: the documents it did
  not extract are dropped, and their number is printed. Into a database,
  each run is recorded in the audit log (actor "cli": documents added,
  replaced, removed).

other commands:
  python -m extract import DATA_DIR [--db URL] [--merge]
                  copy a folder of files (tables, texts, scans) into a
                  database, once, in one transaction; --db defaults to
                  $DATELINE_DATABASE_URL or secrets, else DATA_DIR/dateline.db
                  (which the dashboard then reads instead of the files).
  python -m extract migrate [--db URL] [--downgrade REVISION]
                  upgrade a database's schema to this version's (any write
                  does it too), or downgrade it ("base": no table left).
  python -m extract users list|add|remove [EMAIL] [--role ROLE] [--db URL]
                  the team dashboard's users (roles viewer, editor, admin);
                  see python -m extract users --help.

problems and exit codes:
  Problems go to stderr, one per line: FILE: error|warning: reason
  ("error": that input was skipped; "warning": read, something ignored).
  0  tables written (possibly with some problems; --if-empty: or the store
     already held documents)
  1  nothing written: no document could be read or extracted, or writing failed
  2  usage error (also: a store location that cannot be opened; --scheduler
     without Dask installed)
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
    parser.add_argument("--db", metavar="URL", help="database to write into (sqlite:///PATH or postgresql://...)")
    parser.add_argument(
        "--out", metavar="DIR", help="folder to write the files into (with --db: a copy of the database's tables)"
    )
    parser.add_argument(
        "--jobs", type=_jobs, default=1, metavar="N", help="processes to use (default 1; 0 = one per CPU)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--merge",
        action="store_true",
        help="accepted for old scripts and does nothing: merging is the default (documents this run did not "
        "extract are kept; re-extracted doc_ids are replaced)",
    )
    mode.add_argument(
        "--replace",
        action="store_true",
        help="make the stored set exactly this run's: every stored document not in it (uploads included) is "
        "dropped, and how many is printed",
    )
    parser.add_argument(
        "--if-empty", action="store_true", help="do nothing when the store already holds documents (make run)"
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar and no warnings (errors still shown)"
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help='extract on a Dask cluster: tcp://HOST:8786, or "local" to start one'
    )
    parser.add_argument(
        "--workers",
        type=_jobs,
        metavar="N",
        help="with --scheduler local: worker processes (default one per CPU); with an address: wait for N to join",
    )
    parser.add_argument(
        "--resume", action="store_true", help="with --scheduler: skip inputs already stored with the same text"
    )
    return parser


def import_parser() -> argparse.ArgumentParser:
    """``python -m extract import``'s parser."""
    parser = argparse.ArgumentParser(
        prog="python -m extract import",
        description="Copy a data folder (tables, texts, scans) into a database, in one transaction.",
    )
    parser.add_argument("folder", type=Path, metavar="DATA_DIR", help="a folder the files store wrote")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="the database (default: $DATELINE_DATABASE_URL or secrets, else sqlite:///DATA_DIR/dateline.db)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="add to a database that holds documents already (the folder's replace those with the same doc_id)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no warnings (errors still shown)")
    return parser


def migrate_parser() -> argparse.ArgumentParser:
    """``python -m extract migrate``'s parser."""
    parser = argparse.ArgumentParser(
        prog="python -m extract migrate",
        description="Upgrade a database's schema to this version's (what any write does first), or downgrade it.",
    )
    parser.add_argument("--db", metavar="URL", help="the database (default: the default store)")
    parser.add_argument("--downgrade", metavar="REVISION", help='downgrade to REVISION instead ("base": no tables)')
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "import":
        return import_main(args_list[1:])
    if args_list and args_list[0] == "migrate":
        return migrate_main(args_list[1:])
    if args_list and args_list[0] == "users":
        from extract.cli_users import users_main

        return users_main(args_list[1:])
    return extract_main(args_list)


def extract_main(argv: Sequence[str]) -> int:
    """``python -m extract INPUT...``: extract and write; returns the exit code."""
    from extract.runs import MergeError, StoreError, run_extraction
    from extract.store import FileStore, default_store_location, open_store

    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    if args.scheduler is None and (args.workers is not None or args.resume):
        parser.error(f"{'--workers' if args.workers is not None else '--resume'} works with --scheduler only")
    if args.scheduler is not None and args.jobs != 1:
        parser.error("--jobs is for the local process pool; with --scheduler use --workers")
    if args.scheduler is not None and importlib.util.find_spec("distributed") is None:
        print(
            "error: --scheduler needs Dask distributed, which is not installed: pip install -r requirements-scale.txt",
            file=sys.stderr,
        )
        return 2
    export = None
    try:
        if args.db:
            store = open_store(args.db)
            if isinstance(store, FileStore):
                parser.error("--db: give a database URL (sqlite:///PATH or postgresql://...); a folder goes to --out")
            export = _export_folder(parser, args.out) if args.out else None
        elif args.out:
            store = _export_folder(parser, args.out)
        else:
            store = open_store(default_store_location())
    except StoreError as exc:
        parser.error(f"{'--db' if args.db else '--out' if args.out else 'the default store'}: {exc}")  # exits 2
    where = _where(store)
    if args.if_empty:
        try:
            upgrade = getattr(store, "upgrade", None)
            if upgrade is not None:
                upgrade()  # what the dashboard reads next must be at this version's schema
            if not store.is_empty():
                if not args.quiet:
                    print(f"{where} already holds documents; nothing extracted (--if-empty)")
                return 0
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    bar = _ProgressBar(enabled=not args.quiet)
    if args.scheduler is not None:
        return _cluster_main(args, store, export, bar)
    try:
        report = run_extraction(
            args.inputs, store, jobs=args.jobs, progress=bar, merge=not args.replace, actor=_cli_actor(store)
        )
    except MergeError as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (StoreError, OSError) as exc:
        bar.close()
        print(f"error: could not write the tables to {where}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        print("interrupted; previous tables left as they were", file=sys.stderr)
        return 130
    bar.close()
    return _summary(args, report, store, export)


def _cluster_main(args: argparse.Namespace, store: Store, export: Store | None, bar: _ProgressBar) -> int:
    """The --scheduler run: on the cluster, then the same summary as a local run."""
    from extract.cluster import ClusterError, run_on_cluster
    from extract.store import StoreError

    where = _where(store)
    try:
        report = run_on_cluster(
            args.inputs,
            store,
            args.scheduler,
            workers=args.workers,
            progress=bar,
            merge=not args.replace,
            resume=args.resume,
            actor=_cli_actor(store),
        )
    except ClusterError as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (StoreError, OSError) as exc:
        bar.close()
        print(f"error: could not write the tables to {where}: {exc}; batches written before are kept", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        print(f"interrupted; the batches written to {where} are kept: add --resume to finish", file=sys.stderr)
        return 130
    bar.close()
    if not args.quiet:
        skipped = f", {report.n_skipped} skipped as stored already (--resume)" if args.resume else ""
        print(
            f"{report.workers} workers, {report.words:,} words in {report.seconds:,.1f} s "
            f"({report.words_per_second:,.0f} words/s){skipped}"
        )
    return _summary(args, report, store, export)


def _summary(args: argparse.Namespace, report: RunReport, store: Store, export: Store | None) -> int:
    """Problems and the summary line after a run; returns the exit code."""
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
    if not report.written:
        reason = "no document could be read" if report.n_read == 0 else "no document could be extracted"
        print(f"{summary}; nothing written: {reason}", file=sys.stderr)
        return 1
    outputs = ", ".join(report.outputs)
    if args.replace:
        gone = len(report.removed)
        named = f": {', '.join(report.removed[:10])}{' ...' if gone > 10 else ''}" if gone else ""
        print(
            f"{summary}; wrote {outputs} (--replace: removed {gone} stored document{'s' if gone != 1 else ''} "
            f"not in this run{named})"
        )
    else:
        kept = f", replaced {len(report.replaced)} stored" if report.replaced else ""
        print(f"{summary}; wrote {outputs} (merged{kept}; documents not in this run kept)")
    if export is not None:
        return _export(store, export, args.quiet)
    return 0


def _cli_actor(store: Store) -> object:
    """Who a CLI write is recorded as, in a database's audit log (None for a folder: it has no log)."""
    if not hasattr(store, "write_in"):
        return None
    from extract.store.team import CLI

    return CLI


def _recorded(target: Store, args: argparse.Namespace) -> object:
    """The import's write into a database, recorded in its audit log as the CLI's (with its counts)."""
    import functools

    from extract.store.sql_uploads import recorded_write
    from extract.store.team import CLI

    return functools.partial(recorded_write, target, actor=CLI, action="import", target=str(args.folder)[:500])


def _export_folder(parser: argparse.ArgumentParser, out: str) -> Store:
    from extract.store import FileStore, open_store

    folder = open_store(out)
    if not isinstance(folder, FileStore):
        parser.error("--out: give a folder; a database goes to --db")
    return folder


def _export(store: Store, folder: Store, quiet: bool) -> int:
    """Copy the database's whole content into the export folder (after the write)."""
    from extract.store import StoreError, copy_store

    try:
        copied = copy_store(store, folder)
    except (StoreError, OSError) as exc:
        print(f"error: the database was written, but the export to {folder.location} failed: {exc}", file=sys.stderr)
        return 1
    _print_problems(copied.problems, quiet)
    print(f"exported {copied.summary.stored_documents} documents to {folder.location}")
    return 0


def import_main(argv: Sequence[str]) -> int:
    """``python -m extract import DATA_DIR``: copy a files store into a database; returns the exit code."""
    from extract.corpus.steps import corpus_tables
    from extract.store import (
        FileStore,
        StoreError,
        configured_database_url,
        copy_store,
        holds_files_store,
        open_store,
        sqlite_location,
    )

    parser = import_parser()
    args = parser.parse_args(argv)
    if not holds_files_store(args.folder):
        parser.error(f"{args.folder}: not a data folder of Dateline's files (no manifest.json or tables)")
    try:
        url = args.db or configured_database_url() or sqlite_location(args.folder)
        target = open_store(url)
        if isinstance(target, FileStore):
            parser.error("--db: give a database URL (sqlite:///PATH or postgresql://...)")
        source = FileStore(args.folder)
    except StoreError as exc:
        parser.error(f"--db: {exc}")
    where = _where(target)
    try:
        target.upgrade()  # an older schema first, so the database can be read and written
        held = 0 if target.is_empty() else len(target.read_documents())
        if held and not args.merge:
            print(
                f"error: {where} already holds {held} documents; add --merge to add the folder's to them (a doc_id "
                "in both: the folder's replaces the database's)",
                file=sys.stderr,
            )
            return 1
        copied = copy_store(
            source,
            target,
            merge=args.merge,
            derive=corpus_tables if args.merge else None,
            write=_recorded(target, args),
        )
    except (StoreError, OSError) as exc:
        print(f"error: nothing imported into {where}: {exc}", file=sys.stderr)
        return 1
    _print_problems(copied.problems, args.quiet)
    summary = copied.summary
    tables = f", {' and '.join(copied.tables)} as they were" if copied.tables else ""
    print(
        f"imported {summary.n_documents} documents, {summary.n_events} events (plans included), "
        f"{copied.n_texts} texts, {copied.n_scans} scans{tables} from {args.folder} into {where}"
        f"{' (merged)' if args.merge else ''}; the folder's files are left as they were"
    )
    return 0


def migrate_main(argv: Sequence[str]) -> int:
    """``python -m extract migrate``: upgrade (or downgrade) a database's schema; returns the exit code."""
    from extract.store import FileStore, StoreError, default_store_location, open_store

    parser = migrate_parser()
    args = parser.parse_args(argv)
    try:
        target = open_store(args.db or default_store_location())
    except StoreError as exc:
        parser.error(f"--db: {exc}")
    if isinstance(target, FileStore):
        parser.error(f"{target.location} is a folder of files: it has no schema to migrate")
    try:
        if args.downgrade:
            before, after = target.database.migrate(args.downgrade, down=True)
        else:
            before, after = target.upgrade()
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{_where(target)}: schema revision {before or 'none'} -> {after or 'none'}")
    return 0


def _where(store: Store) -> str:
    return str(getattr(store, "display", store.location))


def _print_problems(problems: list[str], quiet: bool, limit: int = 20) -> None:
    if quiet:
        return
    for problem in problems[:limit]:
        print(f"warning: {problem}", file=sys.stderr)
    if len(problems) > limit:
        print(f"warning: ... and {len(problems) - limit} more like these", file=sys.stderr)


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
        if total != self.bar.total:  # a cluster run's total is an estimate until the inputs are read
            self.bar.total = total
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
