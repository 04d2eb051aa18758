"""The resolution context: what a normaliser knows besides its expression's words (the publication date,
the verb's tense, the time last narrated, the quarter a results story reports on), and the helpers that
place a yearless date or a relative year with it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from extract.calendar import GRANULARITY_RANK, valid_date
from extract.timex.lexicon import _ANAPHORIC_YEAR
from extract.timex.values import _day, _month, _Res, _unresolved


class Groups(dict[str, str]):
    """A pattern match's named groups (those that matched), read like a match: a group that did not match
    reads as None. Plain data, so a scan can be stored and resolved again without the text."""

    def __missing__(self, key: str) -> None:
        return None

    def but(self, **groups: str | None) -> Groups:
        """A copy with some groups replaced (to reuse a normaliser for another pattern's groups)."""
        return Groups({k: v for k, v in {**self, **groups}.items() if v is not None})


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
    since: bool = False  # the expression being resolved follows "since" or "as of"

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
