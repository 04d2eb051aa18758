"""What part a named entity plays in its sentence, when it is not simply acting: a news outlet reporting
or cited, a dateline, a closing citation, a piece of equipment, a place named as a place.

Each test reads one entity's text and its parse (its root's dependency, head and children); the word
lists come from extract/wordlists/ (news_outlets, outlet_words, media_nouns, equipment, equipment_nouns,
place_nouns, org_words). Used by extract/actors.py to keep such names out of the actors column.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from extract import wordlists
from extract.names import compact, fold
from extract.nlp import doc_text, lemma

SPEECH_VERBS = wordlists.words("speech_verbs", lower=True)
OUTLETS = frozenset(compact(name) for name in wordlists.words("news_outlets"))
OUTLET_ENDINGS = tuple(tuple(fold(words).split()) for words in wordlists.words("outlet_words"))
MEDIA_NOUNS = wordlists.words("media_nouns", lower=True)
EQUIPMENT = frozenset(compact(name) for name in wordlists.words("equipment"))
EQUIPMENT_NOUNS = wordlists.words("equipment_nouns", lower=True)
PLACE_NOUNS = wordlists.mapping("place_nouns")  # noun -> "address", "place" or "facility" (see its file)
RESIDENT_NOUNS = wordlists.words("resident_nouns", lower=True)
ORG_WORDS = wordlists.words("org_words", lower=True)

LOCATIVE_PREPOSITIONS = frozenset(
    {"in", "at", "near", "outside", "inside", "across", "around", "off", "to", "into", "from", "throughout"}
)
# "published in X", "aired on X": the X of these verbs is a publication, not a place (grammar, not a list)
PUBLICATION_VERBS = frozenset({"publish", "print", "air", "broadcast", "republish", "reprint"})
# Prepositions whose object, when the parser took it for a person or a body, is a place all the same: "in
# Kokomo", "at 2500 N. Hollywood Way". People are also "told to", "sent from", "pressure on" and "shots at"
# someone, so persons only after these, bodies only after the narrower second set.
PERSON_PLACE_PREPOSITIONS = frozenset({"in", "at", "near", "outside", "inside", "throughout"})
BODY_PLACE_PREPOSITIONS = frozenset({"at", "near", "outside", "inside"})
SUBJECTS = frozenset({"nsubj", "nsubjpass"})
# Relations by which a name describes another noun rather than standing on its own.
MODIFIER_DEPS = frozenset({"compound", "nmod", "appos"})

# A dateline opening a line: "SALT LAKE CITY —", "KOKOMO, Ind. (June 15, 2014) —", "SAN DIEGO (CBS 8) -",
# "(Mountain View) –": an upper-case place, an optional state, an optional parenthesis (agency or date), a dash.
_DATELINE = re.compile(
    r"(?:^|(?<=\s))"
    r"(?:[A-Z][A-Z.'’&-]+(?:\s+[A-Z][A-Z.'’&-]+)*"
    r"(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][a-z.]+)?)?"
    r"\s*(?:\([^()\n]{1,40}\))?"
    r"|\([A-Z][^()\n]{1,40}\))"
    r"\s*(?:--?|–|—)\s"
)
_DATELINE_REACH = 40  # characters into its line a dateline may start ("UPDATED at 3:05 p.m. BLADENSBURG, MD —")
_DOMAIN = re.compile(r"\.(?:com|net|org|info|tv|news|ru|co\.uk|de|fr)$", re.I)
_CITATION_OPEN = re.compile(r"\(\s*[@“\"'‘]?\s*$")
_AFTER_CLOSING = re.compile(r"[ \t]*(?:[.!?;][”\"’']*(?:\[\d{1,3}\])?(?:\s|$)|\n|$)")  # the sentence ends there


def outlet_key(source: str) -> str:
    """A document's outlet (a name or a web address) -> the compact key its name is written as in text."""
    text = source.strip().lower()
    text = re.sub(r"^(?:https?://)?(?:www\.)?", "", text).split("/")[0]
    if " " not in text and "." in text:  # a domain: drop its ending, "chicago.suntimes.com" -> "chicagosuntimes"
        text = text.rsplit(".", 1)[0]
    return compact(text)


def in_dateline(ent: Span) -> bool:
    """The entity stands in a dateline at the start of its line ("HAMILTON, Ohio (WDTN) – ...")."""
    text = doc_text(ent.doc)  # joined once per Doc, not per entity
    line_start = text.rfind("\n", 0, ent.start_char) + 1
    if ent.start_char - line_start > 120:
        return False
    match = _DATELINE.search(text, line_start, min(len(text), line_start + 160))
    return match is not None and match.start() - line_start <= _DATELINE_REACH and ent.start_char < match.end()


def in_citation(ent: Span) -> bool:
    """The entity names the source of a citation in parentheses: "(Interfax, October 8, 2025)", "(@ Source,
    May 2)", or a bare "(Reuters)" closing its sentence: where the sentence's claim comes from, not a party."""
    text = doc_text(ent.doc)  # joined once per Doc, not per entity
    opening = text.rfind("(", max(0, ent.start_char - 80), ent.start_char)
    if opening < 0 or any(c in text[opening + 1 : ent.start_char] for c in "),\n"):
        return False  # not inside parentheses, or past the source's part of them
    closing = text.find(")", ent.end_char, ent.end_char + 120)
    if closing < 0 or any(c in text[ent.end_char : closing] for c in "(\n"):
        return False
    rest = text[ent.end_char : closing]
    if rest.lstrip().startswith(",") and re.search(r"\d", rest):
        return True  # a source and its date
    alone = _CITATION_OPEN.search(text, opening, ent.start_char) is not None and not rest.strip()
    return alone and _AFTER_CLOSING.match(text, closing + 1) is not None


def takes_part(ent: Span) -> bool:
    """The entity is a subject or object of a verb that is not one of reporting: "Reuters was fined",
    "Russia banned the broadcaster"; not "TASS informs", "told Reuters", "according to AP"."""
    token = _climb(ent.root)
    if token.dep_ in SUBJECTS or token.dep_ == "dobj":
        verb = token.head
    elif token.dep_ == "pobj" and token.head.dep_ == "agent":
        verb = token.head.head
    else:
        return False
    return verb.pos_ in ("VERB", "AUX") and lemma(verb).lower() not in SPEECH_VERBS


def is_subject(ent: Span) -> bool:
    """The entity is the subject of its clause's verb ("the hospital said", "X Hospital was closed")."""
    token = _climb(ent.root)
    return token.dep_ in SUBJECTS or (token.dep_ == "pobj" and token.head.dep_ == "agent")


def is_outlet(ent: Span, name: str, own: str = "") -> bool:
    """A news outlet: listed, shaped like one ("... Times", a web address), called one ("the newspaper X",
    "X reporter"), cited as where something was published ("published in X"), or the document's own (``own``,
    as made by `outlet_key`)."""
    key = compact(name)
    if not key:
        return False
    if key in OUTLETS or _DOMAIN.search(name) or (own and _own_outlet(key, own)):
        return True
    words = fold(name).replace("-", " ").split()
    if ent.label_ == "ORG":
        if any(tuple(words[-len(ending) :]) == ending for ending in OUTLET_ENDINGS if len(words) >= len(ending)):
            return True
        # a station or edition named after a network ("CBS Chicago"), a body's page on a platform ("the
        # Sheriff's Office Facebook page")
        if len(words) > 1 and compact(words[0]) in OUTLETS and name.split()[1][:1].isupper():
            return True
        if len(words) > 1 and len(words[-1]) >= 4 and compact(words[-1]) in OUTLETS:
            return True
    if ent.label_ != "PERSON" and any(_is_media_noun(noun) for noun in _described_by(ent)):
        return True
    root = ent.root
    return (
        root.dep_ == "pobj"
        and root.head.lower_ in ("in", "on", "by")
        and lemma(root.head.head).lower() in PUBLICATION_VERBS
    )


def is_equipment(ent: Span, name: str) -> bool:
    """A weapon or piece of equipment: listed, or a name (not an organisation's) modifying an equipment noun
    ("the X missile system", "Y fighter jets")."""
    last = compact(name.split()[-1]) if name.split() else ""
    if any(key in EQUIPMENT for key in (compact(name), last, last.removesuffix("s"))):
        return True  # "S-400", "Turkish F-16s"
    if ORG_WORDS & set(fold(name).split()) or ent.root.dep_ not in MODIFIER_DEPS:
        return False
    return any(lemma(noun).lower() in EQUIPMENT_NOUNS for noun in _noun_phrase(ent.root.head))


def place_kind(ent: Span, name: str) -> str | None:
    """ "address", "place" or "facility" (place_nouns.csv) when the name is a place's: it ends in a place noun
    ("Birch Street", "Elks Lodge", "X Hospital") or modifies one ("the Gorki state residence"); None
    otherwise. A name the parser took for a person's is a place only by an address noun ("Clinton Drive")."""
    words = fold(name).split()
    for size in (2, 1):
        kind = PLACE_NOUNS.get(" ".join(words[-size:])) if len(words) >= size else None
        if kind and (kind == "address" or ent.label_ != "PERSON"):
            return kind
    if ent.label_ != "PERSON" and ent.root.dep_ == "compound":
        for noun in _noun_phrase(ent.root.head):
            if lemma(noun).lower() in PLACE_NOUNS:
                return "place"  # a name modifying a place noun names that place, whatever the noun's kind
    return None


def names_a_place(ent: Span) -> bool:
    """A name the parser took for a person's or a body's stands where a place does: after a place preposition
    ("police officers in Kokomo"), after "of" following a person or a place noun ("Jane Roe, of Waitsfield",
    "the 9500 block of Page"), modifying a resident noun ("an Allentown man"), or, as one word, modifying any
    common noun ("Stockton police", "a Burnsville hospital"). Callers rule out names known as people's."""
    token = ent.root
    while token.dep_ == "appos" and token.head.i != token.i:  # not through "and": a list may run on from a place
        token = token.head
    if token.dep_ == "pobj":
        prep = token.head.lower_
        narrow = PERSON_PLACE_PREPOSITIONS if ent.label_ == "PERSON" else BODY_PLACE_PREPOSITIONS
        if prep in narrow and not ORG_WORDS & set(fold(ent.text).split()):
            return True
        owner = token.head.head
        the = ent.text.lower().startswith("the ") or any(c.lower_ == "the" for c in token.children)
        if prep == "of" and not the and (owner.ent_type_ == "PERSON" or lemma(owner).lower() in PLACE_NOUNS):
            return True  # "Jane Roe, of Waitsfield"; not "Jane Roe of the X Forum", a body
    root = ent.root
    if root.dep_ in ("compound", "nmod") and root.head.pos_ == "NOUN" and not (ent.start <= root.head.i < ent.end):
        if lemma(root.head).lower() in RESIDENT_NOUNS:
            return True
        return ent.label_ == "PERSON" and len(ent) == 1
    return False


def is_locative(ent: Span) -> bool:
    """True when the entity is the object of a place preposition ("in Havana", "outside Moscow")."""
    head = ent.root
    # walk up through appositions and conjunctions ("in Moscow, Russia")
    while head.dep_ in ("appos", "conj", "compound") and head.head.i != head.i:
        head = head.head
    return head.dep_ == "pobj" and head.head.lower_ in LOCATIVE_PREPOSITIONS


def after_preposition(ent: Span) -> bool:
    """The word before the entity is a place preposition ("Ambassador to Caracas ...")."""
    return ent.start > 0 and ent.doc[ent.start - 1].lower_ in LOCATIVE_PREPOSITIONS


def _own_outlet(key: str, own: str) -> bool:
    """The name is the document's outlet: "WDTN" for wdtn.com, "Detroit News" for detroitnews.com."""
    if key == own:
        return True
    return len(own) >= 4 and len(key) >= 4 and (key.startswith(own) or own.endswith(key))


def _climb(token: Token) -> Token:
    """Up from a name through conjunctions and appositions to the word that has its role in the clause."""
    while token.dep_ in ("conj", "appos") and token.head.i != token.i:
        token = token.head
    return token


def _described_by(ent: Span) -> list[Token]:
    """Nouns outside the entity that describe it: the noun it modifies or stands in apposition to ("WISN
    reporter", "the agency, TASS"), and its own modifiers ("the newspaper Kommersant")."""
    nouns = []
    root = ent.root
    if root.dep_ in MODIFIER_DEPS and root.head.i != root.i:
        nouns.append(root.head)
    nouns.extend(
        c for c in root.children if c.dep_ in MODIFIER_DEPS and not (ent.start <= c.i < ent.end) and c.pos_ == "NOUN"
    )
    return nouns


def _is_media_noun(noun: Token) -> bool:
    word = lemma(noun).lower()
    if word in MEDIA_NOUNS:
        return True
    modifiers = [lemma(c).lower() for c in noun.children if c.dep_ in ("compound", "amod")]
    return any(f"{m} {word}" in MEDIA_NOUNS for m in modifiers)


def _noun_phrase(head: Token) -> list[Token]:
    """The noun a modifier hangs on (up through compounds) with the nouns compounded to it:
    "the Oreshnik missile system" -> system, missile (and Oreshnik itself, harmless)."""
    while head.dep_ == "compound" and head.head.i != head.i:
        head = head.head
    return [head, *(c for c in head.children if c.dep_ == "compound")]
