"""The retelling index answers exactly as comparing each event with every earlier one did."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from extract.retellings import Retellings


def pairwise_repeats(start, end, granularity, window, seen) -> bool:
    """The former quadratic check (events._repeats before the index), kept here as the oracle."""
    if not window or start is None:
        return False
    for old_start, old_end, other in seen:
        if old_start is None or old_end is None or not other:
            continue
        triggers = {w for w in other if w.startswith("trigger:")}
        words = {w for w in window if not w.startswith("trigger:")}
        old_words = other - triggers
        same_words = bool(words) and len(words & old_words) / len(words | old_words) >= 0.6
        if old_start == start and old_end == end and same_words:
            return True
        contains = start <= old_start and old_end <= end and (start, end) != (old_start, old_end)
        if triggers & window and contains and granularity != "range":
            return True
    return False


def random_event(rng: random.Random) -> tuple[dt.date | None, dt.date | None, str, set[str]]:
    base = dt.date(2020, 1, 1)
    if rng.random() < 0.05:
        return None, None, "unresolved", {"trigger:sign"}
    start = base + dt.timedelta(days=rng.randrange(40))
    end = start + dt.timedelta(days=rng.choice([0, 0, 0, 1, 6, 30]))
    granularity = rng.choice(["day", "day", "month", "range"])
    vocabulary = [f"w{i}" for i in range(9)]
    size = rng.choice([0, 1, 2, 3, 4, 5, 6, 14])  # 14: larger than the subset index takes
    words = set(rng.sample(vocabulary * 2, size)) if size < 14 else {f"x{i}" for i in range(14)} | {"w1"}
    if rng.random() < 0.8:
        words.add(f"trigger:{rng.choice(['sign', 'meet', 'visit'])}")
    return start, end, granularity, words


@pytest.mark.parametrize("seed", range(12))
def test_the_index_agrees_with_the_pairwise_comparison(seed: int) -> None:
    rng = random.Random(seed)
    index, seen = Retellings(), []
    verdicts = []
    for _ in range(400):
        start, end, granularity, window = random_event(rng)
        expected = pairwise_repeats(start, end, granularity, window, seen)
        assert index.retells(start, end, granularity, window) == expected
        verdicts.append(expected)
        if not expected:
            seen.append((start, end, window))
            index.add(start, end, window)
    assert any(verdicts) and not all(verdicts)  # both answers were exercised


def test_same_dates_and_similar_words_are_one_event() -> None:
    index = Retellings()
    day = dt.date(2025, 3, 13)
    index.add(day, day, {"agreement", "military", "cooperation", "trigger:sign"})
    assert index.retells(day, day, "day", {"agreement", "military", "cooperation", "new", "trigger:sign"})  # 3/4
    assert not index.retells(day, day, "day", {"agreement", "new", "trigger:meet"})  # 1/4
    assert not index.retells(day + dt.timedelta(days=1), day + dt.timedelta(days=1), "day", {"agreement"})


def test_a_period_containing_an_earlier_act_of_the_same_verb_retells_it() -> None:
    index = Retellings()
    index.add(dt.date(2025, 3, 13), dt.date(2025, 3, 13), {"trigger:sign"})
    march = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert index.retells(*march, "month", {"trigger:sign"})
    assert not index.retells(*march, "month", {"trigger:meet"})  # another verb
    assert not index.retells(*march, "range", {"trigger:sign"})  # a range frames many acts
    assert not index.retells(dt.date(2025, 3, 13), dt.date(2025, 3, 13), "day", {"trigger:sign"})  # same, no words
