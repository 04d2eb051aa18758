"""Canonical actors: aliases, metonyms and demonyms resolved; places kept apart."""

import pytest
import spacy
from spacy.tokens import Span

from extract.actors import actors_and_locations, canonical_actor, person_index, split_glued
from extract.roles import outlet_key


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("the Kremlin", "ORG", "Russia"),
        ("Moscow", "GPE", "Russia"),
        ("Washington", "GPE", "United States"),
        ("U.S.", "GPE", "United States"),
        ("the Russian Federation", "GPE", "Russia"),
        ("Cuban", "NORP", "Cuba"),
        ("Americans", "NORP", "United States"),
        ("President Jane Roe", "PERSON", "Jane Roe"),
        ("Interfax", "ORG", "Interfax"),
        ("Springfield", "GPE", "Springfield"),
    ],
)
def test_canonical_actor(text, label, expected):
    assert canonical_actor(text, label) == expected


def _doc(words, ents, heads=None, deps=None):
    nlp = spacy.blank("en")
    doc = spacy.tokens.Doc(nlp.vocab, words=words, heads=heads, deps=deps)
    doc.ents = [Span(doc, s, e, label=label) for s, e, label in ents]
    return doc


def test_places_after_locative_prepositions_are_locations_not_actors():
    # "Moscow hosted talks in Havana ." : Moscow acts, Havana is where
    words = ["Moscow", "hosted", "talks", "in", "Havana", "."]
    doc = _doc(
        words,
        [(0, 1, "GPE"), (4, 5, "GPE")],
        heads=[1, 1, 1, 2, 3, 1],
        deps=["nsubj", "ROOT", "dobj", "prep", "pobj", "punct"],
    )
    assert actors_and_locations(doc.ents) == (["Russia"], ["Havana"])


def test_surnames_resolve_to_the_full_name_seen_in_the_document():
    doc = _doc(["Maria", "Lopez", "spoke", ".", "Lopez", "left"], [(0, 2, "PERSON"), (4, 5, "PERSON")])
    people = person_index(doc.ents)
    assert actors_and_locations([doc.ents[1]], people) == (["Maria Lopez"], [])


def test_group_adjectives_that_name_no_state_are_not_actors():
    doc = _doc(["communist", "groups", "and", "Cuban", "officials"], [(0, 1, "NORP"), (3, 4, "NORP")])
    assert actors_and_locations(doc.ents) == (["Cuba"], [])


# --------------------------------------------------------------------------- names glued together


@pytest.mark.parametrize(
    ("name", "after_preposition", "person", "parts"),
    [
        ("Lima Ivan Petrovsky", True, "Ivan Petrovsky", [("location", "Lima")]),  # "Ambassador to Lima ..."
        ("Lima Ivan Petrovsky", False, "Ivan Petrovsky", [("actor", "Peru")]),  # a capital standing for its state
        (
            "Chilean Senate Committee Jorge Ramirez Solis",
            False,
            "Jorge Ramirez Solis",
            [("actor", "Chilean Senate Committee")],
        ),
        ("Peruvian Ana Maria Soto", False, "Ana Maria Soto", [("actor", "Peru")]),
        ("Defence of Chile Ana Soto", False, "Ana Soto", [("actor", "Chile")]),
        ("President Ana Soto", False, "Ana Soto", []),
        ("Chad Couture", False, "Chad Couture", []),  # a first name that is also a state's
        ("Jordan Smith", False, "Jordan Smith", []),
        ("Chilean Senate Committee", False, "Chilean Senate Committee", []),  # a body's name, nobody in it
        ("Martin Luther King Jr.", False, "Martin Luther King Jr.", []),
        ("Ana Soto", False, "Ana Soto", []),
    ],
)
def test_names_the_parser_glued_together_are_split(name, after_preposition, person, parts):
    assert split_glued(name, after_preposition=after_preposition) == (person, parts)


def test_a_surname_two_people_share_in_a_document_maps_to_neither():
    doc = _doc(
        ["Dan", "Roe", "and", "Nicole", "Roe", "spoke", ".", "Roe", "left"],
        [(0, 2, "PERSON"), (3, 5, "PERSON"), (7, 8, "PERSON")],
    )
    people = person_index(doc.ents)
    assert "roe" not in people
    assert actors_and_locations([doc.ents[2]], people) == (["Roe"], [])


def test_spellings_of_one_name_in_a_document_take_the_accented_one():
    doc = _doc(
        ["Jose", "Perez", "and", "José", "Pérez", ".", "Pérez"], [(0, 2, "PERSON"), (3, 5, "PERSON"), (6, 7, "PERSON")]
    )
    people = person_index(doc.ents)
    assert actors_and_locations(doc.ents, people) == (["José Pérez"], [])


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("kvly.com", "kvly"),
        ("https://www.chicago.suntimes.com/news/1", "chicagosuntimes"),
        ("Harbour Times", "harbourtimes"),
    ],
)
def test_the_outlet_of_a_document_is_keyed_as_its_name_is_written(source, key):
    assert outlet_key(source) == key


# --------------------------------------------------------------------------- roles in real sentences (the model)


def _actors(text: str, outlet: str = "") -> tuple[list[str], list[str]]:
    from extract.nlp import load_nlp

    doc = load_nlp()(text)
    return actors_and_locations(doc.ents, person_index(doc.ents), outlet=outlet)


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "outlet", "actors", "locations"),
    [
        # a news agency reporting, cited or told something is no actor of the event...
        ("Parliament ratified the treaty with Peru on Friday, Reuters reported.", "", ["Parliament", "Peru"], []),
        ("Chile signed the accord on Monday, Interfax informs.", "", ["Chile"], []),
        ("The talks between Chile and Peru collapsed on Monday, according to Reuters.", "", ["Chile", "Peru"], []),
        ("Peruvian officials told Reuters on Monday that the deal was off.", "", ["Peru"], []),
        # ... nor is any source of a closing citation, listed or not
        (
            "Chile and Peru agreed to a new border treaty in 2023 (Zorkiy Vestnik, May 3, 2023).",
            "",
            ["Chile", "Peru"],
            [],
        ),
        ("Chile and Peru agreed to a new border treaty in 2023 (Reuters).", "", ["Chile", "Peru"], []),
        # an outlet the sentence calls one, or the document's own outlet
        ("The newspaper Zorkiy Vestnik wrote on Monday that the border reopened.", "", [], []),
        ("The border reopened on Monday, KVLY reported.", "kvly.com", [], []),
        ("The border reopened on Monday, KVLY reported.", "", ["KVLY"], []),
        # an agency the event happens to stays an actor
        ("Reuters was fined by the regulator on Monday.", "", ["Reuters"], []),
        ("Peru banned Reuters in 2021.", "", ["Peru", "Reuters"], []),
        # equipment is no actor: listed, or called so by the sentence
        ("Turkey received the S-400 in 2019.", "", ["Turkey"], []),
        ("Chile could deploy the Condor missile system to the island in 2026.", "", ["Chile"], []),
        # names glued by the parser: title and place split off, the owner of a possessive kept apart
        (
            "Russian Ambassador to Lima Ivan Petrovsky met the minister on Monday.",
            "",
            ["Russia", "Ivan Petrovsky"],
            ["Lima"],
        ),
        ("Chile's Senate approved the treaty on Monday.", "", ["Chile", "Senate"], []),
        # places the parser took for names, datelines, group adjectives describing someone
        ("An Allentown man was charged on Monday, Stockton police said.", "", [], ["Allentown", "Stockton"]),
        (
            "The meeting took place on Monday at the Zorki state residence outside Santiago.",
            "",
            [],
            ["Zorki", "Santiago"],
        ),
        ("KOKOMO, Ind. (WXYZ) — Police arrested a man on Monday.", "", [], ["Ind"]),
        ("The Democratic congressman resigned on Friday.", "", [], []),
    ],
)
def test_who_acts_in_a_sentence(text, outlet, actors, locations):
    assert _actors(text, outlet) == (actors, locations)
