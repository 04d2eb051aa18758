"""The tagger's two passes: a Scan is plain data (pickles, round-trips through JSON) and resolving a stored
scan gives exactly what tagging the parsed text gives, for every publication date it is resolved against."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle

import pytest
import spacy

from extract.timex import PATTERNS, Scan, find_time_mentions, find_timexes, resolve, scan
from extract.timex.scanner import SCAN_VERSION
from tests.corpus import parsed, published

BLANK = spacy.blank("en")
PUBLICATION_DATES = [
    (None, "day"),
    (dt.date(2025, 10, 10), "day"),
    (dt.date(2024, 3, 1), "month"),
    (dt.date(2023, 1, 1), "year"),
]


def _plain(value: object) -> bool:
    """Only str, int, bool, None, and tuples / dicts / dataclasses of them: no parse, no match objects."""
    if value is None or isinstance(value, str | int | bool):
        return True
    if isinstance(value, tuple | list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if dataclasses.is_dataclass(value):
        return all(_plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


@pytest.mark.model
def test_stored_scans_resolve_exactly_as_the_parsed_text_does() -> None:
    n_candidates = 0
    for document, doc in parsed():
        scanned = scan(document.text, doc)
        n_candidates += len(scanned.candidates)
        assert _plain(scanned), document.doc_id
        stored = Scan.from_json(scanned.to_json())
        assert stored == scanned, document.doc_id
        assert pickle.loads(pickle.dumps(scanned)) == scanned
        day = published(document)
        assert resolve(stored, day).dates() == find_time_mentions(document.text, day, doc=doc), document.doc_id
        assert resolve(stored, day).timexes() == find_timexes(document.text, day, doc=doc), document.doc_id
        for day, granularity in PUBLICATION_DATES:
            assert resolve(stored, day, published_granularity=granularity) == resolve(
                scanned, day, published_granularity=granularity
            )
    assert n_candidates > 300


def test_a_scan_is_resolved_without_the_text() -> None:
    text = "The ministers met on Monday. Two days later they signed the accord, which runs until March 2027."
    stored = scan(text, BLANK(text)).to_json()
    assert text not in stored  # the expressions only, not the text
    found = resolve(Scan.from_json(stored), dt.date(2025, 10, 10)).dates()
    assert [(m.text, m.value) for m in found] == [
        ("Monday", "2025-10-06"),
        ("Two days later", "2025-10-08"),
        ("March 2027", "2027-03"),
    ]
    assert [m.value for m in resolve(Scan.from_json(stored), None).dates()] == ["XXXX-WXX-1", "XXXX-XX-XX", "2027-03"]


def test_scan_checks_its_parse() -> None:
    with pytest.raises(ValueError, match="not a parse of text"):
        scan("In 2020.", BLANK("In 2021."))


def _stored(**changes: object) -> str:
    text = "It opened on 4 July 2019."
    data = scan(text, BLANK(text)).to_dict()
    data["candidates"][0].update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        ("{not json", "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "not JSON|not a stored scan"),
        ("[]", "not a stored scan"),
        (json.dumps({"version": SCAN_VERSION + 1, "candidates": [], "skipped": []}), "not a stored scan"),
        (json.dumps({"version": SCAN_VERSION}), "malformed"),
        (_stored(pattern="no_such_pattern"), "unknown pattern"),
        (_stored(start=-5), "bad offsets"),
        (_stored(end=3), "bad offsets"),
        (_stored(start="4"), "number"),
        (_stored(groups={"y": 2019}), "groups"),
        (_stored(tense="someday"), "tense"),
        (_stored(cited="yes"), "true or false"),
        (_stored(text=None), "text"),
    ],
)
def test_a_malformed_stored_scan_is_refused_with_the_reason(stored: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Scan.from_json(stored)


def test_pattern_flags_live_on_the_patterns() -> None:
    by_name = {p.name: p for p in PATTERNS}
    assert len(by_name) == len(PATTERNS)  # names are unique: a stored scan refers to patterns by name
    assert by_name["weekday"].tensed and not by_name["year"].tensed
    assert by_name["year"].year_checked and not by_name["year_words"].year_checked
    assert not by_name["ago"].anchors and by_name["md"].anchors
    assert by_name["quarter"].reports_period and not by_name["ago"].reports_period
    assert by_name["day_word"].title_checked and by_name["season"].keep is not None
