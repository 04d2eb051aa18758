"""Store speed: the files store, SQLite and PostgreSQL on the same synthetic tables (not a test; prints figures).

    python benchmarks/store.py [--events 100000] [--documents 10000] [--postgres URL]

For each store: write the whole set with its texts (replace_all), merge 10 documents into it (no corpus step,
then with an identity corpus step that hands back every row, which a database store must not rewrite), read
the events and the documents back, ``version()`` (the dashboard's per-rerun cache key) and ``read_text``.
PostgreSQL runs in a schema made for the run and dropped after it (default server: the local one, database
``test``); it is left out, saying why, when no server answers.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract import schema  # noqa: E402
from extract.store import Corpus, CorpusTables, Store, open_store  # noqa: E402

READS = 7
WORDS = [
    "Russia",
    "Cuba",
    "Venezuela",
    "signed",
    "agreement",
    "military",
    "exercise",
    "naval",
    "visit",
    "talks",
    "minister",
    "said",
]


def synthetic(n_events: int, n_docs: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """n_events events spread over n_docs documents, each document with a text of about 2,000 characters."""
    rng = np.random.default_rng(seed)
    doc_of = np.sort(rng.integers(0, n_docs, n_events))
    days = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 3000, n_events), unit="D")
    spans = rng.integers(0, 30, n_events)
    actor_sets = [["Russia"], ["Russia", "Cuba"], ["Venezuela"], [], ["Cuba", "United States"]]
    events = pd.DataFrame(
        {
            "event_id": [f"e{i:07d}" for i in range(n_events)],
            "doc_id": [f"doc{d:06d}" for d in doc_of],
            "source": [f"Outlet {d % 40}" for d in doc_of],
            "date_start": days,
            "date_end": days + pd.to_timedelta(spans, unit="D"),
            "granularity": rng.choice(["day", "month", "year"], n_events),
            "date_basis": rng.choice(["explicit", "relative", "publication"], n_events),
            "time_expression": "March 13, 2025",
            "summary": [" ".join(rng.choice(WORDS, 6)) for _ in range(n_events)],
            "sentence": [" ".join(rng.choice(WORDS, 24)) + "." for _ in range(n_events)],
            "char_start": rng.integers(0, 1500, n_events),
            "char_end": rng.integers(1500, 2000, n_events),
            "actors": [actor_sets[i] for i in rng.integers(0, len(actor_sets), n_events)],
            "locations": [["Havana"] if i % 3 == 0 else [] for i in range(n_events)],
            "event_type": rng.choice(list(schema.EVENT_TYPES), n_events),
            "modality": rng.choice(["asserted"] * 8 + ["planned", "hypothetical"], n_events),
            "confidence": rng.random(n_events).round(3),
            "event_group": "",
        }
    )
    counts = np.bincount(doc_of, minlength=n_docs)
    documents = pd.DataFrame(
        {
            "doc_id": [f"doc{d:06d}" for d in range(n_docs)],
            "title": [f"Title of document {d}" for d in range(n_docs)],
            "outlet": [f"Outlet {d % 40}" for d in range(n_docs)],
            "url": [f"https://example.org/{d}" for d in range(n_docs)],
            "published": pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 3000, n_docs), unit="D"),
            "published_granularity": "day",
            "published_basis": "metadata",
            "path": [f"in/doc{d:06d}.txt" for d in range(n_docs)],
            "n_events": counts,
        }
    )
    texts = {doc_id: " ".join(rng.choice(WORDS, 300)) + f" ({doc_id})" for doc_id in documents["doc_id"].tolist()}
    return schema.typed_events(events), schema.typed_documents(documents), texts


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def identity(corpus: Corpus) -> CorpusTables:
    return CorpusTables(corpus.events, corpus.documents)


def measure(name: str, store: Store, tables: tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]) -> dict[str, str]:
    events, documents, texts = tables
    figures: dict[str, str] = {"store": name}
    figures["write all"] = f"{timed(lambda: store.write(events, documents, texts, replace_all=True)):.2f} s"
    few_ids = documents["doc_id"].iloc[-10:]
    few = (events[events["doc_id"].isin(few_ids)], documents[documents["doc_id"].isin(few_ids)])
    few_texts = {d: texts[d] + " again" for d in few_ids}
    figures["merge 10 docs"] = f"{timed(lambda: store.write(*few, few_texts)):.2f} s"
    figures["merge 10, identity step"] = f"{timed(lambda: store.write(*few, few_texts, derive=identity)):.2f} s"
    read = [timed(store.read_events) for _ in range(READS)]  # best and median: the machine is shared
    figures["read events (best, median)"] = f"{min(read):.2f}, {statistics.median(read):.2f} s"
    read = [timed(store.read_documents) for _ in range(READS)]
    figures["read documents (best, median)"] = f"{min(read):.3f}, {statistics.median(read):.3f} s"
    store.version()
    calls = [timed(store.version) for _ in range(500)]
    figures["version()"] = f"{statistics.median(calls) * 1e6:.0f} µs"
    ids = random.Random(1).sample(documents["doc_id"].tolist(), 200)
    fresh = open_store(store.location)
    figures["read_text first"] = f"{timed(lambda: fresh.read_text(ids[0])) * 1000:.1f} ms"
    calls = [timed(lambda d=d: store.read_text(d)) for d in ids]
    figures["read_text"] = f"{statistics.median(calls) * 1000:.2f} ms"
    assert len(store.read_events()) == len(events) and store.read_text(ids[0]) == texts[ids[0]]
    return figures


@contextmanager
def postgres_schema(url: str) -> Iterator[str | None]:
    """A schema of its own on the server (dropped after), or None when no server answers."""
    import sqlalchemy as sa

    from extract.store import sql_engine

    admin = sa.create_engine(sql_engine.Database(url).url, poolclass=sa.NullPool, connect_args={"connect_timeout": 5})
    name = f"dateline_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    except sa.exc.SQLAlchemyError as exc:
        print(f"PostgreSQL left out: {str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}", file=sys.stderr)
        yield None
        return
    joiner = "&" if "?" in url else "?"
    location = f"{url}{joiner}options=-csearch_path%3D{name}"
    try:
        yield location
    finally:
        sql_engine.dispose(location)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATELINE_BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"),
        help="server for the PostgreSQL figures (a schema is made in it and dropped)",
    )
    args = parser.parse_args()
    tables = synthetic(args.events, args.documents)
    print(
        f"{args.events:,} events ({int((tables[0]['modality'] != 'asserted').sum()):,} plans), {args.documents:,} documents"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure("files", open_store(Path(tmp) / "data"), tables))
        results.append(measure("sqlite", open_store(f"sqlite:///{tmp}/dateline.db"), tables))
        with postgres_schema(args.postgres) as url:
            if url is not None:
                results.append(measure("postgresql", open_store(url), tables))
    frame = pd.DataFrame(results).set_index("store").T
    print(frame.to_string())


if __name__ == "__main__":
    main()
