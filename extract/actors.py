"""Named entities -> canonical actors and locations, with metonyms resolved.

A capital, a seat of government ("the Kremlin") or a demonym standing for a state is
mapped to the state's name, so "Moscow said" and "Russian officials said" both act as
Russia. The tables are general world knowledge, not tied to any corpus, kept as data files a team can
edit (extract/wordlists/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.tokens import Span

from extract import wordlists

# The team-editable lists (extract/wordlists/), read once: each file's header says what it holds.
COUNTRY_ALIASES = wordlists.mapping("country_aliases")  # "u.s." -> United States
METONYMS = wordlists.mapping("metonyms")  # capitals and seats of power -> the state: "kremlin" -> Russia
DEMONYMS = wordlists.mapping("demonyms")  # nationality words (NORP) -> the state: "cuban" -> Cuba
# A run of personal titles in front of a name ("Deputy Foreign Minister"), longest first so none cuts another.
_TITLES = re.compile(
    r"^(?:(?:"
    + "|".join(re.escape(title) for title in sorted(wordlists.words("titles"), key=lambda t: (-len(t), t)))
    + r")\s+)+"
)
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")

LOCATIVE_PREPOSITIONS = frozenset(
    {"in", "at", "near", "outside", "inside", "across", "around", "off", "to", "into", "from", "throughout"}
)
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})


def clean_name(text: str) -> str:
    """Entity text without a leading 'the', a trailing possessive or surrounding punctuation."""
    text = _POSSESSIVE.sub("", _THE.sub("", text.strip(" \t\n\"'“”‘’.,;:()")))
    return re.sub(r"\s+", " ", text)


def canonical_actor(text: str, label: str) -> str:
    """One entity mention -> its canonical actor name (metonyms and demonyms resolved)."""
    name = clean_name(text)
    key = name.lower()
    if label == "NORP":
        return DEMONYMS.get(key, name)
    for alias in (key, key + "."):  # "U.S." loses its last period in clean_name
        if alias in COUNTRY_ALIASES:
            return COUNTRY_ALIASES[alias]
    if key in METONYMS:
        return METONYMS[key]
    if label == "PERSON":
        return _TITLES.sub("", name)
    return name


def canonical_place(text: str) -> str:
    """A place mention -> its canonical name (country aliases resolved, cities kept)."""
    name = clean_name(text)
    return COUNTRY_ALIASES.get(name.lower(), COUNTRY_ALIASES.get(name.lower() + ".", name))


def is_locative(ent: Span) -> bool:
    """True when the entity is the object of a place preposition ("in Havana", "outside Moscow")."""
    head = ent.root
    # walk up through appositions and conjunctions ("in Moscow, Russia")
    while head.dep_ in ("appos", "conj", "compound") and head.head.i != head.i:
        head = head.head
    return head.dep_ == "pobj" and head.head.lower_ in LOCATIVE_PREPOSITIONS


def person_index(ents: Iterable[Span]) -> dict[str, str]:
    """Surname (and short forms) -> the fullest PERSON name seen in the document."""
    index: dict[str, str] = {}
    for ent in ents:
        if ent.label_ != "PERSON":
            continue
        full = canonical_actor(ent.text, "PERSON")
        parts = full.split()
        if len(parts) < 2:
            continue
        for key in (parts[-1], full):
            if len(full) > len(index.get(key, "")):
                index[key] = full
    return index


def actors_and_locations(ents: Iterable[Span], people: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Entities of one sentence -> (actors, locations), canonical, in order of first mention."""
    actors: list[str] = []
    locations: list[str] = []
    people = people or {}
    for ent in ents:
        label = ent.label_
        if label in PLACE_LABELS and is_locative(ent):
            place = canonical_place(ent.text)
            if place and place not in locations:
                locations.append(place)
            continue
        if label not in ACTOR_LABELS:
            continue
        name = canonical_actor(ent.text, label)
        if label == "PERSON":
            name = people.get(name, people.get(name.split()[-1], name) if name else name)
        unmapped_group = label == "NORP" and name.lower() not in DEMONYMS
        if unmapped_group and (not name[:1].isupper() or "-" in name):
            continue  # a group adjective we cannot map to a state ("communist", "Russian-language") is no actor
        if name and len(name) > 1 and name not in actors:
            actors.append(name)
    return actors, locations
