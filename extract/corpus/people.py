"""One person, one name across the corpus: a step over the events table (no spaCy, no text).

Within a document the extractor already gives each person the fullest name that document uses. Across
documents the same person can still appear as "Nicolás Maduro", "Nicolas Maduro" and, in an article that
never gives the first name, "Maduro". `canonical_people` rewrites the actors column so that:

1. a name listed in the team's alias file (extract/wordlists/name_aliases.csv: transliterations and other
   spellings no rule can join) becomes its listed form;
2. spellings that differ only in accents or case become one: the spelling with the most accents, then the
   most frequent, then the first in alphabetical order;
3. a single word that is the surname of exactly one full name in the corpus becomes that full name
   ("Maduro" -> "Nicolás Maduro"); a surname two full names share ("Roe" for "Jane Roe" and "John Roe")
   stays as it is, as does a word that names a state ("Jordan") or a body.

A "full name" is two or more capitalised words, none of them an acronym or a word of bodies (org_words.txt),
addresses (place_nouns.csv) or outlets (outlet_words.txt), and not a state's name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import pandas as pd

from extract import wordlists
from extract.names import accents, fold, is_state, looks_like_a_name

# Words no person's name is made of (people are called "Lane" or "Bay", but not "Street" or "County").
_NOT_PERSONAL = frozenset(
    fold(word)
    for word in (
        *wordlists.words("org_words"),
        *(w for noun, kind in wordlists.mapping("place_nouns").items() if kind == "address" for w in noun.split()),
        *(w for ending in wordlists.words("outlet_words") for w in ending.split()),
    )
)


def name_aliases() -> dict[str, str]:
    """The alias file as folded alias -> canonical name."""
    return {fold(alias): canonical for alias, canonical in wordlists.mapping("name_aliases").items()}


def people_map(names: Iterable[str], aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every name seen (with repeats: frequency breaks ties between spellings) -> its canonical form.

    ``aliases`` maps folded aliases to canonical names; by default the team's alias file.
    """
    aliases = name_aliases() if aliases is None else {fold(a): c for a, c in aliases.items()}
    seen = list(names)
    aliased = {name: aliases.get(fold(name), name) for name in set(seen)}
    counts = Counter(aliased[name] for name in seen)
    spellings: dict[str, list[str]] = {}
    for name in counts:
        spellings.setdefault(fold(name), []).append(name)
    best = {key: min(forms, key=lambda n: (-accents(n), -counts[n], n)) for key, forms in spellings.items()}
    surnames: dict[str, set[str]] = {}
    for key, name in best.items():
        if _full_name(name):
            surnames.setdefault(key.split()[-1], set()).add(name)
    out = {}
    for name in set(seen):
        canonical = best[fold(aliased[name])]
        fits = surnames.get(fold(canonical), set()) if " " not in canonical and _joinable(canonical) else set()
        out[name] = next(iter(fits)) if len(fits) == 1 else canonical
    return out


def canonical_people(events: pd.DataFrame, aliases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Events table -> the same table (a copy) with the actors column's names unified across documents."""
    out = events.copy()
    if out.empty or "actors" not in out:
        return out
    cells = [_as_list(cell) for cell in out["actors"]]
    mapping = people_map((name for cell in cells for name in cell), aliases)
    out["actors"] = pd.Series(
        [_unique(mapping[name] for name in cell) for cell in cells], index=out.index, dtype=object
    )
    return out


def _full_name(name: str) -> bool:
    words = name.split()
    return (
        len(words) >= 2
        and looks_like_a_name(words)
        and not any(len(word) > 1 and word.isupper() for word in words)  # "CBS Chicago": an acronym is no name
        and not is_state(name)
        and not any(fold(word) in _NOT_PERSONAL for word in words)
    )


def _joinable(word: str) -> bool:
    """A single word that may be a surname: capitalised, not a state, a body's or a place's word."""
    return looks_like_a_name([word]) and not word.isupper() and not is_state(word) and fold(word) not in _NOT_PERSONAL


def _as_list(cell: object) -> list[str]:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    if isinstance(cell, str):  # a table read from CSV, lists joined with "; "
        return [part.strip() for part in cell.split(";") if part.strip()]
    return [str(part) for part in cell]  # type: ignore[union-attr]


def _unique(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name not in out:
            out.append(name)
    return out
