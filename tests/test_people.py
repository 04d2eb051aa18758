"""One person, one name across documents: the corpus-level step over the events table (no model)."""

from __future__ import annotations

import pandas as pd
import pytest

from extract.corpus.people import canonical_people, people_map
from extract.schema import events_frame


def _events(*actor_lists: list[str]) -> pd.DataFrame:
    rows = [
        {"event_id": f"e{i}", "doc_id": f"d{i}", "source": f"s{i}", "summary": f"row {i}", "actors": actors}
        for i, actors in enumerate(actor_lists)
    ]
    return events_frame(rows)


@pytest.mark.parametrize(
    ("actor_lists", "expected"),
    [
        # spellings differing only in accents or case become the accented one
        (
            [["Nicolás Pérez"], ["Nicolas Perez"], ["NICOLAS PEREZ"]],
            [["Nicolás Pérez"], ["Nicolás Pérez"], ["Nicolás Pérez"]],
        ),
        # a surname alone joins the one full name of the corpus that ends with it
        ([["Chile", "Perez"], ["Nicolás Pérez"]], [["Chile", "Nicolás Pérez"], ["Nicolás Pérez"]]),
        # ... but not when two full names share it
        ([["Roe"], ["Dan Roe"], ["Nicole Roe"]], [["Roe"], ["Dan Roe"], ["Nicole Roe"]]),
        # a state's name is no surname, nor is a body's word
        ([["Jordan"], ["Michael Jordan"]], [["Jordan"], ["Michael Jordan"]]),
        ([["Council"], ["Federation Council"]], [["Council"], ["Federation Council"]]),
        # names joined in one row are listed once
        ([["Perez", "Nicolas Perez"], ["Nicolás Pérez"]], [["Nicolás Pérez"], ["Nicolás Pérez"]]),
    ],
)
def test_names_are_unified_across_documents(actor_lists, expected):
    out = canonical_people(_events(*actor_lists))
    assert [list(cell) for cell in out["actors"]] == expected


def test_the_alias_file_joins_what_the_rules_cannot():
    out = canonical_people(_events(["Sergei Lavrov"], ["Sergey Lavrov"], ["Lavrov"]))
    assert [list(cell) for cell in out["actors"]] == [["Sergey Lavrov"]] * 3


def test_aliases_can_be_given_and_match_without_accents_or_case():
    mapping = people_map(["Ana Soto", "ANNA SÓTO"], aliases={"Anna Soto": "Ana Soto"})
    assert mapping == {"Ana Soto": "Ana Soto", "ANNA SÓTO": "Ana Soto"}


def test_the_most_frequent_spelling_wins_when_none_has_accents():
    mapping = people_map(["Ana SOTO", "Ana Soto", "Ana Soto"], aliases={})
    assert mapping["Ana SOTO"] == "Ana Soto"


def test_the_table_is_copied_and_its_other_columns_kept():
    events = _events(["Perez"], ["Nicolás Pérez"])
    out = canonical_people(events)
    assert list(events["actors"].iloc[0]) == ["Perez"]  # the input is not changed
    assert list(out["actors"].iloc[0]) == ["Nicolás Pérez"]
    pd.testing.assert_frame_equal(out.drop(columns="actors"), events.drop(columns="actors"))


def test_actors_read_from_csv_as_joined_strings_are_accepted():
    events = pd.DataFrame({"actors": ["Perez; Chile", "Nicolás Pérez", None]})
    out = canonical_people(events)
    assert [list(cell) for cell in out["actors"]] == [["Nicolás Pérez", "Chile"], ["Nicolás Pérez"], []]


def test_an_empty_table_comes_back_empty():
    assert canonical_people(_events()).empty
