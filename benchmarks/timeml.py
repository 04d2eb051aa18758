"""Score the time-expression tagger on TimeML (TempEval-3 style) files.

    python benchmarks/timeml.py DIR... [--errors FILE] [--exact]

For every `.tml` file found recursively: the document creation time (`<DCT><TIMEX3 value=...>`) is the
publication date, the text tagged is the content of `<TEXT>` with its tags stripped, and the gold
expressions are its `<TIMEX3>` tags. Prints TempEval-3 figures: relaxed span P/R/F1 (any overlap),
strict span P/R/F1 (identical offsets), value F1 (relaxed F1 x value accuracy on relaxed matches),
for DATE expressions (the DATE mentions `find_time_mentions` returns) and for all types
(`find_timexes`), and the speed of the rules compared with the bare spaCy pipeline.

A closed range ("between 1994 and 1997") is one mention for the events table, valued as an ISO 8601
interval ("1994/1997"), while TimeML tags its two ends as two TIMEX3s. The DATE figures are printed
both ways: with each range scored through its TIMEX3 ends (`TimeMention.parts`), TimeML's own
convention and the headline figure, and with each range scored as the one mention it is.

Values are compared modulo purely notational variants, which TimeML annotators use interchangeably
for the same value: trailing "-XX" placeholder components are dropped ("1968-XX" and "1968-XX-XX" are
the year "1968", "1998-10-XX" the month "1998-10"), a trailing "X" decade or century digit counts as
absent ("198X" is the decade "198", "19XX" the century "19"), and week numbers are zero-padded
("2000-W7" is "2000-W07"). Different granularities stay different ("1998-10" is not "1998-W42", "P1W"
is not a week). `--exact` compares the value strings as written instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.nlp import load_nlp
from extract.timex import TimeMention, resolve, scan


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    kind: str
    value: str
    text: str


@dataclass
class TimeMLDoc:
    path: Path
    dct: dt.date
    text: str
    gold: list[Gold]


def _walk(elem: ET.Element, parts: list[str], gold: list[Gold], pos: int) -> int:
    """Append the element's content (tags stripped, its own tail left out) to `parts`, recording TIMEX3
    offsets (their text is filled in by the caller from the whole text); returns the new offset."""
    start = pos
    if elem.text:
        parts.append(elem.text)
        pos += len(elem.text)
    for child in elem:
        pos = _walk(child, parts, gold, pos)
        if child.tail:
            parts.append(child.tail)
            pos += len(child.tail)
    if elem.tag == "TIMEX3":
        gold.append(Gold(start, pos, elem.get("type", ""), elem.get("value", ""), ""))
    return pos


def read_timeml(path: Path) -> TimeMLDoc | None:
    """One TimeML file: its DCT, stripped text and gold TIMEX3s (None if it has no DCT or TEXT)."""
    root = ET.parse(path).getroot()
    dct_el = root.find("DCT/TIMEX3")
    text_el = root.find("TEXT")
    if dct_el is None or text_el is None:
        return None
    dct = dt.date.fromisoformat(dct_el.get("value", "")[:10])
    parts: list[str] = []
    gold: list[Gold] = []
    _walk(text_el, parts, gold, 0)
    text = "".join(parts)
    gold = [Gold(g.start, g.end, g.kind, g.value, text[g.start : g.end]) for g in gold]
    return TimeMLDoc(path, dct, text, sorted(gold, key=lambda g: g.start))


_TRAILING_XX = re.compile(r"^(.*\d.*?)(?:-XX)+$")
_X_DIGITS = re.compile(r"^(\d{2,3})X{1,2}$")
_SHORT_WEEK = re.compile(r"^(\d{4}-W)(\d)(?!\d)")


def notational(value: str) -> str:
    """`value` with notational variants removed: "1968-XX-XX" -> "1968", "198X" -> "198", "2000-W7" -> "2000-W07"."""
    v = _TRAILING_XX.sub(r"\1", value)
    x = _X_DIGITS.match(v)
    if x and len(v) == 4:
        v = x.group(1)
    return _SHORT_WEEK.sub(r"\g<1>0\2", v)


def same_value(a: str, b: str, exact: bool = False) -> bool:
    return a == b if exact else notational(a) == notational(b)


@dataclass
class Score:
    n_sys: int = 0
    n_gold: int = 0
    relaxed: int = 0
    strict: int = 0
    value_ok: int = 0
    exact: bool = False

    def add(self, sys_: list[TimeMention], gold: list[Gold], errors: list[str] | None = None) -> None:
        self.n_sys += len(sys_)
        self.n_gold += len(gold)
        used: set[int] = set()
        for g in gold:
            best = None
            for i, s in enumerate(sys_):
                if i in used or s.end <= g.start or s.start >= g.end:
                    continue
                if best is None or (s.start, s.end) == (g.start, g.end):
                    best = i
            if best is None:
                if errors is not None:
                    errors.append(f"FN  {g.kind:8} {g.text!r} {g.value}")
                continue
            used.add(best)
            s = sys_[best]
            self.relaxed += 1
            self.strict += (s.start, s.end) == (g.start, g.end)
            ok = same_value(s.value, g.value, self.exact)
            self.value_ok += ok
            if errors is not None and not ok:
                errors.append(f"VAL {g.kind:8} {g.text!r} gold={g.value} sys={s.value} ({s.text!r})")
            elif errors is not None and (s.start, s.end) != (g.start, g.end):
                errors.append(f"SPAN {g.kind:8} gold={g.text!r} sys={s.text!r}")
        if errors is not None:
            errors.extend(f"FP  {s.kind:8} {s.text!r} {s.value}" for i, s in enumerate(sys_) if i not in used)

    @staticmethod
    def _prf(tp: int, n_sys: int, n_gold: int) -> tuple[float, float, float]:
        p = tp / n_sys if n_sys else 0.0
        r = tp / n_gold if n_gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def lines(self, label: str) -> list[str]:
        rp, rr, rf = self._prf(self.relaxed, self.n_sys, self.n_gold)
        sp, sr, sf = self._prf(self.strict, self.n_sys, self.n_gold)
        acc = self.value_ok / self.relaxed if self.relaxed else 0.0
        return [
            f"{label}  (gold {self.n_gold}, system {self.n_sys})",
            f"  relaxed span  P {rp:.3f}  R {rr:.3f}  F1 {rf:.3f}",
            f"  strict span   P {sp:.3f}  R {sr:.3f}  F1 {sf:.3f}",
            f"  value         accuracy {acc:.3f}  F1 {rf * acc:.3f}",
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--errors", type=Path, help="write the misses, false alarms and wrong values here")
    parser.add_argument("--exact", action="store_true", help="compare values as plain strings (no notational variants)")
    args = parser.parse_args(argv)

    docs = [d for folder in args.dirs for p in sorted(folder.rglob("*.tml")) if (d := read_timeml(p)) is not None]
    if not docs:
        print("no TimeML files found", file=sys.stderr)
        return 1
    nlp = load_nlp()
    date_score, joined_score, all_score = Score(exact=args.exact), Score(exact=args.exact), Score(exact=args.exact)
    errors: list[str] | None = [] if args.errors else None
    t_model = t_rules = 0.0
    n_words = 0
    for d in docs:
        t0 = time.perf_counter()
        doc = nlp(d.text)
        t1 = time.perf_counter()
        resolution = resolve(scan(d.text, doc), d.dct)  # one scan and one resolution give both views
        t2 = time.perf_counter()
        t_model += t1 - t0
        t_rules += t2 - t1
        n_words += len(d.text.split())
        mentions = resolution.dates()  # what find_time_mentions returns
        timexes = resolution.timexes()  # what find_timexes returns
        gold_dates = [g for g in d.gold if g.kind == "DATE"]
        if errors is not None:
            errors.append(f"=== {d.path.name} DCT {d.dct}")
        dates = [m for m in mentions if m.kind == "DATE"]  # its TIMEs on a named day count under ALL TYPES
        date_score.add([p for m in dates for p in (m.parts or (m,))], gold_dates, errors)
        joined_score.add(dates, gold_dates)
        all_score.add(timexes, d.gold, None)
    if errors is not None:
        args.errors.write_text("\n".join(errors) + "\n", encoding="utf-8")

    print(f"{len(docs)} documents, {n_words} words")
    if args.exact:
        print("values compared as exact strings")
    else:
        print(
            'values compared modulo notational variants (trailing "-XX" dropped, "198X" = "198", "W7" = "W07"); --exact for plain strings'
        )
    for line in (
        date_score.lines("DATE: find_time_mentions (a closed range scored by its two TIMEX3 ends, as TimeML tags it)")
        + joined_score.lines("DATE: find_time_mentions (a closed range scored as one mention, its value start/end)")
        + all_score.lines("ALL TYPES: find_timexes")
    ):
        print(line)
    print(
        f"speed: spaCy pipeline {n_words / t_model:,.0f} words/s; with time expressions "
        f"{n_words / (t_model + t_rules):,.0f} words/s ({t_model / (t_model + t_rules):.3f} of the bare pipeline)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
