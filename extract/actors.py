"""Named entities -> canonical actors and locations, with metonyms resolved.

A capital, a seat of government ("the Kremlin") or a demonym standing for a state is
mapped to the state's name, so "Moscow said" and "Russian officials said" both act as
Russia. A state acts; other places (cities, counties, streets, buildings) are locations.
News outlets cited as the source of what is said, datelines, citations in parentheses and
equipment are no actors (extract/roles.py says which part a name plays). One person gets
one name: titles, bodies and places the parser glued to a name are split off, and a
surname or another spelling resolves to the fullest name the document gives.

The tables are general world knowledge, not tied to any corpus, kept as data files a team
can edit (extract/wordlists/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.tokens import Span

from extract import roles, wordlists
from extract.names import COUNTRY_ALIASES, DEMONYMS, METONYMS, STATES, accents, fold, is_state, looks_like_a_name

# The team-editable lists (extract/wordlists/), read once: each file's header says what it holds.
_TITLE_LIST = wordlists.words("titles")
# A run of personal titles in front of a name ("Deputy Foreign Minister"), longest first so none cuts another.
_TITLES = re.compile(
    r"^(?:(?:" + "|".join(re.escape(title) for title in sorted(_TITLE_LIST, key=lambda t: (-len(t), t))) + r")\s+)+"
)
# Words that end a title ("Minister", "Ambassador", "Chairman"), for telling where a glued title stops.
TITLE_WORDS = frozenset(fold(title).split()[-1] for title in _TITLE_LIST)
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_INNER_POSSESSIVE = re.compile(r"['’]s\s+")
_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}(?:[ap]\.?m\.?)?", re.I)

LOCATIVE_PREPOSITIONS = roles.LOCATIVE_PREPOSITIONS
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
is_locative = roles.is_locative

Part = tuple[str, str]  # ("actor" or "location", canonical name)


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


def split_glued(name: str, *, after_preposition: bool = False) -> tuple[str, list[Part]]:
    """A person's name with a body, a place or a nationality glued in front by the parser -> (the person's
    name, the rest as parts). "Russian Security Council Dmitry Medvedev" -> ("Dmitry Medvedev", [("actor",
    "Russian Security Council")]); "Venezuelan Nicolás Maduro" -> ("Nicolás Maduro", [("actor", "Venezuela")]);
    "Caracas Jane Roe" after "Ambassador to" -> ("Jane Roe", [("location", "Caracas")]). A name with nothing
    glued comes back whole with no parts.
    """
    words = name.split()
    last, kind = -1, ""
    for i in range(len(words)):
        found = _marker(words, i)
        if found:
            last, kind = i, found
    if last < 0 or last == len(words) - 1:
        return name, []  # nothing glued, or the name ends in a body's or a title's word: no person in it
    tail = words[last + 1 :]
    needed = 2 if kind in ("state", "place") else 1  # "Chad Roe", "Jordan Roe": a first name, not a country
    if len(tail) < needed or not looks_like_a_name(tail):
        return name, []
    return " ".join(tail), _prefix_parts(words[: last + 1], after_preposition)


def person_name(ent: Span) -> str | None:
    """The person an entity names, titles and glued prefixes removed; None when it names no person."""
    name = clean_name(entity_text(ent))
    if ent.label_ == "PERSON":
        name = _split_of(name)[0]
    elif not (ent.label_ == "ORG" and _titled(ent)):
        return None  # an organisation's name, unless a title introduces it ("Chairman of the X Assembly Jane Roe")
    person, parts = split_glued(name, after_preposition=roles.after_preposition(ent))
    if ent.label_ == "ORG" and not parts:
        return None
    return _TITLES.sub("", person) or None


def person_index(ents: Iterable[Span]) -> dict[str, str]:
    """Surname (and full name) -> the fullest PERSON name seen in the document.

    Keys are accent- and case-folded (`extract.names.fold`); of two spellings of one name the one with
    accents is kept ("Nicolás Maduro" over "Nicolas Maduro"), else the longer. A surname that two different
    people share in the document ("Dan Roe", "Nicole Roe") maps to neither.
    """
    spellings: dict[str, str] = {}  # folded full name -> its best spelling
    for ent in ents:
        full = person_name(ent)
        parts = full.split() if full else []
        if len(parts) < 2 or not looks_like_a_name(parts) or _placed(ent, full):  # type: ignore[arg-type]
            continue
        key = fold(full)  # type: ignore[arg-type]
        if _better(full, spellings.get(key, "")):  # type: ignore[arg-type]
            spellings[key] = full  # type: ignore[assignment]
    by_surname: dict[str, list[str]] = {}
    for key, full in spellings.items():
        by_surname.setdefault(key.split()[-1], []).append(full)
    index = dict(spellings)
    for surname, names in by_surname.items():
        fullest = max(names, key=lambda n: (len(n.split()), len(n), n))
        if all(set(fold(n).split()) <= set(fold(fullest).split()) for n in names):  # one person, named more fully
            for name in names:
                index[fold(name)] = fullest
            index.setdefault(surname, fullest)
    return index


def _placed(ent: Span, name: str) -> bool:
    """A name the parser took for a person's where a place stands ("at 2500 N. Hollywood Way", "a Browns
    Mills teenager"): no one to index, lest it keep the place an actor elsewhere."""
    return roles.place_kind(ent, name) == "address" or roles.names_a_place(ent) or roles.in_dateline(ent)


def actors_and_locations(
    ents: Iterable[Span], people: dict[str, str] | None = None, *, outlet: str = ""
) -> tuple[list[str], list[str]]:
    """Entities of one sentence -> (actors, locations), canonical, in order of first mention.

    ``people`` is the document's `person_index`; ``outlet`` names the document's own outlet (a name or a
    web address), which is no actor where it reports.
    """
    actors: list[str] = []
    locations: list[str] = []
    own = roles.outlet_key(outlet) if outlet else ""
    for ent in ents:
        for role, name in entity_parts(ent, people or {}, own):
            bucket = actors if role == "actor" else locations
            if name and len(name) > 1 and name not in bucket:
                bucket.append(name)
    return actors, locations


def entity_parts(ent: Span, people: dict[str, str], own: str = "") -> list[Part]:
    """One entity -> what it contributes: ("actor", name) and ("location", name) pairs, often one, none for
    a cited source, a dateline's agency or a piece of equipment, several for names glued together."""
    label = ent.label_
    name = clean_name(entity_text(ent))
    if label not in ACTOR_LABELS and label not in PLACE_LABELS:
        return []
    if "\n" in ent.text.strip():
        return []  # the parser ran a heading or a caption into the text: no one name
    if roles.in_dateline(ent):
        return [("location", canonical_place(name))] if label in PLACE_LABELS else []
    if roles.in_citation(ent):
        return []  # "(Interfax, October 8, 2025)": where the claim comes from
    if ent.start > 0 and _CLOCK.fullmatch(ent.doc[ent.start - 1].text):
        return []  # "10:26 GMT": a time zone
    state = canonical_actor(name, label) if label in ("GPE", "ORG") else ""
    if not is_state(state) and roles.is_outlet(ent, name, own):
        return [("actor", name)] if roles.takes_part(ent) else []
    if label in PLACE_LABELS and roles.is_locative(ent):
        return [("location", canonical_place(name))]
    if label not in ACTOR_LABELS or (not is_state(state) and roles.is_equipment(ent, name)):
        return []
    kind = None if is_state(state) else roles.place_kind(ent, name)
    if kind in ("address", "place") or (kind == "facility" and not roles.is_subject(ent)):
        return [("location", canonical_place(name))]
    unknown = label in ("PERSON", "ORG") and not is_state(state) and not _known_person(name, people)
    if unknown and roles.names_a_place(ent):
        return [("location", canonical_place(name))]
    if label == "GPE":
        # a state acts; a city, county or province is where things happen
        return [("actor", state)] if is_state(state) else [("location", canonical_place(name))]
    if label == "NORP":
        return _group(ent, name)
    if _shouted(name):
        return []  # "RELATED ARTICLES", "HENRY COUNTY": a heading or a dateline, not a name
    return _person_or_body(ent, name, people)


def entity_text(ent: Span) -> str:
    """The entity's text; a person's name the parser cut short runs on through the proper nouns it is
    compounded with ("Ruslan" + "Pankratov", when only "Ruslan" was tagged)."""
    if ent.label_ != "PERSON":
        return ent.text
    doc, end, root = ent.doc, ent.end, ent.root
    while (
        end < len(doc)
        and root.dep_ == "compound"
        and root.head.i == end
        and doc[end].pos_ == "PROPN"
        and not doc[end].ent_type_
        and doc[end].text[:1].isupper()
    ):
        root, end = doc[end], end + 1
    return doc[ent.start : end].text


def _person_or_body(ent: Span, name: str, people: dict[str, str]) -> list[Part]:
    """A PERSON or ORG entity -> its parts: the state before a possessive ("Russia's Federation Council"), a
    person with what was glued to the name, a surname resolved to the full name, or the body itself."""
    pieces = _INNER_POSSESSIVE.split(name, maxsplit=1)
    if len(pieces) == 2 and pieces[1] and is_state(canonical_actor(pieces[0], "GPE")):
        return [("actor", canonical_actor(pieces[0], "GPE")), *_person_or_body_name(ent, pieces[1], people)]
    return _person_or_body_name(ent, name, people)


def _person_or_body_name(ent: Span, name: str, people: dict[str, str]) -> list[Part]:
    label = ent.label_
    parts: list[Part] = []
    person, place = _split_of(name)  # "Jane Roe of Springfield"
    if label == "ORG" and not _known_person(person, people):
        person, place = name, ""  # "Joint Chiefs of Staff": a body's name, unless the person is known
    if label == "PERSON" or place or (label == "ORG" and _titled(ent)):
        person, parts = split_glued(person, after_preposition=roles.after_preposition(ent))
        if place:
            parts.append(("location", canonical_place(place)))
        if parts or label == "PERSON":
            person = _TITLES.sub("", person)
            return [*parts, ("actor", _resolve(person, people))]
    canonical = canonical_actor(name, label)
    if label == "ORG" and " " not in canonical and fold(canonical) in people:
        return [("actor", people[fold(canonical)])]  # "Maduro announced", the parser taking the name for a body
    return [("actor", canonical)]


def _known_person(name: str, people: dict[str, str]) -> bool:
    """The document names a person so: in full, or by the surname of a full name."""
    return fold(name) in people or fold(_TITLES.sub("", name)) in people


def _resolve(person: str, people: dict[str, str]) -> str:
    """A person's name -> the fullest form the document gives it (a surname, another spelling)."""
    if not person:
        return person
    return people.get(fold(person), people.get(fold(person.split()[-1]), person))


def _group(ent: Span, name: str) -> list[Part]:
    """A nationality word: its state, or the group itself when it names no state but is one ("Democrats")."""
    mapped = DEMONYMS.get(name.lower())
    if mapped:
        return [("actor", mapped)]
    if not name[:1].isupper() or "-" in name:
        return []  # a group adjective we cannot map to a state ("communist", "Russian-language") is no actor
    if ent.root.dep_ in ("amod", "compound"):
        return []  # describes someone ("the Democratic congressman"): that one acts
    return [("actor", name)]


def _split_of(name: str) -> tuple[str, str]:
    """ "Jane Roe of Springfield" -> ("Jane Roe", "Springfield"): where a person is from is a place. A body's
    name ("Bank of America", "Chicago Board of Trade") is no person's: it is one word or has a body's word."""
    person, sep, place = name.partition(" of ")
    words = person.split()
    if not sep or len(words) < 2 or not place[:1].isupper() or not looks_like_a_name(words):
        return name, ""
    if any(fold(word) in roles.ORG_WORDS or fold(word) in TITLE_WORDS for word in words):
        return name, ""
    return person, place


def _titled(ent: Span) -> bool:
    """A title stands just before the entity or opens it: "Chairman of the X Assembly Jane Roe"."""
    doc = ent.doc
    before = [fold(t.text) for t in doc[max(0, ent.start - 4) : ent.start]]
    inside = [fold(word) for word in clean_name(ent.text).split()[:-1]]
    return any(word in TITLE_WORDS for word in (*before, *inside))


def _marker(words: list[str], i: int) -> str:
    """What makes word i the end of something glued before a person's name: "org", "title", "state",
    "demonym" or "place"; "" when it is none of them."""
    word = fold(_POSSESSIVE.sub("", words[i]))
    pair = fold(" ".join(words[i - 1 : i + 1])) if i > 0 else ""
    if word in roles.ORG_WORDS:
        return "org"
    if word in TITLE_WORDS:
        return "title"
    if word in DEMONYMS or pair in DEMONYMS:
        return "demonym"
    if word in COUNTRY_ALIASES or pair in COUNTRY_ALIASES or word in STATES or pair in STATES:
        return "state"
    if word in METONYMS or pair in METONYMS:
        return "place"
    return ""


def _prefix_parts(prefix: list[str], after_preposition: bool) -> list[Part]:
    """What was glued before a person's name -> parts: a body (up to its last organisation word) acts; else
    each nationality or state named acts, and a capital after "to", "in"... is a location."""
    org_ends = [i for i in range(len(prefix)) if fold(prefix[i]) in roles.ORG_WORDS]
    if org_ends:
        body = prefix[: org_ends[-1] + 1]
        while body and (fold(body[0]) in TITLE_WORDS or body[0].lower() in ("of", "the", "to")):
            body = body[1:]
        return [("actor", canonical_actor(" ".join(body), "ORG"))] if body else []
    parts: list[Part] = []
    i = 0
    while i < len(prefix):
        for size in (2, 1):
            words = prefix[i : i + size]
            if len(words) < size:
                continue
            key = fold(" ".join(words))
            if key in DEMONYMS:
                parts.append(("actor", DEMONYMS[key]))
            elif key in COUNTRY_ALIASES or key in STATES:
                parts.append(("actor", canonical_actor(" ".join(words), "GPE")))
            elif key in METONYMS:
                at_place = after_preposition and i == 0
                parts.append(("location", canonical_place(" ".join(words))) if at_place else ("actor", METONYMS[key]))
            else:
                continue
            i += size - 1
            break
        i += 1
    return parts


def _shouted(name: str) -> bool:
    """Two or more words all in capitals: a heading or a dateline, not a name ("RELATED ARTICLES")."""
    letters = [c for c in name if c.isalpha()]
    return len(name.split()) >= 2 and bool(letters) and all(c.isupper() for c in letters)


def _better(candidate: str, current: str) -> bool:
    """Of two spellings of one name: the one with accents, else the longer, else the one seen first."""
    return (accents(candidate), len(candidate)) > (accents(current), len(current))
