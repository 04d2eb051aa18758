"""Comparing names as written: accent- and case-folded keys, and which names are states', shared by the
per-document actors and the corpus-level step that unifies people across documents. Plain strings in, plain
strings out (no spaCy).
"""

from __future__ import annotations

import re
import unicodedata

from extract import wordlists

_NAME_PARTICLES = frozenset(
    {"de", "da", "del", "della", "di", "do", "dos", "du", "la", "le", "van", "von", "der", "bin"}
)
_GENERATIONS = frozenset({"jr", "sr", "ii", "iii", "iv"})
_NOT_ALNUM = re.compile(r"[\W_]+")
# Apostrophes and hyphens inside a name are part of it ("O'Brien", "Melik-Bagdasarov"); other marks are not.
_SPACES = re.compile(r"[^\w'’-]+")


def fold(text: str) -> str:
    """Text without accents, case-folded, its spaces collapsed: "Nicolás  Maduro" -> "nicolas maduro"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_SPACES.sub(" ", plain.replace("’", "'")).casefold().split())


def compact(text: str) -> str:
    """Letters and digits only, folded: "S-400" -> "s400", "Sun-Times" -> "suntimes"; for names that are
    written with or without spaces, hyphens and dots."""
    return _NOT_ALNUM.sub("", fold(text))


def accents(text: str) -> int:
    """How many accented letters a spelling keeps: of two spellings of one name, the richer one is kept."""
    return sum(1 for ch in unicodedata.normalize("NFKD", text) if unicodedata.combining(ch))


def looks_like_a_name(words: list[str]) -> bool:
    """Capitalised words (name particles such as "de" or "van" allowed), not only a generation ("Jr.")."""
    significant = [w for w in words if fold(w).strip(".") not in _GENERATIONS]
    if not significant or (len(significant) == 1 and len(significant[0]) < 3):
        return False
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words)


COUNTRY_ALIASES = wordlists.mapping("country_aliases")  # "u.s." -> United States
METONYMS = wordlists.mapping("metonyms")  # capitals and seats of power -> the state: "kremlin" -> Russia
DEMONYMS = wordlists.mapping("demonyms")  # nationality words (NORP) -> the state: "cuban" -> Cuba
# States: those listed, every state an alias, a capital or a demonym stands for, and the aliases themselves.
STATES = frozenset(
    fold(name)
    for name in (
        *wordlists.words("countries"),
        *COUNTRY_ALIASES,
        *COUNTRY_ALIASES.values(),
        *METONYMS.values(),
        *DEMONYMS.values(),
    )
)


def is_state(name: str) -> bool:
    """The name is a state's (or a union of states'), as written or by a listed alias: a place that acts."""
    return fold(name) in STATES
