"""Dashboard speed: filter + figures + serialisation per rerun, figure size, and whole-app reruns (AppTest).

Usage: python benchmarks/dashboard.py [--sizes 100000 1000000] [--no-app]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import charts, data, timeline_data  # noqa: E402
from dashboard.synthetic import synthetic_groups, synthetic_tables  # noqa: E402
from extract import store  # noqa: E402

BUDGET_S = 0.3
MAX_FIGURE_BYTES = 5_000_000


def timed(fn, repeat: int = 3):  # type: ignore[no-untyped-def]
    """Best of `repeat` wall-clock times and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def page_work(
    ds: data.Dataset, filters: data.Filters, lane_by: str, mode: str = timeline_data.EVENTS
) -> tuple[int, int]:
    """What the Timeline page computes on a rerun: masks, facet counts, what the filters leave out, both figures,
    the chronology and the undated list (`timeline_data.timeline_parts`), and the figures' JSON."""
    masks = data.dataset_masks(ds, filters)
    data.facet_counts(ds, filters, masks)
    keep = data.combine(masks, len(ds.events))
    data.left_out(ds.events, masks)
    lo, hi = ds.date_bounds()
    span = (filters.date_from or lo, filters.date_to or hi)
    parts = timeline_data.timeline_parts(
        ds, masks, keep, mode=mode, lane_by=lane_by, x_range=span, titles=timeline_data.titles_in(ds)
    )
    timeline = parts.figure.to_json()
    histogram = parts.histogram.to_json()
    return parts.n_marks, len(timeline) + len(histogram)


def bench_functions(n: int) -> None:
    events, documents = synthetic_tables(n)
    events, groups, key_dates = synthetic_groups(events, documents)
    t_build, ds = timed(
        lambda: data.build_dataset(events, documents, group_table=groups, key_dates=key_dates), repeat=1
    )
    print(f"\n== {n:,} events ({len(groups):,} stored groups, {len(ds.groups):,} events once grouped)")
    print(f"prepare (once, in the cached loader): {t_build:.2f} s")
    t_pickle, blob = timed(lambda: pickle.dumps(ds.events, protocol=5), repeat=1)
    t_unpickle, _ = timed(lambda: pickle.loads(blob), repeat=1)
    print(
        f"what st.cache_data would add per rerun (pickle round trip of the table): {t_pickle + t_unpickle:.2f} s "
        "-> the loader uses st.cache_resource"
    )
    cases = {
        "default filters, lanes by source": (data.Filters(), "source"),
        "event type = military": (data.Filters(event_types=("military",)), "source"),
        "actor = Russia, lanes by actor": (data.Filters(actors=("Russia",)), "actor"),
        "search 'ceasefire', 2022-2024": (
            data.Filters(text="ceasefire", date_from=dt.date(2022, 1, 1), date_to=dt.date(2024, 12, 31)),
            "source",
        ),
        "one source, lanes by event type": (data.Filters(sources=("Outlet C",)), "event type"),
    }
    for mode in (timeline_data.EVENTS, timeline_data.REPORTS):
        print(f"  Timeline page, {mode}:")
        for label, (filters, lane_by) in cases.items():
            seconds, (rows, size) = timed(lambda f=filters, lb=lane_by, m=mode: page_work(ds, f, lb, m))
            verdict = "ok" if seconds <= BUDGET_S else "OVER BUDGET"
            print(
                f"    {label:38s} marks {rows:>9,}  rerun work {seconds * 1000:7.0f} ms ({verdict})  "
                f"JSON {size / 1e6:5.2f} MB"
            )
    fig = charts.timeline_figure(ds.events[ds.events["_dated"]], "source")
    size = len(fig.to_json())
    meta = fig.layout.meta
    print(
        f"  timeline of all {n:,} events: {size / 1e6:.2f} MB JSON "
        f"({'ok' if size < MAX_FIGURE_BYTES else 'TOO BIG'}), {meta['drawn']:,} drawn one by one, "
        f"{len(meta['aggregated'])} lanes as monthly totals"
    )


def bench_app(n: int) -> None:
    """Whole-app script time through AppTest: first run (cold cache) and reruns after filter changes."""
    from streamlit.testing.v1 import AppTest

    events, documents = synthetic_tables(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        events, groups, key_dates = synthetic_groups(events, documents)
        tables = store.CorpusTables(events, documents, {"groups": groups, "key_dates": key_dates})
        # as an extraction run leaves it: the corpus tables are written with the events
        store.open_store(folder).write(events, documents, {}, replace_all=True, derive=lambda corpus: tables)
        os.environ["DATELINE_DATA"] = str(folder)
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        assert not at.exception, at.exception
        start = time.perf_counter()
        at.run()
        warm = time.perf_counter() - start
        at.multiselect(key="f_types").set_value(["military"])
        start = time.perf_counter()
        at.run()
        filtered = time.perf_counter() - start
        assert not at.exception, at.exception
        at.text_input(key="f_text").input("summit")
        start = time.perf_counter()
        at.run()
        searched = time.perf_counter() - start
        print(
            f"  AppTest, Timeline page: first run {first:.2f} s (reads + prepares), rerun {warm * 1000:.0f} ms, "
            f"after an event-type filter {filtered * 1000:.0f} ms, after a search {searched * 1000:.0f} ms"
        )
        at.text_input(key="f_text").input("")
        at.multiselect(key="f_types").set_value([])
        at.run()
        notes = [c.value for c in at.caption if "monthly totals" in c.value]
        if notes:
            print("  on screen (all events): " + notes[0].split(" Drag")[0][:240])
        at.switch_page("views/events.py").run()
        start = time.perf_counter()
        at.run()
        print(f"  AppTest, Events table page rerun: {(time.perf_counter() - start) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-app", action="store_true", help="skip the AppTest runs")
    args = parser.parse_args()
    print(f"Budget: rerun work <= {BUDGET_S * 1000:.0f} ms at 100,000 events; timeline JSON < 5 MB.")
    for n in args.sizes:
        bench_functions(n)
        if not args.no_app:
            bench_app(n)


if __name__ == "__main__":
    main()
