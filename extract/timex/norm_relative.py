"""Normalisers of relative and anaphoric dates: weekdays, today/yesterday, this/last/next week, "two
years ago", "that year", "the same quarter", "now", "in recent months", results-story periods."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from extract.calendar import (
    GRANULARITY_RANK,
    quarter_of,
    quarter_span,
    season_span,
    shift_day,
    week_value,
    weekday_number,
)
from extract.timex.context import Groups, _Ctx, _rel_year
from extract.timex.lexicon import _PART_OF_DAY, _SEASONS, _UNIT_CODE, _num
from extract.timex.values import _X_VALUES, _as_unit, _day, _quarter, _Res, _season, _shift, _unresolved, _year


def _n_quarter_rel(m: Groups, ctx: _Ctx) -> _Res | None:
    rel = m["rel"].lower().replace(" ", "")
    if rel in ("same", "that") or rel.startswith("year"):
        a = ctx.last_gran_anchor.get("quarter") or ctx.reported_quarter()
        pub = ctx.pub("month")
        if (a is None or a.date_start is None) and rel.startswith("year") and pub is not None:
            # no quarter named yet: a results story reports the last completed one
            d = shift_day(pub.replace(day=1), -1, "quarter")
            a = _quarter(d.year, quarter_of(d))
        if a is None or a.date_start is None:
            return _unresolved("XXXX-QX", "quarter")
        d = a.date_start
        if rel.startswith("year"):
            d = shift_day(d, -1, "year")
        return _quarter(d.year, quarter_of(d), "anaphoric")
    pub = ctx.pub("month")
    if pub is None:
        return _unresolved("XXXX-QX", "quarter")
    shift = {"last": -1, "previous": -1, "latest": -1, "past": -1, "next": 1, "coming": 1}.get(rel, 0)
    if rel == "" or rel == "the":
        # Bare "the quarter": the one last mentioned, else the last completed one (earnings reports).
        a = ctx.last_gran_anchor.get("quarter")
        if a is not None and a.granularity == "quarter" and a.date_start is not None:
            return _Res(*quarter_span(a.date_start.year, quarter_of(a.date_start)), "quarter", a.value)
        shift = -1
    d = shift_day(pub.replace(day=1), shift, "quarter")
    return _quarter(d.year, quarter_of(d), "relative")


def _n_weekday(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_day_word(m: Groups, ctx: _Ctx) -> _Res | None:
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
    pod = m["pod"]
    suffix = f"T{_PART_OF_DAY[pod.lower()]}" if pod else ""
    return _day(pub + dt.timedelta(days=shift), "relative", suffix)


def _n_rel_unit(m: Groups, ctx: _Ctx) -> _Res | None:
    """this/last/next week, month, year; earlier this month; the current (fiscal) year ...

    "the past year", "the last decade", "the next year" (no number) are the same dates as "last year",
    "last decade", "next year" (newswire's "over the past year" is the year before publication); "the last
    week of March", a part of something else, is left out when scanning (`patterns._rel_unit_ok`).
    """
    rel = re.sub(r"^the\s+(?=past|last|next)", "", re.sub(r"\s+", " ", (m["rel"] or m["rel2"]).lower()))
    unit = (m["u"] or m["u2"]).lower()
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


def _n_ago(m: Groups, ctx: _Ctx) -> _Res | None:
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
            d = _shift(q.date_start, sign * n, "year")
            return _quarter(d.year, quarter_of(d), "anaphoric")
    if base is None:
        pub = ctx.pub("day" if unit in ("day", "week") else "month" if unit in ("month", "quarter") else "year")
        if pub is None:
            return _unresolved(_X_VALUES.get(unit, "XXXX"), unit)
        return _as_unit(_shift(pub, sign * n, unit), unit, basis)
    d = _shift(base.date_start, sign * n, unit)  # type: ignore[arg-type]
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


def _n_anaphor(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_ref(m: Groups, ctx: _Ctx) -> _Res | None:
    w = re.sub(r"\s+", " ", m["t"].lower())
    if w in ("now", "currently", "current", "at present", "at the moment", "nowadays", "right now", "presently"):
        if ctx.published is None:
            return _unresolved("PRESENT_REF", "day")
        gran = ctx.pub_gran if ctx.pub_gran in ("day", "month", "year") else "day"
        r = _as_unit(ctx.published, gran, "relative")
        return replace(r, value="PRESENT_REF")
    future = "future" in w or w == "soon"
    return _Res(None, None, "range", "FUTURE_REF" if future else "PAST_REF", "unresolved")


def _n_recent(m: Groups, ctx: _Ctx) -> _Res | None:
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


def _n_the_year(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "the year": a year named just before in the same breath, else the publication's."""
    a = ctx.anchor
    if a is not None and a.granularity == "year" and a.date_start is not None and ctx.pos - ctx.anchor_pos <= 150:
        return _year(a.date_start.year, "anaphoric")
    pub = ctx.pub("year")
    if pub is None:
        return _unresolved("XXXX", "year")
    return _year(pub.year, "relative")


def _n_period_edge(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "the end of the year", "year-end", "the end of the month": the year / month it is the edge of.

    TimeML writes the period itself (the edge is a modifier); which period: "last/next year-end" shift
    from the publication year, otherwise a period of that size named just before, else the publication's.
    """
    unit = (m["u"] or "year").lower()
    rel = (m["rel"] or "").lower()
    if not rel and not m["u"] and ctx.since:
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


def _n_period(m: Groups, ctx: _Ctx) -> _Res | None:
    q = ctx.reported_quarter()
    if m["y"]:
        y = int(m["y"])
        if q is None or q.date_start is None:
            return _year(y) if m["t"].lower().endswith("period") else _unresolved(f"{y}-QX", "quarter")
        return _quarter(y, quarter_of(q.date_start), "anaphoric")
    if q is None or q.date_start is None:
        return None  # "the latest period" outside a results story: not a date we can place
    return _quarter(q.date_start.year, quarter_of(q.date_start), "anaphoric")


def _n_quarter_rel_any(m: Groups, ctx: _Ctx) -> _Res | None:
    rel = re.sub(r"^the\s+", "", (m["rel"] or "the").lower())
    return _n_quarter_rel(m.but(rel=rel), ctx)


def _n_ago_fixed(m: Groups, ctx: _Ctx) -> _Res | None:
    """ "the year-ago quarter", "year-earlier results": the reported period a year before, else last year."""
    if ctx.reported_quarter() is not None:
        return _n_ago(m.but(n="1", u="year", dir="ago"), ctx)
    pub = ctx.pub("year")
    if pub is None:
        return _unresolved("XXXX", "year")
    return _year(pub.year - 1, "relative")
