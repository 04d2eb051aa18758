"""Normalisers of the TIMEX3 types that are not dates (durations, sets, clock times) and of the model's
DATE entities that no pattern covers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from extract.calendar import month_number, weekday_number
from extract.timex.context import Groups, _Ctx
from extract.timex.lexicon import _DAY_PART_RX, _MONTH_FULL, _NUM, _PART_OF_DAY, _SEASONS, _UNIT_CODE, _WEEKDAY, _num
from extract.timex.norm_relative import _n_weekday
from extract.timex.values import _Res, _unresolved


def _n_duration(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_duration_hyph(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "five-year", "two-week-long"; "multi-year", "half-day": a duration of unknown length."""
    res = _n_duration(m, ctx)
    if res is not None and m["n"].lower() in ("multi", "half"):
        return replace(res, value="PXY")
    return res


def _n_duration_one(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "the past day", "over the last century": one unit."""
    return _n_duration(m.but(n=None), ctx)


def _n_duration_vague(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "several decades", "months": an unknown number of units."""
    res = _n_duration(m.but(n="x"), ctx)
    assert res is not None
    return replace(res, value=f"PX{_UNIT_CODE[m['u'].lower()[:-1]]}".replace("DE", "Y"))


def _n_age(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "55-year-old": not a time expression; matched so that no other pattern takes its words."""
    return _Res(None, None, "range", "", "unresolved", "AGE")


def _n_set(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_time(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_time_weekday(m: Groups, ctx: _Ctx) -> _Res | None:
    day = _n_weekday(m, ctx)
    clock = _n_time(m.but(t=m["clock"]), ctx)
    if day is None or clock is None:
        return None
    t = clock.value[clock.value.index("T") :]
    return _Res(day.date_start, day.date_end, "day", day.value + t, day.basis, "TIME")


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
