"""Store-side query speed (extract/store/query.py) on synthetic events in each store; prints a table.

Usage: python benchmarks/queries.py [--sizes 100000 1000000] [--stores files sqlite postgresql] [--cache DIR]
       [--repeat 3] [--drop]

The stores are built once per size and kept between runs (building 1,000,000 events takes minutes): the files
store and the SQLite file under --cache (default /tmp/dateline-query-bench), PostgreSQL in a schema of the local
server named after the size (``dateline_query_bench_N``; --drop removes them). ``sqlite+duckdb`` and
``postgresql+duckdb`` query the same databases through a DuckDB copy of their tables (open_query(store,
"duckdb")), whose making is timed apart. Each query runs on the dashboard's
default filters and after a filter change (two sources, a search word, at least two sources): cold (the first
call on fresh connections: DuckDB's and the database's) and warm (best of three). Memory: the process's
resident size after each store's queries, and its peak.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.synthetic import synthetic_groups, synthetic_tables  # noqa: E402
from extract import store  # noqa: E402
from extract.store import query, query_backends, sql_arrow, sql_engine  # noqa: E402

POSTGRES = os.environ.get("DATELINE_BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
DEFAULT = query.QueryFilters()
CHANGED = query.QueryFilters(sources=("Outlet A", "Outlet C"), text="strike", min_sources=2)


def rss_mb() -> float:
    """The process's resident memory now (MB)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def location(kind: str, n: int, cache: Path) -> str:
    if kind == "files":
        return str(cache / f"files-{n}")
    if kind == "sqlite":
        return f"sqlite:///{cache / f'sqlite-{n}.db'}"
    joiner = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{joiner}options=-csearch_path%3Ddateline_query_bench_{n}"


def ensure_schema(n: int) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(sql_engine.Database(POSTGRES).url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "dateline_query_bench_{n}"')


def build(kind: str, n: int, cache: Path, tables: list) -> tuple[str, float | None]:  # type: ignore[type-arg]
    """The store holding n synthetic events (built unless a finished build is there): (location, build seconds)."""
    if kind == "postgresql":
        ensure_schema(n)
    where = location(kind, n, cache)
    target = store.open_store(where)
    marker = cache / f"built-{kind}-{n}"
    if marker.exists() and target.version() == int(marker.read_text()):
        return where, None
    if not tables:
        events, documents = synthetic_tables(n)
        events, groups, key_dates = synthetic_groups(events, documents)
        tables.append(store.CorpusTables(events, documents, {"groups": groups, "key_dates": key_dates}))
    corpus = tables[0]
    start = time.perf_counter()
    summary = target.write(corpus.events, corpus.documents, {}, replace_all=True, derive=lambda _: corpus)
    marker.write_text(str(summary.version))
    return where, time.perf_counter() - start


def forget() -> None:
    """Fresh connections: the next query is cold (the OS's file cache stays warm; a DuckDB copy stays)."""
    sql_engine.dispose()
    sql_arrow.dispose()
    query_backends.forget()


def measure(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    start = time.perf_counter()
    fn()
    cold = time.perf_counter() - start
    warm = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        warm = min(warm, time.perf_counter() - start)
    return cold, warm


def operations(q: query.Query, f: query.QueryFilters) -> dict[str, Callable[[], object]]:
    return {
        "count": lambda: q.count(f),
        "report counts (facets, left out)": lambda: q.report_counts(f),
        "event counts (left out by event)": lambda: q.event_counts(f),
        "histogram (events)": lambda: q.histogram(f, query.EVENTS),
        "timeline (events by source)": lambda: q.timeline(f, query.EVENTS, "source"),
        "timeline (reports by actor)": lambda: q.timeline(f, query.REPORTS, "actor"),
        "chronology (300 newest events)": lambda: q.chronology(f),
        "events table page 1": lambda: q.page(f, order_by="date_start", descending=True),
        "events table page 400": lambda: q.page(f, order_by="date_start", offset=39_900, limit=100),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--stores", nargs="+", default=["files", "sqlite", "postgresql", "sqlite+duckdb", "postgresql+duckdb"]
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dateline-query-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per query (the best is printed)")
    parser.add_argument("--drop", action="store_true", help="remove the cached stores and PostgreSQL schemas")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.drop:
        drop(args)
        return
    for n in args.sizes:
        tables: list = []  # type: ignore[type-arg]
        rows: dict[tuple[str, str], str] = {}
        for kind in args.stores:
            base, _, engine = kind.partition("+")
            where, took = build(base, n, args.cache, tables)
            rows[("build (once, cached)", kind)] = f"{took:.0f} s" if took is not None else "cached"
            target = store.open_store(where)
            if engine == "duckdb":  # a database store through its DuckDB copy: made once per store version
                query_backends._MIRRORS.clear()
                start = time.perf_counter()
                query.open_query(target, engine).backend._mirror().close()  # type: ignore[attr-defined]
                rows[("copy into DuckDB (once per version)", kind)] = f"{time.perf_counter() - start:.2f}"
            for label, f in (("default filters", DEFAULT), ("filter change", CHANGED)):
                forget()
                q = query.open_query(target, engine or "sql")
                total_cold = total_warm = 0.0
                for name, fn in operations(q, f).items():
                    cold, warm = measure(fn, args.repeat)
                    total_cold, total_warm = total_cold + cold, total_warm + warm
                    rows[(f"{label}: {name}", kind)] = f"{cold:.2f} / {warm:.2f}"
                rows[(f"{label}: all of the above", kind)] = f"{total_cold:.2f} / {total_warm:.2f}"
            rows[("memory now / peak (MB)", kind)] = f"{rss_mb():.0f} / {peak_mb():.0f}"
        table = pd.Series(rows).unstack()[args.stores]
        order = list(dict.fromkeys(k for k, _ in rows))
        copy = [k for k in order if k.startswith("copy")]
        order = [order[0], *copy, *[k for k in order[1:] if k not in copy]]
        table = table.reindex(order).fillna("")
        print(
            f"\n{n:,} synthetic events (seconds: cold / warm, best of {args.repeat}), {dt.datetime.now():%Y-%m-%d %H:%M}"
        )
        print(table.to_string())
        print("\n| | " + " | ".join(table.columns) + " |\n|---|" + "---|" * len(table.columns))
        for label, values in table.iterrows():
            print(f"| {label} | " + " | ".join(str(v) for v in values) + " |")


def drop(args: argparse.Namespace) -> None:
    import shutil

    import sqlalchemy as sa

    shutil.rmtree(args.cache, ignore_errors=True)
    engine = sa.create_engine(sql_engine.Database(POSTGRES).url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        names = conn.execute(
            sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :pattern"),
            {"pattern": "dateline_query_bench_%"},
        ).scalars()
        for name in list(names):
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')


if __name__ == "__main__":
    main()
