"""Named entities -> canonical actors and locations, with metonyms resolved.

A capital, a seat of government ("the Kremlin") or a demonym standing for a state is
mapped to the state's name, so "Moscow said" and "Russian officials said" both act as
Russia. The tables are general world knowledge, not tied to any corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.tokens import Span

# Country aliases -> canonical country name.
COUNTRY_ALIASES: dict[str, str] = {
    "us": "United States",
    "u.s.": "United States",
    "usa": "United States",
    "u.s.a.": "United States",
    "united states": "United States",
    "united states of america": "United States",
    "america": "United States",
    "uk": "United Kingdom",
    "u.k.": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "united kingdom": "United Kingdom",
    "russian federation": "Russia",
    "ussr": "Soviet Union",
    "soviet union": "Soviet Union",
    "prc": "China",
    "people's republic of china": "China",
    "dprk": "North Korea",
    "democratic people's republic of korea": "North Korea",
    "republic of korea": "South Korea",
    "republic of cuba": "Cuba",
    "bolivarian republic of venezuela": "Venezuela",
    "islamic republic of iran": "Iran",
    "uae": "United Arab Emirates",
    "eu": "European Union",
    "european union": "European Union",
    "un": "United Nations",
    "united nations": "United Nations",
}

# Capitals and seats of power that stand for a government.
METONYMS: dict[str, str] = {
    "moscow": "Russia",
    "kremlin": "Russia",
    "washington": "United States",
    "white house": "United States",
    "pentagon": "United States",
    "beijing": "China",
    "havana": "Cuba",
    "caracas": "Venezuela",
    "kyiv": "Ukraine",
    "kiev": "Ukraine",
    "minsk": "Belarus",
    "pyongyang": "North Korea",
    "seoul": "South Korea",
    "tehran": "Iran",
    "tokyo": "Japan",
    "london": "United Kingdom",
    "downing street": "United Kingdom",
    "paris": "France",
    "elysee": "France",
    "berlin": "Germany",
    "brussels": "European Union",
    "ankara": "Turkey",
    "damascus": "Syria",
    "managua": "Nicaragua",
    "brasilia": "Brazil",
    "bogota": "Colombia",
    "la paz": "Bolivia",
    "mexico city": "Mexico",
    "new delhi": "India",
    "delhi": "India",
    "islamabad": "Pakistan",
    "jerusalem": "Israel",
    "riyadh": "Saudi Arabia",
    "cairo": "Egypt",
    "warsaw": "Poland",
    "ottawa": "Canada",
    "canberra": "Australia",
    "rome": "Italy",
    "madrid": "Spain",
    "kabul": "Afghanistan",
    "baghdad": "Iraq",
    "tripoli": "Libya",
    "pretoria": "South Africa",
}

# Demonyms and adjectives (spaCy NORP) -> country.
DEMONYMS: dict[str, str] = {
    "russian": "Russia",
    "russians": "Russia",
    "soviet": "Soviet Union",
    "american": "United States",
    "americans": "United States",
    "cuban": "Cuba",
    "cubans": "Cuba",
    "venezuelan": "Venezuela",
    "venezuelans": "Venezuela",
    "ukrainian": "Ukraine",
    "ukrainians": "Ukraine",
    "chinese": "China",
    "british": "United Kingdom",
    "french": "France",
    "german": "Germany",
    "germans": "Germany",
    "iranian": "Iran",
    "iranians": "Iran",
    "north korean": "North Korea",
    "north koreans": "North Korea",
    "south korean": "South Korea",
    "japanese": "Japan",
    "indian": "India",
    "belarusian": "Belarus",
    "syrian": "Syria",
    "turkish": "Turkey",
    "israeli": "Israel",
    "israelis": "Israel",
    "palestinian": "Palestine",
    "palestinians": "Palestine",
    "nicaraguan": "Nicaragua",
    "brazilian": "Brazil",
    "colombian": "Colombia",
    "mexican": "Mexico",
    "bolivian": "Bolivia",
    "polish": "Poland",
    "canadian": "Canada",
    "australian": "Australia",
    "italian": "Italy",
    "spanish": "Spain",
    "saudi": "Saudi Arabia",
    "egyptian": "Egypt",
    "pakistani": "Pakistan",
    "afghan": "Afghanistan",
    "iraqi": "Iraq",
}

_TITLES = re.compile(
    r"^(?:(?:President|Prime Minister|PM|Foreign Minister|Minister|Ambassador|Admiral|General|Gen\.|Senator|"
    r"Sen\.|Rep\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Chairman|Deputy|Secretary|Spokesperson|Spokesman|King|Queen|"
    r"Chancellor|Dictator|Leader)\s+)+"
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
