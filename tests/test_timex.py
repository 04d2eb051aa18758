"""Time-expression tagger: table-driven cases against a fixed publication date (Friday 10 October 2025).

Most cases run on a blank tokenizer (no model: fast); the ones that need the parse (verb tense,
sentences, entities) are marked `model`.
"""

from __future__ import annotations

import datetime as dt

import pytest
import spacy

from extract.timex import TimeMention, find_time_mentions, find_timexes

PUB = dt.date(2025, 10, 10)  # a Friday
D = dt.date
_BLANK = spacy.blank("en")


def mentions(text: str, published: dt.date | None = PUB, **kw: object) -> list[TimeMention]:
    """Without the model: a blank tokenizer's Doc (no tags, no entities)."""
    return find_time_mentions(text, published, doc=_BLANK(text), **kw)  # type: ignore[arg-type]


def only(text: str, published: dt.date | None = PUB, **kw: object) -> TimeMention:
    found = mentions(text, published, **kw)
    assert len(found) == 1, found
    return found[0]


def check(m: TimeMention, expected: tuple) -> None:
    span, start, end, gran, value, basis = expected
    assert (m.text, m.date_start, m.date_end, m.granularity, m.value, m.basis) == (span, start, end, gran, value, basis)


# (sentence, (expression, date_start, date_end, granularity, value, basis))
EXPLICIT = [
    (
        "The treaty was signed on March 13, 2025, in the capital.",
        ("March 13, 2025", D(2025, 3, 13), D(2025, 3, 13), "day", "2025-03-13", "explicit"),
    ),
    (
        "The deal dates from 4 July 2019.",
        ("4 July 2019", D(2019, 7, 4), D(2019, 7, 4), "day", "2019-07-04", "explicit"),
    ),
    (
        "Filed on Sept. 3, 2024 with the court.",
        ("Sept. 3, 2024", D(2024, 9, 3), D(2024, 9, 3), "day", "2024-09-03", "explicit"),
    ),
    (
        "Posted 2024-02-29 by the agency.",
        ("2024-02-29", D(2024, 2, 29), D(2024, 2, 29), "day", "2024-02-29", "explicit"),
    ),
    (
        "Updated 07.11.2023 at the source.",
        ("07.11.2023", D(2023, 11, 7), D(2023, 11, 7), "day", "2023-11-07", "explicit"),
    ),
    ("The plant opened in March 2025.", ("March 2025", D(2025, 3, 1), D(2025, 3, 31), "month", "2025-03", "explicit")),
    (
        "Talks stalled in February of 2024.",
        ("February of 2024", D(2024, 2, 1), D(2024, 2, 29), "month", "2024-02", "explicit"),
    ),
    ("Output fell in 2023.", ("2023", D(2023, 1, 1), D(2023, 12, 31), "year", "2023", "explicit")),
    ("Those policies date from the 1960s.", ("the 1960s", D(1960, 1, 1), D(1969, 12, 31), "decade", "196", "explicit")),
    (
        "Drills were held in summer 2025.",
        ("summer 2025", D(2025, 6, 1), D(2025, 8, 31), "season", "2025-SU", "explicit"),
    ),
    (
        "Snow closed roads in the winter of 2023.",
        ("the winter of 2023", D(2023, 12, 1), D(2024, 2, 29), "season", "2023-WI", "explicit"),
    ),
    (
        "Sales grew in the first quarter of 2025.",
        ("the first quarter of 2025", D(2025, 1, 1), D(2025, 3, 31), "quarter", "2025-Q1", "explicit"),
    ),
    ("Margins shrank in Q3 2024.", ("Q3 2024", D(2024, 7, 1), D(2024, 9, 30), "quarter", "2024-Q3", "explicit")),
]

RELATIVE = [
    ("Prices rose last year.", ("last year", D(2024, 1, 1), D(2024, 12, 31), "year", "2024", "relative")),
    ("Exports will recover next year.", ("next year", D(2026, 1, 1), D(2026, 12, 31), "year", "2026", "relative")),
    ("The vote happens this week.", ("this week", D(2025, 10, 6), D(2025, 10, 12), "week", "2025-W41", "relative")),
    ("The fleet sailed last week.", ("last week", D(2025, 9, 29), D(2025, 10, 5), "week", "2025-W40", "relative")),
    ("The fund closes next month.", ("next month", D(2025, 11, 1), D(2025, 11, 30), "month", "2025-11", "relative")),
    ("Rates were cut last month.", ("last month", D(2025, 9, 1), D(2025, 9, 30), "month", "2025-09", "relative")),
    ("The mayor resigned yesterday.", ("yesterday", D(2025, 10, 9), D(2025, 10, 9), "day", "2025-10-09", "relative")),
    ("Markets are closed today.", ("today", PUB, PUB, "day", "2025-10-10", "relative")),
    (
        "The bridge collapsed two years ago.",
        ("two years ago", D(2023, 1, 1), D(2023, 12, 31), "year", "2023", "relative"),
    ),
    (
        "The law passed three days ago.",
        ("three days ago", D(2025, 10, 7), D(2025, 10, 7), "day", "2025-10-07", "relative"),
    ),
    ("On January 15 the talks began.", ("January 15", D(2025, 1, 15), D(2025, 1, 15), "day", "2025-01-15", "relative")),
    (
        "On the 5th of June protests began.",
        ("the 5th of June", D(2025, 6, 5), D(2025, 6, 5), "day", "2025-06-05", "relative"),
    ),
    ("Output dipped in April.", ("April", D(2025, 4, 1), D(2025, 4, 30), "month", "2025-04", "relative")),
    ("Trade slowed last November.", ("last November", D(2024, 11, 1), D(2024, 11, 30), "month", "2024-11", "relative")),
    ("Floods hit this summer.", ("this summer", D(2025, 6, 1), D(2025, 8, 31), "season", "2025-SU", "relative")),
    ("Crops failed last winter.", ("last winter", D(2024, 12, 1), D(2025, 2, 28), "season", "2024-WI", "relative")),
    ("Shares rose this quarter.", ("this quarter", D(2025, 10, 1), D(2025, 12, 31), "quarter", "2025-Q4", "relative")),
    (
        "A new plan came earlier this month.",
        ("this month", D(2025, 10, 1), D(2025, 10, 31), "month", "2025-10", "relative"),
    ),
]

RANGES = [
    (
        "Fighting raged between 2024 and 2025.",
        ("between 2024 and 2025", D(2024, 1, 1), D(2025, 12, 31), "range", "2024/2025", "explicit"),
    ),
    (
        "Exercises ran from March to May 2023.",
        ("from March to May 2023", D(2023, 3, 1), D(2023, 5, 31), "range", "2023-03/2023-05", "explicit"),
    ),
    (
        "The summit ran March 13–19, 2025.",
        ("March 13–19, 2025", D(2025, 3, 13), D(2025, 3, 19), "range", "2025-03-13/2025-03-19", "explicit"),
    ),
    (
        "Signed on March 13 and 19, 2025.",
        ("March 13 and 19, 2025", D(2025, 3, 13), D(2025, 3, 19), "range", "2025-03-13/2025-03-19", "explicit"),
    ),
    ("The census covered 2019-2021.", ("2019-2021", D(2019, 1, 1), D(2021, 12, 31), "range", "2019/2021", "explicit")),
    (
        "Visits were planned 3-5 June 2024.",
        ("3-5 June 2024", D(2024, 6, 3), D(2024, 6, 5), "range", "2024-06-03/2024-06-05", "explicit"),
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), EXPLICIT + RELATIVE + RANGES)
def test_resolves(sentence: str, expected: tuple) -> None:
    check(only(sentence), expected)


@pytest.mark.parametrize(
    "sentence",
    [
        "He served for 5 years in the navy.",
        "A two-day visit was arranged.",
        "The 5-year periods overlap.",
        "Patrols run daily along the border.",
        "Reports are filed weekly.",
        "A 55-year-old man was detained.",
        "The suspect, 40 years old, fled.",
        "The meeting starts at 10:30 a.m. sharp.",
        "Guards change at 3 p.m.",
        "Officials may review the rules.",
        "Protesters march through the city.",
        "Some 2000 troops crossed the river.",
        "The price was $2025 per ton.",
        "It grew 12% in recent decades.",
    ],
)
def test_not_dates(sentence: str) -> None:
    assert mentions(sentence) == []


def test_durations_sets_and_times_are_all_timexes_only() -> None:
    text = "For 5 years patrols ran daily at 10:30 a.m., a 55-year-old guard said."
    kinds = {m.text: (m.kind, m.value) for m in find_timexes(text, PUB, doc=_BLANK(text))}
    assert kinds["5 years"] == ("DURATION", "P5Y")
    assert kinds["daily"] == ("SET", "P1D")
    assert kinds["10:30 a.m."][0] == "TIME"
    assert not any("old" in t for t in kinds)


@pytest.mark.parametrize(
    ("text", "last"),
    [
        (
            "Fighting began on May 3, 2022. That year was hard.",
            ("That year", D(2022, 1, 1), D(2022, 12, 31), "year", "2022", "anaphoric"),
        ),
        (
            "It opened on June 2, 2021, and closed the same day.",
            ("the same day", D(2021, 6, 2), D(2021, 6, 2), "day", "2021-06-02", "anaphoric"),
        ),
        (
            "Troops left in August 2020. That month the border opened.",
            ("That month", D(2020, 8, 1), D(2020, 8, 31), "month", "2020-08", "anaphoric"),
        ),
        (
            "Talks ended on April 4, 2024. The next day fighting resumed.",
            ("The next day", D(2024, 4, 5), D(2024, 4, 5), "day", "2024-04-05", "anaphoric"),
        ),
        (
            "Troops crossed on March 3, 2024. Later in the day the minister resigned.",
            ("Later in the day", D(2024, 3, 3), D(2024, 3, 3), "day", "2024-03-03", "anaphoric"),
        ),
        (
            "Troops crossed on March 3, 2024. The next morning protests began.",
            ("The next morning", D(2024, 3, 4), D(2024, 3, 4), "day", "2024-03-04", "anaphoric"),
        ),
        (
            "Troops crossed on March 3, 2024. That night shots were heard.",
            ("That night", D(2024, 3, 3), D(2024, 3, 3), "day", "2024-03-03", "anaphoric"),
        ),
        (
            "Troops crossed in May 2023. Earlier in the year talks had stalled.",
            ("Earlier in the year", D(2023, 1, 1), D(2023, 12, 31), "year", "2023", "anaphoric"),
        ),
        (
            "The pact was signed in 2019; two years later it lapsed.",
            ("two years later", D(2021, 1, 1), D(2021, 12, 31), "year", "2021", "anaphoric"),
        ),
    ],
)
def test_anaphora(text: str, last: tuple) -> None:
    check(mentions(text)[-1], last)


def test_later_in_the_day_without_anchor_is_the_publication_day() -> None:
    m = only("Later in the day the minister resigned.")
    assert (m.date_start, m.basis, m.value) == (PUB, "relative", "2025-10-10")
    assert only("Later in the day the minister resigned.", None).basis == "unresolved"


def test_anaphor_without_anchor_is_unresolved() -> None:
    m = only("That year the harvest failed.")
    assert (m.date_start, m.date_end, m.basis, m.value) == (None, None, "unresolved", "XXXX")


def test_open_range_runs_to_publication() -> None:
    m = only("Prices have climbed since 2022.")
    assert (m.text, m.date_start, m.date_end, m.granularity, m.value, m.open_range) == (
        "2022",
        D(2022, 1, 1),
        PUB,
        "range",
        "2022",
        True,
    )


def test_citations_and_access_stamps() -> None:
    text = (
        "Sales doubled (Reuters, April 3, 2025). Talks went on (Interfax, January 15). "
        "Views split (@ Channel, October 8, 2025). See the archive (Library, accessed January 17)."
    )
    found = {m.text: m for m in mentions(text)}
    assert found["April 3, 2025"].basis == "citation"
    assert found["January 15"].basis == "citation"
    assert found["January 15"].date_start == D(2025, 1, 15)
    assert found["October 8, 2025"].basis == "citation"
    stamp = found["January 17"]
    assert (stamp.basis, stamp.kind, stamp.date_start) == ("accessed", "DATE", D(2025, 1, 17))


def test_open_range_as_of_cited_report() -> None:
    text = "Exports have grown since 2022 (Reuters, April 3, 2025)."
    doc = _BLANK(text)
    doc[0].is_sent_start = True
    for tok in doc[1:]:
        tok.is_sent_start = False
    first = find_time_mentions(text, PUB, doc=doc)[0]
    assert (first.date_start, first.date_end, first.open_range) == (D(2022, 1, 1), D(2025, 4, 3), True)


def test_citation_with_a_long_source_name() -> None:
    text = "Output has grown since 2023 (Institute for Science and International Security, May 12, 2025)."
    doc = _BLANK(text)
    for tok in doc[1:]:
        tok.is_sent_start = False
    since, cited = find_time_mentions(text, PUB, doc=doc)
    assert cited.basis == "citation"
    assert (since.date_start, since.date_end) == (D(2023, 1, 1), D(2025, 5, 12))


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("On January 15 the talks began.", "XXXX-01-15"),
        ("The vote was on Wednesday.", "XXXX-WXX-3"),
        ("Prices rose last year.", "XXXX"),
        ("The vote happens this week.", "XXXX-WXX"),
        ("The mayor resigned yesterday.", "XXXX-XX-XX"),
        ("Output dipped in April.", "XXXX-04"),
    ],
)
def test_unresolved_without_publication_date(sentence: str, value: str) -> None:
    m = only(sentence, None)
    assert (m.date_start, m.date_end, m.basis, m.value) == (None, None, "unresolved", value)


def test_explicit_dates_need_no_publication_date() -> None:
    m = only("The treaty was signed on March 13, 2025.", None)
    assert (m.date_start, m.basis) == (D(2025, 3, 13), "explicit")


@pytest.mark.parametrize(
    ("sentence", "granularity", "resolved"),
    [
        ("On January 15 the talks began.", "month", D(2026, 1, 15)),
        ("Prices rose last year.", "month", D(2025, 1, 1)),
        ("Rates were cut last month.", "month", D(2025, 12, 1)),
        ("The vote was on Wednesday.", "month", None),
        ("The vote happens this week.", "month", None),
        ("The mayor resigned yesterday.", "month", None),
        ("Rates were cut last month.", "year", None),
        ("Prices rose last year.", "year", D(2025, 1, 1)),
    ],
)
def test_coarse_publication_dates(sentence: str, granularity: str, resolved: dt.date | None) -> None:
    m = only(sentence, D(2026, 1, 1), published_granularity=granularity)
    assert m.date_start == resolved
    assert (m.basis == "unresolved") == (resolved is None)


def test_sorted_by_start_with_offsets() -> None:
    text = "In 2019 and on March 13, 2025, and last year."
    found = mentions(text)
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(text[m.start : m.end] == m.text for m in found)


# --- with the model: verb tense, entities ----------------------------------------------------------------


@pytest.fixture(scope="module")
def nlp():
    from extract.nlp import load_nlp

    return load_nlp()


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "day"),
    [
        ("The council met on Wednesday.", D(2025, 10, 8)),
        ("Earlier on Thursday the minister spoke.", D(2025, 10, 9)),
        ("The minister says on Friday that talks continue.", D(2025, 10, 10)),
        ("The ministers will meet on Friday.", D(2025, 10, 17)),
        ("The ministers will meet on Monday.", D(2025, 10, 13)),
        ("They met last Friday.", D(2025, 10, 3)),
        ("The board plans to vote next Tuesday.", D(2025, 10, 14)),
    ],
)
def test_weekday_follows_tense(nlp, sentence: str, day: dt.date) -> None:
    found = [m for m in find_time_mentions(sentence, PUB, doc=nlp(sentence)) if m.granularity == "day"]
    assert len(found) == 1, found
    assert (found[0].date_start, found[0].basis) == (day, "relative")


@pytest.mark.model
def test_model_loaded_when_no_doc(nlp) -> None:
    found = find_time_mentions("A 55-year-old was hired for 5 years on March 3, 2024.", PUB)
    assert [(m.text, m.value) for m in found] == [("March 3, 2024", "2024-03-03")]


@pytest.mark.model
def test_counted_years_are_not_years(nlp) -> None:
    text = "The ministry sent 1500 soldiers in 2014, and 1999 voters turned out."
    found = find_time_mentions(text, PUB, doc=nlp(text))
    assert [m.value for m in found] == ["2014"]


@pytest.mark.model
def test_doc_must_match_text(nlp) -> None:
    with pytest.raises(ValueError):
        find_time_mentions("In 2020.", PUB, doc=nlp("In 2021."))


# --- rules added for newswire conventions ----------------------------------------------------------------


# Yearless months: the nearest occurrence, steered by tense (PUB is 10 October 2025). Without a parse the
# tense defaults to the past; citations never lie after the publication date.
@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("On January 15 the talks began.", "2025-01-15"),  # past, 9 months back
        ("The drought started in December.", "2024-12"),  # past, 2 months ahead: last December
        ("Sales stalled (Agency, November 3).", "2024-11-03"),  # a citation is never in the future
    ],
)
def test_yearless_month_without_parse(sentence: str, value: str) -> None:
    assert only(sentence).value == value


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("The deadline was extended to Nov. 16.", "2025-11-16"),  # next month: a date being announced
        ("The bank cut rates in December.", "2024-12"),  # past, two months ahead: last December
        ("The dividend is payable Dec. 7 to holders.", "2025-12-07"),
        ("The rule takes effect, effective Feb. 1.", "2026-02-01"),
        ("The committee will report in March.", "2026-03"),
        ("The panel will publish September figures soon.", "2025-09"),  # future but just past: September
    ],
)
def test_yearless_month_follows_tense(nlp, sentence: str, value: str) -> None:
    found = [m for m in find_time_mentions(sentence, PUB, doc=nlp(sentence)) if m.value[:4].isdigit()]
    assert found and found[0].value == value, found


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "day"),
    [
        ("Until Wednesday, the agency had refused to comment.", D(2025, 10, 8)),  # narrated past
        ("The regulator had approved 40 requests by Tuesday.", D(2025, 10, 7)),
        ("The hearing was postponed until Tuesday.", D(2025, 10, 14)),  # deferral looks forward
        ("The offer runs until Tuesday.", D(2025, 10, 14)),
    ],
)
def test_deadline_cues_respect_narrated_past(nlp, sentence: str, day: dt.date) -> None:
    found = [m for m in find_time_mentions(sentence, PUB, doc=nlp(sentence)) if m.granularity == "day"]
    assert len(found) == 1, found
    assert found[0].date_start == day


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The war ended in nineteen ninety-four.", ("nineteen ninety-four", "1994")),
        ("It began in the year two thousand.", ("the year two thousand", "2000")),
        ("Talks resumed in January nineteen ninety-seven.", ("January nineteen ninety-seven", "1997-01")),
        ("Snow fell in the winter of nineteen eighty-one.", ("the winter of nineteen eighty-one", "1981-WI")),
        ("The law dates from nineteen oh five.", ("nineteen oh five", "1905")),
    ],
)
def test_spelled_out_years(sentence: str, expected: tuple) -> None:
    m = only(sentence)
    assert (m.text, m.value) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Veterans gathered on Memorial Day.", ("Memorial Day", "2025-05-26")),  # last Monday of May
        ("The boy was found last Thanksgiving.", ("last Thanksgiving", "2024-11-28")),
        ("Stores closed on Christmas Day 2019.", ("Christmas Day 2019", "2019-12-25")),
        ("Crowds gathered last Easter.", ("last Easter", "2025-04-20")),
        ("The vote falls on Election Day 2024.", ("Election Day 2024", "2024-11-05")),
        ("Parades marked Independence Day.", ("Independence Day", "2025-07-04")),
    ],
)
def test_holidays(sentence: str, expected: tuple) -> None:
    m = only(sentence)
    assert (m.text, m.value, m.date_start) == (*expected, dt.date.fromisoformat(expected[1]))


def test_holiday_without_publication_date() -> None:
    assert only("Shops shut on Christmas.", None).value == "XXXX-12-25"
    assert only("Shops shut on Thanksgiving.", None).value == "XXXX-XX-XX"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Volume was flat for the year, the company said.", ("the year", "2025")),
        ("Profit rose in the first nine months of the year.", ("the year", "2025")),
        ("The firm raised its forecast for the full year.", ("the full year", "2025")),
        ("Officials blamed current market conditions.", ("current", "PRESENT_REF")),
    ],
)
def test_anaphoric_year_and_current(sentence: str, expected: tuple) -> None:
    m = only(sentence)
    assert (m.text, m.value) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The fall of the regime would reshape the region.",
        "Historians study the fall of Rome.",
        "The spring of the mechanism snapped.",
        "Now, he says, the plan looks doomed.",
        "The current account deficit widened.",
        "A lamp needs electric current to glow.",
        "The town is more than two thousand years old.",
        "The latest period of calm did not last.",
    ],
)
def test_new_rules_negative_cases(sentence: str) -> None:
    assert mentions(sentence) == []


def test_fiscal_year_ended_is_not_the_year() -> None:
    assert [m.text for m in mentions("Net income for the year ended June 30 rose.")] == ["June 30"]


def test_season_with_year_after_of_is_still_a_season() -> None:
    m = only("Troops withdrew in the fall of 2019.")
    assert (m.text, m.value) == ("the fall of 2019", "2019-FA")


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # The quarter a results story reports on anchors "a year ago", "the year-ago quarter", "the latest period".
        (
            "Profit rose in the third quarter. Sales were $5 million, up from $4 million a year ago.",
            ["2025-Q3", "2024-Q3"],
        ),
        (
            "Profit rose in the third quarter. In the year-ago quarter it lost money.",
            ["2025-Q3", "2024-Q3"],
        ),
        ("Profit rose in the third quarter. Costs fell in the latest period.", ["2025-Q3", "2025-Q3"]),
        ("Profit rose in the third quarter, against a loss in the 2024 period.", ["2025-Q3", "2024-Q3"]),
        # No quarter in view: "year-ago" is last year, "a year ago" a year before publication.
        ("The year-ago figures were restated.", ["2024"]),
        ("Prices were lower a year ago.", ["2024"]),
        # ... but "the year-ago quarter" is the last completed quarter (Q3 by 10 October 2025) a year back
        ("It earned $3 million in the year-ago quarter.", ["2024-Q3"]),
        # an earlier quarter named in passing is a comparison, not the quarter reported on
        (
            "Profit rose in the third quarter. After a flat second quarter, sales recovered from a year ago.",
            ["2025-Q3", "2025-Q2", "2024-Q3"],
        ),
        # the same period a year before, however it is put
        ("Profit rose in the third quarter, from the corresponding period last year.", ["2025-Q3", "2024-Q3"]),
        ("Profit rose in the third quarter, after a loss in the quarter a year ago.", ["2025-Q3", "2024-Q3"]),
        ("Profit rose in the third quarter, above last year's quarter.", ["2025-Q3", "2024-Q3"]),
        ("Sales beat the same period last year.", ["2024"]),
    ],
)
def test_reported_quarter_anchors_comparisons(text: str, values: list[str]) -> None:
    assert [m.value for m in mentions(text)] == values


def test_clock_time_with_weekday_is_one_time() -> None:
    text = "The deadline is 9 a.m. Tuesday, officials said on Friday."
    found = find_timexes(text, PUB, doc=_BLANK(text))
    assert [(m.text, m.kind) for m in found] == [("9 a.m. Tuesday", "TIME"), ("Friday", "DATE")]
    assert found[0].value.endswith("T09:00")
    # the clock time names its day, so it dates things: find_time_mentions returns it with the day's dates
    day = [(m.text, m.kind, m.granularity, m.date_start) for m in mentions(text)]
    assert day == [("9 a.m. Tuesday", "TIME", "day", D(2025, 10, 7)), ("Friday", "DATE", "day", D(2025, 10, 10))]


def test_clock_time_before_a_full_date_leaves_the_date_whole() -> None:
    text = "The blast came at 10:35 a.m. on Friday, Aug. 7, 1998."
    assert [(m.text, m.value) for m in mentions(text)] == [("Friday, Aug. 7, 1998", "1998-08-07")]
    assert [m.kind for m in find_timexes(text, PUB, doc=_BLANK(text))] == ["TIME", "DATE"]


def test_clock_time_alone_is_not_a_date() -> None:
    assert mentions("The meeting starts at 5 p.m. sharp.") == []


# --- decades and centuries ago, "the past year", period edges, titles, generic "today's" ----------------
# (publication date PUB: Friday 10 October 2025)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # "a decade ago" names a year (as "ten years ago" does), not the decade it falls in
        ("The bridge was built a decade ago.", ("a decade ago", "2015", "year")),
        ("The dam opened two decades ago.", ("two decades ago", "2005", "year")),
        ("The abbey burned a century ago.", ("a century ago", "1925", "year")),
        # "the past / last / next <unit>": the unit before or after the publication's, a DATE
        ("Exports doubled over the past year.", ("the past year", "2024", "year")),
        ("Inflation eroded wages in the last decade.", ("the last decade", "201", "decade")),
        ("Rents rose in the past month.", ("the past month", "2025-09", "month")),
        ("Two plants will close over the next year, she said.", ("the next year", "2026", "year")),
        # the edge of a period: TimeML writes the period (the edge is a modifier)
        ("The merger should close by year-end.", ("year-end", "2025", "year")),
        ("Hiring froze at the year's end.", ("year's end", "2025", "year")),
        ("The index has fallen since year-end.", ("year-end", "2024", "range")),  # open: runs to publication
        ("Sales will be booked before next year-end.", ("next year-end", "2026", "year")),
        ("Troops should arrive by the end of the month.", ("the end of the month", "2025-10", "month")),
        ("The plant reopens at the end of the year.", ("the end of the year", "2025", "year")),
        # "the last half": the second half
        ("Demand slowed in the last half of 2024.", ("the last half of 2024", "2024-H2", "range")),
    ],
)
def test_relative_periods(sentence: str, expected: tuple) -> None:
    m = only(sentence)
    assert (m.text, m.value, m.granularity) == expected


def test_the_end_of_the_year_follows_a_year_just_named() -> None:
    found = mentions("The mill ran at a loss in 2019, and it closed at the end of the year.")
    assert [(m.text, m.value) for m in found] == [("2019", "2019"), ("the end of the year", "2019")]


def test_relative_periods_without_publication_date_stay_unresolved() -> None:
    for sentence, value in [
        ("The bridge was built a decade ago.", "XXXX"),
        ("Exports doubled over the past year.", "XXXX"),
        ("The merger should close by year-end.", "XXXX"),
        ("Troops should arrive by the end of the month.", "XXXX-XX"),
    ]:
        m = only(sentence, None)
        assert (m.date_start, m.basis, m.value) == (None, "unresolved", value), sentence


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        # "the last week of March" is a part of March, not the week before this one
        ("Crops are sown in the last week of March.", "week"),
        ("The rebels lost heart in the last month of the siege.", "month"),
        # "the future of X": its fate
        ("Ministers argued about the future of the alliance.", "future"),
        # titles inside running text: a TV programme, a radio magazine
        ('The senator said on NBC\'s "This Week" that the bill is dead.', "Week"),
        ("You are listening to Radio Nord Today on the long wave.", "Today"),
        # "today's" for the present age in general
        ("Teachers worry about today's youth.", "today"),
        ("Many of today's phones lack a headphone jack.", "today"),
        ("Such rules are obsolete in today's world.", "today"),
        # a vague count of decades stays vague: no year
        ("The rule dates from decades ago.", "decades"),
    ],
)
def test_relative_period_negatives(sentence: str, phrase: str) -> None:
    assert [m.text for m in mentions(sentence) if phrase in m.text] == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # ordinary capitalisation at the start of a sentence or a quotation is still a date
        ("This week the ministers meet again.", ("This week", "2025-W41")),
        ('"This week we vote," she said.', ("This week", "2025-W41")),
        ("Today the court rules on the appeal.", ("Today", "2025-10-10")),
        # "today's" for an event of the day is the day
        ("Today's vote was delayed by an hour.", ("Today", "2025-10-10")),
        ("The outcome of today's hearing is unclear.", ("today", "2025-10-10")),
        # "the future" as a time
        ("Prices may rise in the future.", ("the future", "FUTURE_REF")),
    ],
)
def test_relative_period_positives_kept(sentence: str, expected: tuple) -> None:
    m = only(sentence)
    assert (m.text, m.value) == expected


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "values"),
    [
        # a determiner or possessive before a bare number dates its head, plural or not
        ("The company's 2019 results were restated.", ["2019"]),
        ("Many leaders of the 1992 protests have moved away.", ["1992"]),
        # counted people stay counts
        ("Police said 1500 people marched, and the 1200 soldiers watched.", []),
    ],
)
def test_years_with_determiners(nlp, sentence: str, values: list[str]) -> None:
    assert [m.value for m in find_time_mentions(sentence, PUB, doc=nlp(sentence))] == values


def _timeml_benchmark():
    import importlib.util
    import sys
    from pathlib import Path

    name = "_timeml_benchmark"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "timeml.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("1968-XX", "1968", True),
        ("1994-XX-XX", "1994", True),
        ("1998-10-XX", "1998-10", True),
        ("198X", "198", True),
        ("19XX", "19", True),
        ("2000-W7", "2000-W07", True),
        ("2000-W7-WE", "2000-W07-WE", True),
        # different granularities stay different
        ("1998-10", "1998-W42", False),
        ("P1W", "1998-W33", False),
        ("1998-10", "1998", False),
        ("198", "1989", False),
        ("XXXX-XX-XX", "XXXX", False),
        ("2000-W17", "2000-W07", False),
    ],
)
def test_benchmark_compares_values_modulo_notation(a: str, b: str, same: bool) -> None:
    bench = _timeml_benchmark()
    assert bench.same_value(a, b) is same
    assert bench.same_value(a, b, exact=True) is (a == b)


# --- decade words, "or so" hedges, plural-unit references ------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Prices climbed through the nineties.",
            ("the nineties", D(1990, 1, 1), D(1999, 12, 31), "decade", "199", "relative"),
        ),
        (
            "The firm was founded in the late sixties.",
            ("the late sixties", D(1960, 1, 1), D(1969, 12, 31), "decade", "196", "relative"),
        ),
        # the latest such decade begun by the publication year
        (
            "Rents rose sharply in the twenties.",
            ("the twenties", D(2020, 1, 1), D(2029, 12, 31), "decade", "202", "relative"),
        ),
        (
            "The plant closed a week or so ago.",
            ("a week or so ago", D(2025, 9, 29), D(2025, 10, 5), "week", "2025-W40", "relative"),
        ),
        (
            "Margins have narrowed in recent years.",
            ("recent years", D(2022, 1, 1), D(2025, 10, 10), "range", "PAST_REF", "relative"),
        ),
        (
            "Such deals were rare in past years.",
            ("past years", D(2022, 1, 1), D(2025, 10, 10), "range", "PAST_REF", "relative"),
        ),
        ("Rates may rise in coming months.", ("coming months", None, None, "range", "FUTURE_REF", "unresolved")),
        ("It warned about future quarters.", ("future quarters", None, None, "range", "FUTURE_REF", "unresolved")),
    ],
)
def test_decade_words_and_plural_references(sentence: str, expected: tuple) -> None:
    check(only(sentence), expected)


@pytest.mark.parametrize(
    "sentence",
    [
        "She is in her nineties.",  # an age
        "Nineties music was playing.",  # no article: a style, not a period
        "A past president of the club spoke.",
        "The team is coming home.",
        "Recent quarterly results were weak.",
        "Future quarterly dividends are uncertain.",
    ],
)
def test_decade_words_and_plural_references_negatives(sentence: str) -> None:
    assert mentions(sentence) == []


def test_decade_word_unresolved_without_publication() -> None:
    m = only("Prices climbed through the nineties.", None)
    assert (m.date_start, m.date_end, m.value, m.basis) == (None, None, "XX9", "unresolved")


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "day"),
    [
        # negated or passive "could" is the past of "can": "could not be reached" narrates
        ("The mayor could not be reached for comment on Wednesday.", D(2025, 10, 8)),
        ("Neither man could be located on Tuesday.", D(2025, 10, 7)),
        # an active, affirmative "could" still looks forward
        ("A ruling could come on Monday.", D(2025, 10, 13)),
        # conditional/future modals still look forward
        ("The minister said he would resign on Monday.", D(2025, 10, 13)),
        ("The vote could come as early as Wednesday.", D(2025, 10, 15)),
        # a perfect modal looks back; "will have" still looks forward
        ("The leak may have started on Wednesday.", D(2025, 10, 8)),
        ("He must have left on Monday.", D(2025, 10, 6)),
        ("The crew may land on Wednesday.", D(2025, 10, 15)),
        ("The crew will have landed on Wednesday.", D(2025, 10, 15)),
    ],
)
def test_weekday_after_modals(nlp, sentence: str, day: dt.date) -> None:
    found = [m for m in find_time_mentions(sentence, PUB, doc=nlp(sentence)) if m.granularity == "day"]
    assert len(found) == 1, found
    assert found[0].date_start == day


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("Margins have narrowed in recent quarters.", "PXQ"),
        ("Talks stalled in recent weeks.", "PXW"),
        ("Fighting flared in recent days.", "PXD"),
    ],
)
def test_recent_short_units_are_durations(sentence: str, value: str) -> None:
    """ "in recent weeks" is a stretch of time (a DURATION), not a date; "recent years" stays a date."""
    assert mentions(sentence) == []
    kinds = [(m.kind, m.value) for m in find_timexes(sentence, PUB, doc=_BLANK(sentence))]
    assert kinds == [("DURATION", value)]


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "month"),
    [
        # a present passive is not narration: the nearest coming December
        ("The appeal is heard in December.", D(2025, 12, 1)),
        ("The appeal was heard in December.", D(2024, 12, 1)),
        ("The appeal has been heard in December.", D(2024, 12, 1)),
    ],
)
def test_present_passive_is_not_past(nlp, sentence: str, month: dt.date) -> None:
    found = find_time_mentions(sentence, PUB, doc=nlp(sentence))
    assert [m.date_start for m in found] == [month]


@pytest.mark.parametrize(
    ("text", "span", "day"),
    [
        # anaphoric: counted from the day being narrated
        ("Talks opened on Oct. 1, 2025. Envoys had met the previous Friday.", "the previous Friday", D(2025, 9, 26)),
        ("Talks opened on Oct. 1, 2025. They resumed the following Monday.", "the following Monday", D(2025, 10, 6)),
        # no day narrated yet: counted from publication, like "last Friday"
        ("Envoys met the previous Friday.", "the previous Friday", D(2025, 10, 3)),
        ("Envoys meet again the following Tuesday.", "the following Tuesday", D(2025, 10, 14)),
    ],
)
def test_previous_and_following_weekday(text: str, span: str, day: dt.date) -> None:
    found = {m.text: m.date_start for m in mentions(text)}
    assert found[span] == day


def test_previous_without_weekday_is_not_a_date() -> None:
    assert mentions("The previous owner sold it.") == []


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "day"),
    [
        # a present-tense timetable on a named day: the coming one
        ("The talks resume on Monday.", D(2025, 10, 13)),
        ("The new law takes effect Wednesday.", D(2025, 10, 15)),
        ("The parliament votes on the budget on Tuesday.", D(2025, 10, 14)),
        # ... except the publication day itself
        ("The delegations meet again on Friday.", D(2025, 10, 10)),
        # reporting verbs, verbs whose past is spelt the same, and days that date a noun narrate
        ("The minister says on Monday that talks continue.", D(2025, 10, 6)),
        ("Weakness in technology stocks hurt the index on Monday.", D(2025, 10, 6)),
        ("The move follows Tuesday's declaration by the ministry.", D(2025, 10, 7)),
        # headlines and captions narrate in the present: other verbs, and lines without a full stop
        ("President Putin speaks during a news conference in Moscow on Thursday.", D(2025, 10, 9)),
        ("Putin visits Havana on Tuesday", D(2025, 10, 7)),
        ("Ministers meet in Minsk on Tuesday", D(2025, 10, 7)),
    ],
)
def test_weekday_with_present_tense(nlp, sentence: str, day: dt.date) -> None:
    found = [m for m in find_time_mentions(sentence, PUB, doc=nlp(sentence)) if m.granularity == "day"]
    assert len(found) == 1, found
    assert found[0].date_start == day


@pytest.mark.parametrize(
    ("sentence", "parts"),
    [
        ("Fighting raged between 2024 and 2025.", [("2024", "2024", "year"), ("2025", "2025", "year")]),
        ("Exercises ran from March to May 2023.", [("March", "2023-03", "month"), ("May 2023", "2023-05", "month")]),
        ("The summit ran March 13–19, 2025.", [("March 13", "2025-03-13", "day"), ("19, 2025", "2025-03-19", "day")]),
        ("Visits were planned 3-5 June 2024.", [("3", "2024-06-03", "day"), ("5 June 2024", "2024-06-05", "day")]),
    ],
)
def test_closed_range_keeps_its_timeml_ends(sentence: str, parts: list[tuple[str, str, str]]) -> None:
    """One mention for the range, and its two ends as TimeML tags them, each with offsets, dates and value."""
    m = only(sentence)
    assert m.granularity == "range"
    assert [(p.text, p.value, p.granularity) for p in m.parts] == parts
    assert all(sentence[p.start : p.end] == p.text and p.date_start is not None for p in m.parts)
    assert (m.parts[0].date_start, m.parts[1].date_end) == (m.date_start, m.date_end)
    split = find_timexes(sentence, PUB, doc=_BLANK(sentence))
    assert [t.text for t in split] == [p for p, _, _ in parts]


@pytest.mark.parametrize(
    "sentence", ["Troops have stayed since 2022.", "Signed on March 13, 2025.", "In 2024 it grew."]
)
def test_only_closed_ranges_have_parts(sentence: str) -> None:
    assert only(sentence).parts == ()


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("Orangemen march each July through the town.", "XXXX-07"),
        ("Delegations meet every summer in Sochi.", "XXXX-SU"),
        ("Flights leave every Monday.", "XXXX-WXX-1"),
        ("The ferry sails on Sundays.", "XXXX-WXX-7"),
    ],
)
def test_recurring_months_seasons_and_weekdays_are_sets(sentence: str, value: str) -> None:
    assert mentions(sentence) == []
    assert [(m.kind, m.value) for m in find_timexes(sentence, PUB, doc=_BLANK(sentence))] == [("SET", value)]


@pytest.mark.model
@pytest.mark.parametrize(
    ("sentence", "values"),
    [
        ("The astronaut set up a joint venture called Orion 1980, making space hardware.", []),
        ("The plan, known as Vision 2035, was adopted in 2021.", ["2021"]),
        ("In 1988 the venture was founded.", ["1988"]),  # a capitalised word opening the sentence is no name
        ("Sales rose in March 1988.", ["1988-03"]),
    ],
)
def test_year_right_after_a_proper_noun_is_a_name(nlp, sentence: str, values: list[str]) -> None:
    assert [m.value for m in find_time_mentions(sentence, PUB, doc=nlp(sentence))] == values


@pytest.mark.model
def test_a_quarter_still_to_come_is_not_the_one_reported(nlp) -> None:
    text = "Profit rose in the third quarter. The company expects a strong fourth quarter. Net rose from a year ago."
    assert [m.value for m in find_time_mentions(text, PUB, doc=nlp(text))] == ["2025-Q3", "2025-Q4", "2024-Q3"]


@pytest.mark.model
def test_a_fiscal_quarter_said_to_have_ended_is_the_one_reported(nlp) -> None:
    """Its calendar quarter is not over, and the verb looks ahead, but "ended Sept. 30" says it is done."""
    text = "Earnings for the fourth quarter ended Sept. 30 will fall sharply, the company said. Sales will be flat from a year ago."
    assert [m.value for m in find_time_mentions(text, PUB, doc=nlp(text))][-1] == "2024-Q4"


@pytest.mark.parametrize(
    ("sentence", "day", "value"),
    [
        ("The envoy told reporters this morning that talks would go on.", D(2025, 10, 10), "2025-10-10TMO"),
        ("Shelling resumed last night near the border.", D(2025, 10, 9), "2025-10-09TNI"),
    ],
)
def test_parts_of_a_named_day_date_their_events(sentence: str, day: dt.date, value: str) -> None:
    m = only(sentence)
    assert (m.kind, m.date_start, m.date_end, m.granularity, m.value) == ("TIME", day, day, "day", value)


def test_parts_of_a_named_day_without_publication_date_stay_unresolved() -> None:
    m = only("Shelling resumed last night near the border.", None)
    assert (m.date_start, m.value, m.basis) == (None, "XXXX-XX-XXTNI", "unresolved")


@pytest.mark.parametrize(
    ("text", "last"),
    [
        (
            "The programme began in April 2023. Its first grant, signed in November that year, paid for radars.",
            "2023-11",
        ),
        ("The law passed in 2022. It took effect on June 1 the following year.", "2023-06-01"),
        ("Talks began in 2019. In March of that year the envoys met.", "2019-03"),
        ("The fund opened in 2021. On 3 May the previous year a deal had been struck.", "2020-05-03"),
    ],
)
def test_month_and_day_in_an_anaphoric_year(text: str, last: str) -> None:
    m = mentions(text)[-1]
    assert (m.value, m.basis) == (last, "anaphoric")


def test_month_in_an_anaphoric_year_without_antecedent_is_unresolved() -> None:
    m = only("In November that year the grant was signed.")
    assert (m.value, m.date_start, m.basis) == ("XXXX-11", None, "unresolved")


def test_a_report_cited_earlier_in_the_sentence_anchors_later() -> None:
    text = "The Duma approved the treaty (Interfax, April 8, 2025), and the upper house followed eight days later."
    doc = _BLANK(text)
    for tok in doc[1:]:
        tok.is_sent_start = False
    cited, later = find_time_mentions(text, PUB, doc=doc)
    assert cited.basis == "citation"
    assert (later.date_start, later.basis) == (D(2025, 4, 16), "anaphoric")


def _one_sentence(text: str):
    doc = _BLANK(text)
    for tok in doc[1:]:
        tok.is_sent_start = False
    return doc


def test_later_in_the_day_after_a_coarser_time_stays_unresolved() -> None:
    text = "Troops crossed the border in May 2023. Later in the day the minister resigned."
    assert (mentions(text)[-1].value, mentions(text)[-1].basis) == ("XXXX-XX-XX", "unresolved")


def test_a_sentences_own_date_anchors_before_its_citation() -> None:
    text = "Officials met on May 2, 2024 (Interfax, May 3, 2024), and two days later the troops left."
    found = find_time_mentions(text, PUB, doc=_one_sentence(text))
    assert found[-1].date_start == D(2024, 5, 4)


def test_the_next_year_after_a_month_without_antecedent_is_next_year() -> None:
    m = only("Sales will rise in March the next year.")
    assert (m.value, m.basis) == ("2026-03", "relative")


@pytest.mark.parametrize(
    ("sentence", "texts"),
    [
        ("Fighting resumed last evening near the port.", ["last evening"]),
        ("The blast came at 9 a.m. Tuesday, 12 people died.", ["9 a.m. Tuesday"]),
    ],
)
def test_times_that_name_their_day_more_shapes(sentence: str, texts: list[str]) -> None:
    assert [m.text for m in mentions(sentence)] == texts


@pytest.mark.model
def test_a_year_after_a_proper_noun_after_a_preposition_still_dates(nlp) -> None:
    text = "Leaders met at Davos 2025 to talk about trade."
    assert [m.value for m in find_time_mentions(text, PUB, doc=nlp(text))] == ["2025"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("In 2015 thousands crossed on bicycles. The following winter, officials sent some back.", "2015-WI"),
        ("The invasion began in February 2022. That spring, the council froze cooperation.", "2022-SP"),
        ("The pact was signed in March 2019. The previous autumn talks had stalled.", "2018-FA"),
        ("Talks ended in November 2020. The following spring they resumed.", "2021-SP"),
    ],
)
def test_anaphoric_seasons(text: str, value: str) -> None:
    m = mentions(text)[-1]
    assert (m.value, m.basis, m.granularity) == (value, "anaphoric", "season")


def test_anaphoric_season_without_antecedent_is_unresolved() -> None:
    assert only("That summer the harbour froze.").value == "XXXX-SU"
