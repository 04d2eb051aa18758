"""Canonical actors: aliases, metonyms and demonyms resolved; places kept apart."""

import pytest
import spacy
from spacy.tokens import Span

from extract.actors import actors_and_locations, canonical_actor, person_index


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
