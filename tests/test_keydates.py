"""Key dates: hand-built tables whose ranking is known, with and without event groups."""

from __future__ import annotations

import dataclasses
import itertools

import pandas as pd
import pytest

from extract.corpus.keydates import DEFAULT_SETTINGS, KEY_DATE_COLUMN_NAMES, KeyDateSettings, key_dates
from extract.schema import documents_frame, events_frame

# Every vote counts as it is: no burst, smoothing, background or topic weighting, unless a test says so.
VOTES_ONLY = dataclasses.replace(
    DEFAULT_SETTINGS, burst_weight=0.0, smoothing=0.0, background_weight=1.0, off_topic_weight=1.0
)

_ids = itertools.count()


def row(doc: str, day: str | None, **fields: object) -> dict[str, object]:
    """One event row: a day-level explicit date of an asserted event, reported by `doc` (its own source)."""
    base = {
        "event_id": f"e{next(_ids)}",
        "doc_id": doc,
        "source": doc,
        "date_start": day,
        "date_end": day,
        "granularity": "day" if day else "unresolved",
        "date_basis": "explicit" if day else "unresolved",
        "summary": f"{doc} reports",
        "modality": "asserted",
    }
    return {**base, **fields}


def docs(*specs: tuple[str, str]) -> pd.DataFrame:
    """Documents table from (doc_id, published) pairs."""
    return documents_frame(
        [{"doc_id": d, "published": p, "published_granularity": "day", "published_basis": "metadata"} for d, p in specs]
    )


def ranked_days(table: pd.DataFrame) -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in table["date"]]


def test_output_columns_types_and_ranks():
    events = events_frame(
        [row("a", "2025-03-01"), row("b", "2025-03-01"), row("c", "2025-05-10"), row("d", "2025-05-10", source="c")]
    )
    table = key_dates(events, docs(), settings=VOTES_ONLY)
    assert list(table.columns) == KEY_DATE_COLUMN_NAMES
    assert str(table["date"].dtype) == "datetime64[ns]"
    assert table["rank"].tolist() == [1, 2]
    assert ranked_days(table) == ["2025-03-01", "2025-05-10"]
    assert table["n_sources"].tolist() == [2, 1]  # d's outlet is c's: two documents, one source
    assert table["n_groups"].tolist() == [2, 2]  # no event groups: one per (document, day)
    assert table["score"].is_monotonic_decreasing
    assert table["summary"].tolist() == ["a reports", "c reports"]


def test_distinct_sources_beat_more_rows_from_one_source():
    events = events_frame(
        [row("a", "2025-03-01", summary=f"a says {i}") for i in range(5)]
        + [row("b", "2025-04-01"), row("c", "2025-04-01")]
    )
    assert ranked_days(key_dates(events, docs(), settings=VOTES_ONLY)) == ["2025-04-01", "2025-03-01"]


def test_damped_sources_make_several_outlets_beat_as_many_articles_of_one():
    one_outlet = [row(f"x{i}", "2025-03-01", source="Outlet X") for i in range(3)]
    three_outlets = [row(f"y{i}", "2025-04-01", source=f"Outlet {i}") for i in range(3)]
    events = events_frame(one_outlet + three_outlets)
    # by default every document counts alike: six equal votes, the tie goes to the earlier day
    table = key_dates(events, docs(), settings=VOTES_ONLY)
    assert ranked_days(table) == ["2025-03-01", "2025-04-01"]
    assert table["n_sources"].tolist() == [1, 3]
    damped = dataclasses.replace(VOTES_ONLY, source_exponent=0.7)
    assert ranked_days(key_dates(events, docs(), settings=damped)) == ["2025-04-01", "2025-03-01"]


def test_an_events_own_date_beats_the_date_it_was_reported():
    events = events_frame(
        [row(d, "2025-03-04", date_basis="publication", time_expression="") for d in ("a", "b")]
        + [row(d, "2025-03-05", time_expression="March 5") for d in ("c", "d")]
    )
    assert ranked_days(key_dates(events, docs(), settings=VOTES_ONLY)) == ["2025-03-05", "2025-03-04"]


def test_ties_go_to_the_earlier_day_whatever_the_row_order():
    rows = [row("a", "2025-06-02"), row("b", "2025-01-20"), row("c", "2025-03-15")]
    for order in itertools.permutations(rows):
        table = key_dates(events_frame(order), docs(), settings=VOTES_ONLY)
        assert ranked_days(table) == ["2025-01-20", "2025-03-15", "2025-06-02"]
        assert table["rank"].tolist() == [1, 2, 3]


def test_unresolved_and_coarse_rows_are_no_candidates():
    events = events_frame(
        [
            row("a", None, time_expression="on Wednesday"),
            row("b", "2025-03-01", date_end="2025-03-31", granularity="month"),
            row("c", "2025-01-01", date_end="2025-12-31", granularity="year"),
            row("d", "2025-03-10"),
        ]
    )
    table = key_dates(events, docs(), settings=VOTES_ONLY)
    assert ranked_days(table) == ["2025-03-10"]


def test_only_unresolved_rows_give_an_empty_table_with_the_columns():
    table = key_dates(events_frame([row("a", None), row("b", None)]), docs())
    assert table.empty
    assert list(table.columns) == KEY_DATE_COLUMN_NAMES
    assert key_dates(events_frame(), documents_frame()).empty


def test_plans_count_for_less_and_hypotheticals_not_at_all():
    events = events_frame(
        [row(d, "2025-05-01", modality="planned") for d in ("a", "b", "c")]
        + [row(d, "2025-04-01") for d in ("d", "e")]
        + [row(d, "2025-06-01", modality="hypothetical") for d in ("f", "g", "h", "i")]
    )
    table = key_dates(events, docs(), settings=VOTES_ONLY)
    assert ranked_days(table) == ["2025-04-01", "2025-05-01"]


def test_a_groups_reports_without_a_day_of_their_own_vote_for_the_groups_day():
    # one event, four reports: two give the 8th, one only the month, one is a lead dated by its publication
    group = [
        row("a", "2025-10-08", event_group="g1", summary="The council ratified the agreement"),
        row("b", "2025-10-08", event_group="g1", summary="ratified"),
        row("c", "2025-10-01", date_end="2025-10-31", granularity="month", event_group="g1", summary="in October"),
        row("d", "2025-10-10", event_group="g1", date_basis="publication", summary="the pact passed"),
    ]
    other = [row(d, "2025-10-07", summary=f"talks began in {d}") for d in ("e", "f", "g")]
    table = key_dates(events_frame(group + other), docs(), settings=VOTES_ONLY)
    assert ranked_days(table) == ["2025-10-08", "2025-10-07"]
    top = table.iloc[0]
    assert (top["n_sources"], top["n_groups"]) == (4, 1)
    assert top["summary"] == "The council ratified the agreement"  # the group's strongest, wordiest row
    # without the group the month says nothing of a day and the lead votes for its own: the 7th wins
    ungrouped = key_dates(events_frame([{**r, "event_group": ""} for r in group + other]), docs(), settings=VOTES_ONLY)
    assert ranked_days(ungrouped) == ["2025-10-07", "2025-10-08", "2025-10-10"]


def test_a_report_keeps_its_own_day_unless_told_to_follow_its_group():
    events = events_frame(
        [
            row("a", "2025-10-08", event_group="g1"),
            row("b", "2025-10-08", event_group="g1"),
            row("c", "2025-10-07", event_group="g1", date_basis="relative"),
            row("d", "2025-10-01", event_group="g1", date_basis="publication"),  # a lead too early for the 8th
        ]
    )
    table = key_dates(events, docs(), settings=VOTES_ONLY)
    assert ranked_days(table) == ["2025-10-08", "2025-10-07", "2025-10-01"]
    assert table["n_groups"].tolist() == [1, 1, 1]
    following = dataclasses.replace(VOTES_ONLY, regroup_own_days=True)
    assert ranked_days(key_dates(events, docs(), settings=following)) == ["2025-10-08", "2025-10-01"]


def test_the_groups_table_gives_the_consensus_day_and_the_summary():
    events = events_frame(
        [
            row("a", "2025-10-08", event_group="g1"),
            row("b", "2025-10-01", date_end="2025-10-31", granularity="month", event_group="g1"),
            row("c", "2025-10-10", event_group="g1", date_basis="publication"),
            row("d", "2025-10-01", date_end="2025-10-31", granularity="month", event_group="g2"),
        ]
    )
    groups = pd.DataFrame(
        {
            "event_group": ["g1", "g2"],
            "date_start": pd.to_datetime(["2025-10-08", "2025-10-01"]),
            "granularity": ["day", "month"],
            "summary": ["Parliament ratified the treaty", "October talks"],
        }
    )
    table = key_dates(events, docs(), groups, settings=VOTES_ONLY)
    assert ranked_days(table) == ["2025-10-08"]  # g2 is month-level: no candidate day
    assert table.iloc[0]["summary"] == "Parliament ratified the treaty"
    assert table.iloc[0]["n_sources"] == 3
    # the table's consensus is what counts: a group it dates only to the month lends no member a day
    monthly = groups.assign(granularity=["month", "month"])
    assert ranked_days(key_dates(events, docs(), monthly, settings=VOTES_ONLY)) == ["2025-10-08", "2025-10-10"]


def test_the_top_group_is_the_one_with_the_most_sources_then_votes():
    events = events_frame(
        [row(d, "2025-02-03", event_group="big", summary="Troops crossed", date_basis="inferred") for d in "abc"]
        + [row(d, "2025-02-03", event_group="mid", summary="The talks collapsed in the capital") for d in "de"]
        + [row("f", "2025-02-03", event_group="small", summary="A much longer summary of a smaller event here")]
    )
    table = key_dates(events, docs(), settings=VOTES_ONLY)
    assert table.iloc[0]["summary"] == "Troops crossed"  # three sources beat two with more votes
    assert table.iloc[0]["n_groups"] == 3


def test_articles_published_just_after_a_day_lift_it():
    events = events_frame([row("a", "2025-03-01"), row("b", "2025-05-01")])
    documents = docs(("a", "2025-03-20"), ("b", "2025-05-20"), *[(f"p{i}", "2025-05-02") for i in range(3)])
    burst_only = dataclasses.replace(VOTES_ONLY, burst_weight=1.0, burst_days=3)
    table = key_dates(events, documents, settings=burst_only)
    assert ranked_days(table) == ["2025-05-01", "2025-03-01"]
    assert table["score"].tolist() == [4.0, 1.0]  # one vote plus three articles the next day
    assert table["n_sources"].tolist() == [1, 1]  # the burst adds score, not sources


def test_documents_naming_none_of_the_storys_actors_count_for_less():
    on_story = [row(d, "2025-03-01", actors=["Russia", "Cuba"]) for d in ("a", "b", "c")]
    on_story += [row(d, "2025-03-03", actors=["Cuba"]) for d in ("d", "e")]
    off_story = [row(d, "2025-04-01", actors=[f"Singer {d}"]) for d in ("f", "g", "h")]
    events = events_frame(on_story + off_story)
    topical = dataclasses.replace(VOTES_ONLY, off_topic_weight=0.5, core_share=0.25)
    assert ranked_days(key_dates(events, docs(), settings=topical)) == ["2025-03-01", "2025-03-03", "2025-04-01"]
    assert ranked_days(key_dates(events, docs(), settings=VOTES_ONLY))[1] == "2025-04-01"


def test_background_days_long_before_the_coverage_weigh_less():
    events = events_frame(
        [row(d, "1958-08-29", summary="he was born") for d in ("a", "b", "c")]
        + [row(d, "2025-06-25") for d in ("a", "b")]
    )
    documents = docs(("a", "2025-06-27"), ("b", "2025-06-28"), ("c", "2025-06-28"))
    background = dataclasses.replace(VOTES_ONLY, background_weight=0.3, background_days=30)
    assert ranked_days(key_dates(events, documents, settings=background)) == ["2025-06-25", "1958-08-29"]
    assert ranked_days(key_dates(events, documents, settings=VOTES_ONLY)) == ["1958-08-29", "2025-06-25"]


def test_smoothing_breaks_a_tie_towards_the_busier_neighbourhood():
    events = events_frame([row("a", "2025-03-01"), row("b", "2025-04-01"), row("c", "2025-04-02")])
    smooth = dataclasses.replace(VOTES_ONLY, smoothing=0.1)
    assert ranked_days(key_dates(events, docs(), settings=smooth))[:2] == ["2025-04-01", "2025-04-02"]


def test_the_retrospective_bonus_lifts_days_looked_back_at():
    events = events_frame([row("a", "2025-02-20"), row("b", "2025-03-01")])
    documents = docs(("a", "2025-02-21"), ("b", "2025-04-15"))  # b looks back 45 days
    assert ranked_days(key_dates(events, documents, settings=VOTES_ONLY)) == ["2025-02-20", "2025-03-01"]
    retro = dataclasses.replace(VOTES_ONLY, retro_bonus=0.5, retro_min_days=30)
    table = key_dates(events, documents, settings=retro)
    assert ranked_days(table) == ["2025-03-01", "2025-02-20"]
    assert table["score"].tolist() == pytest.approx([1.5**retro.source_exponent, 1.0])


def test_week_and_month_mentions_lend_weight_to_the_days_inside_when_asked():
    events = events_frame(
        [row("a", "2025-03-01"), row("b", "2025-04-10")]
        + [row(d, "2025-04-01", date_end="2025-04-30", granularity="month") for d in ("c", "d")]
    )
    lending = dataclasses.replace(VOTES_ONLY, coarse_weight=0.1)
    table = key_dates(events, docs(), settings=lending)
    assert ranked_days(table) == ["2025-04-10", "2025-03-01"]
    assert table["score"].tolist() == [1.2, 1.0]


def test_csv_shaped_tables_rank_like_typed_ones():
    events = events_frame(
        [row(d, "2025-03-01", actors=["Russia"]) for d in ("a", "b")]
        + [row("c", "2025-03-04", actors=["Cuba", "Russia"]), row("d", None)]
    )
    documents = docs(("a", "2025-03-02"), ("b", "2025-03-02"), ("c", "2025-03-05"), ("d", "2025-03-05"))
    as_csv = events.astype({"date_start": str, "date_end": str}).replace("NaT", "")
    as_csv["actors"] = events["actors"].map("; ".join)
    csv_docs = documents.astype({"published": str})
    pd.testing.assert_frame_equal(key_dates(as_csv, csv_docs), key_dates(events, documents))


def test_impossible_and_unrepresentable_dates_are_no_candidates():
    raw = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e"],
            "date_start": ["2025-02-30", "9999-01-01", "0001-01-01", "not a date", "2025-03-01"],
            "granularity": "day",
            "date_basis": "explicit",
        }
    )
    documents = pd.DataFrame({"doc_id": ["e", "a"], "published": ["2025-03-02", "garbage"]})
    table = key_dates(raw, documents, settings=dataclasses.replace(VOTES_ONLY, burst_weight=1.0))
    assert ranked_days(table) == ["2025-03-01"]
    assert table["score"].tolist() == [2.0]  # its own vote and e's article the day after


def test_a_missing_column_is_named():
    events = events_frame([row("a", "2025-03-01")]).drop(columns=["date_basis"])
    with pytest.raises(ValueError, match="date_basis"):
        key_dates(events, docs())


def test_settings_are_frozen_and_their_weights_read_only():
    settings = KeyDateSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.burst_weight = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.basis_weights["publication"] = 1.0  # type: ignore[index]
    assert settings.basis_weights["explicit"] > settings.basis_weights["publication"]
