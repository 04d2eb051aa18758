"""The first pass over a document: every candidate time expression, with all that resolving it needs from
the text and its parse, as plain data (`Scan`).

A Scan holds no spaCy object and no regex match, so it pickles, round-trips through JSON, and can be
resolved again (against a publication date found later, in another process, from storage) without the
text or the parse.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from extract.timex.context import Groups
from extract.timex.parse_checks import _DocIndex, _generic_today, _is_title, _tense, _year_is_count, _year_is_name
from extract.timex.patterns import PATTERN_BY_NAME, PATTERNS, Pattern
from extract.timex.values import Skipped, skip_reason

if TYPE_CHECKING:
    from spacy.tokens import Doc

SCAN_VERSION = 1  # bumped when the stored form (or what a pattern's groups mean) changes
TENSES = frozenset({"past", "present", "future", "scheduled"})

_ENDED_RX = re.compile(r"\s*(?:,\s*)?(?:which\s+|that\s+)?ended\b")
_SINCE_RX = re.compile(r"(?i:\bsince|\bas\s+of)\s+$")
_ACCESS_RX = re.compile(r"(?i:\b(?:accessed|retrieved|visited|viewed|consulted)(?:\s+on)?)\s+$")
_CITE_OPEN_RX = re.compile(
    r"\(\s*[^()\n]{1,120}?,\s*(?:(?i:accessed|retrieved|visited|viewed|consulted)(?:\s+on)?\s+)?$"
)
_CITE_CLOSE_RX = re.compile(r"^\s*[.,]?\s*\)")


@dataclass(frozen=True)
class Candidate:
    """One expression found in the text, with what the text and the parse say about it."""

    start: int  # offset of the first character in the text
    end: int  # offset just past the last character
    text: str  # the expression as written
    pattern: str | None  # name of its pattern in PATTERNS; None: a model DATE entity no pattern covers
    groups: Groups = field(default_factory=Groups)  # the pattern's named groups that matched ("t": the text)
    sentence: int = 0  # index of its sentence in the parse
    tense: str | None = None  # of the verb it dates (tensed and period-reporting patterns only)
    cited: bool = False  # closes a citation: "(Reuters, May 2, 2024)"
    accessed: bool = False  # a citation's access stamp: "(..., accessed May 2, 2024)"
    since: bool = False  # follows "since" or "as of": an open range
    ended: bool = False  # "ended" follows: "the fourth quarter ended Sept. 30"

    @property
    def spec(self) -> Pattern | None:
        """Its pattern (None for a model entity)."""
        return None if self.pattern is None else PATTERN_BY_NAME[self.pattern]


@dataclass(frozen=True)
class Scan:
    """A document's candidates in text order, and the expressions the scan had to leave out (with why)."""

    candidates: tuple[Candidate, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (`from_dict` reads it back)."""
        return {
            "version": SCAN_VERSION,
            "candidates": [_candidate_dict(c) for c in self.candidates],
            "skipped": [[s.start, s.end, s.text, s.reason] for s in self.skipped],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scan:
        """A Scan from `to_dict`'s data; ValueError naming the problem when it is not such data."""
        if not isinstance(data, Mapping) or data.get("version") != SCAN_VERSION:
            raise ValueError(f"not a stored scan of version {SCAN_VERSION}")
        try:
            candidates = tuple(_candidate_of(c) for c in data["candidates"])
            skipped = tuple(Skipped(_int(s[0]), _int(s[1]), _str(s[2]), _str(s[3])) for s in data["skipped"])
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"malformed stored scan: {type(exc).__name__}: {exc}") from None
        return cls(candidates, skipped)

    def to_json(self) -> str:
        """The scan as a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Scan:
        """A Scan from `to_json`'s string; ValueError when it is not one."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ValueError(f"stored scan is not JSON: {exc}") from None
        return cls.from_dict(data)


def scan(text: str, doc: Doc | None = None) -> Scan:
    """The candidate time expressions of `text`: everything that needs the text or its parse.

    `doc`, when given, must be a spaCy parse of exactly `text` (else the model is loaded and run).
    Resolve the result with `resolve` as many times as needed.
    """
    if doc is None:
        from extract.nlp import load_nlp

        doc = load_nlp()(text)
    if doc.text != text:
        raise ValueError("doc is not a parse of text")
    idx = _DocIndex(doc, text)
    skipped: list[Skipped] = []  # a check that fails on one match never costs the document the rest
    found = []
    for f in _select(_matches(text)):
        try:
            if _not_a_time(text, f, idx):
                continue
        except Exception as exc:
            skipped.append(Skipped(f.start, f.end, text[f.start : f.end], skip_reason(exc)))
            continue
        found.append(f)
    extra = _ent_candidates(doc, found)
    if extra:
        found = sorted(found + extra, key=lambda f: f.start)
    candidates = []
    for f in found:
        try:
            # Dropped only now: an age or a failed scan-time test still kept other patterns and entities off
            # its words.
            if f.kind == "AGE" or (f.pattern and f.pattern.keep and not f.pattern.keep(f.match)):  # type: ignore[arg-type]
                continue
            candidates.append(_candidate(text, f, idx))
        except Exception as exc:
            skipped.append(Skipped(f.start, f.end, text[f.start : f.end], skip_reason(exc)))
    return Scan(tuple(candidates), tuple(sorted(skipped, key=lambda s: s.start)))


@dataclass
class _Found:
    """A match while scanning (it still holds the regex match)."""

    start: int
    end: int
    pattern: Pattern | None
    match: re.Match[str] | None
    kind: str
    priority: int = 0


def _matches(text: str) -> list[_Found]:
    """Every pattern's matches (the expression's span is the group "t")."""
    found: list[_Found] = []
    for p in PATTERNS:
        for m in p.rx.finditer(text):
            s, e = m.span("t")
            if e > s:
                found.append(_Found(s, e, p, m, p.kind, p.priority))
    return found


def _select(found: list[_Found]) -> list[_Found]:
    """Overlapping matches reduced to the longest (then higher priority, then earlier) one, in text order."""
    found.sort(key=lambda f: (-(f.end - f.start), -f.priority, f.start))
    taken: list[tuple[int, int]] = []
    out: list[_Found] = []
    for f in found:
        i = bisect.bisect_left(taken, (f.start, f.start))
        if i > 0 and taken[i - 1][1] > f.start:
            continue
        if i < len(taken) and taken[i][0] < f.end:
            continue
        taken.insert(i, (f.start, f.end))
        out.append(f)
    out.sort(key=lambda f: f.start)
    return out


def _not_a_time(text: str, f: _Found, idx: _DocIndex) -> bool:
    """The parse or the layout says the match is no time expression: a count, a name, a title."""
    p = f.pattern
    if p is None or f.match is None:
        return False
    if p.year_checked and (_year_is_count(idx, f.match) or _year_is_name(idx, f.match)):
        return True
    return p.title_checked and (_is_title(text, f.start, f.end, idx) or _generic_today(text, f.start, f.end))


def _ent_candidates(doc: Doc, taken: list[_Found]) -> list[_Found]:
    """The model's DATE entities that no pattern covers: kept as unresolved dates when they name time."""
    spans = sorted((f.start, f.end) for f in taken)
    starts = [s for s, _ in spans]
    out = []
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        s, e = ent.start_char, ent.end_char
        i = bisect.bisect_right(starts, e) - 1
        if i >= 0 and spans[i][1] > s:
            continue
        if i >= 1 and spans[i - 1][1] > s:
            continue
        out.append(_Found(s, e, None, None, "ENT", -5))
    return out


def _candidate(text: str, f: _Found, idx: _DocIndex) -> Candidate:
    """What resolving the match needs, read from the text and the parse now."""
    p = f.pattern
    before = text[max(0, f.start - 130) : f.start]
    cited = bool(_CITE_CLOSE_RX.match(text[f.end : f.end + 4]) and _CITE_OPEN_RX.search(before))
    groups = Groups() if f.match is None else Groups({k: v for k, v in f.match.groupdict().items() if v is not None})
    return Candidate(
        start=f.start,
        end=f.end,
        text=text[f.start : f.end],
        pattern=None if p is None else p.name,
        groups=groups,
        sentence=idx.sentence_of(f.start),
        tense=_tense(idx, f.start, f.end) if p is not None and (p.tensed or p.reports_period) else None,
        cited=cited,
        accessed=cited and bool(_ACCESS_RX.search(before)),
        since=bool(_SINCE_RX.search(text[max(0, f.start - 8) : f.start])),
        ended=bool(_ENDED_RX.match(text, f.end)),
    )


# --- stored form --------------------------------------------------------------------------------------------

_FLAGS = ("cited", "accessed", "since", "ended")


def _candidate_dict(c: Candidate) -> dict[str, Any]:
    out: dict[str, Any] = {"start": c.start, "end": c.end, "text": c.text, "pattern": c.pattern}
    groups = {k: v for k, v in c.groups.items() if k != "t"}  # "t" is the text itself
    if groups:
        out["groups"] = groups
    out["sentence"] = c.sentence
    if c.tense is not None:
        out["tense"] = c.tense
    out.update({flag: True for flag in _FLAGS if getattr(c, flag)})
    return out


def _candidate_of(d: Mapping[str, Any]) -> Candidate:
    start, end, text = _int(d["start"]), _int(d["end"]), _str(d["text"])
    pattern = d.get("pattern")
    if pattern is not None and pattern not in PATTERN_BY_NAME:
        raise ValueError(f"stored scan names an unknown pattern: {str(pattern)[:40]!r}")
    if not 0 <= start < end or end - start != len(text):
        raise ValueError(f"stored scan has a candidate with bad offsets: {start}..{end} for {text[:40]!r}")
    raw = d.get("groups", {})
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError("stored scan has a candidate whose groups are not strings")
    groups = Groups(raw)
    if pattern is not None:
        groups["t"] = text
    tense = d.get("tense")
    if tense is not None and tense not in TENSES:
        raise ValueError(f"stored scan has an unknown tense: {str(tense)[:20]!r}")
    flags = {flag: d.get(flag, False) for flag in _FLAGS}
    if not all(isinstance(v, bool) for v in flags.values()):
        raise ValueError("stored scan has a flag that is not true or false")
    return Candidate(start, end, text, pattern, groups, _int(d.get("sentence", 0)), tense, **flags)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"stored scan has {type(value).__name__} where a number belongs")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"stored scan has {type(value).__name__} where text belongs")
    return value


__all__ = ["Candidate", "Scan", "scan"]
