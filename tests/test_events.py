"""Event rows from whole documents, through the real model and tagger."""

import datetime as dt

import pytest

from extract.documents import Document
from extract.events import document_tables, sentences
from extract.nlp import load_nlp

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def events_of(nlp, text: str, published: str = "") -> tuple[dict, list[dict]]:
    document = Document(doc_id="d", text=text, path="d.txt", published=published)
    return document_tables(document, nlp(text))[:2]  # the row and the events (not the warnings)


def only(rows: list[dict], words: str) -> dict:
    found = [r for r in rows if words in r["sentence"]]
    assert len(found) == 1, [r["sentence"] for r in rows]
    return found[0]


def test_explicit_dates_make_events_with_their_period(nlp):
    text = (
        "Ministers meet again\n\n"
        "The two governments signed a trade accord in June 2021 after long talks in the capital. "
        "Their navies held joint exercises on 4 May 2022."
    )
    _, rows = events_of(nlp, text, "2023-01-10")
    accord = only(rows, "trade accord")
    assert (accord["date_start"], accord["date_end"]) == (dt.date(2021, 6, 1), dt.date(2021, 6, 30))
    assert accord["granularity"] == "month"
    assert accord["date_basis"] == "explicit"
    drills = only(rows, "exercises")
    assert drills["date_start"] == drills["date_end"] == dt.date(2022, 5, 4)
    assert drills["event_type"] == "military"
    assert text[drills["char_start"] : drills["char_end"]] == drills["sentence"]


def test_weekday_resolves_against_publication_date(nlp):
    text = "Officials meet\n\nThe parliament approved the budget bill on Wednesday after a long debate among members."
    _, rows = events_of(nlp, text, "2024-03-08")  # a Friday
    row = only(rows, "budget")
    assert row["date_start"] == dt.date(2024, 3, 6)
    assert row["date_basis"] == "relative"


def test_without_publication_date_relative_events_are_unresolved_not_guessed(nlp):
    text = "Officials meet\n\nThe parliament approved the budget bill on Wednesday after a long debate among members."
    doc_row, rows = events_of(nlp, text)
    assert doc_row["published_basis"] == "unknown"
    row = only(rows, "budget")
    assert row["date_start"] is None
    assert row["date_basis"] == "unresolved"


def test_cited_report_dates_a_statement_but_not_a_state(nlp):
    text = (
        "Analysis\n\n"
        "The foreign minister announced new consular rules for visiting students (Wire Service, March 3, 2023). "
        "Relations between the two countries have remained cool for decades (Policy Institute, April 9, 2023)."
    )
    _, rows = events_of(nlp, text, "2023-06-01")
    row = only(rows, "consular")
    assert row["date_start"] == dt.date(2023, 3, 3)
    assert row["date_basis"] == "citation"
    assert not [r for r in rows if "remained cool" in r["sentence"]]


def test_undated_lead_sentence_is_dated_by_publication(nlp):
    text = (
        "Parliament backs the deal\n\n"
        "The national parliament has ratified a defence cooperation agreement with its northern neighbour, "
        "the state news agency reported."
    )
    doc_row, rows = events_of(nlp, text, "2025-02-14")
    assert doc_row["published"] == dt.date(2025, 2, 14)
    row = only(rows, "ratified")
    assert row["date_basis"] == "publication"
    assert row["date_start"] == dt.date(2025, 2, 14)
    assert row["time_expression"] == ""


def test_hypotheticals_carry_their_modality(nlp):
    text = "Analysis\n\nExperts said the alliance could deploy new missiles in 2027 if tensions grow further."
    _, rows = events_of(nlp, text, "2025-02-14")
    assert [r["modality"] for r in rows if "2027" in r["time_expression"]] == ["hypothetical"]


def test_durations_are_not_events(nlp):
    text = "Analysis\n\nThe agreement is concluded for 5 years with automatic two-year extensions."
    _, rows = events_of(nlp, text, "2025-02-14")
    assert not [r for r in rows if r["time_expression"]]


def test_event_ids_are_stable_and_unique(nlp):
    text = "Report\n\nTroops crossed the border in March 2020. Talks resumed in April 2020 in a neutral city."
    _, first = events_of(nlp, text, "2021-01-01")
    _, again = events_of(nlp, text, "2021-01-01")
    ids = [r["event_id"] for r in first]
    assert ids == [r["event_id"] for r in again]
    assert len(set(ids)) == len(ids) == 2


def test_sentences_end_at_line_breaks(nlp):
    doc = nlp("A headline without a period\nThe first sentence follows here. And a second one.")
    assert [s.text.strip() for s in sentences(doc)] == [
        "A headline without a period",
        "The first sentence follows here.",
        "And a second one.",
    ]


def test_present_states_and_deictic_possessives_are_not_events(nlp):
    text = (
        "Analysis\n\n"
        "Today the harbour is busier than it has ever been in living memory. "
        "The plan is hard for today's government to fund, the minister said on Monday. "
        "Today, almost all of the presidential guards are foreigners, and there are hundreds of advisers "
        "in the country, said the admiral."
    )
    _, rows = events_of(nlp, text, "2024-05-08")
    assert [r["time_expression"] for r in rows] == ["Monday"]
    assert rows[0]["date_start"] == dt.date(2024, 5, 6)


def test_a_framing_period_gives_way_to_the_day_inside_it(nlp):
    text = "Analysis\n\nIn 2023, the two ministers signed the accord on March 13 in the capital after talks."
    _, rows = events_of(nlp, text, "2024-01-10")
    row = only(rows, "accord")
    assert (row["date_start"], row["date_end"], row["granularity"]) == (
        dt.date(2023, 3, 13),
        dt.date(2023, 3, 13),
        "day",
    )


def test_cited_holding_of_talks_is_an_event(nlp):
    text = "Analysis\n\nThe two navies held joint exercises in the northern sea (Wire Service, June 12, 2024)."
    _, rows = events_of(nlp, text, "2024-09-01")
    assert only(rows, "exercises")["date_start"] == dt.date(2024, 6, 12)


def test_identical_texts_in_two_documents_get_distinct_event_ids(nlp):
    text = "Report\n\nTroops crossed the border in March 2020 near the river."
    first = document_tables(Document(doc_id="a", text=text, path="a.txt"), nlp(text))[1]
    second = document_tables(Document(doc_id="b", text=text, path="b.txt"), nlp(text))[1]
    assert first and {r["event_id"] for r in first}.isdisjoint({r["event_id"] for r in second})


def test_dates_far_apart_on_one_verb_are_separate_occasions(nlp):
    text = "Report\n\nThe navy sent a frigate to the islands in 2019 and in July 2013 to show the flag."
    _, rows = events_of(nlp, text, "2024-06-01")
    spans = sorted((r["date_start"], r["date_end"], r["granularity"]) for r in rows)
    assert spans == [
        (dt.date(2013, 7, 1), dt.date(2013, 7, 31), "month"),
        (dt.date(2019, 1, 1), dt.date(2019, 12, 31), "year"),
    ]


def test_close_dates_on_one_verb_are_one_event_over_a_range(nlp):
    text = "Report\n\nThe accord was signed in the capital on May 2, 2022 and in the port on May 9, 2022 by both sides."
    _, rows = events_of(nlp, text, "2024-06-01")
    row = only(rows, "accord")
    assert (row["date_start"], row["date_end"], row["granularity"]) == (
        dt.date(2022, 5, 2),
        dt.date(2022, 5, 9),
        "range",
    )


def test_summary_puts_the_speaker_first_and_drops_other_clauses(nlp):
    text = (
        "Report\n\nThe fleet held drills at sea last week, the defence ministry said on Tuesday. "
        "Rebels seized the town in 2019, and the army retook it in March 2021."
    )
    _, rows = events_of(nlp, text, "2024-06-07")
    said = next(r for r in rows if r["time_expression"] == "Tuesday")
    assert said["summary"].startswith("the defence ministry said")
    seized = next(r for r in rows if r["time_expression"] == "2019")
    assert "retook" not in seized["summary"]


def test_a_clock_time_on_a_named_day_dates_its_event(nlp):
    text = (
        "Troops take the port\n\n"
        "Officials met in the capital on Monday to discuss aid. "
        "Marines landed at the port at 6 a.m. Tuesday, the ministry said."
    )
    _, rows = events_of(nlp, text, "2025-10-10")
    landing = only(rows, "Marines landed")
    assert (landing["date_start"], landing["granularity"]) == (dt.date(2025, 10, 7), "day")
    assert landing["time_expression"] == "6 a.m. Tuesday"


def test_a_closing_citation_refines_any_dated_event_it_falls_in(nlp):
    text = "Drones over the cities\n\nThe drones first appeared over the cities in September 2022 (Daily Post, September 13, 2022)."
    _, rows = events_of(nlp, text, "2025-11-12")
    row = only(rows, "first appeared")
    assert (row["date_start"], row["granularity"], row["date_basis"]) == (dt.date(2022, 9, 13), "day", "citation")


def test_only_the_first_body_sentence_can_be_an_undated_lead(nlp):
    bullets = (
        "Partners, not allies\n\n"
        "Summary:\n"
        "- The treaty formalizes a relationship that deepened sharply over the years, but it stops short of an alliance.\n"
        "- Military exchanges have been lopsided, and promised fighter jets have been slow to materialize at all.\n\n"
    )
    # bullet points are not the lead: the first prose sentence is
    _, rows = events_of(
        nlp, bullets + "The two governments have signed a broad treaty in the capital after long talks.", "2025-11-12"
    )
    assert [r["sentence"][:20] for r in rows if r["date_basis"] == "publication"] == ["The two governments "]
    # a first prose sentence with its own date leaves no undated lead to find further on
    dated = "The two governments signed a broad treaty in the capital in January 2025 after long talks. "
    later = "Military exchanges have since been lopsided, and promised fighter jets have been slow to arrive."
    _, rows = events_of(nlp, bullets + dated + later, "2025-11-12")
    assert [r["date_basis"] for r in rows] == ["explicit"]


def test_a_chronology_entry_is_one_event_with_its_date(nlp):
    text = (
        "How the pact was built\n\n"
        "Timeline of the talks:\n\n"
        "February 9, 2023: The two leaders agree in Tokyo on terms of reference for joint relief work.\n\n"
        "December 16, 2024: The Senate concurs in the ratification of the agreement by a 19-0 vote.\n"
    )
    _, rows = events_of(nlp, text, "2025-09-12")
    assert [(r["date_start"], r["sentence"][:20]) for r in rows] == [
        (dt.date(2023, 2, 9), "February 9, 2023: Th"),
        (dt.date(2024, 12, 16), "December 16, 2024: T"),
    ]


def test_an_open_range_is_no_retelling_of_an_act_inside_it(nlp):
    text = (
        "Pacts multiply\n\n"
        "The two ministers signed the access agreement in Manila on July 8, 2024. "
        "The country has signed similar deals with three other partners since 2024."
    )
    _, rows = events_of(nlp, text, "2025-09-12")
    assert [(r["date_start"], r["date_end"]) for r in rows] == [
        (dt.date(2024, 7, 8), dt.date(2024, 7, 8)),
        (dt.date(2024, 1, 1), dt.date(2025, 9, 12)),
    ]


@pytest.mark.parametrize(
    "stamp", ["Updated Sept. 12, 2025", "Published 18:20 GMT, 12 Sep 2025", "Posted: 12 September 2025"]
)
def test_the_documents_own_date_stamp_is_no_event(nlp, stamp):
    text = f"Pact enters into force\n\n{stamp}\n\nThe treaty came into force on Thursday after months of debate in both capitals."
    doc_row, rows = events_of(nlp, text)
    assert doc_row["published"] == dt.date(2025, 9, 12)
    assert [(r["date_start"], r["time_expression"]) for r in rows] == [(dt.date(2025, 9, 11), "Thursday")]


def test_a_simple_past_is_asserted_whatever_modal_governs_it_in_the_parse(nlp):
    text = (
        "Talks go on\n\n"
        "Talks on a supply agreement, which would let the two forces swap fuel, food and spare parts, "
        "opened in January 2025, and a second round took place in Tokyo in March."
    )
    _, rows = events_of(nlp, text, "2025-09-12")
    assert [(r["date_start"], r["modality"]) for r in rows] == [
        (dt.date(2025, 1, 1), "asserted"),
        (dt.date(2025, 3, 1), "asserted"),
    ]


def test_a_coordinated_participle_shares_its_modal(nlp):
    text = "Treaty timetable\n\nOfficials said the treaty could be signed in March 2026 and ratified in April 2026."
    _, rows = events_of(nlp, text, "2025-10-10")
    assert [(r["date_start"], r["modality"]) for r in rows] == [
        (dt.date(2026, 3, 1), "hypothetical"),
        (dt.date(2026, 4, 1), "hypothetical"),
    ]


def test_a_citation_does_not_shrink_a_state_to_its_day(nlp):
    text = "Trade\n\nExports remained flat throughout 2024 (Trade Monitor, December 2, 2024)."
    _, rows = events_of(nlp, text, "2025-10-10")
    assert [(r["date_start"], r["granularity"]) for r in rows] == [(dt.date(2024, 1, 1), "year")]


def test_a_sentence_opening_with_a_stamp_word_is_still_a_sentence(nlp):
    text = "Figures\n\nUpdated figures were released on Monday by the national statistics office in the capital."
    _, rows = events_of(nlp, text, "2025-10-10")
    assert [r["date_start"] for r in rows] == [dt.date(2025, 10, 6)]


def test_a_state_is_no_undated_lead(nlp):
    text = (
        "The border post\n\n"
        "For three decades the northern checkpoint was a symbol of pragmatism between the two old neighbours. "
        "Officials closed it to most traffic in March 2020."
    )
    _, rows = events_of(nlp, text, "2024-11-16")
    assert [r["date_basis"] for r in rows] == ["explicit"]


def test_habits_and_arrangements(nlp):
    text = (
        "Border news\n\n"
        "Today the barrier rarely lifts for anyone. "
        "Technical work on the link began in January 2025 and is to be completed by the end of the year."
    )
    _, rows = events_of(nlp, text, "2025-03-21")
    assert [(r["time_expression"], r["modality"]) for r in rows] == [
        ("January 2025", "asserted"),
        ("the end of the year", "planned"),
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Tension had already been running high before Christmas in the capital.",
        "The relationship deepened sharply after 2022, officials in both capitals said.",
        "The chiefs agreed to keep the scale of the drills similar to last year's.",
    ],
)
def test_bounds_and_elided_possessives_do_not_date_events(nlp, sentence):
    _, rows = events_of(nlp, f"Notes\n\n{sentence}", "2025-03-11")
    assert rows == []


def test_each_live_blog_entry_has_its_own_lead(nlp):
    text = (
        "LIVE: Cable damage in the gulf\n\n"
        "Thursday 26 December 2024\n\n"
        "16:20\nAlliance offers help\n\n"
        "A spokesperson for the alliance said it was in close contact with both governments and ready to help.\n\n"
        "14:05 GMT\nPresident: we are in control\n\n"
        "The president wrote on social media shortly after 2pm that the country was prepared and in control.\n"
    )
    doc_row, rows = events_of(nlp, text)
    assert doc_row["published"] == dt.date(2024, 12, 26)
    assert [(r["sentence"][:14], r["date_start"], r["date_basis"]) for r in rows] == [
        ("A spokesperson", dt.date(2024, 12, 26), "publication"),
        ("The president ", dt.date(2024, 12, 26), "publication"),
    ]


def test_footnote_markers_cite_the_dates_in_the_notes(nlp):
    text = (
        "Analysis of the deal\n\n"
        "Turkey agreed to buy the air defence system in 2017, after years of talks with other suppliers.[3] "
        "The first components were delivered on 12 July 2019 to a base near the capital.[4]\n\n"
        "Notes\n\n"
        "[3] TASS, 12 September 2017.\n\n"
        "[4] Ministry of Defence, press briefing, 15 July 2019 (accessed 1 February 2024).\n"
    )
    _, rows = events_of(nlp, text, "2024-02-14")
    assert [(r["date_start"], r["date_basis"], r["time_expression"]) for r in rows] == [
        (dt.date(2017, 9, 12), "citation", "12 September 2017"),  # the note narrows the year, as "(TASS, ...)" does
        (dt.date(2019, 7, 12), "explicit", "12 July 2019"),  # the sentence's own day outside the note's wins
    ]


def test_a_dated_bullet_list_makes_one_event_per_entry(nlp):
    text = (
        "Milestones\n\n"
        "- 27 September 2020 — The army launches a large offensive to retake the region and its districts.\n"
        "- 10 November 2020 — A brokered ceasefire ends the fighting; peacekeepers deploy along the line.\n"
        "- 8 August 2025 — Both leaders initial the text in Washington.\n"
    )
    _, rows = events_of(nlp, text, "2025-08-12")
    assert [r["date_start"] for r in rows] == [dt.date(2020, 9, 27), dt.date(2020, 11, 10), dt.date(2025, 8, 8)]
    assert rows[-1]["summary"].startswith("Both leaders initial the text")


def test_a_block_quote_is_read_to_its_paragraphs_end_and_no_further(nlp):
    """The intro takes the quote's closing citation; the sentences after the quote are never read (the rest of
    a long document is not scanned once per line ending in a colon)."""
    from extract.events import _mentions_by_sentence, quoted_citation
    from extract.timex import find_time_mentions

    text = (
        "An analyst in the capital argues that the talks will fail:\n"
        "“The two sides disagree on almost everything, and the gap is widening” (Reuters, January 16, 2025).\n"
        "A new paragraph starts here and says something else entirely.\n"
        "And one more follows it.\n"
    )
    doc = nlp(text)
    split = sentences(doc)
    by_sentence = _mentions_by_sentence(split, find_time_mentions(text, None, doc=doc))
    read = []

    def following():
        for item in by_sentence[1:]:
            read.append(item[0].text)
            yield item

    [cand] = quoted_citation(split[0], following(), text)
    assert cand.trigger.text == "argues" and [m.text for m in cand.mentions] == ["January 16, 2025"]
    assert read == [by_sentence[1][0].text, by_sentence[2][0].text]  # the quote, and the one that ends it
    assert quoted_citation(split[0], iter(()), text) == []  # nothing follows: no quote


def test_label_lines_ending_in_a_colon_stay_sentences_of_their_own(nlp):
    text = "Contents\n\n" + "".join(f"Item {i}:\n" for i in range(1, 40)) + "March 13, 2025: Leaders agree on a text.\n"
    spans = sentences(nlp(text))
    assert [s.text for s in spans[1:4]] == ["Item 1:", "Item 2:", "Item 3:"]
    assert spans[-1].text == "March 13, 2025: Leaders agree on a text."  # a label on its line's sentence


def test_rules_read_the_documents_text_joined_once(nlp):
    """Doc.text joins every token on each call; rules that look around each entity or sentence share one copy."""
    from extract.nlp import doc_text, keep_text

    text = "Moscow, 3 May (Reuters) - Officials in Havana met on Monday.\n" * 3
    doc = nlp(text)
    assert doc_text(doc) == text
    assert doc_text(doc) is doc_text(doc)  # the same string: joined once
    other = nlp("Another text entirely.")
    other.user_data["dateline.text"] = text  # left over from another Doc: not believed
    assert doc_text(other) == "Another text entirely."
    known = "A text the caller has."
    assert doc_text(keep_text(nlp(known), known)) is known  # the parser's caller knows it: no join at all


def test_summary_drops_the_adverb_of_a_dropped_time_expression(nlp):
    text = (
        "Talks stall\n\n"
        "Earlier on Thursday, the foreign minister signaled a tougher stance toward the rebels. "
        "Late on Friday, police arrested two men near the border. "
        "Later Tuesday, the ministry confirmed the deal. "
        "The late president's party won the vote on Sunday."
    )
    _, rows = events_of(nlp, text, "2024-06-09")
    signaled = only(rows, "tougher stance")
    assert signaled["summary"].startswith("the foreign minister signaled a tougher stance toward the rebels")
    assert "Late" not in only(rows, "police arrested")["summary"]
    assert "Later" not in only(rows, "ministry confirmed")["summary"]
    assert "late president" in only(rows, "won the vote")["summary"]  # an adjective, not the date's adverb
