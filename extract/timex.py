"""Time expressions: find them (spaCy DATE entities plus patterns) and normalise them to calendar spans.

Two entry points:

* `find_time_mentions` returns the dated expressions resolved to calendar spans (TIMEX3 DATEs, and
  TIMEs that name their day such as "9 a.m. Tuesday"), a closed range as one mention with its two
  ends in `parts`: what the events layer needs;
* `find_timexes` returns every TIMEX3 (DATE, TIME, DURATION, SET) in TimeML's conventions (closed
  ranges split into their ends), which is what the TimeML benchmark scores for all types.

Candidates come from module-level regexes (fast, C-level scans of the text) plus the model's DATE
entities the regexes missed; the parse is used only for cheap look-ups (verb tense, sentence bounds,
whether a four-digit number counts something).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from extract.calendar import (
    GRANULARITY_RANK,
    easter,
    month_number,
    month_span,
    nth_weekday,
    quarter_span,
    season_of,
    season_span,
    shift_day,
    valid_date,
    week_span,
    week_value,
    weekday_number,
)
from extract.tense import (
    DEADLINE_BEFORE_RX,
    DEFER_VERBS,
    FORWARD_AUXILIARIES,
    FORWARD_HEADS,
    FORWARD_VERBS,
    TIMETABLE_VERBS,
    is_narrated_past,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc


def _lemma(token: object) -> str:
    from extract.nlp import lemma  # spaCy is imported only where a parse is used

    return lemma(token)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TimeMention:
    start: int  # offset of the first character in the text
    end: int  # offset just past the last character
    text: str  # the expression as written
    date_start: dt.date | None  # first day of the period; None when it cannot be resolved
    date_end: dt.date | None  # last day of the period, inclusive
    granularity: str  # day, week, month, quarter, season, year, decade, range
    value: str  # TIMEX3 value: 2025-03-13, 2025-03, 2025, 2025-W41, 2025-Q1, 2025-SU, 201, XXXX-01-15 ...
    basis: str = "explicit"  # explicit, relative, anaphoric, citation, unresolved (and "accessed")
    kind: str = "DATE"  # TIMEX3 type: DATE, TIME, DURATION, SET (find_time_mentions: DATE, or a TIME of a named day)
    open_range: bool = False  # "since 2022": runs to the as-of date of the claim
    # A closed range's two ends as TimeML tags them ("between [1994] and [1997]"), each with its own
    # offsets and TIMEX3 value; empty for everything else.
    parts: tuple[TimeMention, ...] = ()


# ---------------------------------------------------------------------------------------------------------
# Normalised values


@dataclass(frozen=True)
class _Res:
    """A normalised expression (before it gets its offsets)."""

    date_start: dt.date | None
    date_end: dt.date | None
    granularity: str
    value: str
    basis: str = "explicit"
    kind: str = "DATE"
    ends: tuple[_Res, _Res] | None = None  # a closed range's two ends


def _day(d: dt.date, basis: str = "explicit", suffix: str = "") -> _Res:
    return _Res(d, d, "day", d.isoformat() + suffix, basis)


def _month(y: int, m: int, basis: str = "explicit") -> _Res:
    s, e = month_span(y, m)
    return _Res(s, e, "month", f"{y:04d}-{m:02d}", basis)


def _year(y: int, basis: str = "explicit") -> _Res:
    return _Res(dt.date(y, 1, 1), dt.date(y, 12, 31), "year", f"{y:04d}", basis)


def _quarter(y: int, q: int, basis: str = "explicit") -> _Res:
    s, e = quarter_span(y, q)
    return _Res(s, e, "quarter", f"{y:04d}-Q{q}", basis)


def _season(y: int, s: str, basis: str = "explicit") -> _Res:
    a, b = season_span(y, s)
    return _Res(a, b, "season", f"{y:04d}-{s}", basis)


def _week(d: dt.date, basis: str = "relative") -> _Res:
    a, b = week_span(d)
    return _Res(a, b, "week", week_value(d), basis)


def _decade(y: int, basis: str = "explicit") -> _Res:
    y = y - y % 10
    return _Res(dt.date(y, 1, 1), dt.date(y + 9, 12, 31), "decade", f"{y // 10:03d}", basis)


def _range(a: _Res, b: _Res, basis: str = "explicit") -> _Res | None:
    if a.date_start is None or b.date_end is None:
        return _Res(None, None, "range", f"{a.value}/{b.value}", "unresolved", ends=(a, b))
    if b.date_end < a.date_start:
        return None
    return _Res(a.date_start, b.date_end, "range", f"{a.value}/{b.value}", basis, ends=(a, b))


def _unresolved(value: str, granularity: str) -> _Res:
    return _Res(None, None, granularity, value, "unresolved")


def _as_unit(d: dt.date, unit: str, basis: str) -> _Res:
    """The period of granularity `unit` containing day `d`."""
    if unit == "day":
        return _day(d, basis)
    if unit == "week":
        return _week(d, basis)
    if unit == "month":
        return _month(d.year, d.month, basis)
    if unit == "quarter":
        return _quarter(d.year, (d.month - 1) // 3 + 1, basis)
    if unit == "season":
        y, s = season_of(d)
        return _season(y, s, basis)
    if unit == "decade":
        return _decade(d.year, basis)
    return _year(d.year, basis)


_X_VALUES = {
    "day": "XXXX-XX-XX",
    "week": "XXXX-WXX",
    "month": "XXXX-XX",
    "quarter": "XXXX-QX",
    "season": "XXXX-XX",
    "year": "XXXX",
    "decade": "XXX",
    "range": "XXXX",
}


# ---------------------------------------------------------------------------------------------------------
# Lexicon

_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a hundred": 100,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_UNIT_CODE = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y", "decade": "DE", "century": "CE"}
_PART_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "overnight": "NI"}

# Regex building blocks (strings, assembled below). Month names are case-sensitive so that the
# verbs "may" and "march" are not taken for months; abbreviations need a digit or a dot nearby.
_MONTH_FULL = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?"
    r"|JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)"
)
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
_YEAR = r"(?:1[6-9]\d\d|20\d\d)\b"
_UNITS_W = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TENS_W = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
# Years read out (broadcast transcripts): "nineteen ninety-four", "nineteen oh five", "two thousand (and) one".
_YEAR_WORDS = (
    rf"(?i:(?:seventeen|eighteen|nineteen)[\s-]+(?:{_TENS_W}(?:[\s-]+{_UNITS_W})?|oh[\s-]+{_UNITS_W}|ten|eleven|twelve"
    rf"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
    rf"|two\s+thousand(?:(?:\s+and)?\s+(?:{_UNITS_W}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    rf"|eighteen|nineteen|twenty(?:[\s-]+{_UNITS_W})?))?)(?![\w-])"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUM = (
    r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|a\s+hundred|hundred|a\s+couple\s+of|a\s+couple|couple\s+of"
    r"|several|a\s+few|few|many|some|a\s+number\s+of|dozens\s+of|hundreds\s+of)"
)
_NUM_HYPH = (
    r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|hundred|multi|half)"
)
_UNIT = r"(?:day|week|month|quarter|year|decade|century|centurie)s?"
_HEDGE = r"(?:(?:nearly|almost|about|around|roughly|some|more\s+than|less\s+than|over|under|just|only)\s+)?"
_DASH = r"\s*(?:-|–|—|to|through|until|till|and)\s*"
_MOD = r"(?:(?:early|late|mid|the\s+middle\s+of|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of)[\s-]+)?"
_I = "(?i:{})"  # case-insensitive wrapper

_BOUNDARY = r"(?<![\w$£€.,/:-])"  # not inside a number, word or money amount


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# ---------------------------------------------------------------------------------------------------------
# Patterns: each has a named group "t" (the span of the expression) and a normaliser taking the match and
# the resolution context. Kinds: DATE patterns produce dated mentions; the others only feed find_timexes.


@dataclass
class _Ctx:
    published: dt.date | None
    pub_gran: str
    tense: str  # past, present, future, scheduled (present-tense action), cite
    anchor: _Res | None  # the time last mentioned
    last_gran_anchor: dict[str, _Res]
    pos: int = 0  # offset of the expression being resolved
    anchor_pos: int = -1  # offset of `anchor`
    period: _Res | None = None  # the fiscal quarter last reported on (earnings stories)
    period_pos: int = -(10**9)
    sentence: int = 0  # index of the sentence being resolved
    anchor_sentence: int = -1  # index of the sentence of `anchor`
    cited: tuple[_Res, int, int] | None = None  # the last cited report date: (date, sentence, offset)

    def narrated(self, unit: str | None = None) -> _Res | None:
        """The time last narrated (of granularity `unit` or coarser), or a report cited earlier in the same
        sentence when that sentence narrates no time of its own: "the first chamber voted (Agency, May 2,
        2024), and the second followed three days later"."""
        base = self.anchor if unit is None else self.last_gran_anchor.get(unit)
        if self.cited is not None:
            cite, sentence, pos = self.cited
            if sentence == self.sentence and self.anchor_sentence != self.sentence and pos < self.pos:
                return cite
        return base

    def reported_quarter(self) -> _Res | None:
        """The quarter an earnings story is about, when one was named recently."""
        if self.period is not None and self.pos - self.period_pos <= _PERIOD_REACH:
            return self.period
        return None

    def pub(self, need: str) -> dt.date | None:
        """The publication date when it is known at least to granularity `need`."""
        if self.published is None or GRANULARITY_RANK.get(self.pub_gran, 0) > GRANULARITY_RANK[need]:
            return None
        return self.published


_PERIOD_REACH = 1500  # characters: how long a reported quarter stays the subject of comparisons


_WORD_NUMS = {
    w: i
    for i, w in enumerate(
        re.split(
            " ",
            "oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen",
        )
    )
} | {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def _year_int(text: str) -> int:
    """A year written in digits or read out in words ("nineteen ninety-four", "two thousand and one")."""
    if text.isdigit():
        return int(text)
    words = [w for w in re.split(r"[\s-]+", text.lower()) if w != "and"]
    if words[:2] == ["two", "thousand"]:
        return 2000 + sum(_WORD_NUMS[w] for w in words[2:])
    return _WORD_NUMS[words[0]] * 100 + sum(_WORD_NUMS[w] for w in words[1:])


def _int_day(word: str) -> int:
    return int(re.sub(r"\D", "", word))


def _num(word: str | None) -> int | None:
    if word is None:
        return 1
    w = re.sub(r"\s+", " ", word.lower())
    if w in _NUMBERS:
        return _NUMBERS[w]
    try:
        f = float(w)
    except ValueError:
        return None  # vague ("several", "a few")
    return int(f) if f == int(f) else None


def _ymd(y: int | None, m: int, d: int, ctx: _Ctx) -> _Res | None:
    if y is None:
        pub = ctx.pub("year")
        if pub is None:
            if valid_date(2000, m, d) is None:  # 2000 is a leap year: Feb 29 stays valid
                return None
            return _unresolved(f"XXXX-{m:02d}-{d:02d}", "day")
        day = valid_date(pub.year + _year_shift(ctx, m), m, d)
        return _day(day, "relative") if day else None
    day = valid_date(y, m, d)
    return _day(day) if day else None


def _ym(y: int | None, m: int, ctx: _Ctx, rel: str | None = None) -> _Res:
    if y is not None:
        return _month(y, m)
    need = "month" if rel in ("last", "next", "past", "coming") else "year"
    pub = ctx.pub(need)
    if pub is None:
        return _unresolved(f"XXXX-{m:02d}", "month")
    if rel in ("last", "past"):
        y = pub.year if m < pub.month else pub.year - 1
    elif rel in ("next", "coming"):
        y = pub.year if m > pub.month else pub.year + 1
    else:
        y = pub.year + _year_shift(ctx, m)
    return _month(y, m, "relative")


def _year_shift(ctx: _Ctx, month: int) -> int:
    """-1 / 0 / +1: which occurrence of a yearless month the text means, relative to the publication year.

    Newswire names the nearest occurrence, and the verb's tense says which side of the publication date
    it lies on: a past-tense verb points back ("On December 20 the ministry announced" in an October
    article is last December) except to next month, which is a date being announced ("was extended to
    Nov. 16" in late October); a future verb points forward except to the last couple of months ("will
    report September sales" in October); otherwise the next three months, else the past. Citations and
    access stamps never lie after the publication date.
    """
    pub = ctx.published
    if pub is None or ctx.pub_gran == "year":
        return 0
    ahead = (month - pub.month) % 12  # months forward from the publication month to the named one
    if ahead == 0:
        return 0
    if ctx.tense == "cite":
        forward = False
    elif ctx.tense == "past":
        forward = ahead == 1
    elif ctx.tense == "future":
        forward = ahead <= 9
    else:
        forward = ahead <= 3
    if forward:
        return 0 if month > pub.month else 1
    return 0 if month < pub.month else -1


def _rel_year(word: str | None, ctx: _Ctx) -> int | None:
    """The year named by "this year", "last year", "next year" (None when no publication date), or by
    "that year", "the following year" (the year last narrated; None when there is none)."""
    w = re.sub(r"\s+", " ", (word or "this").lower())
    if w in _ANAPHORIC_YEAR:
        anchor = ctx.last_gran_anchor.get("year")
        if anchor is not None and anchor.date_start is not None:
            return anchor.date_start.year + _ANAPHORIC_YEAR[w]
        if _ANAPHORIC_YEAR[w] == 0:
            return None  # "that year" with nothing narrated
        # "in March the next year" with no year narrated reads like "next year", as "the next year" alone does
        w = "next" if _ANAPHORIC_YEAR[w] > 0 else "last"
    pub = ctx.pub("year")
    if pub is None:
        return None
    return pub.year + {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(w, 0)


_ANAPHORIC_YEAR = {
    "that": 0,
    "the same": 0,
    "the following": 1,
    "the next": 1,
    "the previous": -1,
    "the preceding": -1,
    "the prior": -1,
}


# --- DATE normalisers ------------------------------------------------------------------------------------


def _n_full_mdy(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    return _ymd(int(m["y"]), month_number(m["mon"]), _int_day(m["d"]), ctx)


def _n_md(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    y = m["y"] if "y" in m.re.groupindex else None
    if y is None and "ry" in m.re.groupindex and m["ry"]:
        ry = _rel_year(m["ry"], ctx)
        if ry is None:
            return _unresolved(f"XXXX-{month_number(m['mon']):02d}-{_int_day(m['d']):02d}", "day")
        return _ymd(ry, month_number(m["mon"]), _int_day(m["d"]), ctx)
    return _ymd(int(y) if y else None, month_number(m["mon"]), _int_day(m["d"]), ctx)


def _n_iso(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    return _ymd(int(m["y"]), int(m["mo"]), int(m["d"]), ctx)


def _n_month_year(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    mon = month_number(m["mon"])
    if m["y"]:
        return _month(_year_int(m["y"]), mon)
    ry = _rel_year(m["ry"], ctx)
    if ry is None:
        return _unresolved(f"XXXX-{mon:02d}", "month")
    return _month(ry, mon, "relative")


def _n_month(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    rel = (m["rel"] or "").lower() or None
    if m["mon"] in ("May", "March") and not (m["cue"] or rel or m["t"] != m["mon"]):
        return None  # the modal verb / the noun, unless a preposition or modifier says it is the month
    return _ym(None, month_number(m["mon"]), ctx, rel)


def _n_year(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    return _year(_year_int(m["y"]))


_DECADE_WORDS = {
    "twenties": 2,
    "thirties": 3,
    "forties": 4,
    "fifties": 5,
    "sixties": 6,
    "seventies": 7,
    "eighties": 8,
    "nineties": 9,
}


def _n_decade(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    g = m.re.groupindex
    if "y" in g and m["y"]:
        return _decade(int(m["y"]))
    if "yy" in g and m["yy"]:
        return _decade(1900 + int(m["yy"]))
    # "the nineties": the latest such decade begun by the publication year (unknown: the 1900s').
    k = _DECADE_WORDS[m["dw"].lower()]
    pub = ctx.pub("year")
    if pub is None:
        return _Res(None, None, "decade", f"XX{k}", "unresolved")
    y = (pub.year // 100) * 100 + 10 * k
    return _decade(y if y <= pub.year else y - 100, "relative")


def _n_century(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    if m["n"]:
        c = int(re.sub(r"\D", "", m["n"]))
    else:
        cur = ctx.pub("year")
        if cur is None:
            return _unresolved("XX", "range")
        c = cur.year // 100 + 1 + (-1 if m["rel"].lower() in ("last", "previous") else 0)
    if not 1 <= c <= 22:
        return None
    return _Res(dt.date((c - 1) * 100 if c > 1 else 1, 1, 1), dt.date(c * 100 - 1, 12, 31), "range", f"{c - 1:02d}")


def _n_season(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    s = _SEASONS[m["s"].lower()]
    if m["y"]:
        return _season(_year_int(m["y"]), s)
    rel = (m["rel"] or "").lower()
    if rel in ("this", "last", "next", "past", "coming", "previous") and m["ry"] is None:
        pub = ctx.pub("month")
        if pub is None:
            return _unresolved(f"XXXX-{s}", "season")
        cy, cs = season_of(pub)
        order = ["SP", "SU", "FA", "WI"]
        # Seasons as a sequence: index = 4 * season-year + position.
        cur = cy * 4 + order.index(cs)
        pos = order.index(s)
        if rel in ("last", "past", "previous"):
            k = cur - 1 - ((cur - 1 - pos) % 4)
        elif rel in ("next", "coming"):
            k = cur + 1 + ((pos - cur - 1) % 4)
        else:
            k = cy * 4 + pos
        return _season(k // 4, order[k % 4], "relative")
    ry = _rel_year(m["ry"], ctx) if m["ry"] else None
    if ry is None and m["ry"] is None:
        ry = _rel_year("this", ctx)
    if ry is None:
        return _unresolved(f"XXXX-{s}", "season")
    return _season(ry, s, "relative")


def _n_quarter(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    q = _ORDINALS.get((m["q"] or "").lower()) or int(m["qn"])
    if m["y"]:
        return _quarter(int(m["y"]), q)
    if m["ry"]:
        ry = _rel_year(m["ry"], ctx)
        return _quarter(ry, q, "relative") if ry else _unresolved(f"XXXX-Q{q}", "quarter")
    pub = ctx.pub("month")
    if pub is None:
        return _unresolved(f"XXXX-Q{q}", "quarter")
    y = pub.year
    if quarter_span(y, q)[0] > pub and ctx.tense != "future":
        y -= 1  # results for a quarter that has not begun yet: last year's
    return _quarter(y, q, "relative")


def _n_quarter_rel(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    rel = m["rel"].lower().replace(" ", "")
    if rel in ("same", "that") or rel.startswith("year"):
        a = ctx.last_gran_anchor.get("quarter") or ctx.reported_quarter()
        pub = ctx.pub("month")
        if (a is None or a.date_start is None) and rel.startswith("year") and pub is not None:
            # no quarter named yet: a results story reports the last completed one
            d = shift_day(pub.replace(day=1), -1, "quarter")
            a = _quarter(d.year, (d.month - 1) // 3 + 1)
        if a is None or a.date_start is None:
            return _unresolved("XXXX-QX", "quarter")
        d = a.date_start
        if rel.startswith("year"):
            d = shift_day(d, -1, "year")
        return _quarter(d.year, (d.month - 1) // 3 + 1, "anaphoric")
    pub = ctx.pub("month")
    if pub is None:
        return _unresolved("XXXX-QX", "quarter")
    shift = {"last": -1, "previous": -1, "latest": -1, "past": -1, "next": 1, "coming": 1}.get(rel, 0)
    if rel == "" or rel == "the":
        # Bare "the quarter": the one last mentioned, else the last completed one (earnings reports).
        a = ctx.last_gran_anchor.get("quarter")
        if a is not None and a.granularity == "quarter" and a.date_start is not None:
            return _Res(*quarter_span(a.date_start.year, (a.date_start.month - 1) // 3 + 1), "quarter", a.value)
        shift = -1
    d = shift_day(pub.replace(day=1), shift, "quarter")
    return _quarter(d.year, (d.month - 1) // 3 + 1, "relative")


def _n_half(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    h = _ORDINALS.get(m["h"].lower(), 2)  # "the last half", "the latter half": the second
    if m["y"]:
        y: int | None = int(m["y"])
        basis = "explicit"
    else:
        y = _rel_year(m["ry"], ctx)
        basis = "relative"
    if y is None:
        return _unresolved(f"XXXX-H{h}", "range")
    return _Res(
        dt.date(y, 1 if h == 1 else 7, 1),
        dt.date(y, 6, 30) if h == 1 else dt.date(y, 12, 31),
        "range",
        f"{y}-H{h}",
        basis,
    )


def _n_weekday(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    wd = weekday_number(m["wd"])
    word = ((m["rel"] or "").lower().split() or [""])[-1]
    rel = {"previous": "last", "preceding": "last", "following": "next"}.get(word, word)
    pub = ctx.pub("day")
    if pub is None:
        return _unresolved(f"XXXX-WXX-{wd + 1}", "day")
    if word != rel:  # "the previous Friday" counts from the day being narrated, when there is one
        anchor = ctx.last_gran_anchor.get("day")
        if anchor is not None and anchor.date_start is not None and anchor.granularity == "day":
            pub = anchor.date_start
    diff = (pub.weekday() - wd) % 7  # days back to the most recent such day (0: the publication day)
    if rel == "last":
        back = diff or 7
        d = pub - dt.timedelta(days=back)
    elif rel in ("next", "coming") or ctx.tense == "future" or (ctx.tense == "scheduled" and diff):
        ahead = (wd - pub.weekday()) % 7 or 7
        d = pub + dt.timedelta(days=ahead)
    else:
        d = pub - dt.timedelta(days=diff)
    return _day(d, "relative")


def _n_day_word(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    w = re.sub(r"\s+", " ", m["w"].lower())
    shift = {
        "today": 0,
        "tonight": 0,
        "yesterday": -1,
        "tomorrow": 1,
        "the day before yesterday": -2,
        "the day after tomorrow": 2,
        "this morning": 0,
        "this afternoon": 0,
        "this evening": 0,
        "last night": -1,
        "last evening": -1,
    }[w]
    pub = ctx.pub("day")
    if pub is None:
        return _unresolved("XXXX-XX-XX", "day")
    pod = m["pod"] if "pod" in m.re.groupindex else None
    suffix = f"T{_PART_OF_DAY[pod.lower()]}" if pod else ""
    return _day(pub + dt.timedelta(days=shift), "relative", suffix)


def _n_rel_unit(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """this/last/next week, month, year; earlier this month; the current (fiscal) year ...

    "the past year", "the last decade", "the next year" (no number) are the same dates as "last year",
    "last decade", "next year" (newswire's "over the past year" is the year before publication), except
    "the last week of March", a part of something else.
    """
    rel = re.sub(r"^the\s+(?=past|last|next)", "", re.sub(r"\s+", " ", (m["rel"] or m["rel2"]).lower()))
    unit = (m["u"] or m["u2"]).lower()
    if rel != (m["rel"] or m["rel2"]).lower() and re.match(r"\s+of\b", m.string[m.end("t") :]):
        return None  # "the last week of March": a part of something else, not the week before this one
    if unit == "weekend":
        pub = ctx.pub("day")
        if pub is None:
            return _unresolved("XXXX-WXX-WE", "range")
        sat = pub - dt.timedelta(days=(pub.weekday() - 5) % 7)  # the Saturday on or before
        if rel in ("last", "past", "previous"):
            sat = sat if pub.weekday() not in (5, 6) else sat - dt.timedelta(days=7)
        elif rel in ("next", "coming") or ((rel == "this" or ctx.tense == "future") and pub.weekday() < 5):
            sat = sat + dt.timedelta(days=7)
        sun = sat + dt.timedelta(days=1)
        return _Res(sat, sun, "range", week_value(sat) + "-WE", "relative")
    need = {"week": "day", "month": "month", "quarter": "month", "year": "year", "decade": "year"}[unit]
    pub = ctx.pub(need)
    if pub is None:
        return _unresolved(_X_VALUES[unit], unit)
    shift = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(rel, 0)
    d = shift_day(pub, shift, unit) if unit != "decade" else pub.replace(year=pub.year + 10 * shift)
    return _as_unit(d, unit, "relative")


def _n_ago(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    unit = m["u"].lower().rstrip("s")
    if unit == "centurie":
        unit = "century"
    n = _num(m["n"])
    direction = m["dir"].lower()
    sign = 1 if direction in ("later", "after", "from now", "hence", "on") else -1
    if n is None:
        return _Res(None, None, "range", "FUTURE_REF" if sign > 0 else "PAST_REF", "unresolved")
    if unit in ("century", "decade"):
        # "a decade ago", "two centuries ago": a year, not the decade or century it falls in
        unit, n = "year", n * (100 if unit == "century" else 10)
    anaphoric = direction in ("later", "earlier", "before", "after", "on")
    base: _Res | None
    if anaphoric:
        base = ctx.narrated()
        if base is None or base.date_start is None or base.granularity in ("range", "decade"):
            base = None
        basis = "anaphoric"
    else:
        base = None
        basis = "relative"
    # Financial convention: "a year ago" / "a year earlier" in a story about a quarter's results is that
    # quarter a year before, unless a date in the same breath anchors "earlier" ("on Sept. 30 ... a year earlier").
    q = ctx.reported_quarter()
    if unit == "year" and n == 1 and q is not None and q.date_start is not None:
        near_anchor = base is not None and ctx.anchor_pos > ctx.period_pos and ctx.pos - ctx.anchor_pos <= 120
        if not near_anchor:
            d = shift_day(q.date_start, sign * n, "year")
            return _quarter(d.year, (d.month - 1) // 3 + 1, "anaphoric")
    if base is None:
        pub = ctx.pub("day" if unit in ("day", "week") else "month" if unit in ("month", "quarter") else "year")
        if pub is None:
            return _unresolved(_X_VALUES.get(unit, "XXXX"), unit)
        return _as_unit(shift_day(pub, sign * n, unit), unit, basis)
    d = shift_day(base.date_start, sign * n, unit)  # type: ignore[arg-type]
    gran = base.granularity if GRANULARITY_RANK[base.granularity] <= GRANULARITY_RANK.get(unit, 4) else unit
    return _as_unit(d, gran if gran in GRANULARITY_RANK else unit, basis)


def _season_anaphor(season: str, shift: int, ctx: _Ctx) -> _Res:
    """ "that spring": the season in the year last narrated; "the following winter": the first one to begin
    after the time last narrated began; "the previous autumn": the last one over before it."""
    a = ctx.narrated()
    if a is None or a.date_start is None or a.date_end is None:
        return _unresolved(f"XXXX-{season}", "season")
    y = a.date_start.year
    if shift > 0:
        y = y if season_span(y, season)[0] > a.date_start else y + 1
    elif shift < 0:
        y = y if season_span(y, season)[1] < a.date_start else y - 1
    return _season(y, season, "anaphoric")


def _n_anaphor(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """that year, the same day, the next day, the previous month, later that week ..."""
    rel = re.sub(r"\s+", " ", m["rel"].lower())
    unit = m["u"].lower()
    shift = {"next": 1, "following": 1, "previous": -1, "preceding": -1, "prior": -1}.get(rel.split()[-1], 0)
    if unit in _SEASONS:
        return _season_anaphor(_SEASONS[unit], shift, ctx)
    unit = unit if unit in GRANULARITY_RANK else "day"  # "the next morning", "that night": a day
    a = ctx.narrated(unit)
    if (a is None or a.date_start is None) and rel.endswith("in the") and ctx.anchor is None:
        # "later in the day" with nothing narrated before it: the day of publication
        pub = ctx.pub(unit)
        return _unresolved(_X_VALUES[unit], unit) if pub is None else _as_unit(pub, unit, "relative")
    if a is None or a.date_start is None:
        return _unresolved(_X_VALUES[unit], unit)
    d = shift_day(a.date_start, shift, unit) if shift else a.date_start
    return _as_unit(d, unit, "anaphoric")


def _n_ref(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    w = re.sub(r"\s+", " ", m["t"].lower())
    if w in ("now", "currently", "current", "at present", "at the moment", "nowadays", "right now", "presently"):
        if ctx.published is None:
            return _unresolved("PRESENT_REF", "day")
        gran = ctx.pub_gran if ctx.pub_gran in ("day", "month", "year") else "day"
        r = _as_unit(ctx.published, gran, "relative")
        return replace(r, value="PRESENT_REF")
    future = "future" in w or w == "soon"
    return _Res(None, None, "range", "FUTURE_REF" if future else "PAST_REF", "unresolved")


def _n_recent(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """ "in recent months": a few units up to the publication date."""
    unit = m["u"].lower().rstrip("s")
    if m["rel"].lower() in ("coming", "future"):  # "in coming months", "future quarters"
        return _Res(None, None, "range", "FUTURE_REF", "unresolved")
    if m["rel"].lower() == "recent" and unit != "year":
        # "in recent weeks": an unspecified stretch up to now (TimeML: DURATION PXW); "recent years" is an era
        code = _UNIT_CODE.get(unit, "D")
        return _Res(None, None, "range", f"PX{code}", "unresolved", "DURATION")
    pub = ctx.pub("day" if unit in ("day", "week") else "month" if unit in ("month", "quarter") else "year")
    if pub is None:
        return _Res(None, None, "range", "PAST_REF", "unresolved")
    start = _as_unit(shift_day(pub, -3, unit), unit, "relative").date_start
    return _Res(start, pub, "range", "PAST_REF", "relative")


def _n_range(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """Ranges: the two ends share a year / month written once at the end."""
    g = m.re.groupindex
    y2 = int(m["y2"]) if "y2" in g and m["y2"] else None
    y1 = int(m["y1"]) if "y1" in g and m["y1"] else y2
    if "d1" in g:  # day ranges: March 13–19, 2025 / 13-19 March 2025 / March 30 - April 2
        mon2 = month_number(m["mon2"]) if "mon2" in g and m["mon2"] else month_number(m["mon"])
        mon1 = month_number(m["mon"])
        a = _ymd(y1, mon1, _int_day(m["d1"]), ctx)
        b = _ymd(y2, mon2, _int_day(m["d2"]), ctx)
    elif "mon1" in g:  # from March to May 2023
        a = _ym(y1, month_number(m["mon1"]), ctx)
        b = _ym(y2, month_number(m["mon2"]), ctx)
    else:
        return None
    if a is None or b is None:
        return None
    return _range(a, b, "explicit" if a.basis == b.basis == "explicit" else "relative")


# --- non-DATE normalisers --------------------------------------------------------------------------------


def _n_duration(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    unit = m["u"].lower().rstrip("s").replace("-", "")
    unit = "century" if unit == "centurie" else unit
    n = _num(m["n"]) if m["n"] else 1
    code = _UNIT_CODE.get(unit, "Y")
    if unit in ("hour", "minute"):
        code = "H" if unit == "hour" else "M"
        return _Res(None, None, "range", f"PT{n if n is not None else 'X'}{code}", "unresolved", "DURATION")
    if code == "DE":
        code, n = "Y", (n * 10 if n is not None else None)
    elif code == "CE":
        code, n = "Y", (n * 100 if n is not None else None)
    return _Res(None, None, "range", f"P{n if n is not None else 'X'}{code}", "unresolved", "DURATION")


def _n_set(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    w = m["t"].lower()
    last = w.split()[-1]
    wd = re.search(_WEEKDAY, m["t"])
    if wd:  # "every Monday", "Sundays"
        return _Res(None, None, "range", f"XXXX-WXX-{weekday_number(wd.group(0)) + 1}", "unresolved", "SET")
    if last in _SEASONS:  # "every summer"
        return _Res(None, None, "range", f"XXXX-{_SEASONS[last]}", "unresolved", "SET")
    if re.fullmatch(_MONTH_FULL, last.capitalize()):  # "each July"
        return _Res(None, None, "range", f"XXXX-{month_number(last):02d}", "unresolved", "SET")
    for key, code in (
        ("hour", "PT1H"),
        ("dai", "P1D"),
        ("day", "P1D"),
        ("night", "P1D"),
        ("week", "P1W"),
        ("month", "P1M"),
        ("quarter", "P1Q"),
        ("annual", "P1Y"),
        ("year", "P1Y"),
    ):
        if key in w:
            return _Res(None, None, "range", code, "unresolved", "SET")
    return _Res(None, None, "range", "P1X", "unresolved", "SET")


def _n_time(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    pub = ctx.pub("day")
    w = m["t"].lower()
    hm = re.search(r"(\d{1,2})(?:[:.](\d\d))?", w)
    if hm:
        h = int(hm.group(1))
        mi = int(hm.group(2) or 0)
        if "p" in w[hm.end() :].split()[0:1][0] if w[hm.end() :].split() else False:
            h = h % 12 + 12
        elif "a.m" in w or "am" in w.split():
            h = h % 12
        clock = f"T{h:02d}:{mi:02d}"
    elif "noon" in w or "midday" in w:
        clock = "T12:00"
    elif "midnight" in w:
        clock = "T24:00"
    else:
        clock = "T" + next((c for k, c in _PART_OF_DAY.items() if k in w), "XX")
    if pub is not None and _DAY_PART_RX.fullmatch(w):
        # "this morning", "last night" name their day: they date what happened in them
        d = pub - dt.timedelta(days=1) if w.startswith("last") else pub
        return _Res(d, d, "day", d.isoformat() + clock, "relative", "TIME")
    day = pub.isoformat() if pub else "XXXX-XX-XX"
    return _Res(None, None, "day", day + clock, "unresolved" if pub is None else "relative", "TIME")


_DAY_PARTS = r"this\s+(?:morning|afternoon|evening)|last\s+(?:night|evening)"  # TIMEs that name their day
_DAY_PART_RX = re.compile(_DAY_PARTS)


def _n_time_weekday(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    day = _n_weekday(m, ctx)
    clock = _n_time(_NMatch(m, t=m["clock"]), ctx)  # type: ignore[arg-type]
    if day is None or clock is None:
        return None
    t = clock.value[clock.value.index("T") :]
    return _Res(day.date_start, day.date_end, "day", day.value + t, day.basis, "TIME")


@dataclass(frozen=True)
class _Pattern:
    name: str
    rx: re.Pattern[str]
    norm: Callable[[re.Match[str], _Ctx], _Res | None]
    kind: str = "DATE"
    priority: int = 0  # breaks ties between equally long candidates


_P = _Pattern
_WD_OPT = rf"(?:{_WEEKDAY},?\s+(?:the\s+)?)?"
_WD_REL = _I.format(
    r"(?P<rel>last|next|this|coming|past|the\s+previous|the\s+preceding|the\s+following)|(?:early|late)"
)
_RELW = r"(?:last|this|next|past|coming|previous|current|the\s+current|the\s+past|the\s+coming)"
_YEAR_REL = (
    r"(?:(?:of\s+)?(?P<ry>this|last|next|that|the\s+same|the\s+following|the\s+next|the\s+previous|the\s+preceding"
    r"|the\s+prior)\s+year)"
)

PATTERNS: tuple[_Pattern, ...] = (
    # --- ranges
    _P(
        "range_md",
        _rx(
            rf"{_BOUNDARY}(?P<t>(?:{_I.format('from|between')}\s+)?(?P<mon>{_MONTH})\s+(?P<d1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?"
            rf"{_DASH}(?:(?P<mon2>{_MONTH})\s+)?(?P<d2>{_DAY})(?!\s*(?:%|percent|[:.]\d))(?:,?\s+(?P<y2>{_YEAR}))?)"
        ),
        _n_range,
    ),
    _P(
        "range_dm",
        _rx(
            rf"{_BOUNDARY}(?P<t>(?:{_I.format('from|between')}\s+)?(?P<d1>{_DAY})(?:\s+(?P<mon>{_MONTH}))?{_DASH}"
            rf"(?P<d2>{_DAY})\s+(?P<mon2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?)"
        ),
        lambda m, c: _n_range_dm(m, c),
    ),
    _P(
        "range_mm",
        _rx(
            rf"(?P<t>(?:{_I.format('from')}\s+(?P<mon1>{_MONTH_FULL})(?:\s+(?P<y1>{_YEAR}))?\s+{_I.format('to|through|until|till')}"
            rf"|{_I.format('between')}\s+(?P<mon1b>{_MONTH_FULL})(?:\s+(?P<y1b>{_YEAR}))?\s+{_I.format('and')}"
            rf"|(?P<mon1c>{_MONTH_FULL})(?:\s+(?P<y1c>{_YEAR}))?\s*[-–—]\s*)\s*(?P<mon2>{_MONTH_FULL})(?:,?\s+(?P<y2>{_YEAR}))?)"
        ),
        lambda m, c: _n_range_mm(m, c),
    ),
    _P(
        "range_y",
        _rx(
            rf"{_BOUNDARY}(?P<t>(?:{_I.format('between')}\s+(?P<y1>{_YEAR})\s+{_I.format('and')}\s+"
            rf"|{_I.format('from')}\s+(?P<y1b>{_YEAR})\s*{_I.format('to|through|until|till|-|–|—')}\s*"
            rf"|(?P<y1c>{_YEAR})\s*[-–—/]\s*(?=\d))(?P<y2>(?:1[6-9]|20)?\d\d)\b)(?![-–/.,]\d)"
        ),
        lambda m, c: _n_range_y(m, c),
    ),
    # --- explicit dates
    _P(
        "full_mdy",
        _rx(rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?P<mon>{_MONTH})\s+(?P<d>{_DAY}),?\s+(?P<y>{_YEAR}))"),
        _n_full_mdy,
    ),
    _P(
        "full_dmy",
        _rx(rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?P<d>{_DAY})(?:\s+of)?\s+(?P<mon>{_MONTH}),?\s+(?P<y>{_YEAR}))"),
        _n_full_mdy,
    ),
    _P(
        "iso",
        _rx(r"(?<![\w.-])(?P<t>(?P<y>(?:19|20)\d\d)-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01]))(?![\w-])"),
        _n_iso,
    ),
    _P(
        "dmy_dot",
        _rx(
            r"(?<![\w.:/-])(?P<t>(?P<d>0?[1-9]|[12]\d|3[01])\.(?P<mo>0?[1-9]|1[0-2])\.(?P<y>(?:19|20)\d\d))(?![\w.]\d)"
        ),
        _n_iso,
    ),
    _P(
        "mdy_slash",
        _rx(r"(?<![\w./-])(?P<t>(?P<mo>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])/(?P<y>(?:19|20)\d\d))(?![\w/]\d)"),
        _n_iso,
    ),
    _P(
        "md",
        _rx(
            rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?P<mon>{_MONTH})\s+(?P<d>{_DAY})(?:\s+{_YEAR_REL})?)(?!\s*(?:%|percent|[:.,]\d|\d|-))"
        ),
        _n_md,
    ),
    _P(
        "dm",
        _rx(
            rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?:the\s+)?(?P<d>{_DAY})(?:\s+of)?\s+(?P<mon>{_MONTH})(?:\s+{_YEAR_REL})?)(?!\s*\d)"
        ),
        _n_md,
    ),
    _P(
        "month_year",
        _rx(
            rf"(?P<t>{_I.format(_MOD)}(?P<mon>{_MONTH})(?:,?\s+(?:of\s+)?(?P<y>{_YEAR}|{_YEAR_WORDS})|\s+{_YEAR_REL}))(?![-–/]\d)"
        ),
        _n_month_year,
    ),
    _P(
        "month",
        _rx(
            rf"(?:(?P<cue>\b{_I.format('in|since|until|till|by|through|during|before|after|from|to|of|and|or|between|on|around')}\s+)"
            rf"|(?<![\w-]))(?P<t>(?:(?P<rel>{_I.format('last|this|next|past|coming')})\s+)?{_I.format(_MOD)}(?P<mon>{_MONTH_FULL}))\b(?!\s*\d|-\w|\s+[A-Z][a-z])"
        ),
        _n_month,
    ),
    _P(
        "decade",
        _rx(
            rf"(?<![\w$])(?P<t>(?:{_I.format('the')}\s+)?{_I.format(_MOD)}(?:(?P<y>1[6-9]\d0|20\d0)|[‘'’](?P<yy>\d0))['’]?s)\b"
        ),
        _n_decade,
    ),
    _P(
        "decade_word",  # "the nineties", "the late eighties" (not "in her nineties": an age)
        _rx(rf"(?<![\w-])(?P<t>{_I.format('the')}\s+{_I.format(_MOD)}(?P<dw>{_I.format('|'.join(_DECADE_WORDS))}))\b"),
        _n_decade,
    ),
    _P(
        "century",
        _rx(r"(?P<t>(?i:(?:the\s+)?(?:(?P<n>\d{1,2}(?:st|nd|rd|th))|(?P<rel>this|last|previous|next))\s+century))"),
        _n_century,
    ),
    _P(
        "season",
        _rx(
            rf"(?:\b(?P<cue>{_I.format('in|during|by|until|through|since|for|of|from|to|and|or|before|after')})\s+)?(?<![\w-])"
            r"(?P<t>(?i:(?:(?:the|(?P<rel>this|last|next|past|coming|previous))\s+)?(?:(?:early|late|mid)[\s-]+)?(?P<s>spring|summer|fall|autumn|winter)"
            rf"(?:\s+(?:of\s+)?(?P<y>{_YEAR}|{_YEAR_WORDS})|\s+{_YEAR_REL})?))"
            rf"(?![\w-])"
        ),
        lambda m, c: _n_season(m, c) if _season_ok(m) else None,
    ),
    _P(
        "quarter",
        _rx(
            _I.format(
                rf"(?<![\w-])(?P<t>(?:(?:the(?!\s+\w+-quarter)|(?P<ry>this|last|next)\s+year['’]s)\s+)?(?:(?P<y0>{_YEAR})\s+)?(?:fiscal\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal\s+)?quarter(?:\s+(?:of\s+)?(?:fiscal\s+)?(?P<y>{_YEAR})|\s+{_YEAR_REL.replace('ry', 'ry2')})?"
                rf"|(?<![\w-])Q(?P<qn>[1-4])(?:\s*(?P<y3>{_YEAR}))?)"
            )
        ),
        lambda m, c: _n_quarter_any(m, c),
    ),
    _P(
        "quarter_rel",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?P<rel>the\s+same|that|the\s+latest|this|last|next|the\s+previous|the\s+past|the\s+current|the\s+coming|the\s+year[-\s](?:ago|earlier)|the)\s+)quarter)(?![\w-])"
            )
        ),
        lambda m, c: _n_quarter_rel_any(m, c),
    ),
    _P(
        "half",
        _rx(
            _I.format(
                rf"(?P<t>(?:the\s+)?(?P<h>first|second|last|latter)\s+half\s+of\s+(?:(?P<y>{_YEAR})|(?:the\s+)?(?P<ry>this|last|next)?\s*year))"
            )
        ),
        _n_half,
    ),
    _P(
        "year",
        _rx(
            r"(?<![\w$£€#.,/:-])(?P<t>(?:(?i:(?:the\s+)?(?:fiscal\s+|FY\s*|the\s+year\s+|(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+|(?:early|late|mid)[\s-]+)))?"
            rf"(?P<y>{_YEAR}))(?![\w%$]|[.,:/-]\d|\s*(?:%|percent))"
        ),
        _n_year,
        priority=-1,
    ),
    _P(
        "year_words",
        _rx(
            rf"(?<![\w-])(?P<t>(?:{_I.format('the')}\s+year\s+)?(?P<y>{_YEAR_WORDS}))(?!\s+(?:years|months|days|miles|people|dollars|men|women|troops|soldiers|times|more|or)\b)"
        ),
        _n_year,
        priority=-1,
    ),
    _P(
        "holiday",
        _rx(
            rf"(?<![\w-])(?P<t>(?:(?P<rel>{_I.format('last|this|next|past|coming')})\s+)?(?P<h>Christmas(?:\s+Day|\s+Eve)?|New\s+Year's(?:\s+Day|\s+Eve)"
            r"|Thanksgiving(?:\s+Day)?|Independence\s+Day|Fourth\s+of\s+July|Halloween|Labor\s+Day|Memorial\s+Day|Election\s+Day|Easter(?:\s+Sunday)?)"
            rf"(?:,?\s+(?P<y>{_YEAR}))?)(?![\w-])"
        ),
        lambda m, c: _n_holiday(m, c),
    ),
    # --- relative dates
    _P(
        "weekday",
        _rx(
            rf"(?P<t>(?:{_WD_REL}\s+)?(?P<wd>{_WEEKDAY})(?!s\b)(?:\s+(?P<pod>{_I.format('morning|afternoon|evening|night')}))?)\b"
        ),
        _n_weekday,
    ),
    _P(
        "day_word",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?:late|early)\s+)?(?P<w>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow|today|tonight|yesterday|tomorrow))(?:\s+(?P<pod>morning|afternoon|evening|night))?(?![\w-])"
            )
        ),
        _n_day_word,
    ),
    _P(
        "rel_unit",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?:early|late|mid)[\s-]+)?(?:(?:the\s+(?:start|end|beginning|middle)\s+of|(?:the\s+)?(?:end|start|beginning|middle)\s+of)\s+)?(?:(?P<rel>last|this|next|coming|current|the\s+current|the\s+coming|the\s+previous|the\s+past|the\s+last|the\s+next)[\s-]+(?:(?<=\s)fiscal\s+(?=year))?(?P<u>week|weekend|month|year|decade)|(?P<rel2>the)\s+(?P<u2>weekend)))(?![\w-])"
            )
        ),
        _n_rel_unit,
    ),
    _P(
        "period_edge",  # "the end of the year", "by year-end", "the end of the month"
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the\s+)?(?:end|start|beginning|middle)\s+of\s+the\s+(?P<u>year|month)"
                r"|(?:(?P<rel>this|last|next)\s+)?year(?:-|\s+|['’]s\s+)end)(?![\w-])"
            )
        ),
        lambda m, c: _n_period_edge(m, c),
    ),
    _P(
        "ago",
        _rx(
            _I.format(
                rf"(?<![\w-])(?P<t>{_HEDGE}(?P<n>{_NUM})\s+(?P<u>{_UNIT})(?:\s+or\s+so)?\s+(?P<dir>ago|earlier|later|from\s+now|hence))(?![\w-])"
            )
        ),
        _n_ago,
    ),
    _P(
        "period_year_ago",  # "the corresponding period last year", "the quarter a year ago", "last year's quarter"
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the\s+)?(?:(?:same|corresponding|comparable|year-ago)\s+)?(?:quarter|period)\s+"
                r"(?:a\s+year\s+(?:ago|earlier)|(?:of\s+)?(?:last|the\s+previous|the\s+prior)\s+year)"
                r"|last\s+year's\s+(?:(?:same|corresponding|comparable)\s+)?(?:quarter|period))(?![\w-])"
            )
        ),
        lambda m, c: _n_ago_fixed(m, c),  # defined below, with the other late normalisers
        priority=1,
    ),
    _P(
        "year_ago_adj",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the\s+)?year[-\s](?:ago|earlier)(?:\s+(?:period|quarter|months?|level))?)(?![\w-])"
            )
        ),
        lambda m, c: _n_ago_fixed(m, c),
    ),
    _P(
        "anaphor",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?:earlier|later)\s+)?(?P<rel>that|the\s+same|the\s+next|the\s+following|the\s+previous|the\s+preceding|the\s+prior|later\s+that|earlier\s+that|(?:earlier|later)\s+in\s+the)\s+(?P<u>day|week|month|year|(?<!in\sthe\s)(?:morning|afternoon|evening|night|spring|summer|autumn|fall|winter)))(?![\w-])"
            )
        ),
        _n_anaphor,
    ),
    _P(
        "ref",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>now|currently|at\s+present|at\s+the\s+moment|nowadays|recently|lately|the\s+(?:near\s+|distant\s+)?future|(?<=\bin\s)future(?!\s+\w+s\b)|the\s+past|soon)(?![\w-])"
            )
        ),
        lambda m, c: _n_ref(m, c) if _ref_ok(m) else None,
    ),
    _P(
        "current",  # the adjective: "current market conditions", "his current wife"
        _rx(
            r"(?<![\w-])(?<!electric\s)(?<!direct\s)(?<!ocean\s)(?<!then\s)(?P<t>(?i:current))(?=\s+[a-z])"
            r"(?!\s+(?:accounts?|quarter|year|month|week|weekend|decade|century|fiscal|period|affairs|events|dollars?|prices?|assets|liabilities|ratio|yield|coupon|rate|issue|bond|market\s+value)\b)"
        ),
        _n_ref,
    ),
    _P(
        "the_year",  # "for the year", "the first nine months of the year": the year being reported
        _rx(
            r"\b(?i:for|of|during|in|through|throughout)\s+(?P<t>the\s+(?:full\s+)?year)"
            r"(?![\w-]|\s+(?:ago|earlier|before|after|later|since|when|that|in\s+which|ended|ending|two|nineteen|\d|[A-Z]))"
        ),
        lambda m, c: _n_the_year(m, c),
    ),
    _P(
        "period",  # "the latest period", "the 1988 period" in results stories: the reported quarter
        _rx(
            rf"(?<![\w-])(?P<t>(?i:the)\s+(?:(?i:latest|most\s+recent|current)|(?P<y>{_YEAR}))\s+(?:period|quarter))(?![\w-])"
        ),
        lambda m, c: _n_period(m, c),
    ),
    _P(
        "recent",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?P<rel>recent|coming|future|past)\s+(?P<u>days|weeks|months|quarters|years))(?![\w-])"
            )
        ),
        _n_recent,
    ),
    # --- durations, sets, times (find_timexes only)
    _P(
        "duration",
        _rx(
            _I.format(
                rf"(?<![\w-])(?P<t>(?:(?:the|a)\s+)?(?:(?:past|last|next|first|coming|previous|following)\s+)?{_HEDGE}(?P<n>{_NUM})(?:\s+(?:more|full|straight|consecutive))?\s+(?P<u>{_UNIT}|hours?|minutes?))(?![\w-])"
            )
        ),
        _n_duration,
        kind="DURATION",
        priority=-2,
    ),
    _P(
        "duration_hyph",
        _rx(
            _I.format(
                rf"(?<![\w-])(?P<t>(?P<n>{_NUM_HYPH})-(?P<u>day|week|month|year|decade|hour|minute)(?:-long)?)(?![\w]|-old)"
            )
        ),
        lambda m, c: (
            _n_duration(m, c) if m["n"].lower() not in ("multi", "half") else replace(_n_duration(m, c), value="PXY")
        ),  # type: ignore[arg-type]
        kind="DURATION",
    ),
    _P(
        "duration_the_past",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the|over\s+the)\s+(?:past|last|next|coming|previous)\s+(?P<u>day|century))(?![\w-])"
            )
        ),
        lambda m, c: _n_duration(_NMatch(m, n=None), c),
        kind="DURATION",
    ),
    _P(
        "duration_plural",
        _rx(
            _I.format(r"(?<![\w-])(?P<t>(?:(?:several|many|few|recent)\s+)?(?P<u>decades|years|months|weeks))(?![\w-])")
        ),
        lambda m, c: replace(
            _n_duration(_NMatch(m, n="x"), c), value=f"PX{_UNIT_CODE[m['u'].lower()[:-1]]}".replace("DE", "Y")
        ),
        kind="DURATION",
        priority=-3,
    ),
    _P(
        "age",  # "55-year-old", "55 years old": not time expressions at all
        _rx(_I.format(rf"(?<![\w-])(?P<t>{_NUM_HYPH}[-\s](?:year|month|week|day)s?[-\s]old)(?![\w-])")),
        lambda m, c: _Res(None, None, "range", "", "unresolved", "AGE"),
        kind="AGE",
        priority=5,
    ),
    _P(
        "set",
        _rx(
            _I.format(
                rf"(?<![\w-])(?P<t>daily|weekly|monthly|quarterly|annually|yearly|hourly|nightly|bi-?weekly|bi-?annually|semi-?annually|(?:every|each|per)\s+(?:other\s+)?(?:day|week|month|quarter|year|night|{_WEEKDAY}|{_MONTH_FULL}|spring|summer|autumn|fall|winter)|{_WEEKDAY}s)(?![\w-])"
            )
        ),
        _n_set,
        kind="SET",
    ),
    _P(
        "time_weekday",
        _rx(
            _I.format(
                rf"(?<![\w.:$-])(?P<t>(?P<clock>\d{{1,2}}(?:[:.]\d\d)?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b)|noon|midnight|midday)"
                rf"(?:\s+(?:EDT|EST|CDT|CST|PDT|PST|GMT|UTC|local\s+time))?,?\s+(?:on\s+)?(?:(?P<rel>last|next|this)\s+)?(?P<wd>{_WEEKDAY}))(?![\w-])(?!,?\s+(?:the\s+)?(?:{_MONTH}|{_DAY}\s+(?:of\s+)?{_MONTH}))"
            )
        ),
        lambda m, c: _n_time_weekday(m, c),
        kind="TIME",
        priority=1,
    ),
    _P(
        "time",
        _rx(
            _I.format(
                r"(?<![\w.:$-])(?P<t>(?:(?:about|around)\s+)?(?:\d{1,2}(?:[:.]\d\d)?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b)(?:\s+(?:EDT|EST|CDT|CST|PDT|PST|GMT|UTC|local\s+time|Moscow\s+time))?|\d{1,2}:\d\d(?:\s+(?:GMT|UTC))?|noon|midnight|midday|mid-?(?:morning|afternoon)|this\s+(?:morning|afternoon|evening)|last\s+(?:night|evening)|overnight))(?![\w:])"
            )
        ),
        _n_time,
        kind="TIME",
    ),
)


class _NMatch:
    """A match with some groups overridden (to reuse a normaliser)."""

    def __init__(self, m: re.Match[str], **groups: str | None) -> None:
        self._m = m
        self._g = groups
        self.re = m.re

    def __getitem__(self, key: str) -> str | None:
        if key in self._g:
            return self._g[key]
        return self._m[key]


_HOLIDAYS: dict[str, Callable[[int], dt.date]] = {
    "christmas": lambda y: dt.date(y, 12, 25),
    "christmas day": lambda y: dt.date(y, 12, 25),
    "christmas eve": lambda y: dt.date(y, 12, 24),
    "new year's day": lambda y: dt.date(y, 1, 1),
    "new year's eve": lambda y: dt.date(y, 12, 31),
    "thanksgiving": lambda y: nth_weekday(y, 11, 3, 4),  # US: fourth Thursday of November
    "thanksgiving day": lambda y: nth_weekday(y, 11, 3, 4),
    "independence day": lambda y: dt.date(y, 7, 4),
    "fourth of july": lambda y: dt.date(y, 7, 4),
    "halloween": lambda y: dt.date(y, 10, 31),
    "labor day": lambda y: nth_weekday(y, 9, 0, 1),
    "memorial day": lambda y: nth_weekday(y, 5, 0, -1),
    "election day": lambda y: nth_weekday(y, 11, 0, 1) + dt.timedelta(days=1),  # US: Tuesday after 1st Monday
    "easter": easter,
    "easter sunday": easter,
}


def _n_holiday(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """Named holidays: a date each year; without a year, the nearest occurrence by tense."""
    rule = _HOLIDAYS[re.sub(r"\s+", " ", m["h"].lower())]
    if m["y"]:
        return _day(rule(int(m["y"])))
    rel = (m["rel"] or "").lower()
    pub = ctx.pub("day") if rel else ctx.pub("year")
    if pub is None:
        a, b = rule(2001), rule(2002)  # a fixed-date holiday falls on the same day every year
        return _unresolved(
            f"XXXX-{a.month:02d}-{a.day:02d}" if (a.month, a.day) == (b.month, b.day) else "XXXX-XX-XX", "day"
        )
    if rel in ("last", "past"):
        d = rule(pub.year)
        return _day(d if d < pub else rule(pub.year - 1), "relative")
    if rel in ("next", "coming"):
        d = rule(pub.year)
        return _day(d if d > pub else rule(pub.year + 1), "relative")
    d = rule(pub.year)
    return _day(rule(pub.year + _year_shift(ctx, d.month)), "relative")


def _n_the_year(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """ "the year": a year named just before in the same breath, else the publication's."""
    a = ctx.anchor
    if a is not None and a.granularity == "year" and a.date_start is not None and ctx.pos - ctx.anchor_pos <= 150:
        return _year(a.date_start.year, "anaphoric")
    pub = ctx.pub("year")
    if pub is None:
        return _unresolved("XXXX", "year")
    return _year(pub.year, "relative")


def _n_period_edge(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """ "the end of the year", "year-end", "the end of the month": the year / month it is the edge of.

    TimeML writes the period itself (the edge is a modifier); which period: "last/next year-end" shift
    from the publication year, otherwise a period of that size named just before, else the publication's.
    """
    unit = (m["u"] or "year").lower()
    rel = (m["rel"] or "").lower()
    if not rel and not m["u"] and _SINCE_RX.search(m.string[max(0, m.start("t") - 8) : m.start("t")]):
        rel = "last"  # "since year-end": the last one passed
    if rel:
        y = _rel_year(rel, ctx)
        return _year(y, "relative") if y is not None else _unresolved("XXXX", "year")
    a = ctx.anchor
    near = a is not None and a.date_start is not None and ctx.pos - ctx.anchor_pos <= 150
    if m["u"] and near and a.granularity == unit:  # type: ignore[union-attr]
        return _as_unit(a.date_start, unit, "anaphoric")  # type: ignore[union-attr,arg-type]
    pub = ctx.pub(unit)
    if pub is None:
        return _unresolved(_X_VALUES[unit], unit)
    return _as_unit(pub, unit, "relative")


def _n_period(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    q = ctx.reported_quarter()
    if m["y"]:
        y = int(m["y"])
        if q is None or q.date_start is None:
            return _year(y) if m["t"].lower().endswith("period") else _unresolved(f"{y}-QX", "quarter")
        return _quarter(y, (q.date_start.month - 1) // 3 + 1, "anaphoric")
    if q is None or q.date_start is None:
        return None  # "the latest period" outside a results story: not a date we can place
    return _quarter(q.date_start.year, (q.date_start.month - 1) // 3 + 1, "anaphoric")


def _n_range_dm(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    mon1 = m["mon"] or m["mon2"]
    return _n_range(_NMatch(m, mon=mon1, y1=None), ctx)  # type: ignore[arg-type]


def _n_range_mm(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    mon1 = m["mon1"] or m["mon1b"] or m["mon1c"]
    y1 = m["y1"] or m["y1b"] or m["y1c"]
    y2 = m["y2"]
    return _n_range(_NMatch(m, mon1=mon1, y1=y1 or y2, y2=y2), ctx)  # type: ignore[arg-type]


def _n_range_y(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    y1 = m["y1"] or m["y1b"] or m["y1c"]
    y2 = m["y2"]
    if len(y2) == 3:
        return None
    y2v = int(y1[:2] + y2) if len(y2) == 2 else int(y2)
    if not 0 < y2v - int(y1) <= 50:
        return None
    return _range(_year(int(y1)), _year(y2v))


def _n_quarter_any(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    y = m["y"] or m["y0"] or m["y3"]
    return _n_quarter(_NMatch(m, y=y, ry=m["ry"] or m["ry2"], q=m["q"], qn=m["qn"]), ctx)  # type: ignore[arg-type]


def _n_quarter_rel_any(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    rel = re.sub(r"^the\s+", "", (m["rel"] or "the").lower())
    return _n_quarter_rel(_NMatch(m, rel=rel), ctx)  # type: ignore[arg-type]


def _n_ago_fixed(m: re.Match[str], ctx: _Ctx) -> _Res | None:
    """ "the year-ago quarter", "year-earlier results": the reported period a year before, else last year."""
    if ctx.reported_quarter() is not None:
        return _n_ago(_NMatch(m, n="1", u="year", dir="ago"), ctx)  # type: ignore[arg-type]
    pub = ctx.pub("year")
    if pub is None:
        return _unresolved("XXXX", "year")
    return _year(pub.year - 1, "relative")


_OF_NOT_YEAR_RX = re.compile(rf"\s+of\s+(?!{_YEAR}|{_YEAR_WORDS}|(?:this|last|next)\s+year\b)", re.IGNORECASE)


def _season_ok(m: re.Match[str]) -> bool:
    """A bare season word needs a year, a determiner or a cue ("in summer"); "fall" needs more.

    "The fall of the regime", "the spring of their discontent": a season word followed by "of" and
    something other than a year is the noun (the collapse, the source), not the season.
    """
    if m["y"] or m["ry"]:
        return True
    if _OF_NOT_YEAR_RX.match(m.string, m.end("t")):
        return False
    if m["rel"]:
        return True
    t = m["t"].lower()
    if t.startswith("the "):
        return True
    return m["s"].lower() != "fall" and m["cue"] is not None


def _ref_ok(m: re.Match[str]) -> bool:
    t = m["t"].lower()
    if t == "soon":
        # "as soon as", "soon after" are conjunctions/relations, not references to the future.
        before = m.string[max(0, m.start("t") - 3) : m.start("t")].lower()
        after = m.string[m.end("t") : m.end("t") + 4].lower()
        return not before.endswith("as ") and not after.startswith((" as", " aft"))
    if t.endswith(("future", "past")) and re.match(r"\s+of\s", m.string[m.end("t") : m.end("t") + 5]):
        return False  # "the future of the alliance": its fate, not a time
    if t == "the past":
        after = m.string[m.end("t") : m.end("t") + 12].lower()
        return not re.match(r"\s+(?:\d|\w+\s+(?:day|week|month|year|decade))", after)
    if t == "now":
        after = m.string[m.end("t") : m.end("t") + 6].lower()
        if after.startswith(","):
            # "Now, he says ..." opening a sentence is a discourse marker, not a time ("until now, ...")
            before = m.string[max(0, m.start("t") - 3) : m.start("t")]
            if not before.strip() or re.search(r"[.!?\"'`]\s*$", before):
                return False
        return not after.startswith(" on ")
    return True


# ---------------------------------------------------------------------------------------------------------
# Candidates, tense, resolution

_ENDED_RX = re.compile(r"\s*(?:,\s*)?(?:which\s+|that\s+)?ended\b")
_SINCE_RX = re.compile(r"(?i:\bsince|\bas\s+of)\s+$")
_ACCESS_RX = re.compile(r"(?i:\b(?:accessed|retrieved|visited|viewed|consulted)(?:\s+on)?)\s+$")
_CITE_OPEN_RX = re.compile(
    r"\(\s*[^()\n]{1,120}?,\s*(?:(?i:accessed|retrieved|visited|viewed|consulted)(?:\s+on)?\s+)?$"
)
_CITE_CLOSE_RX = re.compile(r"^\s*[.,]?\s*\)")
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


_TENSED = frozenset(
    {
        "holiday",
        "time_weekday",
        "weekday",
        "md",
        "dm",
        "month",
        "quarter",
        "range_md",
        "range_dm",
        "range_mm",
        "rel_unit",
    }
)
_NO_ANCHOR = frozenset({"ago", "year_ago_adj", "period_year_ago", "quarter_rel"})


@dataclass
class _Cand:
    start: int
    end: int
    pattern: _Pattern | None
    match: re.Match[str] | None
    kind: str
    priority: int = 0
    ent: bool = False


def _scan(text: str) -> list[_Cand]:
    """Regex candidates, overlapping ones reduced to the longest (then higher priority) expression."""
    cands: list[_Cand] = []
    for p in PATTERNS:
        for m in p.rx.finditer(text):
            s, e = m.span("t")
            if e > s:
                cands.append(_Cand(s, e, p, m, p.kind, p.priority))
    return _select(cands)


def _select(cands: list[_Cand]) -> list[_Cand]:
    cands.sort(key=lambda c: (-(c.end - c.start), -c.priority, c.start))
    taken: list[tuple[int, int]] = []
    out: list[_Cand] = []
    for c in cands:
        i = bisect.bisect_left(taken, (c.start, c.start))
        if i > 0 and taken[i - 1][1] > c.start:
            continue
        if i < len(taken) and taken[i][0] < c.end:
            continue
        taken.insert(i, (c.start, c.end))
        out.append(c)
    out.sort(key=lambda c: c.start)
    return out


class _DocIndex:
    """Cheap offset look-ups into a parsed Doc: the token at a character, sentence bounds."""

    def __init__(self, doc: Doc | None, text: str = "") -> None:
        self.doc = doc
        self.text = text
        self.tenses: dict[tuple[int, int], str] = {}  # tense depends on the parse only: computed once per span
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
        and not any(c.lower_ in ("will", "'ll", "shall") for c in children)
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


def _tense_of(idx: _DocIndex, c: _Cand) -> str:
    """`_tense` of a candidate, computed once per span."""
    key = (c.start, c.end)
    if key not in idx.tenses:
        idx.tenses[key] = _tense(idx, c.start, c.end)
    return idx.tenses[key]


_NAME_CHECKED = frozenset({"rel_unit", "day_word", "ref", "anaphor", "period_edge"})
_LOWER_WORD_RX = re.compile(
    r"(?<![\w'’-])(?!(?:of|the|a|an|and|or|in|on|at|to|for|by|with|from|de|la|van|von)\b)[a-z]\w*"
)
_OPENERS = " \t\n\"'`“‘([_-"


def _is_title(text: str, c: _Cand, idx: _DocIndex) -> bool:
    """A relative expression written as (part of) a title inside running text: ABC's "This Week", "VOA Today".

    Every word capitalised, not at the start of a sentence, in a line that has ordinary lower-case words
    before it (so not a headline); a single word also needs a capitalised word just before it.
    """
    span = text[c.start : c.end]
    words = span.split()
    if not all(w[:1].isupper() for w in words):
        return False
    sent_start = idx.sent_starts[max(idx.sentence_of(c.start), 0)] if idx.sent_starts else 0
    before = text[max(sent_start, c.start - 80) : c.start]
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


def _generic_today(text: str, c: _Cand) -> bool:
    """ "today's world", "many of today's computers": the present age in general, not the publication day."""
    if text[c.start : c.end].lower() != "today":
        return False
    after = re.match(r"['’]s\s+(?:\w+\s+)?(\w+)", text[c.end : c.end + 40])
    if after is None:
        return False
    if re.search(r"\b(?:many|most|some|all|much|few|several)\s+of\s+$", text[max(0, c.start - 20) : c.start], re.I):
        return True
    nxt = re.match(r"['’]s\s+(\w+)", text[c.end : c.end + 40])
    return nxt is not None and nxt.group(1).lower() in _GENERIC_NOW_NOUNS


def _year_is_count(idx: _DocIndex, c: _Cand) -> bool:
    """A bare four-digit number that counts something ("2000 troops") is not a year."""
    if c.match is None or c.match["t"] != c.match["y"]:
        return False
    tok = idx.token_at(c.start)
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


def _year_is_name(idx: _DocIndex, c: _Cand) -> bool:
    """A bare year right after a proper noun is part of a name: "Vision 2035", "Orion 1980", "Agenda 2030"."""
    if c.match is None or c.match["t"] != c.match["y"]:
        return False
    tok = idx.token_at(c.start)
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


def _ent_candidates(doc: Doc, taken: list[_Cand]) -> list[_Cand]:
    """The model's DATE entities that no pattern covers: kept as unresolved dates when they name time."""
    spans = sorted((c.start, c.end) for c in taken)
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
        out.append(_Cand(s, e, None, None, "ENT", -5, ent=True))
    return out


_ENT_DURATION = re.compile(
    rf"(?i:^(?:(?:the|a|an|about|some|nearly|almost|over|more\s+than|less\s+than|up\s+to|at\s+least|another|the\s+(?:past|last|next|first))\s+)*"
    rf"(?:{_NUM}|\d[\d,.]*|(?:a|the)\s+few|several|many)[\s-]+(?:\w+\s+)?(?:days?|weeks?|months?|years?|decades?|centuries|century|hours?|minutes?)\b)"
)
_ENT_HOLIDAY = re.compile(
    r"(?i:\b(?:christmas|easter|new\s+year|thanksgiving|ramadan|hanukkah|passover|halloween|independence\s+day|victory\s+day|election\s+day|memorial\s+day|labor\s+day)\b)"
)


def _resolve_ent(text: str, ctx: _Ctx) -> _Res | None:
    """A model DATE entity the patterns missed: a duration, or a date named without calendar detail."""
    low = text.lower()
    if re.search(r"\bold\b|-old\b|\bage[sd]?\b", low):
        return None
    if _ENT_DURATION.match(text):
        return _Res(None, None, "range", "PXY", "unresolved", "DURATION")
    if _ENT_HOLIDAY.search(text):
        return _unresolved("XXXX-XX-XX", "day")
    return None


def _as_of(mentions: list[TimeMention], idx: _DocIndex, pos: int, published: dt.date | None) -> dt.date | None:
    sent = idx.sentence_of(pos)
    for m in mentions:
        if m.basis == "citation" and m.date_end is not None and idx.sentence_of(m.start) == sent:
            return m.date_end
    return published


_LAST_PREPARED: list[tuple[Doc, str, _DocIndex, list]] = []  # the last document's scan, for its second pass


def _prepared(text: str, doc: Doc) -> tuple[_DocIndex, list]:
    """The document's index and candidate spans: what does not depend on the publication date.

    Events tag a document twice (unanchored to infer its date, then anchored), so the last
    document's scan is kept and reused.
    """
    if _LAST_PREPARED and _LAST_PREPARED[0][0] is doc and _LAST_PREPARED[0][1] is text:
        return _LAST_PREPARED[0][2], _LAST_PREPARED[0][3]
    if doc.text != text:
        raise ValueError("doc is not a parse of text")
    idx = _DocIndex(doc, text)
    cands = _scan(text)
    cands = [
        c
        for c in cands
        if not (
            c.pattern is not None
            and (
                (c.pattern.name == "year" and (_year_is_count(idx, c) or _year_is_name(idx, c)))
                or (c.pattern.name in _NAME_CHECKED and (_is_title(text, c, idx) or _generic_today(text, c)))
            )
        )
    ]
    extra = _ent_candidates(doc, cands)
    if extra:
        cands = sorted(cands + extra, key=lambda c: c.start)
    _LAST_PREPARED[:] = [(doc, text, idx, cands)]
    return idx, cands


def _anaphoric_year_word(match: re.Match[str]) -> bool:
    """The match names its year as "that year", "the following year" ..."""
    groups = match.re.groupindex
    return any(
        g in groups and match[g] and re.sub(r"\s+", " ", match[g].lower()) in _ANAPHORIC_YEAR for g in ("ry", "ry2")
    )


def _all_timexes(
    text: str, published: dt.date | None, published_granularity: str = "day", doc: Doc | None = None
) -> list[TimeMention]:
    if doc is None:
        from extract.nlp import load_nlp

        doc = load_nlp()(text)
    idx, cands = _prepared(text, doc)
    ctx = _Ctx(published, published_granularity, "past", None, {})
    out: list[TimeMention] = []
    for c in cands:
        if c.kind == "AGE":
            continue
        ctx.pos = c.start
        ctx.sentence = idx.sentence_of(c.start)
        before = text[max(0, c.start - 130) : c.start]
        cited = bool(_CITE_CLOSE_RX.match(text[c.end : c.end + 4]) and _CITE_OPEN_RX.search(before))
        if cited:
            ctx.tense = "cite"  # a source is dated on or before the publication
        elif c.pattern is not None and c.pattern.name in _TENSED:
            ctx.tense = _tense_of(idx, c)
        else:
            ctx.tense = "past"
        span_text = text[c.start : c.end]
        if c.ent:
            res = _resolve_ent(span_text, ctx)
        else:
            assert c.pattern is not None and c.match is not None
            res = c.pattern.norm(c.match, ctx)
        if res is None:
            continue
        basis = res.basis
        if (
            res.date_start is not None
            and c.match is not None
            and _anaphoric_year_word(c.match)
            and ctx.last_gran_anchor.get("year") is not None
        ):
            basis = "anaphoric"  # "in November that year"
        open_range = False
        if res.kind == "DATE":
            if cited:
                basis = "accessed" if _ACCESS_RX.search(before) else "citation"
            elif res.date_start is not None and _SINCE_RX.search(text[max(0, c.start - 8) : c.start]):
                open_range = True
        if basis == "citation" and res.date_start is not None and res.granularity == "day":
            ctx.cited = (res, ctx.sentence, c.start)
        mention = TimeMention(
            c.start,
            c.end,
            span_text,
            res.date_start,
            res.date_end,
            res.granularity,
            res.value,
            basis,
            res.kind,
            open_range,
            _range_parts(c.start, span_text, res.ends, basis) if res.ends is not None else (),
        )
        out.append(mention)
        # The quarter a results story reports on: named quarters, "the latest quarter" (not "year-ago" ones).
        if (
            res.granularity == "quarter"
            and res.date_start is not None
            and basis != "unresolved"
            and (c.pattern is None or c.pattern.name not in ("ago", "year_ago_adj", "period_year_ago"))
        ):
            rel = c.match["rel"] if c.match is not None and "rel" in c.match.re.groupindex else None
            current = ctx.reported_quarter()
            if (
                not (rel and rel.lower().startswith("the year"))
                # a story reports its latest completed quarter: earlier ones are comparisons ("after a
                # flat second quarter"), later ones outlooks
                and (current is None or current.date_start is None or res.date_start >= current.date_start)
                and (
                    published is None
                    or res.date_end <= published
                    or _ENDED_RX.match(text, c.end)  # a fiscal quarter: "the fourth quarter ended Sept. 30"
                    or (res.date_start <= published and _tense_of(idx, c) == "past")  # "fourth-quarter net fell"
                )
            ):
                ctx.period, ctx.period_pos = res, c.start
            elif current is not None and res.value == current.value:
                ctx.period_pos = c.start  # named again: still the subject
        # Anaphora anchors: narrative dates only (not citations, not references like "now").
        if (
            res.kind == "DATE"
            and basis not in ("citation", "accessed", "unresolved")
            and res.date_start is not None
            and res.granularity in ("day", "week", "month", "quarter", "season", "year")
            and not res.value.endswith("_REF")
            and not (c.pattern is not None and c.pattern.name in _NO_ANCHOR)
        ):
            ctx.anchor = res
            ctx.anchor_pos = c.start
            ctx.anchor_sentence = ctx.sentence
            rank = GRANULARITY_RANK[res.granularity]
            for g, r in GRANULARITY_RANK.items():
                if r >= rank and g in ("day", "week", "month", "quarter", "season", "year"):
                    ctx.last_gran_anchor[g] = res
            if res.granularity != "quarter":
                ctx.last_gran_anchor.pop("quarter", None) if rank < 3 else None
    # Open ranges run to the as-of date of the claim: a cited report in the same sentence, else publication.
    for i, m in enumerate(out):
        if m.open_range:
            end = _as_of(out, idx, m.start, published)
            if end is not None and m.date_start is not None and end >= m.date_start:
                out[i] = replace(m, date_end=end, granularity="range")
            else:
                out[i] = replace(m, date_end=None, granularity="range", basis="unresolved")
    return out


def find_timexes(
    text: str,
    published: dt.date | None,
    *,
    published_granularity: str = "day",
    doc: Doc | None = None,
) -> list[TimeMention]:
    """Every TIMEX3 (DATE, TIME, DURATION, SET) in TimeML's conventions: closed ranges split into their ends."""
    out: list[TimeMention] = []
    for m in _all_timexes(text, published, published_granularity, doc):
        out.extend(m.parts or (m,))
    return out


_PART_RX = re.compile(rf"(?:{_MONTH})(?:\s+{_DAY})?(?:,?\s+{_YEAR})?|{_DAY}(?:\s+{_MONTH})?(?:,?\s+{_YEAR})?|{_YEAR}")


def _range_parts(start: int, span: str, ends: tuple[_Res, _Res], basis: str) -> tuple[TimeMention, ...]:
    """The two ends of a closed range, located in its text: "from [March 13] to [19]", "between [1994] and [1997]"."""
    found = [p for p in _PART_RX.finditer(span) if p.group(0).strip()]
    if len(found) < 2:
        return ()
    return tuple(
        TimeMention(
            start + p.start(), start + p.end(), p.group(0), r.date_start, r.date_end, r.granularity, r.value, basis
        )
        for p, r in ((found[0], ends[0]), (found[-1], ends[1]))
    )


def find_time_mentions(
    text: str,
    published: dt.date | None,
    *,
    published_granularity: str = "day",
    doc: Doc | None = None,
) -> list[TimeMention]:
    """Dated time expressions in `text`, resolved against the publication date, sorted by start.

    TIMEX3 DATEs, plus TIMEs that name their day ("9 a.m. Tuesday", "this morning": kind TIME, the day's
    dates, granularity "day"); a closed range is one mention with its two ends in `parts`.

    `doc`, when given, must be a spaCy parse of exactly `text` (the model is then not run);
    `published_granularity` ("day", "month" or "year") says how much of `published` is known.
    """
    return [
        m
        for m in _all_timexes(text, published, published_granularity, doc)
        if m.kind == "DATE" or (m.kind == "TIME" and m.granularity == "day" and _NAMES_DAY_RX.search(m.text))
    ]


_NAMES_DAY_RX = re.compile(_I.format(rf"{_WEEKDAY}|{_DAY_PARTS}"))


__all__ = ["PATTERNS", "TimeMention", "find_time_mentions", "find_timexes"]
