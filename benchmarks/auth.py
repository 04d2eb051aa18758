"""What login costs a rerun: the role lookup the dashboard makes on every rerun in team mode (not a test; prints
figures).

    python benchmarks/auth.py [--users 1000] [--postgres URL]

``Team(store).actor(email)`` (one indexed query on ``users``) and ``team.require`` (the check before an
upload's write), on SQLite and PostgreSQL, with ``--users`` users stored; the median and the 95th percentile of
200 calls. PostgreSQL runs in a schema of its own, dropped after (left out, saying why, when no server answers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.store import postgres_schema  # noqa: E402
from extract.store import open_store  # noqa: E402
from extract.store.sql import SqlStore  # noqa: E402
from extract.store.team import LOCAL, Team, require  # noqa: E402

CALLS = 200


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """Median and 95th percentile of CALLS calls, in milliseconds."""
    times = []
    for _ in range(CALLS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def measure(kind: str, url: str, n_users: int) -> None:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    team = Team(store)
    for i in range(n_users):
        team.set_user(f"user{i}@example.org", ("viewer", "editor", "admin")[i % 3], by=LOCAL)
    who = f"user{(n_users // 2) // 3 * 3 + 1}@example.org"  # an editor, in the middle of the table
    actor = team.actor(who)
    for name, call in (
        ("Team.actor (every rerun)", lambda: team.actor(who)),
        ("require editor (before an upload's write)", lambda: require(store, actor, "editor", "upload articles")),
    ):
        median, p95 = timed(call)
        print(f"{kind:<10} {name:<44} median {median:6.2f} ms   p95 {p95:6.2f} ms")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATELINE_BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{Path(tmp) / 'dateline.db'}", args.users)
    with postgres_schema(args.postgres) as url:
        if url is None:
            print("PostgreSQL left out: no server answers at", args.postgres)
        else:
            measure("PostgreSQL", url, args.users)


if __name__ == "__main__":
    main()
