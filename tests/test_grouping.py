"""Event groups across documents and the groups table: small hand-built tables, no model needed."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from extract.corpus import GROUP_COLUMNS, GroupingSettings, group_events, groups_table
from extract.corpus.linkage import average_linkage, connected_components
from extract.corpus.similarity import NAMES, pair_similarities, row_bags, words
from extract.corpus.windows import ANY_WEEKDAY, row_windows, weekday_named
from extract.schema import documents_frame, events_frame

RATIFIED = "The upper house ratified the military cooperation agreement with Cuba"
RATIFIED_TOO = "Senators ratified the military cooperation agreement signed with Cuba"
OIL = "Venezuela signed an oil supply contract with a Chinese state company"
FLOODS = "Floods forced thousands to leave their homes in the river delta"


def event(doc: str, day: str | None, summary: str, **fields: object) -> dict[str, object]:
    """One asserted, explicitly dated day-level event row (fields override)."""
    row: dict[str, object] = {
        "event_id": f"{doc}-{len(summary)}-{day}-{fields.get('time_expression', '')}",
        "doc_id": doc,
        "source": f"Outlet {doc}",
        "date_start": day,
        "date_end": day,
        "granularity": "day" if day else "unresolved",
        "date_basis": "explicit" if day else "unresolved",
        "time_expression": day or "",
        "summary": summary,
        "sentence": summary + ".",
        "actors": ["Cuba"] if "Cuba" in summary else [],
        "event_type": "diplomacy",
        "modality": "asserted",
        "confidence": 0.8,
    }
    row.update(fields)
    return row


def weekday_row(doc: str, weekday: str, summary: str) -> dict[str, object]:
    """A row that only says 'on <weekday>' (its article has no publication day)."""
    return event(doc, None, summary, time_expression=weekday, event_id=f"{doc}-{weekday}")


def month_row(doc: str, month: str, summary: str) -> dict[str, object]:
    start = pd.Period(month, "M")
    return event(
        doc,
        None,
        summary,
        date_start=str(start.start_time.date()),
        date_end=str(start.end_time.date()),
        granularity="month",
        date_basis="explicit",
        time_expression=month,
        event_id=f"{doc}-{month}",
    )


def docs(published: dict[str, str | None]) -> pd.DataFrame:
    """Documents with a publication day (or none, when the value is None)."""
    return documents_frame(
        {
            "doc_id": doc,
            "published": day,
            "published_granularity": "day" if day else "",
            "published_basis": "metadata" if day else "unknown",
        }
        for doc, day in published.items()
    )


def grouped(rows: list[dict[str, object]], published: dict[str, str | None] | None = None) -> pd.DataFrame:
    events = events_frame(rows)
    documents = docs(published if published is not None else {r["doc_id"]: r["date_start"] for r in rows})
    return group_events(events, documents)


def together(frame: pd.DataFrame, *event_ids: str) -> bool:
    groups = frame.set_index("event_id")["event_group"]
    return groups[list(event_ids)].nunique() == 1 and groups[event_ids[0]] != ""


# --- which rows end up together -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "rows", "same", "apart"),
    [
        (
            "same event, dates a day apart (within day_slack): one group",
            [
                event("a", "2025-10-08", RATIFIED, event_id="a1"),
                event("b", "2025-10-09", RATIFIED_TOO, event_id="b1"),
                event("c", "2025-10-08", OIL, event_id="c1"),
            ],
            [("a1", "b1")],
            [("a1", "c1")],
        ),
        (
            "similar events on days weeks apart: two groups",
            [
                event("a", "2025-10-08", RATIFIED, event_id="a1"),
                event("b", "2025-11-19", RATIFIED_TOO, event_id="b1"),
                event("c", "2025-10-08", OIL, event_id="c1"),
            ],
            [],
            [("a1", "b1")],
        ),
        (
            "a month-level report joins the day-level group inside it",
            [
                event("a", "2025-10-08", RATIFIED, event_id="a1"),
                event("b", "2025-10-08", RATIFIED_TOO, event_id="b1"),
                month_row("c", "2025-10", RATIFIED + " last month"),
                event("d", "2025-10-08", OIL, event_id="d1"),
            ],
            [("a1", "b1", "c-2025-10")],
            [("a1", "d1")],
        ),
        (
            "a month-level report outside the day's month stays apart",
            [
                event("a", "2025-10-08", RATIFIED, event_id="a1"),
                event("b", "2025-10-08", RATIFIED_TOO, event_id="b1"),
                month_row("c", "2025-06", RATIFIED),
            ],
            [("a1", "b1")],
            [("a1", "c-2025-06")],
        ),
        (
            "same day, nothing in common: no group however rare the day",
            [
                event("a", "2025-10-08", RATIFIED, event_id="a1"),
                event("b", "2025-10-08", FLOODS, event_id="b1", event_type="diplomacy"),
            ],
            [],
            [("a1", "b1")],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_rows_are_grouped_by_content_within_compatible_dates(case, rows, same, apart):
    out = grouped(rows)
    for ids in same:
        assert together(out, *ids), case
    for a, b in apart:
        assert not together(out, a, b), case


def test_a_publication_dated_lead_joins_the_report_that_dates_the_event():
    rows = [
        event("a", "2025-10-10", RATIFIED, date_basis="publication", time_expression="", event_id="lead"),
        event("b", "2025-10-08", RATIFIED_TOO, date_basis="citation", event_id="cited"),
    ]
    out = grouped(rows, {"a": "2025-10-10", "b": "2026-01-20"})
    assert together(out, "lead", "cited")


def test_one_link_does_not_chain_unrelated_reports_as_transitive_closure_would():
    """B matches A well and C fairly (alone, B and C group); A and C share nothing, so once A and B are one
    group, C's average with it falls under the threshold and C stays apart."""
    a = event("a", "2025-10-08", "alpha bravo charlie", event_id="A", event_type="other")
    b = event("b", "2025-10-08", "alpha bravo charlie delta echo foxtrot", event_id="B", event_type="other")
    c = event("c", "2025-10-08", "delta kilo lima mike", event_id="C", event_type="other")
    assert together(grouped([b, c]), "B", "C")
    out = grouped([a, b, c])
    assert together(out, "A", "B")
    assert not together(out, "B", "C")


# --- rows of one document, and dates borrowed from the groups ---------------------------------------------

HARBOUR = "The port authority reopened the northern harbour"
OIL_TOO = "Venezuela signed the oil supply contract with the Chinese state company"


@pytest.mark.parametrize(("basis", "apart"), [("explicit", True), ("citation", True), ("relative", False)])
def test_two_rows_one_document_writes_two_days_for_stay_apart(basis, apart):
    """Two documents alone alike enough that their context links every row: the dated one's harbour row joins
    the ratification only when its days are resolved ones, not days the document itself wrote."""
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1", date_basis=basis),
        event("a", "2025-10-09", HARBOUR, event_id="a2", date_basis=basis),
        event("b", "2025-10-07", RATIFIED_TOO, event_id="b1"),
    ]
    out = grouped(rows, {"a": "2025-10-10", "b": "2025-10-10"})
    assert together(out, "a1", "b1")
    assert together(out, "a1", "a2") is not apart


def test_rows_of_one_document_matching_different_reports_elsewhere_stay_apart():
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1", date_basis="relative"),
        event("a", "2025-10-08", OIL, event_id="a2", date_basis="relative"),
        event("b", "2025-10-08", RATIFIED_TOO, event_id="b1", date_basis="relative"),
        event("b", "2025-10-08", OIL_TOO, event_id="b2", date_basis="relative"),
    ]
    events, documents = events_frame(rows), docs({"a": "2025-10-10", "b": "2025-10-10"})
    out = group_events(events, documents)
    assert together(out, "a1", "b1") and together(out, "a2", "b2")
    assert not together(out, "a1", "a2")
    # were every two rows of a document a retelling, the documents' likeness would make it all one group
    merged = group_events(events, documents, GroupingSettings(retell_min=0.0))
    assert together(merged, "a1", "a2", "b1", "b2")


@pytest.mark.parametrize(("basis", "joined"), [("metadata", True), ("corroborated", False)])
def test_a_date_cross_source_dating_took_from_the_groups_earns_no_date_bonus(basis, joined):
    """The two rows share a little ("upper house") and a rare day: enough on the day of a document's own
    date, not on a day that other documents' groups gave it."""
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),
        event("b", "2025-10-08", "Protesters marched outside the upper house", event_id="b1", date_basis="relative"),
        event("b", "2019-05-14", "The fishing fleet was modernised with new trawlers", event_id="b2"),
        event("b", "2020-03-02", "A drought hit the southern provinces hard", event_id="b3"),
    ]
    rows = [{**r, "event_type": "other", "actors": []} for r in rows]
    topics = ["farm", "river", "school", "bridge", "museum", "stadium"]
    rows += [
        event(d, f"2024-0{i + 1}-15", f"Unrelated {topic} story", event_id=d)
        for i, (d, topic) in enumerate(zip("cdefgh", topics, strict=True))
    ]
    documents = documents_frame(
        [
            {"doc_id": "a", "published": "2025-10-10", "published_granularity": "day", "published_basis": "metadata"},
            {"doc_id": "b", "published": "2025-10-09", "published_granularity": "day", "published_basis": basis},
            *({"doc_id": d, "published": "2024-12-01", "published_granularity": "day"} for d in "cdefgh"),
        ]
    )
    out = group_events(events_frame(rows), documents)
    assert together(out, "a1", "b1") is joined
    assert row_windows(events_frame(rows), documents, lead_days=3, weekday_lookback=7).borrowed[1] is not joined


def test_rows_that_share_only_names_many_documents_use_are_not_alike():
    """A plain cosine makes two rows naming only the same two countries identical; the norm's floor does not."""
    rows = [
        event(f"d{i}", "2025-10-08", f"Story {word}", actors=["Russia", "Cuba"], event_id=f"r{i}")
        for i, word in enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"])
    ]
    rows.append(event("x", "2025-10-08", "Story india", actors=["Federation Council"], event_id="x"))
    events = events_frame(rows)
    doc = pd.factorize(events["doc_id"])[0]
    a, b = np.array([0]), np.array([1])
    plain = pair_similarities(row_bags(events, doc), a, b)[0, NAMES]
    floored = pair_similarities(row_bags(events, doc, norm_floor=(0.0, 0.0, 1.1)), a, b)[0, NAMES]
    assert plain == pytest.approx(1.0)
    assert floored < 0.2


def test_the_same_day_after_a_weekday_only_row_takes_its_weekday():
    rows = [
        weekday_row("u", "Tuesday", RATIFIED),
        event("u", None, OIL, time_expression="the same day", event_id="same", char_start=500),
        event("u", None, FLOODS, time_expression="that day", event_id="other-doc-order", char_start=20),
    ]
    rows[0]["char_start"] = 100
    win = row_windows(events_frame(rows), docs({"u": None}), lead_days=3, weekday_lookback=7)
    assert win.weekday.tolist() == [1, 1, -1]  # "that day" comes before the Tuesday row: nothing to take
    assert win.placed.tolist() == [True, True, False]


def test_a_yesterday_row_of_an_undated_article_joins_the_group_it_matches():
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),
        event("b", "2025-10-08", RATIFIED_TOO, event_id="b1"),
        event("u", None, RATIFIED, time_expression="yesterday", event_id="u1"),
    ]
    documents = docs({"a": "2025-10-08", "b": "2025-10-09", "u": None})
    events = events_frame(rows)
    assert row_windows(events, documents, lead_days=3, weekday_lookback=7).weekday.tolist() == [-1, -1, ANY_WEEKDAY]
    out = group_events(events, documents)
    assert together(out, "a1", "b1", "u1")
    assert "Yesterday (1)" in groups_table(out, documents).iloc[0]["reported_dates"]


def test_a_weekday_only_row_joins_the_better_of_two_groups_on_its_day():
    """Both groups put 'Wednesday' on 8 October: no doubt about the day, so the words decide."""
    both = RATIFIED + " and " + OIL
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),
        event("b", "2025-10-08", RATIFIED_TOO, event_id="b1"),
        event("c", "2025-10-08", OIL, event_id="c1", event_type="economy"),
        event("d", "2025-10-08", OIL_TOO, event_id="d1", event_type="economy"),
        weekday_row("u", "Wednesday", both),
    ]
    out = grouped(rows, {"a": "2025-10-08", "b": "2025-10-08", "c": "2025-10-08", "d": "2025-10-08", "u": None})
    assert together(out, "a1", "b1") and together(out, "c1", "d1") and not together(out, "a1", "c1")
    assert together(out, "u-Wednesday", "a1") or together(out, "u-Wednesday", "c1")


# --- weekday-only rows of undated articles ----------------------------------------------------------------


def test_a_weekday_only_row_joins_the_group_whose_day_has_that_weekday():
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),  # a Wednesday
        event("b", "2025-10-08", RATIFIED_TOO, event_id="b1"),
        weekday_row("u", "Wednesday", RATIFIED),
        weekday_row("v", "Sunday", RATIFIED),  # Oct 5 and Oct 12 are too far from the group's day
    ]
    out = grouped(rows, {"a": "2025-10-08", "b": "2025-10-09", "u": None, "v": None})
    assert together(out, "a1", "b1", "u-Wednesday")
    assert not together(out, "a1", "v-Sunday")


def test_a_weekday_only_row_stays_apart_when_two_groups_fit():
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),  # Wednesday
        event("b", "2025-10-08", RATIFIED_TOO, event_id="b1"),
        event("c", "2025-10-22", RATIFIED, event_id="c1"),  # Wednesday, two weeks later
        event("d", "2025-10-22", RATIFIED_TOO, event_id="d1"),
        weekday_row("u", "Wednesday", RATIFIED),
    ]
    out = grouped(rows, {"a": "2025-10-08", "b": "2025-10-08", "c": "2025-10-22", "d": "2025-10-22", "u": None})
    assert together(out, "a1", "b1") and together(out, "c1", "d1") and not together(out, "a1", "c1")
    assert not together(out, "u-Wednesday", "a1")
    assert not together(out, "u-Wednesday", "c1")
    assert out.set_index("event_id").at["u-Wednesday", "event_group"] != ""


def test_the_articles_other_dates_decide_which_group_a_weekday_fits():
    """An article known only to be from 2025, reporting something on 1 October: its 'Wednesday' is after that."""
    rows = [
        event("a", "2025-01-08", RATIFIED, event_id="january"),  # a Wednesday before the article's own date
        event("b", "2025-01-08", RATIFIED_TOO, event_id="january2"),
        event("c", "2025-10-08", RATIFIED, event_id="october"),  # a Wednesday after it
        event("d", "2025-10-08", RATIFIED_TOO, event_id="october2"),
        event("u", "2025-10-01", OIL, event_id="u-dated"),
        weekday_row("u", "Wednesday", RATIFIED),
    ]
    documents = documents_frame(
        [
            {"doc_id": "a", "published": "2025-01-08", "published_granularity": "day"},
            {"doc_id": "b", "published": "2025-01-08", "published_granularity": "day"},
            {"doc_id": "c", "published": "2025-10-08", "published_granularity": "day"},
            {"doc_id": "d", "published": "2025-10-08", "published_granularity": "day"},
            {"doc_id": "u", "published": "2025-01-01", "published_granularity": "year"},
        ]
    )
    out = group_events(events_frame(rows), documents)
    assert together(out, "october", "u-Wednesday")
    assert not together(out, "january", "u-Wednesday")


def test_weekday_windows_follow_the_documents_table_and_the_articles_own_dates():
    rows = events_frame([event("u", "2025-10-01", OIL, event_id="x"), weekday_row("u", "Wednesday", RATIFIED)])
    documents = documents_frame([{"doc_id": "u", "published": "2025-01-01", "published_granularity": "year"}])
    win = row_windows(rows, documents, lead_days=3, weekday_lookback=7)
    lo, hi = (pd.Timestamp("1677-01-01") + pd.Timedelta(days=int(d)) for d in (win.lo[1], win.hi[1]))
    assert (lo, hi) == (pd.Timestamp("2025-09-24"), pd.Timestamp("2025-12-31"))
    assert win.weekday.tolist() == [-1, 2]


@pytest.mark.parametrize(
    ("expression", "weekday"),
    [("Wednesday", 2), ("Earlier on Thursday", 3), ("late Friday night", 4), ("the same day", -1), ("", -1)],
)
def test_weekday_named(expression, weekday):
    assert weekday_named(expression) == weekday


# --- ids, plans, the input ---------------------------------------------------------------------------------


def test_group_ids_come_from_the_members_not_the_row_order():
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),
        event("b", "2025-10-09", RATIFIED_TOO, event_id="b1"),
        event("c", "2025-10-08", OIL, event_id="c1"),
        event("d", "2025-06-01", FLOODS, event_id="d1"),
    ]
    first = grouped(rows).set_index("event_id")["event_group"]
    for seed in range(3):
        shuffled = [rows[i] for i in np.random.default_rng(seed).permutation(len(rows))]
        again = grouped(shuffled).set_index("event_id")["event_group"]
        assert again.sort_index().equals(first.sort_index())
    expected = "g" + hashlib.sha1(b"a1\nb1").hexdigest()[:16]
    assert first["a1"] == first["b1"] == expected
    assert first["c1"] == "g" + hashlib.sha1(b"c1").hexdigest()[:16]  # reported once: a group of its own


@pytest.mark.parametrize("modality", ["planned", "hypothetical"])
def test_plans_get_no_group(modality):
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),
        event("b", "2025-10-08", RATIFIED_TOO, event_id="plan", modality=modality),
    ]
    out = grouped(rows).set_index("event_id")["event_group"]
    assert out["plan"] == ""
    assert out["a1"] != ""


def test_every_asserted_row_gets_a_group_even_undated_ones():
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),
        event("b", None, RATIFIED_TOO, event_id="undated", time_expression="the same day"),
    ]
    out = grouped(rows, {"a": "2025-10-08", "b": None}).set_index("event_id")["event_group"]
    assert out["undated"] != "" and out["undated"] != out["a1"]


def test_input_is_not_changed_and_keeps_its_index_and_columns():
    events = events_frame([event("a", "2025-10-08", RATIFIED), event("b", "2025-10-08", RATIFIED_TOO)])
    events.index = [10, 20]
    before = events.copy()
    out = group_events(events, docs({"a": "2025-10-08", "b": "2025-10-08"}))
    pd.testing.assert_frame_equal(events, before)
    assert list(out.index) == [10, 20]
    assert list(out.columns) == list(events.columns)
    assert out["event_group"].nunique() == 1


def test_csv_shaped_input_with_missing_and_odd_fields_is_grouped_without_error():
    raw = pd.DataFrame(
        [
            {"event_id": "a1", "doc_id": "a", "date_start": "2025-10-08", "granularity": "day", "summary": RATIFIED},
            {"event_id": "b1", "doc_id": "b", "date_start": "not a date", "summary": None, "actors": "Cuba; Russia"},
            {"event_id": "c1", "doc_id": "zz-not-in-documents", "date_start": "2025-10-08", "summary": "x" * 100_000},
        ]
    )
    out = group_events(raw, docs({"a": "2025-10-08", "b": None}))
    assert (out["event_group"] != "").all()


def test_empty_tables():
    out = group_events(events_frame(), documents_frame())
    assert out.empty and "event_group" in out
    assert list(groups_table(out, documents_frame()).columns) == [c.name for c in GROUP_COLUMNS]


# --- the groups table ----------------------------------------------------------------------------------------


def table_of(rows: list[dict[str, object]], published: dict[str, str | None] | None = None) -> pd.DataFrame:
    events = events_frame(rows)
    documents = docs(published if published is not None else {r["doc_id"]: r["date_start"] for r in rows})
    return groups_table(group_events(events, documents), documents)


def group_with(table: pd.DataFrame, summary: str) -> pd.Series:
    return table[table["summary"].str.contains(summary)].iloc[0]


@pytest.mark.parametrize(
    ("case", "rows", "agreement"),
    [
        ("one source", [event("a", "2025-10-08", RATIFIED)], "single"),
        (
            "two sources, the same day",
            [event("a", "2025-10-08", RATIFIED), event("b", "2025-10-08", RATIFIED_TOO)],
            "agree",
        ),
        (
            "a month and a day inside it",
            [event("a", "2025-10-08", RATIFIED), month_row("b", "2025-10", RATIFIED_TOO)],
            "refines",
        ),
        (
            "two different days",
            [event("a", "2025-10-08", RATIFIED), event("b", "2025-10-09", RATIFIED_TOO)],
            "conflict",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_date_agreement(case, rows, agreement):
    table = table_of(rows, {"a": "2025-10-10", "b": "2025-10-10"})
    assert len(table) == 1, case
    assert table.iloc[0]["date_agreement"] == agreement, case


def test_the_consensus_is_the_most_precise_date_most_sources_support_written_dates_first():
    rows = [
        event("a", "2025-10-10", RATIFIED, date_basis="publication", time_expression="", event_id="lead"),
        event("b", "2025-10-08", RATIFIED_TOO, date_basis="citation", event_id="cited"),
        month_row("c", "2025-10", RATIFIED),
        event("d", "2025-10-08", OIL, event_id="other-event"),
    ]
    table = table_of(rows, {"a": "2025-10-10", "b": "2025-10-30", "c": "2025-10-31", "d": "2025-10-08"})
    row = group_with(table, "Senators ratified")
    assert (row["date_start"], row["date_end"]) == (pd.Timestamp("2025-10-08"), pd.Timestamp("2025-10-08"))
    assert (row["granularity"], row["date_basis"]) == ("day", "citation")
    assert (row["n_sources"], row["n_documents"], row["n_reports"]) == (3, 3, 3)
    assert row["reported_dates"] == ["2025-10 (1)", "2025-10-08 (1)", "2025-10-10 (1)"]
    assert row["first_reported"] == pd.Timestamp("2025-10-10")
    assert row["date_agreement"] == "refines"


@pytest.mark.parametrize(("weekday", "agreement"), [("Wednesday", "agree"), ("Tuesday", "conflict")])
def test_a_weekday_only_report_on_another_weekday_makes_the_dates_conflict(weekday, agreement):
    rows = [
        event("a", "2025-10-08", RATIFIED, event_id="a1"),  # a Wednesday
        event("b", "2025-10-08", RATIFIED_TOO, event_id="b1"),
        weekday_row("u", weekday, RATIFIED),
    ]
    table = table_of(rows, {"a": "2025-10-08", "b": "2025-10-09", "u": None})
    row = group_with(table, "ratified")
    assert row["n_sources"] == 3
    assert row["date_agreement"] == agreement


def test_a_weekday_only_report_supports_its_day_and_is_listed_by_name():
    rows = [
        event("a", "2025-10-07", RATIFIED, date_basis="relative", event_id="tue"),  # Tuesday
        event("b", "2025-10-08", RATIFIED_TOO, event_id="wed"),  # Wednesday
        weekday_row("u", "Wednesday", RATIFIED),
    ]
    table = table_of(rows, {"a": "2025-10-07", "b": "2025-10-08", "u": None})
    row = group_with(table, "ratified")
    assert row["date_start"] == pd.Timestamp("2025-10-08")  # two sources place it on Wednesday, one on Tuesday
    assert "Wednesday (1)" in row["reported_dates"]
    assert row["date_agreement"] == "conflict"


def test_groups_table_lists_names_types_and_sources_by_how_many_sources_give_them():
    rows = [
        event("a", "2025-10-08", RATIFIED, actors=["Russia", "Cuba"], locations=["Moscow"], event_type="military"),
        event("b", "2025-10-08", RATIFIED_TOO, actors=["Cuba"], locations=[], event_type="diplomacy"),
        event("c", "2025-10-08", RATIFIED, actors=["Cuba", "Federation Council"], event_type="diplomacy"),
    ]
    row = table_of(rows).iloc[0]
    assert row["actors"][0] == "Cuba"
    assert set(row["actors"]) == {"Russia", "Cuba", "Federation Council"}
    assert row["locations"] == ["Moscow"]
    assert row["event_type"] == "diplomacy"
    assert row["sources"] == ["Outlet a", "Outlet b", "Outlet c"]
    assert list(table_of(rows).columns) == [c.name for c in GROUP_COLUMNS]


# --- the pieces ----------------------------------------------------------------------------------------------


def test_average_linkage_joins_on_the_average_not_on_one_link():
    doc = np.array([0, 1, 2])
    lo, hi = np.zeros(3, dtype="int64"), np.zeros(3, dtype="int64")
    a, b = np.array([0, 1]), np.array([1, 2])
    # 0-1 strong, 1-2 fair, 0-2 never compared: 2 joins only if (0.5 + 0) / 2 reaches the threshold
    assert average_linkage(3, a, b, np.array([0.9, 0.5]), doc, lo, hi, 0.4).tolist() == [0, 0, 2]
    assert average_linkage(3, a, b, np.array([0.9, 0.9]), doc, lo, hi, 0.4).tolist() == [0, 0, 0]


def test_average_linkage_needs_a_day_in_every_members_window():
    doc = np.array([0, 1, 2])
    lo, hi = np.array([0, 1, 2]), np.array([1, 2, 3])
    a, b, score = np.array([0, 1, 0]), np.array([1, 2, 2]), np.array([0.9, 0.9, 0.9])
    labels = average_linkage(3, a, b, score, doc, lo, hi, 0.4)
    assert len(set(labels.tolist())) == 2  # windows 0-1 and 2-3 share no day: never all three


def test_average_linkage_does_not_count_pairs_from_one_document():
    doc = np.array([0, 0, 1])  # items 0 and 1 come from one document: their pair is not in the average
    lo, hi = np.zeros(3, dtype="int64"), np.zeros(3, dtype="int64")
    labels = average_linkage(3, np.array([0, 1]), np.array([2, 2]), np.array([0.5, 0.5]), doc, lo, hi, 0.4)
    assert labels.tolist() == [0, 0, 0]


def test_connected_components():
    labels = connected_components(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert labels.tolist() == [0, 0, 0, 3, 4, 4]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Senate ratified the agreement", {"senate", "ratify", "agreement"}),
        ("ratifying ratifies", {"ratify"}),
        ("On Tuesday, 3 people said in 2025", {"people"}),
        ("Russia's allies", {"russia", "ally"}),
    ],
)
def test_words_keep_what_tells_events_apart(text, expected):
    assert words(text) == expected


def test_a_word_many_documents_use_is_common_unless_one_event_explains_it():
    """Spread over months, a frequent word pairs nothing; bunched in one week it is that week's event's word."""
    rows = [event(f"d{i}", f"2025-{1 + i:02d}-15", "government budget") for i in range(10)]
    rows += [event(f"e{i}", "2025-10-08", "parliament ratified") for i in range(10)]
    events = events_frame(rows)
    doc = pd.factorize(events["doc_id"])[0]
    day = (events["date_start"] - pd.Timestamp("2025-01-01")).dt.days.to_numpy()
    bag = row_bags(events, doc, max_df=5, day=day)
    common_per_row = np.add.reduceat(bag.common.astype(int), bag.indptr[:-1])
    entries_per_row = np.diff(bag.indptr)
    assert (common_per_row[:10] == entries_per_row[:10]).all()  # spread over the year: common
    assert (common_per_row[10:] == 0).all()  # one day's event: kept
    assert (entries_per_row > 0).all()
    assert row_bags(events, doc).common.sum() == 0  # no limit given: nothing is common


def test_names_keep_their_numbers():
    assert words("Resolution 2231", numbers=True) == {"resolution", "2231"}


def test_settings_are_one_frozen_dataclass():
    settings = GroupingSettings()
    with pytest.raises(AttributeError):
        settings.threshold = 0.9  # type: ignore[misc]
    stricter = GroupingSettings(threshold=5.0)
    rows = [event("a", "2025-10-08", RATIFIED, event_id="a1"), event("b", "2025-10-08", RATIFIED, event_id="b1")]
    events, documents = events_frame(rows), docs({"a": "2025-10-08", "b": "2025-10-08"})
    assert together(group_events(events, documents), "a1", "b1")
    assert not together(group_events(events, documents, stricter), "a1", "b1")
