"""Publication dates: metadata, datelines and inference, with their granularity and basis."""

import datetime as dt

import pytest

from extract.published import (
    UNKNOWN,
    Published,
    find_dateline,
    infer_published,
    is_stamp,
    parse_metadata_date,
    publication_date,
)
from extract.timex import TimeMention


def mention(text: str, start: int, value: str, basis: str = "explicit", granularity: str = "day") -> TimeMention:
    """A time mention as the tagger returns it when no publication date is known."""
    parts = value.split("-")
    if parts[0] == "XXXX":
        first = last = None
        basis = "unresolved"
    elif len(parts) == 3:
        first = last = dt.date(*map(int, parts))
    elif len(parts) == 2:
        first = dt.date(int(parts[0]), int(parts[1]), 1)
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        granularity = "month"
    else:
        first, last, granularity = dt.date(int(value), 1, 1), dt.date(int(value), 12, 31), "year"
    return TimeMention(start, start + len(text), text, first, last, granularity, value, basis)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-10-10", Published(dt.date(2025, 10, 10), "day", "metadata")),
        ("2025-10-10T11:27:00+03:00", Published(dt.date(2025, 10, 10), "day", "metadata")),
        ("2025-10", Published(dt.date(2025, 10, 1), "month", "metadata")),
        ("2019", Published(dt.date(2019, 1, 1), "year", "metadata")),
        ("October 4, 2019", Published(dt.date(2019, 10, 4), "day", "metadata")),
        ("4 Oct 2019 08:00 GMT", Published(dt.date(2019, 10, 4), "day", "metadata")),
    ],
)
def test_metadata_dates_keep_their_precision(raw, expected):
    assert parse_metadata_date(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "2025-02-30", "2025-13-01", "not a date"])
def test_impossible_or_empty_metadata_dates_are_none(raw):
    assert parse_metadata_date(raw) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Headline\n\n09:05 03.04.2024 •\n\nBody text.", dt.date(2024, 4, 3)),
        ("Headline\nPublished: 3 March 2024\nBody.", dt.date(2024, 3, 3)),
        ("LONDON, February 2, 2023 (AP) — Ministers met.", dt.date(2023, 2, 2)),
        ("Title\nBy Jane Doe | July 1, 2022\nText.", dt.date(2022, 7, 1)),
        ("Title\n2021-06-30\nText.", dt.date(2021, 6, 30)),
        (
            "Press release\n\nTALLINN, 21 March 2025 – The ministers today signed a letter of intent.",
            dt.date(2025, 3, 21),
        ),
    ],
)
def test_datelines_give_the_day(text, expected):
    found, _ = find_dateline(text)
    assert found == Published(expected, "day", "dateline")


@pytest.mark.parametrize(
    "text",
    [
        "On March 13, 2025 the two ministers signed a new agreement in the capital.",
        "Title\n\nThe talks, which began on 1 May 2020, lasted a week and ended without a deal.",
        "No date here at all.",
    ],
)
def test_dates_inside_sentences_are_not_datelines(text):
    assert find_dateline(text) == (None, None)


def test_day_first_agency_dateline_without_year():
    assert find_dateline("PARIS, 9 Jan (AFP) - Talks resumed.") == (None, (1, 9))


def test_agency_dateline_with_an_impossible_day_is_no_dateline():
    assert find_dateline("OSLO, Feb 30, 2025 - Talks resumed.") == (None, None)


def test_agency_dateline_without_year_gives_month_and_day_only():
    found, yearless = find_dateline("PARIS, Jan 9 (Reuters) - Officials said on Friday that talks went on.")
    assert found is None
    assert yearless == (1, 9)


def test_inference_uses_yearless_dates_after_the_latest_full_date():
    text = "Talks opened (Agency, November 20, 2024). The minister spoke on February 3 (Wire, February 3)."
    mentions = [
        mention("November 20, 2024", text.index("November"), "2024-11-20", "citation"),
        mention("February 3", text.index("February 3"), "XXXX-02-03"),
    ]
    assert infer_published(text, mentions) == Published(dt.date(2025, 2, 1), "month", "inferred")


def test_inference_from_full_dates_only_gives_the_year():
    text = "The pact was signed on May 5, 2021 and ratified in June 2021."
    mentions = [
        mention("May 5, 2021", text.index("May"), "2021-05-05"),
        mention("June 2021", text.index("June"), "2021-06"),
    ]
    assert infer_published(text, mentions) == Published(dt.date(2021, 1, 1), "year", "inferred")


def test_future_dates_do_not_bound_the_publication_date():
    text = "The pact was signed in 2021. Elections are scheduled for November 2030."
    mentions = [mention("2021", text.index("2021"), "2021"), mention("November 2030", text.index("Nov"), "2030-11")]
    assert infer_published(text, mentions).date == dt.date(2021, 1, 1)


def test_weekday_picks_the_year_that_agrees():
    # 4 October was a Friday in 2019, not in 2018 or 2020
    text = "Sanctions were imposed in 2018. The admiral spoke on Friday, October 4, to reporters."
    mentions = [mention("2018", text.index("2018"), "2018"), mention("October 4", text.index("October"), "XXXX-10-04")]
    assert infer_published(text, mentions) == Published(dt.date(2019, 10, 1), "month", "inferred")


def test_text_with_only_relative_dates_is_unknown():
    text = "The parliament voted on Wednesday. Earlier on Thursday the president spoke."
    assert infer_published(text, []) == UNKNOWN


def test_yearless_dates_far_after_the_latest_full_date_leave_the_year_unknown():
    # a yearless February date seven months after the last dated report could be either of two years
    text = "The bloc met in July 2011. Ministers voted on February 10 to go on."
    mentions = [
        mention("July 2011", text.index("July"), "2011-07"),
        mention("February 10", text.index("Feb"), "XXXX-02-10"),
    ]
    assert infer_published(text, mentions) == UNKNOWN


@pytest.mark.parametrize("raw", ["yesterday", "2 days ago", "now", "Oct 10", "last Friday"])
def test_metadata_without_a_year_is_not_a_date_and_never_today(raw):
    assert parse_metadata_date(raw) is None


def test_chronology_lines_are_not_datelines():
    text = "Key dates\n\nMarch 13, 2025: Treaty signed in the capital.\nMarch 19, 2025 – Second signing."
    assert find_dateline(text) == (None, None)


def test_years_that_name_things_do_not_date_the_text():
    text = "The pact was signed in March 2021 as part of the Vision 2035 programme."
    mentions = [mention("March 2021", text.index("March"), "2021-03"), mention("2035", text.index("2035"), "2035")]
    assert infer_published(text, mentions) == Published(dt.date(2021, 1, 1), "year", "inferred")


def test_by_introducing_an_agent_is_no_future_cue():
    text = "The accord was signed by both sides on March 13, 2025 in the capital."
    mentions = [mention("March 13, 2025", text.index("March"), "2025-03-13")]
    assert infer_published(text, mentions).date == dt.date(2025, 1, 1)


def _dated(text: str, *found: tuple[str, str]) -> Published:
    """publication_date of `text`, no metadata, given (expression, value) mentions found in it."""
    mentions = [mention(expr, text.index(expr), value) for expr, value in found]
    return publication_date("", text, lambda: mentions)


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        # the first 23 April after the latest dated report (July 2024) is 2025's, a Wednesday, as the lead says
        (
            "MANILA, April 23 (Reuters) - The navy said on Wednesday it took delivery. "
            "The first batch came in April 2024, and a second order was signed in July 2024.",
            [("April 23", "XXXX-04-23"), ("April 2024", "2024-04"), ("July 2024", "2024-07")],
            dt.date(2025, 4, 23),
        ),
        # no weekday: still the first occurrence after the latest report, even in the next year
        (
            "PARIS, Jan 9 (Reuters) - Talks resumed. The accord was signed on Nov. 5, 2024.",
            [("Jan 9", "XXXX-01-09"), ("Nov. 5, 2024", "2024-11-05")],
            dt.date(2025, 1, 9),
        ),
        # the weekday in the lead agrees only with the year after the first occurrence
        (
            "OSLO, March 3 (AP) - Ministers met on Monday. The fund was set up in January 2024.",
            [("March 3", "XXXX-03-03"), ("January 2024", "2024-01")],
            dt.date(2025, 3, 3),  # 3 March 2024 was a Sunday, 3 March 2025 a Monday
        ),
    ],
)
def test_yearless_dateline_takes_its_year_from_the_text(text: str, found: list, expected: dt.date) -> None:
    assert _dated(text, *found) == Published(expected, "day", "dateline")


def test_yearless_dateline_without_any_dated_report_is_not_given_a_year() -> None:
    text = "PARIS, Jan 9 (Reuters) - Officials said on Friday that talks went on."
    assert _dated(text, ("Jan 9", "XXXX-01-09")).date is None


@pytest.mark.parametrize(
    ("line", "stamp"),
    [
        ("Updated Sept. 12, 2025", True),
        ("Published 18:20 GMT, 1 Feb 2024", True),
        ("Posted: 12 September 2025", True),
        ("Updated: Friday, 10 October 2025 11:27 MSK", True),
        ("Updated figures were released on Monday by the statistics office.", False),
        ("Published in 2019, the report warned of war.", False),
        ("Posted to Kabul in 2019, he led the talks.", False),
        ("Updated guidance followed.", False),
    ],
)
def test_a_stamp_is_a_label_and_a_date_only(line: str, stamp: bool) -> None:
    assert is_stamp(line) is stamp


def test_a_weekday_the_lead_looks_forward_to_does_not_pick_the_datelines_year() -> None:
    # 23 April 2026 is a Thursday, but "will ... on Thursday" is a plan, not the day of the report
    text = (
        "MANILA, April 23 (Reuters) - The navy will take delivery of two frigates on Thursday. "
        "The first order was signed in July 2024."
    )
    assert _dated(text, ("April 23", "XXXX-04-23"), ("July 2024", "2024-07")).date == dt.date(2025, 4, 23)
