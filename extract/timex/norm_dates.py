"""Normalisers of calendar dates: days, months, years, decades, centuries, seasons, quarters, halves,
holidays and closed ranges. Each takes a match's groups and the resolution context and returns a `_Res`
(None: not a date after all)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from extract.calendar import easter, month_number, nth_weekday, quarter_span, season_of
from extract.timex.context import Groups, _Ctx, _rel_year, _year_shift, _ym, _ymd
from extract.timex.lexicon import _DECADE_WORDS, _ORDINALS, _SEASONS, _int_day, _year_int
from extract.timex.values import (
    OutOfCalendar,
    _century,
    _day,
    _decade,
    _month,
    _quarter,
    _range,
    _Res,
    _season,
    _unresolved,
    _year,
)


def _n_full_mdy(m: Groups, ctx: _Ctx) -> _Res | None:
    return _ymd(int(m["y"]), month_number(m["mon"]), _int_day(m["d"]), ctx)


def _n_md(m: Groups, ctx: _Ctx) -> _Res | None:
    y = m["y"]
    if y is None and m["ry"]:
        ry = _rel_year(m["ry"], ctx)
        if ry is None:
            return _unresolved(f"XXXX-{month_number(m['mon']):02d}-{_int_day(m['d']):02d}", "day")
        return _ymd(ry, month_number(m["mon"]), _int_day(m["d"]), ctx)
    return _ymd(int(y) if y else None, month_number(m["mon"]), _int_day(m["d"]), ctx)


def _n_iso(m: Groups, ctx: _Ctx) -> _Res | None:
    return _ymd(int(m["y"]), int(m["mo"]), int(m["d"]), ctx)


def _n_month_year(m: Groups, ctx: _Ctx) -> _Res | None:
    mon = month_number(m["mon"])
    if m["y"]:
        return _month(_year_int(m["y"]), mon)
    ry = _rel_year(m["ry"], ctx)
    if ry is None:
        return _unresolved(f"XXXX-{mon:02d}", "month")
    return _month(ry, mon, "relative")


def _n_month(m: Groups, ctx: _Ctx) -> _Res | None:
    rel = (m["rel"] or "").lower() or None
    if m["mon"] in ("May", "March") and not (m["cue"] or rel or m["t"] != m["mon"]):
        return None  # the modal verb / the noun, unless a preposition or modifier says it is the month
    return _ym(None, month_number(m["mon"]), ctx, rel)


def _n_year(m: Groups, ctx: _Ctx) -> _Res | None:
    return _year(_year_int(m["y"]))


def _n_decade(m: Groups, ctx: _Ctx) -> _Res | None:
    if m["y"]:
        y = int(m["y"])
        if y % 100 == 0 and y < 2000:
            return _century(y // 100 + 1)  # "the 1800s": the century 1800-1899 ("the 2000s" is the decade)
        return _decade(y)
    if m["yy"]:
        return _decade(1900 + int(m["yy"]))
    # "the nineties": the latest such decade begun by the publication year (unknown: the 1900s').
    k = _DECADE_WORDS[m["dw"].lower()]
    pub = ctx.pub("year")
    if pub is None:
        return _Res(None, None, "decade", f"XX{k}", "unresolved")
    y = (pub.year // 100) * 100 + 10 * k
    return _decade(y if y <= pub.year else y - 100, "relative")


def _n_century(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "the 19th century" (1800-1899), "the last century"; "the 5th century BC" lies before the calendar."""
    if m["n"]:
        c = int(re.sub(r"\D", "", m["n"]))
        if _before_christ(m["era"]):
            raise OutOfCalendar(f"the {m['n']} century BC is before the calendar's first year (AD 1)")
    else:
        cur = ctx.pub("year")
        if cur is None:
            return _unresolved("XX", "range")
        c = cur.year // 100 + 1 + (-1 if m["rel"].lower() in ("last", "previous") else 0)
    if not 1 <= c <= 22:
        return None
    return _century(c)


def _n_era_year(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "AD 79", "800 CE": that year; "500 BC", "44 BCE": before the calendar's first year."""
    y = int((m["y1"] or m["y2"]).replace(",", ""))
    if _before_christ(m["era"]):
        raise OutOfCalendar(f"{y:,} BC is before the calendar's first year (AD 1)")
    return _year(y)


def _before_christ(era: str | None) -> bool:
    return era is not None and era.startswith("B")


def _n_season(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_quarter(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_half(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_range(m: Groups, ctx: _Ctx) -> _Res | None:
    """Ranges: the two ends share a year / month written once at the end."""
    y2 = int(m["y2"]) if m["y2"] else None
    y1 = int(m["y1"]) if m["y1"] else y2
    if m["d1"]:  # day ranges: March 13–19, 2025 / 13-19 March 2025 / March 30 - April 2
        mon2 = month_number(m["mon2"]) if m["mon2"] else month_number(m["mon"])
        mon1 = month_number(m["mon"])
        a = _ymd(y1, mon1, _int_day(m["d1"]), ctx)
        b = _ymd(y2, mon2, _int_day(m["d2"]), ctx)
    elif m["mon1"]:  # from March to May 2023
        a = _ym(y1, month_number(m["mon1"]), ctx)
        b = _ym(y2, month_number(m["mon2"]), ctx)
    else:
        return None
    if a is None or b is None:
        return None
    return _range(a, b, "explicit" if a.basis == b.basis == "explicit" else "relative")


def _n_range_dm(m: Groups, ctx: _Ctx) -> _Res | None:
    mon1 = m["mon"] or m["mon2"]
    return _n_range(m.but(mon=mon1, y1=None), ctx)


def _n_range_mm(m: Groups, ctx: _Ctx) -> _Res | None:
    mon1 = m["mon1"] or m["mon1b"] or m["mon1c"]
    y1 = m["y1"] or m["y1b"] or m["y1c"]
    y2 = m["y2"]
    return _n_range(m.but(mon1=mon1, y1=y1 or y2, y2=y2), ctx)


def _n_range_y(m: Groups, ctx: _Ctx) -> _Res | None:
    y1 = m["y1"] or m["y1b"] or m["y1c"]
    y2 = m["y2"]
    if len(y2) == 3:
        return None
    y2v = int(y1[:2] + y2) if len(y2) == 2 else int(y2)
    if not 0 < y2v - int(y1) <= 50:
        return None
    return _range(_year(int(y1)), _year(y2v))


def _n_quarter_any(m: Groups, ctx: _Ctx) -> _Res | None:
    y = m["y"] or m["y0"] or m["y3"]
    return _n_quarter(m.but(y=y, ry=m["ry"] or m["ry2"]), ctx)


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


def _n_holiday(m: Groups, ctx: _Ctx) -> _Res | None:
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
