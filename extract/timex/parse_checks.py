"""What the scan reads from the parse: the token at an offset and sentence bounds (`_DocIndex`), the tense
of the verb an expression dates, and the checks that a match is no time expression after all (a title, a
count, part of a name). spaCy itself is never imported here: these only read a parsed Doc's tokens."""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from extract.tense import (
    DEADLINE_BEFORE_RX,
    DEFER_VERBS,
    FORWARD_AUXILIARIES,
    FORWARD_HEADS,
    FORWARD_VERBS,
    FUTURE_MODALS,
    TIMETABLE_VERBS,
    is_narrated_past,
)
from extract.timex.lexicon import _MONTH, _WEEKDAY

if TYPE_CHECKING:
    from spacy.tokens import Doc


def _lemma(token: object) -> str:
    from extract.nlp import lemma  # spaCy is imported only where a parse is used

    return lemma(token)  # type: ignore[arg-type]


_NUMERIC_HEAD_OK = frozenset(
    {
        "year",
        "season",
        "election",
        "budget",
        "census",
        "summit",
        "quarter",
        "olympics",
        "games",
        "cup",
        "fiscal",
        "model",
    }
)
_TIME_NOUNS = re.compile(
    r"(?i:day|week|month|year|decade|centur|quarter|morning|night|evening|afternoon|weekend|season|spring|summer|fall|autumn|winter|era|period|time)"
)


class _DocIndex:
    """Cheap offset look-ups into a parsed Doc: the token at a character, sentence bounds."""

    def __init__(self, doc: Doc | None, text: str = "") -> None:
        self.doc = doc
        self.text = text
        if doc is None:
            self.tok_starts: list[int] = []
            self.parsed = False
            self.sent_starts: list[int] = [0]
            return
        self.tok_starts = [t.idx for t in doc]
        self.parsed = doc.has_annotation("DEP")
        try:
            self.sent_starts = [s.start_char for s in doc.sents]
        except ValueError:  # no sentence boundaries set
            self.sent_starts = [0]

    def token_at(self, char: int):
        if self.doc is None or not self.tok_starts:
            return None
        i = bisect.bisect_right(self.tok_starts, char) - 1
        return self.doc[max(i, 0)]

    def sentence_of(self, char: int) -> int:
        return bisect.bisect_right(self.sent_starts, char) - 1


def _tense(idx: _DocIndex, start: int, end: int) -> str:
    """past, present or future: from the verb governing the expression (the parse's head chain)."""
    tok = idx.token_at(start)
    if tok is None:
        return "past"
    cue_m = DEADLINE_BEFORE_RX.search(idx.text[max(0, start - 20) : start])
    if cue_m and cue_m["strong"]:
        return "future"
    cue = cue_m is not None
    if not idx.parsed:
        return "future" if cue else "past"  # no parse: newswire narrates the past
    # The span's syntactic head: climb while the head stays inside the span.
    while tok.head.i != tok.i and start <= tok.head.idx < end:
        tok = tok.head
    verb = tok
    via_noun = False  # the expression dates a noun ("Tuesday's declaration"), not the verb itself
    for _ in range(6):
        if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
            break
        verb = verb.head
        via_noun = via_noun or verb.pos_ in ("NOUN", "PROPN")
    if cue:
        # A deadline looks forward ("to be completed by Dec. 15", "has until Tuesday") unless the
        # clause narrates the past: "had filed reports by Wednesday", "until Thursday they had not".
        narrated = is_narrated_past(verb) and _lemma(verb).lower() not in DEFER_VERBS
        return "past" if narrated else "future"
    if verb.pos_ not in ("VERB", "AUX"):
        return "present"
    children = list(verb.children)
    if (
        verb.tag_ == "VBN"
        and any(c.dep_ == "aux" and c.tag_ == "VB" and _lemma(c).lower() == "have" for c in children)
        and not any(c.lower_ in FUTURE_MODALS for c in children)
    ):
        return "past"  # a perfect modal looks back: "may have been responsible on Wednesday" (not "will have")
    for child in children:
        if child.dep_ in ("aux", "auxpass"):
            low = child.lower_
            if low in FORWARD_AUXILIARIES or (child.tag_ == "MD" and low in ("ll", "'ll")):
                return "future"
            if low == "could" and not any(c.dep_ in ("neg", "auxpass") for c in children):
                return "future"  # "a ruling could come Monday"
    if verb.tag_ == "VB":
        # "plans to meet on Friday", "is due to vote on Monday"
        has_to = any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)
        if has_to and verb.head.i != verb.i and _lemma(verb.head).lower() in FORWARD_HEADS:
            return "future"
    if verb.tag_ == "VBG" and verb.lower_ == "going":
        return "future"
    if _lemma(verb).lower() in FORWARD_VERBS:
        return "future"
    # "is to resume on Tuesday"
    if verb.tag_ == "VB" and any(c.lower_ == "to" for c in verb.children) and _lemma(verb.head) == "be":
        return "future"
    if verb.tag_ == "VBN":
        # A present passive ("when the case is heard in May") is not narrated; "has been heard" is.
        auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
        if any(c.tag_ in ("VBZ", "VBP") and _lemma(c).lower() == "be" for c in auxes) and not any(
            _lemma(c).lower() == "have" for c in auxes
        ):
            return "present"
        return "past"
    if verb.tag_ == "VBD":
        return "past"
    if (
        verb.tag_ in ("VBP", "VBZ")
        and not via_noun
        and (_lemma(verb).lower() in TIMETABLE_VERBS or _takes_effect(verb))
        and verb.sent.text.rstrip().endswith((".", '"', "”", "'"))
    ):
        return "scheduled"  # "the talks resume Monday": a present-tense timetable on a named day
    return "present"


def _takes_effect(verb) -> bool:
    """ "the law takes effect Wednesday", "the ban comes into force on Monday"."""
    words = {c.lower_ for c in verb.subtree}
    return _lemma(verb).lower() in ("take", "come", "go") and bool(words & {"effect", "force"})


_LOWER_WORD_RX = re.compile(
    r"(?<![\w'’-])(?!(?:of|the|a|an|and|or|in|on|at|to|for|by|with|from|de|la|van|von)\b)[a-z]\w*"
)
_OPENERS = " \t\n\"'`“‘([_-"


def _is_title(text: str, start: int, end: int, idx: _DocIndex) -> bool:
    """A relative expression written as (part of) a title inside running text: ABC's "This Week", "VOA Today".

    Every word capitalised, not at the start of a sentence, in a line that has ordinary lower-case words
    before it (so not a headline); a single word also needs a capitalised word just before it.
    """
    span = text[start:end]
    words = span.split()
    if not all(w[:1].isupper() for w in words):
        return False
    sent_start = idx.sent_starts[max(idx.sentence_of(start), 0)] if idx.sent_starts else 0
    before = text[max(sent_start, start - 80) : start]
    line = before.rsplit("\n", 1)[-1]
    if not line.strip(_OPENERS) or re.search(r"[.!?:;]['\"”’]*[\s\"'`“‘(]*$", line):
        return False  # sentence-initial: ordinary capitalisation
    if not _LOWER_WORD_RX.search(line):
        return False  # a headline or a title-case line
    if len(words) >= 2:
        return True
    prev = line.rstrip(_OPENERS).rsplit(None, 1)[-1:] if line.rstrip(_OPENERS) else []
    return bool(prev) and prev[0][:1].isupper() and line[-1:] == " "


_GENERIC_NOW_NOUNS = frozenset(
    {"world", "society", "youth", "generation", "economy", "age", "era", "culture", "standards", "children", "kids"}
)


def _generic_today(text: str, start: int, end: int) -> bool:
    """ "today's world", "many of today's computers": the present age in general, not the publication day."""
    if text[start:end].lower() != "today":
        return False
    after = re.match(r"['’]s\s+(?:\w+\s+)?(\w+)", text[end : end + 40])
    if after is None:
        return False
    if re.search(r"\b(?:many|most|some|all|much|few|several)\s+of\s+$", text[max(0, start - 20) : start], re.I):
        return True
    nxt = re.match(r"['’]s\s+(\w+)", text[end : end + 40])
    return nxt is not None and nxt.group(1).lower() in _GENERIC_NOW_NOUNS


def _year_is_count(idx: _DocIndex, match: re.Match[str]) -> bool:
    """A bare four-digit number that counts something ("2000 troops") is not a year."""
    if match["t"] != match["y"]:
        return False
    tok = idx.token_at(match.start("t"))
    if tok is None:
        return False
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    prev = tok.nbor(-1) if tok.i > 0 else None
    if prev is not None and (prev.tag_ in ("POS", "PRP$") or prev.lower_ in ("the", "its", "their")):
        # "the company's 1989 results", "the 1992 protests": a determiner before a bare number dates the head
        # (counts written without a thousands separator rarely take one)
        return nxt is not None and nxt.lower_ in _COUNTED_NOUNS
    # Plural heads are counted ("2000 troops"); singular ones are dated ("the 1996 law").
    if tok.dep_ == "nummod" and tok.head.i > tok.i and tok.head.tag_ == "NNS":
        return not (_lemma(tok.head).lower() in _NUMERIC_HEAD_OK or _TIME_NOUNS.match(tok.head.lower_))
    return nxt is not None and nxt.lower_ in _COUNTED_NOUNS


def _year_is_name(idx: _DocIndex, match: re.Match[str]) -> bool:
    """A bare year right after a proper noun is part of a name: "Vision 2035", "Orion 1980", "Agenda 2030"."""
    if match["t"] != match["y"]:
        return False
    tok = idx.token_at(match.start("t"))
    if tok is None or tok.i == 0:
        return False
    prev = tok.nbor(-1)
    if prev.i > 0 and prev.nbor(-1).lower_ in _TIME_PREPOSITIONS:
        return False  # "at Davos 2025", "in Census 2020": the year still dates what is said
    return (
        prev.pos_ == "PROPN"
        and prev.is_title
        and not prev.is_sent_start
        and prev.idx + len(prev.text) + 1 == tok.idx
        and not _NOT_NAME_RX.fullmatch(prev.text)
    )


_TIME_PREPOSITIONS = frozenset({"at", "in", "during", "since", "after", "before", "until", "by", "for"})
_NOT_NAME_RX = re.compile(
    rf"{_MONTH}|{_WEEKDAY}|(?i:spring|summer|autumn|fall|winter|fiscal|christmas|easter|year|fy|ad|bc|ce)"
)
_COUNTED_NOUNS = frozenset({"people", "persons", "troops", "soldiers", "men", "women", "units", "tons"})
