"""The actors an extraction produced: how many distinct names, before and after the corpus-level people
step, and which of them look like no actor at all (a news outlet, a place).

    python benchmarks/actors.py FOLDER [FOLDER ...] [--list]

FOLDER is an extraction's output (`python -m extract TEXTS --out FOLDER`); its events and plans are read
through the store. For each folder it prints the number of distinct actors as extracted (per document) and
after `extract.corpus.people.canonical_people` (one name per person across documents), the names that step
joined, and the suspects: actors that are a listed news outlet, that end in a place noun ("... Street",
"... County"), or that the same table names as a location elsewhere (states aside: they are both). `--list` prints every actor with its
count. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from extract import store, wordlists
    from extract.corpus.people import canonical_people
    from extract.names import compact, fold, is_state

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--list", action="store_true", help="print every actor with its count")
    args = parser.parse_args(argv)
    outlets = {compact(name) for name in wordlists.words("news_outlets")}
    place_nouns = set(wordlists.mapping("place_nouns"))
    for folder in args.folders:
        events = store.read_events(folder)  # plans included
        before = Counter(name for cell in events["actors"] for name in cell)
        unified = canonical_people(events)
        after = Counter(name for cell in unified["actors"] for name in cell)
        places = {name for cell in events["locations"] for name in cell}
        print(f"{folder}: {len(events)} rows, {events['doc_id'].nunique()} documents")
        print(f"  distinct actors as extracted: {len(before)}; after canonical_people: {len(after)}")
        joined = sorted(
            {(a, b) for old, new in zip(events["actors"], unified["actors"], strict=True) for a, b in _pairs(old, new)}
        )
        for old, new in joined:
            print(f"  joined: {old} -> {new}")
        suspects = sorted(
            name
            for name in after
            if compact(name) in outlets
            or (name in places and not is_state(name))
            or (fold(name).split() and fold(name).split()[-1] in place_nouns)
        )
        print(f"  suspects (outlet, place noun, or a location elsewhere): {len(suspects)}")
        for name in suspects:
            print(f"    {name} ({after[name]})")
        if args.list:
            for name, count in sorted(after.items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"  {count:4d} {name}")
    return 0


def _pairs(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """(name, what it became) for the names of one row that the people step changed."""
    return [(name, target) for name, target in zip(old, new, strict=False) if name != target and name not in new]


if __name__ == "__main__":
    sys.exit(main())
