"""Label placement on the timeline (dashboard.timeline_labels, and through dashboard.timeline_chart): the
marks the most sources report get their summary first, on whichever side or row has room, cut to fit before
falling back to the count; less important labels yield."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard import charts
from dashboard import timeline_labels as tl
from dashboard.groups import SEVERAL

LONG = "the council ratified the agreement on military cooperation with the partner state"


def place(marks: list[dict[str, object]], top_extra: float = 0.0) -> dict[int, tl.Label]:
    """Labels for hand-placed marks (dicts: summary, x px, y, lane, sources, reports, conf, r px), by mark."""

    def col(key: str, default: object) -> np.ndarray:
        return np.asarray([m.get(key, default) for m in marks])

    x, r = col("x", 0.0).astype(float), col("r", 4.5).astype(float)
    placed = tl.place_labels(
        col("summary", LONG).astype(object),
        col("sources", 1).astype(np.int64),
        col("reports", 1).astype(np.int64),
        col("conf", 0.9).astype(float),
        col("y", 0.0).astype(float),
        col("lane", 0).astype(np.int64),
        x - r,
        x + r,
        r,
        top_extra,
    )
    return {p.index: p for p in placed}


def full(summary: str, n: int) -> str:
    return tl.fitted_text(summary, n, np.inf)


def test_more_sources_label_first_and_the_other_yields() -> None:
    # Two marks 150 px apart in one row: room for one long label between them, not two.
    marks = [
        {"x": 200.0, "sources": 2, "summary": "Russia signed a treaty with North Korea on defence"},
        {"x": 350.0, "sources": 4, "summary": "Parliament ratified the agreement on military cooperation"},
    ]
    got = place(marks)
    assert got[1].text == full(marks[1]["summary"], 4)  # the 4-source mark: its whole summary
    assert "·" in got[1].text and got[1].text.endswith("· 4 sources")
    # ... placed first, on its left (toward the other mark) or right; the 2-source label fits around it.
    if 0 in got:
        a0 = got[0].anchor_px
        w0 = len(got[0].text) * tl.CHAR_PX
        span0 = (a0, a0 + w0) if got[0].position == "middle right" else (a0 - w0, a0)
        a1, w1 = got[1].anchor_px, len(got[1].text) * tl.CHAR_PX
        span1 = (a1, a1 + w1) if got[1].position == "middle right" else (a1 - w1, a1)
        assert got[0].y != got[1].y or span0[1] <= span1[0] or span1[1] <= span0[0]
    # Swapping the counts swaps who wins: the rule is the count, not the position.
    swapped = place([{**marks[0], "sources": 4}, {**marks[1], "sources": 2}])
    assert swapped[0].text == full(marks[0]["summary"], 4)


def test_reports_break_ties_between_equal_sources() -> None:
    # Both marks want the same 120 px gap between them; only one label can fill it.
    marks = [
        {"x": 100.0, "sources": 2, "reports": 2, "summary": "Talks opened in Ankara on the pipeline"},
        {"x": 560.0, "sources": 2, "reports": 5, "summary": "Troops crossed the border at dawn today"},
        {"x": 300.0, "sources": 1, "summary": "Blocker mark in the middle of the row"},
    ]
    order = tl.label_order(
        np.array([2, 2, 1]), np.array([2, 5, 1]), np.array([0.9, 0.9, 0.9]), np.array([95.5, 555.5, 295.5])
    )
    assert order.tolist()[:2] == [1, 0]  # more reports first at equal sources
    got = place(marks)
    assert got[1].text == full(marks[1]["summary"], 2)


def test_near_the_right_edge_the_summary_goes_left() -> None:
    got = place([{"x": tl.PLOT_PX - 20.0, "sources": 3}])
    assert got[0].position == "middle left"
    assert got[0].text == full(LONG, 3)
    assert got[0].anchor_px < tl.PLOT_PX - 20.0


def test_cut_to_the_room_before_the_count_alone() -> None:
    # Walls of marks 240 px each side of the mark, in every row of the lane: the full label (~300 px) fits
    # nowhere.
    walls = [{"x": x, "y": y, "summary": "x"} for x in (60.0, 540.0) for y in (-0.3, 0.0, 0.3)]
    got = place([{"x": 300.0, "sources": 3}, *walls])
    text = got[0].text
    assert text != full(LONG, 3) and text.endswith("… · 3 sources") and text.startswith("The council")
    assert got[0].y == 0.0 and 200 < len(text) * tl.CHAR_PX <= 225
    # No room for words at all: the count alone.
    walls = [{"x": x, "y": y, "summary": "x"} for x in (180.0, 340.0) for y in (-0.3, 0.0, 0.3)]
    tight = place([{"x": 260.0, "sources": 3}, *walls])
    assert tight[0].text == "3 sources"


def test_an_important_label_takes_a_free_row_when_its_own_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    # A row crowded left and right of the mark; the rows above are free in a taller top lane.
    crowd = [{"x": x, "summary": "x", "y": y} for x in range(20, 600, 40) if abs(x - 300) > 20 for y in (-0.3, 0, 0.3)]
    got = place([{"x": 300.0, "sources": 4, "y": 0.0}, *crowd], top_extra=0.6)
    label = got[0]
    assert label.text == full(LONG, 4)
    assert label.y == -0.6  # two rows up: the row above is as crowded
    # Rows above the lane's own exist only where it is taller: without them, no room for any label.
    assert 0 not in place([{"x": 300.0, "sources": 4, "y": 0.0}, *crowd])
    # Marks further down the order than OFF_ROW_MARKS keep to their own row (here, no room in it).
    monkeypatch.setattr(tl, "OFF_ROW_MARKS", 0)
    assert 0 not in place([{"x": 300.0, "sources": 4, "y": 0.0}, *crowd], top_extra=0.6)


def groups_frame(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    """Event groups for the chart: (day, sources, summary) each; several-source ones share the top lane."""
    n = len(rows)
    days = pd.to_datetime([d for d, _, _ in rows])
    sources = np.asarray([s for _, s, _ in rows], dtype=np.int64)
    return pd.DataFrame(
        {
            "event_group": [f"g{i}" for i in range(n)],
            "_hover": [f"event {i}" for i in range(n)],
            "event_type": "diplomacy",
            "date_start": days,
            "_end_excl": days + pd.Timedelta(days=1),
            "_span": False,
            "_jitter": 0.0,
            "_mi": (days.year * 12 + days.month - 1).to_numpy(),
            "_mi_end": (days.year * 12 + days.month - 1).to_numpy(),
            "_hollow": False,
            "_faded": False,
            "_lane": np.where(sources > 1, SEVERAL, "Outlet A"),
            "_actor": "Russia",
            "_dated": True,
            "_type_code": 1,
            "n_sources": sources,
            "_lo": days,
            "_hi": days,
            "_spread": 0,
            "_conf": 0.9,
            "_n_reports": sources,
            "summary": [s for _, _, s in rows],
        }
    )


def test_the_most_reported_event_near_the_right_edge_shows_its_summary() -> None:
    """The case seen on the seeds: a 4-source event near the right edge of a crowded 'Several sources' lane,
    2-source events to its left. Before, its label was '4 sources' only."""
    crowd = [(f"2025-0{m}-15", 2, f"Ministers met again in round {m} of the talks") for m in range(1, 10)]
    crowd += [(f"2024-{m:02d}-10", 2, f"Envoys exchanged notes on the border {m}") for m in range(1, 13, 2)]
    top = ("2025-10-08", 4, "Parliament ratified the military cooperation agreement")
    frame = groups_frame([*crowd, top, ("2020-05-05", 1, "A single report elsewhere")])
    fig = charts.group_timeline_figure(frame, "source", (dt.date(2018, 1, 1), dt.date(2026, 12, 31)))
    (text,) = [t for t in fig.data if getattr(t, "mode", None) == "text"]
    by_mark = dict(zip(text.customdata, text.text, strict=True))
    top_id = f"g{len(crowd)}"
    assert by_mark[top_id].startswith("Parliament ratified") and by_mark[top_id].endswith("· 4 sources")
    assert fig.layout.yaxis.range[1] < -0.5  # the several-sources lane is taller, with rows for labels
    assert fig.layout.meta["labels"] == len(text.text)
    # A label off its mark's row is tied to the mark by a thin line.
    ys = dict(zip(text.customdata, text.y, strict=True))
    marks_y = {
        i: y
        for t in fig.data
        if t.mode == "markers" and t.customdata is not None
        for i, y in zip(t.customdata, t.y, strict=True)
    }
    off = [i for i in by_mark if abs(ys[i] - marks_y[i]) > 1e-6]
    leaders = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(off) == len(leaders) and off  # here the 4-source label sits off its row
    assert {(s.y0, s.y1) for s in leaders} == {(ys[i], marks_y[i]) for i in off}
