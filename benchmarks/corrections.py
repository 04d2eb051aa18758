"""Corrections' speed: saving one, applying them when reading, and how soon another session sees a save.

Usage: python benchmarks/corrections.py [--events 100000] [--corrections 200] [--postgres URL]

Writes synthetic tables (dashboard/synthetic.py) into a fresh SQLite file (and a PostgreSQL schema when
--postgres is given), saves corrections of random reports (every event field, some rejections and group
moves) and prints: a save's time, the corrected read (the store's reads + applying the corrections), applying
alone, a full corrected build of the dashboard's dataset, the dashboard's patch over its cached base, and save ->
another handle sees it (a full corrected read, and the dashboard's patch).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import corrected  # noqa: E402
from dashboard.synthetic import synthetic_groups, synthetic_tables  # noqa: E402
from extract.store import CorpusTables, open_store  # noqa: E402
from extract.store.corrections import SPLIT, apply_corrections, event_locator  # noqa: E402
from extract.store.team import LOCAL  # noqa: E402


def timed(action, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(url: str, n_events: int, n_corrections: int) -> dict[str, str]:
    events, documents = synthetic_tables(n_events)
    events, groups, key_dates = synthetic_groups(events, documents)
    result = CorpusTables(events, documents, {"groups": groups, "key_dates": key_dates})
    store = open_store(url)
    store.write(events, documents, {}, replace_all=True, derive=lambda corpus: result)
    fixes = store.corrections()
    stored, docs = store.read_events(), store.read_documents()
    rng = np.random.default_rng(3)
    picks = rng.choice(len(stored), size=n_corrections, replace=False)
    saves = []
    for i, at in enumerate(picks):
        row = stored.iloc[int(at)]
        changes: dict[str, object] = {"summary": f"corrected {i}", "date_start": "2025-01-02", "actors": ["Cuba"]}
        if i % 10 == 0:
            changes = {"rejected": True}
        elif i % 10 == 1:
            changes["group"] = SPLIT
        start = time.perf_counter()
        fixes.save(LOCAL, "event", event_locator(row, docs), changes, expected_version=0, target_id=row["event_id"])
        saves.append(time.perf_counter() - start)
    plain, _ = timed(lambda: (store.read_events(), store.read_documents(), store.read_table("groups")))
    read, tables = timed(fixes.read)
    corrections, manual = tables.corrections, tables.manual
    apply, _ = timed(lambda: apply_corrections(stored, docs, store.read_table("groups"), corrections, manual), repeat=3)
    reload, _ = timed(lambda: corrected.full_build(fixes, url), repeat=2)
    base = corrected.load_base(url)  # what a dashboard session holds: the uncorrected dataset, by data version
    version = store.versions().version
    patch, _ = timed(lambda: corrected.load_corrected(base, url, version), repeat=3)
    # save, then another handle (another session) notices the new version and reads the corrected tables
    other = open_store(url)
    seen = other.version()
    row = stored.iloc[int(picks[-1]) + 1 if int(picks[-1]) + 1 < len(stored) else 0]
    start = time.perf_counter()
    fixes.save(LOCAL, "event", event_locator(row, docs), {"summary": "late"}, expected_version=0)
    assert other.version() != seen
    visible = other.corrections().read()  # type: ignore[union-attr]
    assert "late" in set(visible.corrected.events["summary"])
    latency = time.perf_counter() - start
    # the same through the dashboard's path: versions (the data version unchanged: the base stays), then the
    # corrections read and patched over the cached base
    row = stored.iloc[int(picks[-1]) + 2 if int(picks[-1]) + 2 < len(stored) else 1]
    start = time.perf_counter()
    fixes.save(LOCAL, "event", event_locator(row, docs), {"summary": "later"}, expected_version=0)
    found = other.versions()  # type: ignore[attr-defined]
    assert found.data == base.dataset.version
    seen = corrected.load_corrected(base, url, found.version)
    assert "later" in set(seen.events["summary"])
    patched_latency = time.perf_counter() - start
    return {
        "save one correction (median)": f"{statistics.median(saves) * 1000:.0f} ms",
        "read the tables, uncorrected": f"{plain:.2f} s",
        "read them corrected": f"{read:.2f} s",
        f"apply {n_corrections} corrections alone": f"{apply:.2f} s",
        "a full corrected build (corrected read + prepare)": f"{reload:.2f} s",
        "the dashboard's: corrections read + patched over its cached base": f"{patch:.2f} s",
        "save -> another handle reads it corrected (full read)": f"{latency:.2f} s",
        "save -> another session's dashboard has it (patched)": f"{patched_latency:.2f} s",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--corrections", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL URL: measured on a fresh schema there too")
    args = parser.parse_args()
    columns: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        columns["SQLite"] = measure(f"sqlite:///{folder}/bench.db", args.events, args.corrections)
    if args.postgres:
        from extract.store.sql_engine import Database, dispose

        schema = f"dateline_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(Database(args.postgres).url, poolclass=sa.NullPool)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = f"{args.postgres}{'&' if '?' in args.postgres else '?'}options=-csearch_path%3D{schema}"
        try:
            columns["PostgreSQL"] = measure(url, args.events, args.corrections)
        finally:
            dispose(url)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    names = list(columns)
    print(f"{args.events:,} events, {args.corrections} corrections")
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in next(iter(columns.values())):
        print(f"| {key} | " + " | ".join(columns[n][key] for n in names) + " |")


if __name__ == "__main__":
    main()
